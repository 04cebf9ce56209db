// LLVM IR for one LoopProgram: the function kKernelSymbol (kernel_compiler.h).
//
// Takes: a program (loop_ir.h) and an LLVM module to add the function to.
// Promises: the function evaluates every output element by walking the segment's ops
// backwards (remaps map coordinates, pointwise ops map values), with exactly the
// interpreter's f32 operations in its order, using only plain IEEE instructions (fadd, fsub,
// fmul, fdiv, fcmp, select, llvm.floor, llvm.sqrt, conversions, bit casts) and integer
// arithmetic: no fast-math flags, no fmuladd, so the optimiser and the vectoriser may not
// change any result. gaussian_noise's normals are drawn in the kernel (Philox 4x32-10 and
// random_stream.h's Box–Muller with det_math.h's operation sequences), per element.
// An affine reads a framed source (loop_ir.h: Segment::border) with no bounds tests; a crop
// splits its rows at its valid range; segments with an affine run as one flat loop. Flip flags are versioned: the
// loop nest is emitted once per combination of up to kMaxVersionedFlips flips, so each
// version reads rows forwards or backwards with no per-element select, which vectorises.
// mixup reads its partner's plane (scratch written by the partner's segments) at its own
// element. Each segment's stores are in its own alias scope and its loads are declared not
// to alias them (a segment never reads what it writes), so scratch-to-scratch loops vectorise.
// Does not: optimise or emit machine code (kernel_compiler_llvm.cpp).
#pragma once

#include <llvm/IR/Module.h>

#include "runtime/fuse/loop_ir.h"

namespace mlf::runtime {

inline constexpr int kMaxVersionedFlips = 3;

void emit_kernel(const LoopProgram& program, llvm::Module& module);

}  // namespace mlf::runtime
