// Property tests of the fused path: random chains, arguments, seeds and shapes (a fixed
// generator seed, so failures reproduce) equal the interpreter bit for bit; 1 and 2 threads
// and any split of the samples into ranges give the same bytes; inserting an op into a
// chain leaves every other op's draws unchanged.

#include <gtest/gtest.h>

#include <sstream>

#include "tests/unit/fuse_fixture.h"

namespace mlf {
namespace {

using namespace fuse_test;

struct RandomChain {
  std::vector<PlanStep> steps;
  std::string text;
};

// A chain valid for [c, h, w] samples of `dtype`: moves first or anywhere, f32 ops after
// a to_float, crops that fit, at most two mixups.
RandomChain random_chain(std::mt19937_64& gen, DType dtype, std::int64_t c, std::int64_t h,
                         std::int64_t w) {
  RandomChain out;
  auto pick = [&](int n) { return static_cast<int>(gen() % static_cast<std::uint64_t>(n)); };
  auto real = [&](double lo, double hi) { return lo + (hi - lo) * static_cast<double>(gen() % 1000) / 1000.0; };
  bool floats = dtype == DType::F32;
  const int length = 1 + pick(6);
  int stream = 0;
  auto key = [&]() { return "s" + std::to_string(gen() % 100000) + "-" + std::to_string(stream++); };
  int mixups = 0;  // each one doubles the samples its prefix runs for
  for (int k = 0; k < length; ++k) {
    int op = pick(13);
    if (op == 12 && mixups == 2) op = 7;
    if (!floats && op >= 5) {
      out.steps.push_back(step("to_float", {{"scale", num(real(0.001, 0.1))}}));
      out.text += "to_float ";
      floats = true;
    }
    switch (op) {
      case 0: out.steps.push_back(step("random_hflip", {{"p", num(real(0, 1))}}, key())); out.text += "hflip "; break;
      case 1: out.steps.push_back(step("random_vflip", {{"p", num(real(0, 1))}}, key())); out.text += "vflip "; break;
      case 2: {
        const std::int64_t pad = pick(3);
        const std::int64_t ch = 1 + pick(static_cast<int>(h + 2 * pad)), cw = 1 + pick(static_cast<int>(w + 2 * pad));
        out.steps.push_back(step("random_crop", {{"size", list({integer(ch), integer(cw)})}, {"padding", integer(pad)}}, key()));
        out.text += "crop ";
        h = ch;
        w = cw;
        break;
      }
      case 3:
      case 4:
        out.steps.push_back(step("cutout", {{"size", integer(1 + pick(5))}, {"p", num(real(0.3, 1))}, {"fill", num(pick(9))}}, key()));
        out.text += "cutout ";
        break;
      case 5:
      case 6:
        out.steps.push_back(step("random_affine", {{"degrees", num(real(0, 180))}, {"translate", num(real(0, 0.3))},
                                                   {"scale", list({num(real(0.5, 1)), num(real(1, 1.5))})}, {"fill", num(real(-1, 1))}}, key()));
        out.text += "affine ";
        break;
      case 7: out.steps.push_back(step("brightness", {{"delta", num(real(0, 1))}}, key())); out.text += "brightness "; break;
      case 8: out.steps.push_back(step("contrast", {{"factor", num(real(0, 0.9))}}, key())); out.text += "contrast "; break;
      case 9: out.steps.push_back(step("gaussian_noise", {{"std", num(real(0, 0.5))}}, key())); out.text += "noise "; break;
      case 10: out.steps.push_back(step("clamp", {{"min", num(real(-1, 0))}, {"max", num(real(0, 2))}})); out.text += "clamp "; break;
      case 12:
        out.steps.push_back(step("mixup", {{"alpha", num(real(0.1, 3))}}, key()));
        out.text += "mixup ";
        ++mixups;
        break;
      default: {
        std::vector<PlanValue> mean, sd;
        for (std::int64_t k2 = 0; k2 < c; ++k2) {
          mean.push_back(num(real(-1, 1)));
          sd.push_back(num(real(0.1, 2)));
        }
        out.steps.push_back(step("normalize", {{"mean", list(mean)}, {"std", list(sd)}}));
        out.text += "normalize ";
        break;
      }
    }
  }
  return out;
}

TEST(FuseProperty, RandomChainsEqualTheInterpreter) {
  std::mt19937_64 gen(20261124);
  int fused_cases = 0;
  for (int t = 0; t < 200; ++t) {
    const DType dtype = gen() % 2 ? DType::U8 : DType::F32;
    const std::int64_t c = gen() % 2 ? 1 : 3, h = 1 + static_cast<std::int64_t>(gen() % 12),
                       w = 1 + static_cast<std::int64_t>(gen() % 21);
    RandomChain chain = random_chain(gen, dtype, c, h, w);
    Dataset in = dataset(dtype, {c, h, w}, 3, gen(), gen() % 4 == 0);
    const int epoch = static_cast<int>(gen() % 5);
    SCOPED_TRACE("case " + std::to_string(t) + ": " + dtype_name(dtype) + " " + std::to_string(c) +
                 "x" + std::to_string(h) + "x" + std::to_string(w) + " epoch " +
                 std::to_string(epoch) + ": " + chain.text);
    EXPECT_TRUE(same_bytes(fused(chain.steps, in, epoch), interpreted(chain.steps, in, epoch)));
    ++fused_cases;
    if (HasFailure()) break;  // one reproducible failure is enough
  }
  EXPECT_EQ(fused_cases, 200);
}

TEST(FuseProperty, ThreadsAndRangesDoNotChangeTheBytes) {
  const std::vector<PlanStep> chain = {
      step("to_float", {{"scale", num(1.0 / 255)}}), step("random_hflip", {}, "h"),
      step("random_crop", {{"size", integer(6)}, {"padding", integer(2)}}, "c"),
      step("random_affine", {{"degrees", num(15)}, {"translate", num(0.1)}}, "a"),
      step("gaussian_noise", {{"std", num(0.1)}}, "n"), step("cutout", {{"size", integer(2)}}, "x"),
      step("clamp", {})};
  Dataset in = dataset(DType::U8, {1, 6, 7}, 23, 9);
  Dataset one = fused(chain, in, 4, 1);
  EXPECT_TRUE(same_bytes(one, fused(chain, in, 4, 2)));
  EXPECT_TRUE(same_bytes(one, fused(chain, in, 4, 5)));
  EXPECT_TRUE(same_bytes(one, interpreted(chain, in, 4)));
  auto kernel = runtime::compile_fused(chain, in, nullptr);
  ASSERT_TRUE(ok(kernel)) << error(kernel).message;
  for (std::int64_t split : {1, 4, 22}) {
    auto out = runtime::prepare_output(chain, in);
    ASSERT_TRUE(ok(out));
    // Later ranges first: the order ranges run in must not matter either.
    runtime::run_fused_range(*value(kernel), in, 4, split, in.size(), value(out));
    runtime::run_fused_range(*value(kernel), in, 4, 0, split, value(out));
    EXPECT_TRUE(same_bytes(one, value(out))) << "split at " << split;
  }
}

TEST(FuseProperty, InsertingAnOpLeavesOtherDrawsUnchanged) {
  // The inserted op draws from its own stream but cannot change values (p = 0), so the
  // output can only change if another op's draws moved.
  const PlanStep flip = step("random_hflip", {}, "h"), noise = step("gaussian_noise", {{"std", num(0.2)}}, "n");
  const PlanStep affine = step("random_affine", {{"degrees", num(20)}}, "a"), bright = step("brightness", {{"delta", num(0.3)}}, "b");
  const PlanStep inserted = step("random_vflip", {{"p", num(0.0)}}, "inserted");
  const PlanStep to_float = step("to_float", {{"scale", num(1.0 / 255)}});
  Dataset in = dataset(DType::U8, {3, 5, 8}, 7, 4);
  const Dataset base = fused({to_float, flip, affine, bright, noise}, in, 2);
  for (std::size_t at = 1; at <= 5; ++at) {
    std::vector<PlanStep> chain = {to_float, flip, affine, bright, noise};
    chain.insert(chain.begin() + static_cast<std::ptrdiff_t>(at), inserted);
    EXPECT_TRUE(same_bytes(base, fused(chain, in, 2))) << "inserted at " << at;
  }
}

}  // namespace
}  // namespace mlf
