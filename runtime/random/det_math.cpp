#include "runtime/random/strict_float.h"  // first: no contraction in this file

#include "runtime/random/det_math.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace mlf::runtime {
namespace {

constexpr float kLn2Hi = 0x1.62e4p-1f;
constexpr float kLn2Lo = 0x1.7f7d1cp-20f;
constexpr float kInvLn2 = 0x1.715476p+0f;
constexpr float kSqrt2 = 0x1.6a09e6p+0f;
constexpr float kHalfPi = 0x1.921fb6p+0f;

// 1/k rounded to f32 (compile-time division is correctly rounded).
constexpr float kLogC3 = 1.0f / 3.0f;
constexpr float kLogC5 = 1.0f / 5.0f;
constexpr float kLogC7 = 1.0f / 7.0f;
constexpr float kLogC9 = 1.0f / 9.0f;

// 1/k! rounded to f32.
constexpr float kExpC2 = 1.0f / 2.0f;
constexpr float kExpC3 = 1.0f / 6.0f;
constexpr float kExpC4 = 1.0f / 24.0f;
constexpr float kExpC5 = 1.0f / 120.0f;
constexpr float kExpC6 = 1.0f / 720.0f;
constexpr float kExpC7 = 1.0f / 5040.0f;

constexpr float kExpOverflow = 0x1.62e43p+6f;    // ~88.72284: above it e^x > FLT_MAX
constexpr float kExpUnderflow = -0x1.9fe368p+6f;  // ~-103.97208: below it e^x rounds to 0

constexpr float kSinS3 = -1.0f / 6.0f;
constexpr float kSinS5 = 1.0f / 120.0f;
constexpr float kSinS7 = -1.0f / 5040.0f;
constexpr float kSinS9 = 1.0f / 362880.0f;
constexpr float kCosC2 = -1.0f / 2.0f;
constexpr float kCosC4 = 1.0f / 24.0f;
constexpr float kCosC6 = -1.0f / 720.0f;
constexpr float kCosC8 = 1.0f / 40320.0f;
constexpr float kCosC10 = -1.0f / 3628800.0f;

}  // namespace

float det_log(float x) {
  if (std::isnan(x) || x < 0.0f) return std::numeric_limits<float>::quiet_NaN();
  if (x == 0.0f) return -std::numeric_limits<float>::infinity();
  if (std::isinf(x)) return x;
  int adjust = 0;
  if (x < 0x1p-126f) {  // subnormal: scale into the normal range (exact)
    x = x * 0x1p24f;
    adjust = -24;
  }
  std::uint32_t bits = std::bit_cast<std::uint32_t>(x);
  int e = static_cast<int>(bits >> 23) - 127 + adjust;
  float m = std::bit_cast<float>((bits & 0x007fffffu) | 0x3f800000u);
  if (m > kSqrt2) {
    m = m * 0.5f;
    e = e + 1;
  }
  float s = (m - 1.0f) / (m + 1.0f);
  float z = s * s;
  float p = z * kLogC9 + kLogC7;
  p = p * z + kLogC5;
  p = p * z + kLogC3;
  p = p * z;
  float ln_m = 2.0f * (s + s * p);
  float fe = static_cast<float>(e);
  return fe * kLn2Hi + (ln_m + fe * kLn2Lo);
}

float det_exp(float x) {
  if (std::isnan(x)) return x;
  if (x > kExpOverflow) return std::numeric_limits<float>::infinity();
  if (x < kExpUnderflow) return 0.0f;
  float n = std::floor(x * kInvLn2 + 0.5f);
  float r = (x - n * kLn2Hi) - n * kLn2Lo;
  float p = kExpC6 + r * kExpC7;
  p = kExpC5 + r * p;
  p = kExpC4 + r * p;
  p = kExpC3 + r * p;
  p = kExpC2 + r * p;
  p = 1.0f + r * p;
  p = 1.0f + r * p;
  return std::ldexp(p, static_cast<int>(n));
}

SinCos det_sincos_turns(float turns) {
  float t4 = turns * 4.0f;
  float q = std::floor(t4 + 0.5f);
  float f = t4 - q;
  float a = f * kHalfPi;
  float z = a * a;
  float ps = kSinS7 + z * kSinS9;
  ps = kSinS5 + z * ps;
  ps = kSinS3 + z * ps;
  float sa = a + a * (z * ps);
  float pc = kCosC8 + z * kCosC10;
  pc = kCosC6 + z * pc;
  pc = kCosC4 + z * pc;
  pc = kCosC2 + z * pc;
  float ca = 1.0f + z * pc;
  switch (static_cast<int>(static_cast<std::int64_t>(q) & 3)) {
    case 0: return {sa, ca};
    case 1: return {ca, -sa};
    case 2: return {-sa, -ca};
    default: return {-ca, sa};
  }
}

}  // namespace mlf::runtime
