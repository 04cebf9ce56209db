// Deterministic Gamma and symmetric Beta draws from a sample's Philox words (for mixup).
//
// Takes: the SampleDraws of one (stream, epoch, sample), the first word number to use, and
// the shape parameter (> 0).
// Promises, exactly (all f32, in this order; det_log/det_exp from det_math.h):
//   log_gamma_draw(first, a): the log of a Gamma(a, 1) draw, Marsaglia–Tsang (2000) without
//   its squeeze step, using words [first, first + kGammaWords):
//     b = a < 1 ? a + 1 : a;  d = b − f32(1/3);  c = 1 / sqrtf(9·d)
//     result = det_log(d)                                   (fallback: no attempt accepted)
//     for t = 0 .. kGammaAttempts−1:
//       z  = normal(first + 1 + 3t)                         (words first+1+3t, first+2+3t)
//       w  = 1 + c·z;  if !(w > 0) next attempt
//       v  = (w·w)·w;  if !(v > 0) next attempt             (underflow)
//       lu = det_log(uniform_open(first + 3 + 3t))
//       lv = det_log(v)
//       if lu < ((0.5·(z·z) + d) − d·v) + d·lv: result = det_log(d) + lv; stop
//     if a < 1: result = result + det_log(uniform_open(first)) / a    (the boost
//                                                      Gamma(a) = Gamma(a+1)·U^(1/a))
//   The fallback is taken with probability below 0.05^16 for a >= 1 (the acceptance rate of
//   Marsaglia–Tsang is above 95 %).
//   beta_symmetric(first, alpha): a Beta(alpha, alpha) draw in [0, 1] as the ratio of two
//   Gamma draws, in log form so that small alphas cannot underflow:
//     ga = log_gamma_draw(first, alpha); gb = log_gamma_draw(first + kGammaWords, alpha)
//     lambda = 1 / (1 + det_exp(gb − ga));  NaN (both infinite) gives 0.5
//   using words [first, first + 2·kGammaWords).
// Does not: draw anything outside those word ranges.
#pragma once

#include <cstdint>

#include "runtime/random/random_stream.h"

namespace mlf::runtime {

inline constexpr int kGammaAttempts = 16;
inline constexpr std::uint64_t kGammaWords = 1 + 3 * kGammaAttempts;

float log_gamma_draw(SampleDraws& draws, std::uint64_t first, float shape);
float beta_symmetric(SampleDraws& draws, std::uint64_t first, float alpha);

}  // namespace mlf::runtime
