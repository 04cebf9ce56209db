// The fused kernel of every augment op alone equals the reference interpreter bit for bit:
// u8 and f32 (and other element types where the op takes them), 1 and 3 channels, widths
// that leave a scalar tail after the vector body, several epochs.

#include <gtest/gtest.h>

#include "tests/unit/fuse_fixture.h"

namespace mlf {
namespace {

using namespace fuse_test;

struct OpCase {
  std::string name;
  std::vector<PlanStep> chain;
  bool floats_only = false;  // needs f32 samples: u8 data gets a to_float first
};

std::vector<OpCase> op_cases() {
  return {
      {"to_float", {step("to_float", {{"scale", num(1.0 / 255)}})}},
      {"normalize_shared", {step("normalize", {{"mean", num(0.5)}, {"std", num(0.3)}})}, true},
      {"normalize_per_channel",
       {step("normalize", {{"mean", list({num(0.1), num(0.2), num(0.3)})}, {"std", list({num(0.7), num(0.3), num(3)})}})},
       true},
      {"hflip", {step("random_hflip", {{"p", num(0.5)}}, "h")}},
      {"vflip", {step("random_vflip", {{"p", num(0.5)}}, "v")}},
      {"crop_pad", {step("random_crop", {{"size", list({integer(4), integer(11)})}, {"padding", integer(2)}}, "c")}},
      {"crop_larger", {step("random_crop", {{"size", list({integer(9), integer(15)})}, {"padding", integer(3)}}, "c2")}},
      {"affine_rotate", {step("random_affine", {{"degrees", num(30)}}, "a")}, true},
      {"affine_all",
       {step("random_affine", {{"degrees", num(180)}, {"translate", num(0.2)}, {"scale", list({num(0.7), num(1.3)})}, {"fill", num(-1.5)}}, "a2")},
       true},
      {"affine_identity", {step("random_affine", {}, "a3")}, true},
      {"brightness", {step("brightness", {{"delta", num(0.4)}}, "b")}, true},
      {"contrast", {step("contrast", {{"factor", num(0.5)}}, "k")}, true},
      {"noise", {step("gaussian_noise", {{"std", num(0.1)}}, "n")}, true},
      {"cutout", {step("cutout", {{"size", integer(3)}, {"p", num(0.8)}, {"fill", num(7)}}, "x")}},
      {"cutout_big", {step("cutout", {{"size", integer(20)}}, "x2")}},
      // Not single ops: the paths the code generator takes for the benchmark's chains. A
      // crop's rows split at its valid range, an affine reading a framed scratch plane (and
      // the frame's fill), an affine after an affine, normals drawn in the kernel after
      // remaps.
      {"geometric_chain",
       {step("random_hflip", {{"p", num(0.5)}}, "g1"),
        step("random_crop", {{"size", list({integer(4), integer(9)})}, {"padding", integer(2)}}, "g2"),
        step("random_affine", {{"degrees", num(15)}, {"translate", num(0.1)}, {"scale", list({num(0.9), num(1.1)})}, {"fill", num(0.25)}}, "g3"),
        step("cutout", {{"size", integer(2)}, {"p", num(1)}}, "g4"),
        step("gaussian_noise", {{"std", num(0.1)}}, "g5")},
       true},
      {"affine_twice",
       {step("random_affine", {{"degrees", num(90)}, {"translate", num(0.3)}, {"fill", num(-2)}}, "t1"),
        step("random_affine", {{"degrees", num(45)}, {"scale", list({num(0.5), num(1.5)})}, {"fill", num(3)}}, "t2")},
       true},
      {"clamp", {step("clamp", {{"min", num(-3)}, {"max", num(40.5)}})}, true},
      {"mixup", {step("mixup", {{"alpha", num(0.4)}}, "m")}, true},
      // The partner's prefix draws the partner's own values (flip, crop, affine, noise,
      // contrast); ops after the mixup draw for the sample itself; a nested mixup's partner
      // has a partner of its own.
      {"mixup_in_chain",
       {step("random_hflip", {{"p", num(0.5)}}, "m1"),
        step("random_crop", {{"size", list({integer(4), integer(9)})}, {"padding", integer(2)}}, "m2"),
        step("random_affine", {{"degrees", num(20)}, {"fill", num(0.5)}}, "m3"),
        step("gaussian_noise", {{"std", num(0.1)}}, "m4"), step("contrast", {{"factor", num(0.3)}}, "m5"),
        step("mixup", {{"alpha", num(1.5)}}, "m6"), step("random_vflip", {{"p", num(0.5)}}, "m7"),
        step("brightness", {{"delta", num(0.2)}}, "m8"), step("clamp", {})},
       true},
      {"mixup_nested",
       {step("brightness", {{"delta", num(0.2)}}, "n1"), step("mixup", {{"alpha", num(0.3)}}, "n2"),
        step("random_hflip", {{"p", num(0.5)}}, "n3"), step("mixup", {{"alpha", num(2)}}, "n4"),
        step("random_affine", {{"degrees", num(45)}}, "n5")},
       true},
  };
}

class FuseOp : public testing::TestWithParam<OpCase> {};

TEST_P(FuseOp, EqualsTheInterpreterBitForBit) {
  const OpCase& c = GetParam();
  for (DType dtype : {DType::U8, DType::F32})
    for (std::vector<std::int64_t> shape : {std::vector<std::int64_t>{1, 7, 13}, {3, 5, 9}, {3, 4, 37}}) {
      if (c.name == "normalize_per_channel" && shape[0] != 3) continue;
      std::vector<PlanStep> chain = c.chain;
      if (c.floats_only && dtype == DType::U8) chain.insert(chain.begin(), step("to_float"));
      Dataset in = dataset(dtype, shape, 5, 11 + shape[2], /*special=*/true);
      for (int epoch : {0, 3}) {
        SCOPED_TRACE(c.name + " " + dtype_name(dtype) + " " + std::to_string(shape[0]) + "x" +
                     std::to_string(shape[1]) + "x" + std::to_string(shape[2]) + " epoch " +
                     std::to_string(epoch));
        EXPECT_TRUE(same_bytes(fused(chain, in, epoch), interpreted(chain, in, epoch)));
      }
    }
}

INSTANTIATE_TEST_SUITE_P(EveryOp, FuseOp, testing::ValuesIn(op_cases()),
                         [](const testing::TestParamInfo<OpCase>& info) { return info.param.name; });

// Flips, crop and cutout move elements of any type; to_float converts each type.
TEST(FuseOpTypes, MovesAndConversionsOfEveryElementType) {
  const std::vector<std::vector<PlanStep>> chains = {
      {step("random_hflip", {{"p", num(0.5)}}, "h"), step("random_vflip", {{"p", num(0.5)}}, "v")},
      {step("random_crop", {{"size", integer(5)}, {"padding", integer(2)}}, "c"),
       step("cutout", {{"size", integer(2)}, {"fill", num(3)}}, "x")},
      {step("to_float", {{"scale", num(0.5)}})},
  };
  for (DType dtype : {DType::U8, DType::I8, DType::I16, DType::I32, DType::I64, DType::F32, DType::F64})
    for (std::size_t k = 0; k < chains.size(); ++k) {
      SCOPED_TRACE(std::string(dtype_name(dtype)) + " chain " + std::to_string(k));
      Dataset in = dataset(dtype, {2, 6, 7}, 4, 5);
      EXPECT_TRUE(same_bytes(fused(chains[k], in, 1), interpreted(chains[k], in, 1)));
    }
}

// mixup's labels: class ids become soft rows, soft rows are mixed; threads and ranges do
// not change the partner or the bytes.
TEST(FuseOpMixup, LabelsThreadsAndRanges) {
  const std::vector<PlanStep> chain = {step("to_float", {{"scale", num(1.0 / 255)}}),
                                       step("random_hflip", {}, "h"),
                                       step("mixup", {{"alpha", num(0.7)}}, "m"),
                                       step("mixup", {{"alpha", num(0.2)}}, "m2")};
  Dataset classes = dataset(DType::U8, {3, 5, 9}, 17, 8);
  Dataset soft = classes;
  soft.y.clear();
  soft.y_values = Tensor::zeros(DType::F32, {17, 4});
  for (std::size_t k = 0; k < 17 * 4; ++k) {
    const float v = static_cast<float>(k % 7) / 7.0f;
    std::memcpy(soft.y_values.bytes.data() + k * 4, &v, 4);
  }
  for (const Dataset* in : {&classes, &soft}) {
    const Dataset expected = interpreted(chain, *in, 3);
    ASSERT_EQ(expected.y_values.shape, (std::vector<std::int64_t>{17, 4}));
    EXPECT_TRUE(same_bytes(fused(chain, *in, 3, 1), expected));
    EXPECT_TRUE(same_bytes(fused(chain, *in, 3, 2), expected));
    auto kernel = runtime::compile_fused(chain, *in, nullptr);
    ASSERT_TRUE(ok(kernel)) << error(kernel).message;
    for (std::int64_t split : {1, 9, 16}) {
      auto out = runtime::prepare_output(chain, *in);
      ASSERT_TRUE(ok(out));
      runtime::run_fused_range(*value(kernel), *in, 3, split, in->size(), value(out));
      runtime::run_fused_range(*value(kernel), *in, 3, 0, split, value(out));
      EXPECT_TRUE(same_bytes(expected, value(out))) << "split at " << split;
    }
  }
}

// Samples that are not images: pointwise ops over [d0, rest] and over scalars.
TEST(FuseOpTypes, PointwiseOpsOnVectorsAndScalars) {
  const std::vector<PlanStep> chain = {step("to_float", {{"scale", num(0.25)}}),
                                       step("normalize", {{"mean", num(1)}, {"std", num(3)}}),
                                       step("gaussian_noise", {{"std", num(0.5)}}, "n"),
                                       step("contrast", {{"factor", num(0.3)}}, "k"),
                                       step("clamp", {{"min", num(-1)}, {"max", num(1)}})};
  for (std::vector<std::int64_t> shape : {std::vector<std::int64_t>{19}, {2, 3, 5, 2}, {}}) {
    Dataset in = dataset(DType::U8, shape, 6, 3);
    EXPECT_TRUE(same_bytes(fused(chain, in, 2), interpreted(chain, in, 2)));
  }
}

}  // namespace
}  // namespace mlf
