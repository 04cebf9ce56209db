// Floating-point rules for the files that define random draws and augment ops bit for bit.
//
// Include this header FIRST in such a .cpp file (before any other #include), so that every
// function of the translation unit, inline library functions included, shares one setting.
// Promises: no floating-point contraction (a*b+c is a multiply rounded to f32, then an add
// rounded to f32, never one fused multiply-add), whatever -march or the compiler's default
// (g++ contracts by default in C++ modes when the target has FMA; clang contracts within an
// expression). Together with the build's lack of -ffast-math this makes every f32/f64
// expression in those files evaluate exactly as written, one IEEE-754 operation at a time,
// in source order: what the fused LLVM kernel must reproduce (no `contract`/`fast` flags,
// no llvm.fmuladd).
// Does not: change anything else (rounding mode stays round-to-nearest-even; denormals are
// not flushed).
#pragma once

#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif
