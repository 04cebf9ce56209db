#include "runtime/random/philox.h"

namespace mlf::runtime {
namespace {

PhiloxCounter round(const PhiloxCounter& c, const PhiloxKey& k) {
  std::uint64_t p0 = static_cast<std::uint64_t>(kPhiloxM0) * c[0];
  std::uint64_t p1 = static_cast<std::uint64_t>(kPhiloxM1) * c[2];
  auto hi0 = static_cast<std::uint32_t>(p0 >> 32), lo0 = static_cast<std::uint32_t>(p0);
  auto hi1 = static_cast<std::uint32_t>(p1 >> 32), lo1 = static_cast<std::uint32_t>(p1);
  return {hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0};
}

}  // namespace

PhiloxBlock philox4x32_10(PhiloxCounter counter, PhiloxKey key) {
  counter = round(counter, key);
  for (int r = 1; r < 10; ++r) {
    key[0] += kPhiloxW0;
    key[1] += kPhiloxW1;
    counter = round(counter, key);
  }
  return counter;
}

// round() above, lane by lane; the lane loop vectorises with the baseline instruction set
// (wider sets measured no faster: the loop is a small part of a sample's draws).
void philox4x32_10_lanes(PhiloxLanes& counters, PhiloxKey key) {
  auto& c = counters.words;
  for (int r = 0; r < 10; ++r) {
    if (r > 0) {
      key[0] += kPhiloxW0;
      key[1] += kPhiloxW1;
    }
#pragma GCC ivdep
    for (int l = 0; l < kPhiloxLanes; ++l) {
      const std::uint64_t p0 = static_cast<std::uint64_t>(kPhiloxM0) * c[0][l];
      const std::uint64_t p1 = static_cast<std::uint64_t>(kPhiloxM1) * c[2][l];
      const std::uint32_t c1 = c[1][l], c3 = c[3][l];
      c[0][l] = static_cast<std::uint32_t>(p1 >> 32) ^ c1 ^ key[0];
      c[1][l] = static_cast<std::uint32_t>(p1);
      c[2][l] = static_cast<std::uint32_t>(p0 >> 32) ^ c3 ^ key[1];
      c[3][l] = static_cast<std::uint32_t>(p0);
    }
  }
}

}  // namespace mlf::runtime
