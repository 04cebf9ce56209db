// The per-sample parameters of a fused chain are the same whether each op's first Philox
// block comes from a SampleDrawBatch (lanes of samples computed together) or is drawn
// sample by sample, wherever the batch starts and whichever op draws.

#include "runtime/fuse/sample_params.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "tests/unit/fuse_fixture.h"

namespace mlf::fuse_test {
namespace {

using runtime::kPhiloxLanes;

struct Params {
  std::vector<float> floats;
  std::vector<std::int64_t> ints;
};

Params params_of(const runtime::LoopProgram& program, const runtime::CompiledChain& chain,
                 std::uint32_t epoch, std::uint64_t i, std::uint64_t n,
                 const runtime::SampleDrawBatch* batch) {
  Params p{std::vector<float>(static_cast<std::size_t>(program.float_slots) + 1, -7.0f),
           std::vector<std::int64_t>(static_cast<std::size_t>(program.int_slots) + 1, -7)};
  float noise = 0;
  runtime::fill_sample_params(program, chain, epoch, i, n, p.floats.data(), p.ints.data(), &noise, batch);
  return p;
}

bool same(const Params& a, const Params& b) {
  return a.floats.size() == b.floats.size() && a.ints == b.ints &&
         std::memcmp(a.floats.data(), b.floats.data(), a.floats.size() * sizeof(float)) == 0;
}

TEST(FuseSampleParams, BatchedDrawsEqualDrawsSampleBySample) {
  const std::vector<PlanStep> chain = {
      step("to_float", {{"scale", num(1.0 / 255)}}), step("random_hflip", {}, "h"),
      step("random_vflip", {{"p", num(0.3)}}, "v"),
      step("random_crop", {{"size", integer(6)}, {"padding", integer(2)}}, "c"),
      step("random_affine", {{"degrees", num(15)}, {"translate", num(0.1)}, {"scale", list({num(0.9), num(1.1)})}}, "a"),
      step("brightness", {{"delta", num(0.2)}}, "b"), step("contrast", {{"factor", num(0.3)}}, "k"),
      step("gaussian_noise", {{"std", num(0.1)}}, "n"), step("cutout", {{"size", integer(2)}}, "x"),
      step("mixup", {{"alpha", num(0.4)}}, "m"), step("random_hflip", {}, "h2")};
  const Dataset in = dataset(DType::U8, {1, 6, 7}, 50, 3);
  auto compiled = runtime::compile_chain(chain, in);
  ASSERT_TRUE(ok(compiled)) << error(compiled).message;
  const runtime::CompiledChain& c = value(compiled);
  runtime::Lowering lowered = runtime::lower_chain(c);
  ASSERT_TRUE(lowered.program.has_value()) << lowered.declined;
  const runtime::LoopProgram& program = *lowered.program;
  ASSERT_GT(program.samples.size(), 1u);  // the mixup's partner draws too (not batched)

  runtime::SampleDrawBatch batch(program, c);
  const auto n = static_cast<std::uint64_t>(in.size());
  int compared = 0;
  for (std::uint32_t epoch : {0u, 3u}) {
    for (std::uint64_t first : {std::uint64_t{0}, std::uint64_t{5}, std::uint64_t{17}}) {
      batch.compute(epoch, first);
      for (std::uint64_t i = first; i < first + kPhiloxLanes; ++i) {
        ASSERT_TRUE(batch.holds(epoch, i));
        EXPECT_TRUE(same(params_of(program, c, epoch, i, n, &batch), params_of(program, c, epoch, i, n, nullptr)))
            << "epoch " << epoch << ", batch at " << first << ", sample " << i;
        ++compared;
      }
      EXPECT_FALSE(batch.holds(epoch, first + kPhiloxLanes));
      EXPECT_FALSE(batch.holds(epoch + 1, first));
      if (first > 0) {
        EXPECT_FALSE(batch.holds(epoch, first - 1));
      }
    }
  }
  EXPECT_EQ(compared, 2 * 3 * kPhiloxLanes);
  // A sample the batch does not hold is drawn as without one.
  batch.compute(1, 0);
  EXPECT_TRUE(same(params_of(program, c, 1, 40, n, &batch), params_of(program, c, 1, 40, n, nullptr)));
}

TEST(FuseSampleParams, ABatchOfAnotherEpochIsIgnored) {
  const std::vector<PlanStep> chain = {step("to_float", {{"scale", num(1.0)}}),
                                       step("brightness", {{"delta", num(0.5)}}, "b")};
  const Dataset in = dataset(DType::U8, {1, 2, 2}, 20, 4);
  auto compiled = runtime::compile_chain(chain, in);
  ASSERT_TRUE(ok(compiled));
  runtime::Lowering lowered = runtime::lower_chain(value(compiled));
  ASSERT_TRUE(lowered.program.has_value());
  const runtime::LoopProgram& program = *lowered.program;
  runtime::SampleDrawBatch batch(program, value(compiled));
  batch.compute(2, 0);
  const auto n = static_cast<std::uint64_t>(in.size());
  const Params at2 = params_of(program, value(compiled), 2, 4, n, nullptr);
  const Params at3 = params_of(program, value(compiled), 3, 4, n, nullptr);
  ASSERT_FALSE(same(at2, at3));
  EXPECT_TRUE(same(params_of(program, value(compiled), 2, 4, n, &batch), at2));
  EXPECT_TRUE(same(params_of(program, value(compiled), 3, 4, n, &batch), at3));
}

}  // namespace
}  // namespace mlf::fuse_test
