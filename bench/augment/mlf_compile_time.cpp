// Where a cold compile of a fused kernel spends its time, phase by phase.
//
// Usage: mlf_compile_time --chain P|G|R [--shape fashion|rgb224] [--store DIR]
// Compiles the chain once in a fresh process with an emptied kernel store (DIR, default
// ./compile-time-store), so the code generator module is loaded and the kernel compiled,
// linked, loaded and stored, and prints one JSON line: per phase (load_module, setup, ir,
// optimise, codegen, link, load, store) the wall and the compiling thread's CPU
// milliseconds, then the whole compile_fused call. Under `perf stat -e task-clock` it also
// gives the process's CPU.
// The code generator module is found through MLF_FUSE_BACKEND (or beside the binary).
// Build (as bench/augment.sh builds mlf_harness, from a Release build folder B):
//   g++ -std=c++20 -O2 -I. -IB/generated -pthread bench/augment/mlf_compile_time.cpp -o t \
//       B/libmlf_runtime.a B/libmlf_frontend.a B/libmlf_grammar.a -lantlr4-runtime -lssl \
//       -lcrypto -lzstd -lpng -lz -ldl
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include "bench/augment/common.h"
#include "bench/augment/mlf_chains.h"
#include "runtime/fuse/fused_chain.h"
#include "runtime/store/object_store.h"

using namespace augment_bench;

int main(int argc, char** argv) try {
  std::string chain_name = "P", shape = "fashion", store_root = "compile-time-store";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--chain") chain_name = argv[i + 1];
    else if (flag == "--shape") shape = argv[i + 1];
    else if (flag == "--store") store_root = argv[i + 1];
    else throw std::invalid_argument("unknown option " + flag);
  }
  const ChainSpec spec = chain_spec(chain_name, shape);
  const std::vector<std::uint8_t> bytes(static_cast<std::size_t>(spec.sample_elements()), 0);
  const mlf::runtime::Dataset in = dataset_of(spec, bytes, 1);
  const std::vector<mlf::PlanStep> chain = plan_chain(spec);

  std::filesystem::remove_all(store_root);
  auto opened = mlf::runtime::ObjectStore::open(store_root);
  if (!opened.ok()) throw std::runtime_error("cannot open the store " + store_root);
  const double t0 = now_ms(), c0 = cpu_ms();
  auto fused = mlf::runtime::compile_fused(chain, in, &opened.value());
  const double wall = now_ms() - t0, cpu = cpu_ms() - c0;
  if (!mlf::runtime::ok(fused)) throw std::runtime_error(mlf::runtime::error(fused).message);
  const auto& kernel = mlf::runtime::value(fused)->kernel;
  if (kernel.from != mlf::runtime::LoadedKernel::From::Compiled)
    throw std::runtime_error("the kernel was not compiled (store not empty?)");
  const auto& s = kernel.compile_stats;
  std::printf("{\"chain\": \"%s\", \"shape\": \"%s\"", chain_name.c_str(), shape.c_str());
  const std::pair<const char*, const mlf::runtime::PhaseTime*> phases[] = {
      {"load_module", &s.load_module}, {"setup", &s.setup},     {"ir", &s.ir},
      {"optimise", &s.optimise},       {"codegen", &s.codegen}, {"link", &s.link},
      {"load", &s.load},               {"store", &s.store}};
  for (const auto& [name, t] : phases)
    std::printf(", \"%s_ms\": [%.1f, %.1f]", name, t->wall * 1e3, t->cpu * 1e3);
  std::printf(", \"compile_fused_ms\": [%.1f, %.1f]}\n", wall, cpu);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "mlf_compile_time: %s\n", e.what());
  return 1;
}
