// The per-sample values of a fused chain's random ops, drawn before its kernel runs.
//
// Takes: a LoopProgram (loop_ir.h), the CompiledChain it was lowered from (for the streams
// and arguments), an epoch and a sample index i.
// Promises: fill_sample_params() writes, into the slots loop_ir.h lays out, exactly the
// values the reference interpreter computes for (chain, epoch, i): the same SampleDraws
// words, the same f32 operations in the same order (this file is compiled without
// contraction, like the interpreter), e.g. affine's (cos, sin) from det_sincos_turns and
// crop's offsets from uniform_int. gaussian_noise gets its stream's Philox key and the
// sample's fixed counter words; the kernel draws normal(2k) for each element k itself (one
// draw per element, vectorised, where the interpreter's equations are too many to precompute
// cheaply). An op's draws depend on its own stream only: inserting an op elsewhere in the
// chain changes no other op's values. mixup: every op draws for its sample of the mixup tree
// (LoopProgram::samples): sample 0 is i, a partner is uniform_int(0, n) of its mixup's draws
// for the parent sample, as the interpreter picks it; the partner's input offset
// (j − i)·row and the mixup's lambda (beta_symmetric from word 2) go in their slots.
// mixed_soft_label() computes the soft label row of sample i after a chain with mixups,
// exactly as the interpreter mixes labels (f32, one rounding per operation).
// Does not: run the kernel, or touch the data (except labels, in mixed_soft_label).
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/data/augment_steps.h"
#include "runtime/fuse/loop_ir.h"
#include "runtime/random/philox.h"

namespace mlf::runtime {

// Block 0 of every drawing op's words for kPhiloxLanes consecutive samples, computed
// together: one Philox block per op and sample is most of what a sample's parameters cost
// (a flip draws nothing else), and lanes of them vectorise. Ops that draw for a mixup
// partner are not in it (their sample is another one's draw).
class SampleDrawBatch {
 public:
  SampleDrawBatch(const LoopProgram& program, const CompiledChain& chain);
  // Computes the blocks of samples [first, first + kPhiloxLanes) in `epoch`.
  void compute(std::uint32_t epoch, std::uint64_t first);
  bool holds(std::uint32_t epoch, std::uint64_t i) const {
    return computed_ && epoch == epoch_ && i - first_ < kPhiloxLanes;
  }
  // Block 0 of the op numbered `op` (in the program's segment-op order) for sample i in
  // `epoch`; null when the batch does not hold it.
  const PhiloxBlock* block0(std::size_t op, std::uint32_t epoch, std::uint64_t i) const;

 private:
  const LoopProgram* program_;
  const CompiledChain* chain_;
  std::vector<int> lane_of_op_;          // per op: its index in lanes_, or -1
  std::vector<PhiloxLanes> lanes_;
  std::vector<PhiloxBlock> blocks_;      // [lane set][sample - first_]
  std::uint64_t first_ = 0;
  std::uint32_t epoch_ = 0;
  bool computed_ = false;
};

// `floats` and `ints` hold program.float_slots and program.int_slots values; `noise`
// (program.noise_elements, now always 0) is not written. `n` is the dataset's size (mixup
// draws its partner in [0, n)). `batch`, when it holds sample i, supplies block 0 of the
// ops' draws; the values are the same with or without it.
void fill_sample_params(const LoopProgram& program, const CompiledChain& chain,
                        std::uint32_t epoch, std::uint64_t i, std::uint64_t n, float* floats,
                        std::int64_t* ints, float* noise, const SampleDrawBatch* batch = nullptr);

// Whether the chain has a mixup (its labels are then mixed_soft_label's, not copies).
bool has_mixup(const CompiledChain& chain);

// The chain's output label row of sample i (chain.classes floats) for a chain with a mixup,
// from the partners and lambdas fill_sample_params() just put in `floats` and `ints` (so
// nothing is drawn twice). `work` is reused between calls.
void mixed_soft_label(const LoopProgram& program, const CompiledChain& chain, const Dataset& in,
                      std::uint64_t i, const float* floats, const std::int64_t* ints, std::vector<float>& work,
                      float* row);

}  // namespace mlf::runtime
