#include "runtime/random/strict_float.h"  // first: no contraction in this file

#include "runtime/random/beta_sampler.h"

#include <cmath>

#include "runtime/random/det_math.h"

namespace mlf::runtime {

float log_gamma_draw(SampleDraws& draws, std::uint64_t first, float shape) {
  const float b = shape < 1.0f ? shape + 1.0f : shape;
  const float d = b - 1.0f / 3.0f;
  const float c = 1.0f / std::sqrt(9.0f * d);
  float result = det_log(d);
  for (int t = 0; t < kGammaAttempts; ++t) {
    const std::uint64_t at = first + 3 * static_cast<std::uint64_t>(t);
    float z = draws.normal(at + 1);
    float w = 1.0f + c * z;
    if (!(w > 0.0f)) continue;
    float v = (w * w) * w;
    if (!(v > 0.0f)) continue;
    float lu = det_log(draws.uniform_open(at + 3));
    float lv = det_log(v);
    float bound = ((0.5f * (z * z) + d) - d * v) + d * lv;
    if (lu < bound) {
      result = det_log(d) + lv;
      break;
    }
  }
  if (shape < 1.0f) result = result + det_log(draws.uniform_open(first)) / shape;
  return result;
}

float beta_symmetric(SampleDraws& draws, std::uint64_t first, float alpha) {
  float ga = log_gamma_draw(draws, first, alpha);
  float gb = log_gamma_draw(draws, first + kGammaWords, alpha);
  float lambda = 1.0f / (1.0f + det_exp(gb - ga));
  if (std::isnan(lambda)) return 0.5f;
  return lambda;
}

}  // namespace mlf::runtime
