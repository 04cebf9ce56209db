// LLVM IR for one LoopProgram: the function kKernelSymbol (kernel_compiler.h).
//
// Takes: a program (loop_ir.h) and an LLVM module to add the function to.
// Promises: the function evaluates every output element by walking the segment's ops
// backwards (remaps map coordinates, pointwise ops map values), with exactly the
// interpreter's f32 operations in its order, using only plain IEEE instructions (fadd, fsub,
// fmul, fdiv, fcmp, select, llvm.floor, conversions): no fast-math flags, no fmuladd, so the
// optimiser and the vectoriser may not change any result. Flip flags are versioned: the
// loop nest is emitted once per combination of up to kMaxVersionedFlips flips, so each
// version reads rows forwards or backwards with no per-element select, which vectorises.
// Does not: optimise or emit machine code (kernel_compiler_llvm.cpp).
#pragma once

#include <llvm/IR/Module.h>

#include "runtime/fuse/loop_ir.h"

namespace mlf::runtime {

inline constexpr int kMaxVersionedFlips = 3;

void emit_kernel(const LoopProgram& program, llvm::Module& module);

}  // namespace mlf::runtime
