// Philox 4x32-10, the counter-based generator of Salmon, Moraes, Dror and Shaw, "Parallel
// random numbers: as easy as 1, 2, 3" (SC 2011), as in the Random123 library.
//
// Takes: a 128-bit counter (four 32-bit words) and a 64-bit key (two 32-bit words).
// Promises: the Random123 function philox4x32_R(10, counter, key) exactly, checked against
// its known-answer vectors (tests/unit/random_philox_test.cpp). A pure function: no state,
// safe from any thread.
// Does not: map words to numbers (random_stream.h does).
#pragma once

#include <array>
#include <cstdint>

namespace mlf::runtime {

using PhiloxCounter = std::array<std::uint32_t, 4>;
using PhiloxKey = std::array<std::uint32_t, 2>;
using PhiloxBlock = std::array<std::uint32_t, 4>;

// The multipliers and Weyl key increments of Philox 4x32.
inline constexpr std::uint32_t kPhiloxM0 = 0xD2511F53u;
inline constexpr std::uint32_t kPhiloxM1 = 0xCD9E8D57u;
inline constexpr std::uint32_t kPhiloxW0 = 0x9E3779B9u;
inline constexpr std::uint32_t kPhiloxW1 = 0xBB67AE85u;

// Ten rounds; between two rounds the key is bumped by (W0, W1). One round, with
// (hi, lo) the halves of a 32x32->64 product:
//   (hi0, lo0) = M0 * c0;  (hi1, lo1) = M1 * c2
//   c = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0)
PhiloxBlock philox4x32_10(PhiloxCounter counter, PhiloxKey key);

// kPhiloxLanes independent counters under one key, word-major (words[w][lane]): the same
// blocks as philox4x32_10 lane by lane, computed with vector instructions. For the per-sample draws of a run of samples (one stream, one block number).
inline constexpr int kPhiloxLanes = 16;
struct PhiloxLanes {
  alignas(64) std::uint32_t words[4][kPhiloxLanes];
};
void philox4x32_10_lanes(PhiloxLanes& counters, PhiloxKey key);

}  // namespace mlf::runtime
