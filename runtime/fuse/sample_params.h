// The per-sample values of a fused chain's random ops, drawn before its kernel runs.
//
// Takes: a LoopProgram (loop_ir.h), the CompiledChain it was lowered from (for the streams
// and arguments), an epoch and a sample index i.
// Promises: fill_sample_params() writes, into the slots loop_ir.h lays out, exactly the
// values the reference interpreter computes for (chain, epoch, i): the same SampleDraws
// words, the same f32 operations in the same order (this file is compiled without
// contraction, like the interpreter), e.g. affine's (cos, sin) from det_sincos_turns and
// crop's offsets from uniform_int. gaussian_noise's normals, normal(2k) for each element k
// of the op's input, go to the noise buffer. So the kernel only does the per-element
// arithmetic, and an op's draws depend on its own stream only: inserting an op elsewhere in
// the chain changes no other op's values.
// Does not: run the kernel, or touch the data.
#pragma once

#include <cstdint>

#include "runtime/data/augment_steps.h"
#include "runtime/fuse/loop_ir.h"

namespace mlf::runtime {

// `floats`, `ints` and `noise` hold program.float_slots, program.int_slots and
// program.noise_elements values.
void fill_sample_params(const LoopProgram& program, const CompiledChain& chain,
                        std::uint32_t epoch, std::uint64_t i, float* floats,
                        std::int64_t* ints, float* noise);

}  // namespace mlf::runtime
