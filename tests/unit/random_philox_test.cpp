// Philox 4x32-10 against the Random123 known answers, and the per-sample streams built on
// it: draws that depend on (stream, epoch, sample, word) only, in the documented ranges.

#include "runtime/random/philox.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <vector>

#include "runtime/random/beta_sampler.h"
#include "runtime/random/det_math.h"
#include "runtime/random/random_stream.h"

namespace mlf::runtime {
namespace {

Digest digest_of(std::string_view text) { return Sha256::of(text); }

TEST(RandomPhilox, KnownAnswerZeros) {
  EXPECT_EQ(philox4x32_10({0, 0, 0, 0}, {0, 0}),
            (PhiloxBlock{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}));
}

TEST(RandomPhilox, KnownAnswerOnes) {
  EXPECT_EQ(philox4x32_10({0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu},
                          {0xffffffffu, 0xffffffffu}),
            (PhiloxBlock{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}));
}

TEST(RandomPhilox, KnownAnswerPi) {
  EXPECT_EQ(philox4x32_10({0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u},
                          {0xa4093822u, 0x299f31d0u}),
            (PhiloxBlock{0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}));
}

TEST(RandomPhilox, LanesEqualTheScalarFunction) {
  std::mt19937 gen(7);
  auto word = [&gen] { return static_cast<std::uint32_t>(gen()); };
  for (int trial = 0; trial < 50; ++trial) {
    const PhiloxKey key = trial == 0 ? PhiloxKey{0, 0} : PhiloxKey{word(), word()};
    PhiloxLanes lanes;
    std::vector<PhiloxCounter> counters;
    for (int l = 0; l < kPhiloxLanes; ++l) {
      PhiloxCounter c = {word(), word(), word(), word()};
      if (trial == 0 && l == 3) c = {0, 0, 0, 0};  // the known answer, in a middle lane
      counters.push_back(c);
      for (int w = 0; w < 4; ++w) lanes.words[w][l] = c[static_cast<std::size_t>(w)];
    }
    philox4x32_10_lanes(lanes, key);
    for (int l = 0; l < kPhiloxLanes; ++l) {
      const PhiloxBlock want = philox4x32_10(counters[static_cast<std::size_t>(l)], key);
      const PhiloxBlock got = {lanes.words[0][l], lanes.words[1][l], lanes.words[2][l], lanes.words[3][l]};
      ASSERT_EQ(got, want) << "trial " << trial << ", lane " << l;
    }
  }
  PhiloxLanes zeros{};
  philox4x32_10_lanes(zeros, {0, 0});
  EXPECT_EQ(zeros.words[0][15], 0x6627e8d5u);
  EXPECT_EQ(zeros.words[3][0], 0x9b00dbd8u);
}

TEST(RandomStream, KeyAndCounterLayout) {
  Digest d;
  for (int i = 0; i < 32; ++i) d.bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i + 1);
  RandomStream stream(d);
  EXPECT_EQ(stream.key(), (PhiloxKey{0x04030201u, 0x08070605u}));
  EXPECT_EQ(stream.tag(), 0x0c0b0a09u);
  // word k of (e, i) is lane k mod 4 of block k / 4 with counter (e, low(i), block, tag ^ high(i)).
  PhiloxBlock expected = philox4x32_10({3, 7, 2, 0x0c0b0a09u}, stream.key());
  for (int lane = 0; lane < 4; ++lane)
    EXPECT_EQ(stream.word(3, 7, 8 + static_cast<std::uint64_t>(lane)), expected[static_cast<std::size_t>(lane)]);
  std::uint64_t big = (std::uint64_t{5} << 32) | 9;
  PhiloxBlock high = philox4x32_10({0, 9, 0, 0x0c0b0a09u ^ 5u}, stream.key());
  EXPECT_EQ(stream.word(0, big, 1), high[1]);
}

TEST(RandomStream, DrawsDependOnlyOnTheirCoordinates) {
  RandomStream stream(digest_of("stream a"));
  // Forward order, then reverse order through a caching cursor: the same values.
  std::vector<float> forward;
  for (std::uint32_t e = 0; e < 3; ++e)
    for (std::uint64_t i = 0; i < 20; ++i)
      for (std::uint64_t k = 0; k < 9; ++k) forward.push_back(stream.uniform(e, i, k));
  std::vector<float> backward(forward.size());
  for (int e = 2; e >= 0; --e)
    for (int i = 19; i >= 0; --i) {
      SampleDraws draws(stream, static_cast<std::uint32_t>(e), static_cast<std::uint64_t>(i));
      for (int k = 8; k >= 0; --k)
        backward[static_cast<std::size_t>((e * 20 + i) * 9 + k)] = draws.uniform(static_cast<std::uint64_t>(k));
    }
  EXPECT_EQ(forward, backward);
  // Other streams, epochs and samples give other words.
  RandomStream other(digest_of("stream b"));
  EXPECT_NE(stream.word(0, 0, 0), other.word(0, 0, 0));
  EXPECT_NE(stream.word(0, 0, 0), stream.word(1, 0, 0));
  EXPECT_NE(stream.word(0, 0, 0), stream.word(0, 1, 0));
}

TEST(RandomStream, UniformMappingsAreExact) {
  EXPECT_EQ(uniform_from_word(0), 0.0f);
  EXPECT_EQ(uniform_from_word(0xffffffffu), 1.0f - 0x1p-24f);
  EXPECT_EQ(uniform_from_word(0x80000000u), 0.5f);
  EXPECT_EQ(uniform_open_from_word(0), 0x1p-24f);
  EXPECT_EQ(uniform_open_from_word(0xffffffffu), 1.0f);
  EXPECT_EQ(uniform_int_from_words(0, 0, 10), 0u);
  EXPECT_EQ(uniform_int_from_words(0xffffffffu, 0xffffffffu, 10), 9u);
  EXPECT_EQ(uniform_int_from_words(0x80000000u, 0, 10), 5u);
}

TEST(RandomStream, UniformIntsCoverTheirRange) {
  RandomStream stream(digest_of("ints"));
  std::vector<int> counts(7, 0);
  for (std::uint64_t i = 0; i < 7000; ++i) {
    std::uint64_t v = stream.uniform_int(0, i, 0, 7);
    ASSERT_LT(v, 7u);
    ++counts[v];
  }
  for (int c : counts) EXPECT_NEAR(c, 1000, 150);
}

TEST(RandomStream, NormalsHaveMeanZeroAndUnitVariance) {
  RandomStream stream(digest_of("normal"));
  double sum = 0, sum2 = 0;
  const int n = 40000;
  for (int i = 0; i < n; ++i) {
    float z = stream.normal(0, static_cast<std::uint64_t>(i), 0);
    ASSERT_TRUE(std::isfinite(z));
    sum += z;
    sum2 += static_cast<double>(z) * z;
  }
  EXPECT_NEAR(sum / n, 0.0, 0.03);
  EXPECT_NEAR(sum2 / n, 1.0, 0.03);
}

TEST(RandomDetMath, CloseToTheLibraryFunctions) {
  for (float x : {0x1p-149f, 1e-30f, 0x1p-24f, 0.001f, 0.3f, 0.7071f, 1.0f, 1.5f, 2.0f, 10.0f, 3e38f}) {
    float expected = static_cast<float>(std::log(static_cast<double>(x)));
    EXPECT_NEAR(det_log(x), expected, std::max(2e-7f * std::fabs(expected), 1e-7f)) << x;
  }
  EXPECT_EQ(det_log(1.0f), 0.0f);
  EXPECT_TRUE(std::isinf(det_log(0.0f)));
  EXPECT_TRUE(std::isnan(det_log(-1.0f)));
  for (float x : {-100.0f, -20.0f, -1.0f, -0.1f, 0.0f, 0.5f, 1.0f, 10.0f, 80.0f}) {
    double expected = std::exp(static_cast<double>(x));
    EXPECT_NEAR(det_exp(x), expected, std::max(4e-7 * expected, 0x1p-149)) << x;  // subnormal: 1 ulp
  }
  EXPECT_EQ(det_exp(0.0f), 1.0f);
  EXPECT_EQ(det_exp(-200.0f), 0.0f);
  EXPECT_TRUE(std::isinf(det_exp(100.0f)));
  for (int k = -40; k <= 40; ++k) {
    float t = static_cast<float>(k) / 37.0f;
    SinCos sc = det_sincos_turns(t);
    double angle = 2 * M_PI * static_cast<double>(t);
    EXPECT_NEAR(sc.sin, std::sin(angle), 3e-7) << t;
    EXPECT_NEAR(sc.cos, std::cos(angle), 3e-7) << t;
  }
  EXPECT_EQ(det_sincos_turns(0.0f).sin, 0.0f);
  EXPECT_EQ(det_sincos_turns(0.0f).cos, 1.0f);
}

TEST(RandomBeta, SymmetricBetaHasTheRightMoments) {
  RandomStream stream(digest_of("beta"));
  for (float alpha : {0.2f, 1.0f, 4.0f}) {
    double sum = 0, sum2 = 0;
    const int n = 20000;
    for (int i = 0; i < n; ++i) {
      SampleDraws draws(stream, 0, static_cast<std::uint64_t>(i));
      float lambda = beta_symmetric(draws, 2, alpha);
      ASSERT_GE(lambda, 0.0f);
      ASSERT_LE(lambda, 1.0f);
      sum += lambda;
      sum2 += static_cast<double>(lambda) * lambda;
    }
    double mean = sum / n, variance = sum2 / n - mean * mean;
    double expected_variance = 1.0 / (4.0 * (2.0 * alpha + 1.0));
    EXPECT_NEAR(mean, 0.5, 0.01) << alpha;
    EXPECT_NEAR(variance, expected_variance, 0.1 * expected_variance) << alpha;
  }
}

TEST(RandomBeta, DrawsAreAFunctionOfTheSample) {
  RandomStream stream(digest_of("beta"));
  SampleDraws a(stream, 1, 5), b(stream, 1, 5);
  b.word(200);  // another cached block first
  EXPECT_EQ(beta_symmetric(a, 2, 0.4f), beta_symmetric(b, 2, 0.4f));
}

}  // namespace
}  // namespace mlf::runtime
