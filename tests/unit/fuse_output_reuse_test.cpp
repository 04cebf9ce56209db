// run_fused_into: an output passed back epoch after epoch is reused as it is (same memory,
// not cleared) and still holds exactly the interpreter's bytes; an output of other shapes is
// replaced. Also: a cold compile reports the time of each phase.
#include <gtest/gtest.h>

#include <algorithm>

#include "runtime/fuse/fused_chain.h"
#include "tests/unit/fuse_fixture.h"

namespace mlf {
namespace {

using namespace fuse_test;

std::vector<PlanStep> flip_normalize_noise() {
  return {step("to_float", {{"scale", num(1.0 / 255)}}), step("random_hflip", {}, "h"),
          step("normalize", {{"mean", num(0.25)}, {"std", num(0.5)}}),
          step("gaussian_noise", {{"std", num(0.1)}}, "g")};
}

TEST(FuseOutputReuse, AReusedOutputKeepsItsMemoryAndGetsEveryByte) {
  const auto chain = flip_normalize_noise();
  const Dataset in = dataset(DType::U8, {1, 6, 7}, 23, 4);
  auto fused = runtime::compile_fused(chain, in, nullptr);
  ASSERT_TRUE(ok(fused)) << error(fused).message;
  Dataset out;
  auto first = runtime::run_fused_into(*value(fused), in, 0, 2, out);
  ASSERT_FALSE(first) << first->message;
  EXPECT_TRUE(runtime::output_fits(*value(fused), in, out));
  EXPECT_TRUE(same_bytes(out, interpreted(chain, in, 0)));
  const std::uint8_t* memory = out.x.bytes.data();
  for (int epoch = 1; epoch <= 3; ++epoch) {
    // Garbage left in the reused buffer must not survive: the kernel writes every byte.
    std::fill(out.x.bytes.begin(), out.x.bytes.end(), std::uint8_t{0xA5});
    std::fill(out.y.begin(), out.y.end(), -7);
    auto again = runtime::run_fused_into(*value(fused), in, epoch, 2, out);
    ASSERT_FALSE(again) << again->message;
    EXPECT_EQ(out.x.bytes.data(), memory) << "epoch " << epoch << " reallocated the output";
    EXPECT_TRUE(same_bytes(out, interpreted(chain, in, epoch))) << "epoch " << epoch;
  }
}

TEST(FuseOutputReuse, AnOutputOfOtherShapesIsReplaced) {
  const auto chain = flip_normalize_noise();
  const Dataset in = dataset(DType::U8, {1, 6, 7}, 9, 2);
  auto fused = runtime::compile_fused(chain, in, nullptr);
  ASSERT_TRUE(ok(fused)) << error(fused).message;
  Dataset out = dataset(DType::U8, {1, 6, 7}, 9, 3);  // the input's dtype, not the chain's f32
  EXPECT_FALSE(runtime::output_fits(*value(fused), in, out));
  ASSERT_FALSE(runtime::run_fused_into(*value(fused), in, 5, 1, out));
  EXPECT_TRUE(same_bytes(out, interpreted(chain, in, 5)));
  Dataset fewer = dataset(DType::U8, {1, 6, 7}, 4, 2);
  EXPECT_FALSE(runtime::output_fits(*value(fused), fewer, out));
  ASSERT_FALSE(runtime::run_fused_into(*value(fused), fewer, 5, 1, out));
  EXPECT_TRUE(same_bytes(out, interpreted(chain, fewer, 5)));
}

TEST(FuseOutputReuse, TheExecutorEntryPointFillsTheSameBytes) {
  const auto chain = flip_normalize_noise();
  const Dataset in = dataset(DType::U8, {1, 6, 7}, 17, 6);
  Dataset out;
  for (int epoch = 0; epoch < 2; ++epoch) {
    auto failed = runtime::run_chain_fused_into(chain, in, epoch, 2, nullptr, {}, out);
    ASSERT_FALSE(failed) << failed->message;
    EXPECT_TRUE(same_bytes(out, interpreted(chain, in, epoch)));
  }
}

TEST(FuseCompileStats, AColdCompileTimesEachPhase) {
  // A constant no other test uses makes the kernel new to this process.
  const std::vector<PlanStep> chain = {step("to_float", {{"scale", num(1.0 / 251)}}),
                                       step("clamp", {{"min", num(0.125)}, {"max", num(0.875)}})};
  auto fused = runtime::compile_fused(chain, dataset(DType::U8, {2, 3, 5}, 2, 1), nullptr);
  ASSERT_TRUE(ok(fused)) << error(fused).message;
  const runtime::LoadedKernel& kernel = value(fused)->kernel;
  ASSERT_EQ(kernel.from, runtime::LoadedKernel::From::Compiled);
  const auto& s = kernel.compile_stats;
  for (const runtime::PhaseTime* phase : {&s.ir, &s.optimise, &s.codegen, &s.link}) {
    EXPECT_GT(phase->wall, 0.0);
    EXPECT_GE(phase->cpu, 0.0);
  }
  EXPECT_LE(s.ir.wall + s.optimise.wall + s.codegen.wall + s.link.wall, kernel.seconds);
}

}  // namespace
}  // namespace mlf
