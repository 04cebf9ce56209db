// Deterministic f32 elementary functions: the only log, exp, sin and cos that random draws
// and augment ops use, written so that the fused LLVM kernel can reproduce them bit for bit.
//
// Promises: each function is a fixed sequence of IEEE-754 f32 operations (add, subtract,
// multiply, divide, floor, compare, bit reinterpretation, ldexpf), evaluated exactly as
// written in det_math.cpp (no contraction: strict_float.h), so the result is the same on
// every x86-64 or other IEEE machine and in every build. Accuracy is a few ulp over the
// documented domains (tests compare with std:: functions); exactness is NOT a goal, agreement
// is. Constants are the f32 values nearest the stated reals, written as hex literals.
// Never calls the C library's log/exp/sin/cos, whose last bit may differ between versions.
// Does not: handle more than needed: see each function's domain.
#pragma once

namespace mlf::runtime {

// Natural logarithm. x > 0 (subnormals included): the algorithm below. x == 0: -inf;
// x < 0 or NaN: NaN; +inf: +inf.
//   x = m·2^e with m in [1, 2) from the bits (subnormals first scaled by 2^24, exact);
//   if m > 0x1.6a09e6p+0 (√2): m = m·0.5, e = e + 1          (m in [√2/2, √2])
//   s = (m − 1) / (m + 1);  z = s·s
//   p = (((z·C9 + C7)·z + C5)·z + C3)·z        with Ck = f32(1/k)
//   ln_m = 2·(s + s·p)
//   result = E·LN2_HI + (ln_m + E·LN2_LO)       with E = f32(e),
//            LN2_HI = 0x1.62e4p-1, LN2_LO = 0x1.7f7d1cp-20
float det_log(float x);

// e^x. NaN: NaN; x > 0x1.62e43p+6 (88.72284): +inf; x < -0x1.9fe368p+6 (-103.97208): 0.
//   n = floor(x·INV_LN2 + 0.5)                 INV_LN2 = 0x1.715476p+0
//   r = (x − n·LN2_HI) − n·LN2_LO
//   p = 1 + r·(1 + r·(C2 + r·(C3 + r·(C4 + r·(C5 + r·(C6 + r·C7))))))   Ck = f32(1/k!)
//   result = ldexpf(p, n)    (one rounding, also into the subnormal range)
float det_exp(float x);

// sin(2πt) and cos(2πt) for a finite t in turns (|t| < 2^20).
//   q = floor(4t + 0.5);  f = 4t − q  (in [−0.5, 0.5]);  a = f·HALF_PI  (0x1.921fb6p+0)
//   z = a·a
//   sa = a + a·(z·(S3 + z·(S5 + z·(S7 + z·S9))))          S3 = f32(−1/3!), S5 = f32(1/5!), ...
//   ca = 1 + z·(C2 + z·(C4 + z·(C6 + z·(C8 + z·C10))))    C2 = f32(−1/2!), C4 = f32(1/4!), ...
//   by quadrant k = int(q) & 3 (two's complement):
//     k = 0: (sin, cos) = ( sa,  ca)   k = 1: ( ca, −sa)
//     k = 2:             (−sa, −ca)   k = 3: (−ca,  sa)
struct SinCos {
  float sin = 0.0f;
  float cos = 1.0f;
};
SinCos det_sincos_turns(float turns);

}  // namespace mlf::runtime
