// ===== SLOT: mlf fused =====================================================================
// Where the benchmark calls mlf's fused kernel of a chain (runtime/fuse/fused_chain.h, the
// LLVM fusion pass of issue 4). Without that header fused_available() is false and the
// report shows the row as not measured.
//   cold: compile_fused with an empty store (lower, generate, compile with LLVM, put the
//         object in the store, load it) = compile_ms; cold_ms = that + the first run;
//   warm compile: the process's kernels forgotten, compile_fused again on the same store
//         (what a second `mlf run` pays: the object loaded from the store, no LLVM);
//   warm: run_fused_range over [0, N) split into `threads` ranges on std::threads, into an
//         output prepared once — as the reference harness does with apply_chain_parallel.
// The code generator module is found through MLF_FUSE_BACKEND (augment.sh sets it).
// ===========================================================================================
#pragma once

#include <filesystem>
#include <stdexcept>
#include <thread>
#include <vector>

#include "bench/augment/common.h"
#include "compiler/plan/plan.h"
#include "runtime/data/augment_interpreter.h"
#include "runtime/data/tensor.h"

#if __has_include("runtime/fuse/fused_chain.h")
#define AUGMENT_BENCH_HAS_FUSED 1
#include "runtime/fuse/fused_chain.h"
#include "runtime/store/object_store.h"
#else
#define AUGMENT_BENCH_HAS_FUSED 0
#endif

namespace augment_bench {

inline bool fused_available() { return AUGMENT_BENCH_HAS_FUSED != 0; }

inline void run_fused(const std::vector<mlf::PlanStep>& chain, const mlf::runtime::Dataset& in,
                      int threads, int reps, const std::filesystem::path& store_root, Result& r,
                      mlf::runtime::Dataset& out) {
#if AUGMENT_BENCH_HAS_FUSED
  namespace rt = mlf::runtime;
  std::filesystem::remove_all(store_root);
  auto opened = rt::ObjectStore::open(store_root);
  if (!opened.ok()) throw std::runtime_error("cannot open the kernel store " + store_root.string());
  rt::ObjectStore& store = opened.value();
  auto compile = [&]() {
    auto fused = rt::compile_fused(chain, in, &store);
    if (!rt::ok(fused)) throw std::runtime_error(rt::error(fused).message);
    return rt::value(fused);
  };
  std::shared_ptr<const rt::FusedChain> fused;
  auto run = [&](int epoch) {
    const std::int64_t n = in.size(), chunk = (n + threads - 1) / threads;
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      const std::int64_t begin = std::min(n, t * chunk), end = std::min(n, begin + chunk);
      workers.emplace_back([&, begin, end] { rt::run_fused_range(*fused, in, epoch, begin, end, out); });
    }
    for (auto& w : workers) w.join();
  };
  measure(r, reps, [&](int epoch) {
    if (epoch == 0) {
      double t0 = now_ms(), c0 = cpu_ms();
      fused = compile();
      r.compile_ms = now_ms() - t0;
      r.compile_cpu_ms = cpu_ms() - c0;
      auto prepared = rt::prepare_output(chain, in);
      if (!rt::ok(prepared)) throw std::runtime_error(rt::error(prepared).message);
      out = std::move(rt::value(prepared));
    }
    run(epoch);
  });
  rt::forget_loaded_kernels();
  double t0 = now_ms();
  fused = compile();
  r.warm_compile_ms = now_ms() - t0;
  r.note = fused->kernel.from == rt::LoadedKernel::From::Store ? "warm compile: loaded from the store"
                                                              : "warm compile: not from the store";
#else
  (void)chain, (void)in, (void)threads, (void)reps, (void)store_root, (void)r, (void)out;
#endif
}

}  // namespace augment_bench
