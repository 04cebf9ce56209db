// mlf's implementations of the chains: the reference interpreter (runtime/data/
// augment_interpreter.h), and the fused kernel when this tree has one (mlf_fused_slot.h).
//
// Usage: mlf_harness --impl reference|fused --chain P --shape fashion --input FILE
//                    [--n N] [--reps K] [--threads 2] [--store DIR]
// fused: DIR is the kernel store, emptied first (default ./augment-kernel-store).
// reference: cold = prepare_output (validates and compiles the chain to AugmentSteps,
// allocates the output) + the first apply; warm = apply_chain_parallel into that output.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "bench/augment/common.h"
#include "bench/augment/mlf_chains.h"
#include "bench/augment/mlf_fused_slot.h"
#include "runtime/data/augment_interpreter.h"

using namespace augment_bench;

int main(int argc, char** argv) try {
  std::string impl = "reference", store_root = "augment-kernel-store";
  std::vector<char*> rest = {argv[0]};
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--impl" && i + 1 < argc) impl = argv[++i];
    else if (std::string(argv[i]) == "--store" && i + 1 < argc) store_root = argv[++i];
    else rest.push_back(argv[i]);
  }
  Options o = parse_options(static_cast<int>(rest.size()), rest.data());
  ChainSpec spec = chain_spec(o.chain, o.shape);
  std::int64_t n = 0;
  std::vector<std::uint8_t> bytes = read_images(o, spec, n);
  mlf::runtime::Dataset in = dataset_of(spec, bytes, n);
  std::vector<mlf::PlanStep> chain = plan_chain(spec);

  Result r;
  r.chain = o.chain, r.shape = o.shape, r.n = n, r.threads = o.threads;
  mlf::runtime::Dataset out;
  if (impl == "reference") {
    r.impl = "mlf reference interpreter";
    measure(r, o.reps, [&](int epoch) {
      if (epoch == 0) {
        auto prepared = mlf::runtime::prepare_output(chain, in);
        if (!mlf::runtime::ok(prepared)) throw std::runtime_error(mlf::runtime::error(prepared).message);
        out = std::move(mlf::runtime::value(prepared));
      }
      mlf::runtime::apply_chain_parallel(chain, in, epoch, o.threads, out);
    });
  } else if (impl == "fused") {
    r.impl = "mlf fused";
    if (!fused_available()) {
      r.note = "no fused kernel in this tree (runtime/fuse/fused_chain.h missing)";
      print(r);
      return 3;
    }
    run_fused(chain, in, o.threads, o.reps, store_root, r, out);
  } else {
    throw std::invalid_argument("--impl must be reference or fused");
  }
  r.out_mean = sample_mean(out.x.data<float>(), n, spec);
  print(r);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "mlf_harness: %s\n", e.what());
  return 1;
}
