// The reference augment interpreter: each op on small hand-computed examples, the exact
// draws it documents, independence from threads and ranges, and stable draws when other
// steps are inserted into a chain.

#include "runtime/data/augment_interpreter.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "compiler/hash/content_hash.h"
#include "runtime/random/beta_sampler.h"
#include "runtime/random/random_stream.h"

namespace mlf::runtime {
namespace {

PlanValue num(double v) {
  PlanValue out;
  out.kind = PlanValue::Kind::Float;
  out.real = v;
  return out;
}
PlanValue integer(std::int64_t v) {
  PlanValue out;
  out.kind = PlanValue::Kind::Int;
  out.integer = v;
  return out;
}
PlanValue list(std::vector<PlanValue> items) {
  PlanValue out;
  out.kind = PlanValue::Kind::List;
  out.items = std::move(items);
  return out;
}

PlanStep step(const std::string& name, std::vector<PlanArgument> args = {},
              std::optional<Digest> stream = std::nullopt) {
  PlanStep s;
  s.op = PlanOp{name, "1.0.0", std::move(args), {}};
  s.stream = stream;
  return s;
}
PlanStep random_step(const std::string& name, std::vector<PlanArgument> args, const std::string& key) {
  return step(name, std::move(args), Sha256::of(key));
}

Dataset images(DType dtype, std::vector<std::int64_t> shape, const std::vector<float>& values,
               std::int64_t classes = 3) {
  Dataset d;
  d.x = Tensor::zeros(dtype, shape);
  const std::int64_t n = d.x.elements();
  for (std::int64_t k = 0; k < n; ++k) {
    float v = values.empty() ? static_cast<float>(k % 251) : values[static_cast<std::size_t>(k)];
    if (dtype == DType::U8) d.x.bytes[static_cast<std::size_t>(k)] = static_cast<std::uint8_t>(v);
    else d.x.data<float>()[k] = v;
  }
  for (std::int64_t i = 0; i < shape[0]; ++i) {
    d.y.push_back(static_cast<std::int32_t>(i % classes));
    d.source_index.push_back(100 + i);
  }
  d.classes = classes;
  return d;
}

Dataset run(const std::vector<PlanStep>& chain, const Dataset& in, int epoch = 0, int threads = 1) {
  auto out = run_chain(chain, in, epoch, threads);
  if (!ok(out)) {
    ADD_FAILURE() << error(out).message;
    return {};
  }
  return value(out);
}

std::vector<float> floats(const Dataset& d) {
  const float* v = d.x.data<float>();
  return std::vector<float>(v, v + d.x.elements());
}

TEST(AugmentOps, ToFloatScalesEachElement) {
  Dataset in = images(DType::U8, {1, 1, 2, 2}, {0, 1, 128, 255});
  Dataset out = run({step("to_float", {{"scale", num(1.0 / 255)}})}, in);
  const float scale = static_cast<float>(1.0 / 255);
  EXPECT_EQ(out.x.dtype, DType::F32);
  EXPECT_EQ(floats(out), (std::vector<float>{0.0f, 1.0f * scale, 128.0f * scale, 255.0f * scale}));
  EXPECT_EQ(out.y, in.y);
  EXPECT_EQ(out.source_index, in.source_index);
}

TEST(AugmentOps, NormalizePerChannelAndShared) {
  Dataset in = images(DType::F32, {1, 2, 1, 2}, {1, 3, 2, 10});
  Dataset out = run({step("normalize", {{"mean", list({num(1), num(2)})}, {"std", list({num(2), num(4)})}})}, in);
  EXPECT_EQ(floats(out), (std::vector<float>{0.0f, 1.0f, 0.0f, 2.0f}));
  out = run({step("normalize", {{"mean", num(0.5)}, {"std", num(0.25)}})}, in);
  EXPECT_EQ(floats(out), (std::vector<float>{2.0f, 10.0f, 6.0f, 38.0f}));
  auto bad = prepare_output({step("normalize", {{"mean", list({num(1), num(2), num(3)})}, {"std", num(1)}})}, in);
  EXPECT_FALSE(ok(bad));
}

TEST(AugmentOps, FlipsMirrorAlongOneAxis) {
  // One 1x2x3 image: rows [1 2 3] and [4 5 6].
  Dataset in = images(DType::U8, {1, 1, 2, 3}, {1, 2, 3, 4, 5, 6});
  Dataset h = run({random_step("random_hflip", {{"p", num(1.0)}}, "h")}, in);
  EXPECT_EQ(h.x.bytes, (std::vector<std::uint8_t>{3, 2, 1, 6, 5, 4}));
  Dataset v = run({random_step("random_vflip", {{"p", num(1.0)}}, "v")}, in);
  EXPECT_EQ(v.x.bytes, (std::vector<std::uint8_t>{4, 5, 6, 1, 2, 3}));
  Dataset none = run({random_step("random_hflip", {{"p", num(0.0)}}, "h")}, in);
  EXPECT_EQ(none.x.bytes, in.x.bytes);
}

TEST(AugmentOps, FlipDecisionIsWordZero) {
  Dataset in = images(DType::U8, {64, 1, 1, 2}, {});
  Digest stream = Sha256::of("flip stream");
  Dataset out = run({step("random_hflip", {{"p", num(0.5)}}, stream)}, in, 3);
  RandomStream draws(stream);
  int flipped = 0;
  for (std::int64_t i = 0; i < 64; ++i) {
    bool flip = draws.uniform(3, static_cast<std::uint64_t>(i), 0) < 0.5f;
    flipped += flip;
    EXPECT_EQ(out.x.bytes[static_cast<std::size_t>(2 * i)], in.x.bytes[static_cast<std::size_t>(2 * i + (flip ? 1 : 0))]);
  }
  EXPECT_GT(flipped, 16);
  EXPECT_LT(flipped, 48);
}

TEST(AugmentOps, CropWithPaddingIsZeroOutside) {
  // size = padded size: the only window is the whole padded image.
  Dataset in = images(DType::U8, {1, 1, 2, 2}, {1, 2, 3, 4});
  Dataset out = run({random_step("random_crop", {{"size", integer(4)}, {"padding", integer(1)}}, "c")}, in);
  EXPECT_EQ(out.x.shape, (std::vector<std::int64_t>{1, 1, 4, 4}));
  EXPECT_EQ(out.x.bytes, (std::vector<std::uint8_t>{0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0}));
}

TEST(AugmentOps, CropWindowComesFromWordsZeroToThree) {
  Dataset in = images(DType::F32, {20, 2, 3, 3}, {});
  Digest stream = Sha256::of("crop");
  Dataset out = run({step("random_crop", {{"size", list({integer(2), integer(1)})}, {"padding", integer(1)}}, stream)}, in, 1);
  EXPECT_EQ(out.x.shape, (std::vector<std::int64_t>{20, 2, 2, 1}));
  RandomStream draws(stream);
  for (std::int64_t i = 0; i < 20; ++i) {
    auto top = static_cast<std::int64_t>(draws.uniform_int(1, static_cast<std::uint64_t>(i), 0, 5 - 2 + 1));
    auto left = static_cast<std::int64_t>(draws.uniform_int(1, static_cast<std::uint64_t>(i), 2, 5 - 1 + 1));
    for (std::int64_t c = 0; c < 2; ++c)
      for (std::int64_t y = 0; y < 2; ++y) {
        std::int64_t sy = top + y - 1, sx = left - 1;
        float expected = sy < 0 || sy >= 3 || sx < 0 || sx >= 3 ? 0.0f : in.x.data<float>()[((i * 2 + c) * 3 + sy) * 3 + sx];
        EXPECT_EQ(out.x.data<float>()[(i * 2 + c) * 2 + y], expected);
      }
  }
}

TEST(AugmentOps, AffineIdentityIsExact) {
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> values = {-0.0f, 1.5f, inf, -3.25f, 1e30f, 7.0f, 0.1f, -inf, 2.0f, 5.0f, 6.0f, 8.0f};
  Dataset in = images(DType::F32, {2, 1, 2, 3}, values);
  Dataset out = run({random_step("random_affine", {{"degrees", num(0)}, {"translate", num(0)}}, "a")}, in);
  EXPECT_EQ(out.x.bytes, in.x.bytes);
}

TEST(AugmentOps, AffineFixedZoomIsBilinearAboutTheCentre) {
  std::vector<float> values = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  Dataset in = images(DType::F32, {1, 1, 3, 3}, values);
  // zoom 2: output (x, y) samples at ((x−1)/2 + 1, (y−1)/2 + 1).
  Dataset out = run({random_step("random_affine", {{"scale", list({num(2), num(2)})}}, "z")}, in);
  auto at = [&](float x, float y) {  // bilinear by hand
    int x0 = static_cast<int>(std::floor(x)), y0 = static_cast<int>(std::floor(y));
    float fx = x - x0, fy = y - y0;
    auto p = [&](int px, int py) { return px < 0 || px > 2 || py < 0 || py > 2 ? 0.0f : values[py * 3 + px]; };
    float top = fx == 0 ? p(x0, y0) : (1 - fx) * p(x0, y0) + fx * p(x0 + 1, y0);
    float bot = fx == 0 ? p(x0, y0 + 1) : (1 - fx) * p(x0, y0 + 1) + fx * p(x0 + 1, y0 + 1);
    return fy == 0 ? top : (1 - fy) * top + fy * bot;
  };
  std::vector<float> expected;
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 3; ++x) expected.push_back(at((x - 1) / 2.0f + 1, (y - 1) / 2.0f + 1));
  EXPECT_EQ(floats(out), expected);
  EXPECT_EQ(floats(out)[4], 5.0f);
  EXPECT_EQ(floats(out)[3], 4.5f);
  EXPECT_EQ(floats(out)[0], 3.0f);  // (0.5, 0.5): mean of 1, 2, 4, 5
}

TEST(AugmentOps, AffineShrinkFillsFromOutside) {
  Dataset in = images(DType::F32, {1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  Dataset out = run({random_step("random_affine", {{"scale", list({num(0.5), num(0.5)})}, {"fill", num(-1)}}, "z")}, in);
  EXPECT_EQ(floats(out), (std::vector<float>{-1, -1, -1, -1, 5, -1, -1, -1, -1}));
}

TEST(AugmentOps, AffineRotationKeepsTheCentreAndStaysInRange) {
  Dataset in = images(DType::F32, {8, 1, 5, 5}, {});
  Dataset out = run({random_step("random_affine", {{"degrees", num(30)}, {"translate", num(0)}}, "r")}, in);
  for (std::int64_t i = 0; i < 8; ++i) EXPECT_EQ(out.x.data<float>()[i * 25 + 12], in.x.data<float>()[i * 25 + 12]);
  EXPECT_NE(out.x.bytes, in.x.bytes);
}

TEST(AugmentOps, BrightnessAddsOneOffsetPerSample) {
  Dataset in = images(DType::F32, {3, 4}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  Digest stream = Sha256::of("b");
  Dataset out = run({step("brightness", {{"delta", num(0.5)}}, stream)}, in, 2);
  RandomStream draws(stream);
  for (std::int64_t i = 0; i < 3; ++i) {
    float u = draws.uniform(2, static_cast<std::uint64_t>(i), 0);
    float offset = -0.5f + (0.5f - -0.5f) * u;
    EXPECT_LE(std::fabs(offset), 0.5f);
    for (std::int64_t k = 0; k < 4; ++k)
      EXPECT_EQ(out.x.data<float>()[i * 4 + k], in.x.data<float>()[i * 4 + k] + offset);
  }
}

TEST(AugmentOps, ContrastAboutThePerSampleMean) {
  Dataset in = images(DType::F32, {2, 4}, {1, 2, 3, 4, 0, 0, 8, 0});
  Dataset same = run({random_step("contrast", {{"factor", num(0)}}, "c")}, in);
  EXPECT_EQ(same.x.bytes, in.x.bytes);  // c = 1 and these means are exact
  Digest stream = Sha256::of("c2");
  Dataset out = run({step("contrast", {{"factor", num(0.5)}}, stream)}, in);
  RandomStream draws(stream);
  const float means[2] = {2.5f, 2.0f};
  for (std::int64_t i = 0; i < 2; ++i) {
    float u = draws.uniform(0, static_cast<std::uint64_t>(i), 0);
    float c = 0.5f + (1.5f - 0.5f) * u;
    for (std::int64_t k = 0; k < 4; ++k) {
      float x = in.x.data<float>()[i * 4 + k];
      EXPECT_EQ(out.x.data<float>()[i * 4 + k], means[i] + c * (x - means[i]));
    }
  }
}

TEST(AugmentOps, GaussianNoiseUsesTwoWordsPerElement) {
  Dataset in = images(DType::F32, {2, 3}, {1, 2, 3, 4, 5, 6});
  Digest stream = Sha256::of("n");
  Dataset out = run({step("gaussian_noise", {{"std", num(0.1)}}, stream)}, in);
  RandomStream draws(stream);
  for (std::int64_t i = 0; i < 2; ++i)
    for (std::int64_t k = 0; k < 3; ++k)
      EXPECT_EQ(out.x.data<float>()[i * 3 + k],
                in.x.data<float>()[i * 3 + k] + 0.1f * draws.normal(0, static_cast<std::uint64_t>(i), 2 * static_cast<std::uint64_t>(k)));
  Dataset zero = run({step("gaussian_noise", {{"std", num(0)}}, stream)}, in);
  EXPECT_EQ(zero.x.bytes, in.x.bytes);
}

TEST(AugmentOps, CutoutSetsAClippedSquare) {
  Dataset in = images(DType::U8, {30, 1, 3, 3}, std::vector<float>(270, 9));
  Digest stream = Sha256::of("cut");
  Dataset out = run({step("cutout", {{"size", integer(1)}, {"fill", num(0)}}, stream)}, in);
  RandomStream draws(stream);
  for (std::int64_t i = 0; i < 30; ++i) {
    auto cy = static_cast<std::int64_t>(draws.uniform_int(0, static_cast<std::uint64_t>(i), 1, 3));
    auto cx = static_cast<std::int64_t>(draws.uniform_int(0, static_cast<std::uint64_t>(i), 3, 3));
    for (std::int64_t k = 0; k < 9; ++k)
      EXPECT_EQ(out.x.bytes[static_cast<std::size_t>(i * 9 + k)], k == cy * 3 + cx ? 0 : 9);
  }
  Dataset all = run({step("cutout", {{"size", integer(7)}, {"fill", num(4)}}, stream)}, in);
  EXPECT_EQ(all.x.bytes, std::vector<std::uint8_t>(270, 4));
  Dataset never = run({step("cutout", {{"size", integer(2)}, {"p", num(0)}}, stream)}, in);
  EXPECT_EQ(never.x.bytes, in.x.bytes);
}

TEST(AugmentOps, ClampLimitsAndKeepsNaN) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Dataset in = images(DType::F32, {1, 5}, {-1.0f, 0.5f, 2.0f, nan, 1.0f});
  std::vector<float> out = floats(run({step("clamp", {{"min", num(0)}, {"max", num(1)}})}, in));
  EXPECT_EQ(out[0], 0.0f);
  EXPECT_EQ(out[1], 0.5f);
  EXPECT_EQ(out[2], 1.0f);
  EXPECT_TRUE(std::isnan(out[3]));
  EXPECT_EQ(out[4], 1.0f);
}

TEST(AugmentOps, MixupBlendsWithThePartnersPrefixedSample) {
  Dataset in = images(DType::U8, {12, 1, 1, 2}, {}, 4);
  Digest stream = Sha256::of("mix");
  const float scale = 0.5f;
  std::vector<PlanStep> chain = {step("to_float", {{"scale", num(0.5)}}),
                                 step("mixup", {{"alpha", num(0.4)}}, stream)};
  Dataset out = run(chain, in, 1);
  EXPECT_TRUE(out.y.empty());
  ASSERT_EQ(out.y_values.shape, (std::vector<std::int64_t>{12, 4}));
  RandomStream random(stream);
  for (std::int64_t i = 0; i < 12; ++i) {
    SampleDraws draws(random, 1, static_cast<std::uint64_t>(i));
    auto j = static_cast<std::int64_t>(draws.uniform_int(0, 12));
    float lambda = beta_symmetric(draws, 2, 0.4f);
    float m = 1.0f - lambda;
    for (std::int64_t k = 0; k < 2; ++k) {
      float xi = static_cast<float>(in.x.bytes[static_cast<std::size_t>(2 * i + k)]) * scale;
      float xj = static_cast<float>(in.x.bytes[static_cast<std::size_t>(2 * j + k)]) * scale;
      EXPECT_EQ(out.x.data<float>()[2 * i + k], lambda * xi + m * xj);
    }
    float sum = 0;
    for (std::int64_t c = 0; c < 4; ++c) {
      float hot_i = in.y[static_cast<std::size_t>(i)] == c ? 1.0f : 0.0f;
      float hot_j = in.y[static_cast<std::size_t>(j)] == c ? 1.0f : 0.0f;
      float v = out.y_values.data<float>()[i * 4 + c];
      EXPECT_EQ(v, lambda * hot_i + m * hot_j);
      sum += v;
    }
    EXPECT_NEAR(sum, 1.0f, 1e-6f);
  }
}

// A chain with every op: outputs must not depend on threads or on how ranges are split.
std::vector<PlanStep> everything() {
  return {step("to_float", {{"scale", num(1.0 / 255)}}),
          random_step("random_hflip", {}, "1"),
          random_step("random_vflip", {{"p", num(0.3)}}, "2"),
          random_step("random_crop", {{"size", integer(5)}, {"padding", integer(1)}}, "3"),
          random_step("random_affine", {{"degrees", num(15)}, {"translate", num(0.1)}, {"scale", list({num(0.9), num(1.1)})}}, "4"),
          random_step("brightness", {{"delta", num(0.1)}}, "5"),
          random_step("contrast", {{"factor", num(0.2)}}, "6"),
          random_step("gaussian_noise", {{"std", num(0.05)}}, "7"),
          random_step("cutout", {{"size", integer(2)}, {"p", num(0.5)}}, "8"),
          step("normalize", {{"mean", list({num(0.5), num(0.4)})}, {"std", num(0.25)}}),
          step("clamp", {{"min", num(-2)}, {"max", num(2)}}),
          random_step("mixup", {{"alpha", num(0.2)}}, "9")};
}

TEST(AugmentChains, ThreadsAndRangesDoNotChangeBytes) {
  Dataset in = images(DType::U8, {37, 2, 6, 6}, {});
  std::vector<PlanStep> chain = everything();
  Dataset one = run(chain, in, 4, 1);
  for (int threads : {2, 3, 8, 64}) {
    Dataset many = run(chain, in, 4, threads);
    EXPECT_EQ(many.x.bytes, one.x.bytes) << threads;
    EXPECT_EQ(many.y_values.bytes, one.y_values.bytes) << threads;
  }
  for (std::int64_t k : {0, 1, 17, 36, 37}) {
    auto out = prepare_output(chain, in);
    ASSERT_TRUE(ok(out));
    apply_chain(chain, in, 4, k, 37, value(out));  // the later range first
    apply_chain(chain, in, 4, 0, k, value(out));
    EXPECT_EQ(value(out).x.bytes, one.x.bytes) << k;
    EXPECT_EQ(value(out).y_values.bytes, one.y_values.bytes) << k;
  }
  EXPECT_NE(run(chain, in, 5, 1).x.bytes, one.x.bytes);  // another epoch, other draws
}

TEST(AugmentChains, MixupTwiceKeepsSoftRowsAndDeterminism) {
  Dataset in = images(DType::U8, {15, 1, 2, 2}, {}, 5);
  std::vector<PlanStep> chain = {step("to_float"), random_step("mixup", {{"alpha", num(1)}}, "m1"),
                                 random_step("brightness", {{"delta", num(1)}}, "b"),
                                 random_step("mixup", {{"alpha", num(0.3)}}, "m2")};
  Dataset one = run(chain, in, 2, 1);
  Dataset two = run(chain, in, 2, 2);
  EXPECT_EQ(one.x.bytes, two.x.bytes);
  EXPECT_EQ(one.y_values.bytes, two.y_values.bytes);
  for (std::int64_t i = 0; i < 15; ++i) {
    float sum = 0;
    for (std::int64_t c = 0; c < 5; ++c) sum += one.y_values.data<float>()[i * 5 + c];
    EXPECT_NEAR(sum, 1.0f, 1e-5f);
  }
  // A soft dataset fed to a chain stays soft.
  Dataset again = run({random_step("mixup", {{"alpha", num(0.5)}}, "m3")}, one, 0);
  EXPECT_EQ(again.y_values.shape, (std::vector<std::int64_t>{15, 5}));
}

TEST(AugmentChains, InsertingAStepLeavesOtherDrawsAlone) {
  // Streams derived as the compiler derives them: root seed, source, the step's call, occurrence.
  Digest source = Sha256::of("dataset node");
  Digest flip_stream = derive_stream(42, source, "random_hflip@1.0.0(p=0.5)", 0);
  Digest noise_stream = derive_stream(42, source, "gaussian_noise@1.0.0(std=0.1)", 0);
  Dataset in = images(DType::U8, {40, 1, 2, 2}, {});
  std::vector<PlanStep> short_chain = {step("to_float"), step("random_hflip", {{"p", num(0.5)}}, flip_stream)};
  std::vector<PlanStep> long_chain = {step("to_float"),
                                      step("gaussian_noise", {{"std", num(0.1)}}, noise_stream),
                                      step("random_hflip", {{"p", num(0.5)}}, flip_stream),
                                      step("clamp", {{"min", num(-100)}, {"max", num(1000)}})};
  Dataset a = run(short_chain, in, 0);
  Dataset b = run(long_chain, in, 0);
  // Each image row increases left to right, so a flipped sample starts with its larger value;
  // the noise (std 0.1) is far smaller than the step of 1 between neighbours.
  RandomStream flips(flip_stream);
  int flipped = 0;
  for (std::int64_t i = 0; i < 40; ++i) {
    const bool expected = flips.uniform(0, static_cast<std::uint64_t>(i), 0) < 0.5f;
    flipped += expected;
    const float* x = a.x.data<float>() + i * 4;
    const float* y = b.x.data<float>() + i * 4;
    EXPECT_EQ(x[0] > x[1], expected) << i;
    EXPECT_EQ(y[0] > y[1], expected) << i;
  }
  EXPECT_GT(flipped, 5);
  EXPECT_LT(flipped, 35);
}

TEST(AugmentChains, RefusesWhatTheCheckerWouldRefuse) {
  Dataset in = images(DType::U8, {2, 1, 2, 2}, {});
  EXPECT_FALSE(ok(prepare_output({random_step("brightness", {{"delta", num(1)}}, "b")}, in)));  // u8
  EXPECT_FALSE(ok(prepare_output({step("random_hflip")}, in)));                                  // no stream
  EXPECT_FALSE(ok(prepare_output({step("sharpen")}, in)));
  PlanStep newer = step("to_float");
  newer.op.version = "2.0.0";
  EXPECT_FALSE(ok(prepare_output({newer}, in)));
  EXPECT_FALSE(ok(prepare_output({random_step("random_crop", {{"size", integer(3)}}, "c")}, in)));
  auto message = prepare_output({step("to_float"), step("normalize", {{"mean", list({num(1), num(2)})}, {"std", num(1)}})}, in);
  ASSERT_FALSE(ok(message));
  EXPECT_NE(error(message).message.find("augment step 2 `normalize`"), std::string::npos);
}

}  // namespace
}  // namespace mlf::runtime
