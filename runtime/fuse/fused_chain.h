// Augment chains run as fused kernels: the default data path of the runtime.
//
// The API (also what bench/ calls):
//   auto fused = compile_fused(chain, in, &store);   // lower, then load or compile the kernel
//   if (ok(fused)) out = run_fused(*value(fused), in, epoch, threads);
//   run_fused_into(*value(fused), in, epoch, threads, out)  // the same, into `out`, reused
//   run_chain_fused(chain, in, epoch, threads, &store, say)  // the executor's entry point:
//       fused when the chain can be, else the reference interpreter (said once per reason);
//       `say` gets whole lines with their severity: "note: ..." (interpreter, kernels not
//       cached) or "warning: ..." (a stored kernel record refused, kernel_cache.h)
//   run_chain_fused_into(chain, in, epoch, threads, &store, say, out)  // the same, into `out`
// Takes: a chain (PlanNode::chain) and the dataset it applies to, as run_chain does
// (augment_interpreter.h); an optional store for the kernel cache (kernel_cache.h).
// Promises: run_fused() returns exactly the bytes run_chain() returns for the same (chain,
// in, epoch), whatever `threads` or range split: per sample, the random values are drawn in
// C++ with the interpreter's own SampleDraws (sample_params.h), and the kernel evaluates the
// interpreter's formulas with the same IEEE operations (kernel_codegen.h). Labels are copied
// as the interpreter copies them, or mixed as it mixes them (mixup). A chain the loop IR
// declines (over 16 samples of nested mixups) or a kernel that
// cannot be built (no code generator module) is an error of compile_fused(), and
// run_chain_fused() then uses the interpreter — same results, only slower.
// The *_into forms write into a caller's Dataset: when it already has the shapes this
// (chain, in) produces (output_fits), its memory is reused as it is, neither reallocated nor
// cleared, since the kernel writes every output byte; otherwise it is replaced by a fresh
// prepare_output(). An epoch loop that passes the same Dataset allocates once (188 MB for
// 60000 Fashion images, whose zero-filling and page faults cost more than the kernel).
// Does not: prefetch or overlap with training (runtime/exec/epoch_prefetch.h does).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/plan/plan.h"
#include "runtime/data/augment_steps.h"
#include "runtime/data/data_result.h"
#include "runtime/data/tensor.h"
#include "runtime/fuse/kernel_cache.h"
#include "runtime/fuse/loop_ir.h"
#include "runtime/store/object_store.h"

namespace mlf::runtime {

struct FusedChain {
  std::vector<PlanStep> steps;  // the plan's chain, for prepare_output
  CompiledChain chain;
  LoopProgram program;
  LoadedKernel kernel;
};

DataResult<std::shared_ptr<const FusedChain>> compile_fused(const std::vector<PlanStep>& chain,
                                                            const Dataset& in, ObjectStore* store);

// Samples [begin, end) of `out`, which prepare_output() made for (chain, in).
void run_fused_range(const FusedChain& fused, const Dataset& in, int epoch, std::int64_t begin,
                     std::int64_t end, Dataset& out);

// Whether `out` has exactly the tensors prepare_output() makes for (fused, in).
bool output_fits(const FusedChain& fused, const Dataset& in, const Dataset& out);

// nullopt when `out` holds the chain's output for `epoch`.
std::optional<DataError> run_fused_into(const FusedChain& fused, const Dataset& in, int epoch,
                                        int threads, Dataset& out);
DataResult<Dataset> run_fused(const FusedChain& fused, const Dataset& in, int epoch, int threads);

DataResult<Dataset> run_chain_fused(const std::vector<PlanStep>& chain, const Dataset& in,
                                    int epoch, int threads, ObjectStore* store,
                                    const std::function<void(const std::string&)>& say);
std::optional<DataError> run_chain_fused_into(const std::vector<PlanStep>& chain,
                                              const Dataset& in, int epoch, int threads,
                                              ObjectStore* store,
                                              const std::function<void(const std::string&)>& say,
                                              Dataset& out);

}  // namespace mlf::runtime
