// The type rules of the catalogue's ops: the Fashion-MNIST CNN of the language brief layer
// by layer, and the diagnostic kind of each way an op can be misused.

#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "stdlib/catalogue.h"

namespace mlf {
namespace {

Value list(std::vector<Value> items) {
  Value out;
  out.kind = Value::Kind::List;
  out.items = std::move(items);
  return out;
}

// An op call as the checker would hand it to a rule: every parameter in catalogue order,
// from `overrides` when named there, else from its default, else absent.
OpCall call(const std::string& name, std::vector<std::pair<std::string, Value>> overrides = {}) {
  OpCall out;
  out.op = catalogue().find(name);
  if (!out.op) throw std::invalid_argument("no op `" + name + "`");
  for (const auto& [param, value] : overrides)
    if (!out.op->param(param)) throw std::invalid_argument("`" + name + "` has no `" + param + "`");
  for (const ParamSpec& p : out.op->params) {
    Argument a{p.name, p.default_value.value_or(Value::none()), true};
    for (const auto& [param, value] : overrides)
      if (param == p.name) a = {p.name, value, false};
    out.args.push_back(std::move(a));
  }
  return out;
}

TensorType f32(std::vector<std::int64_t> dims) { return {DType::F32, std::move(dims)}; }
TensorType u8(std::vector<std::int64_t> dims) { return {DType::U8, std::move(dims)}; }
LabelType classes(std::int64_t k) { return {LabelType::Kind::Class, k, {}}; }
SampleType sample(TensorType x, LabelType y = classes(10)) { return {std::move(x), y}; }

template <class T>
const T& ok(const RuleResult<T>& result) {
  if (const auto* error = std::get_if<RuleError>(&result))
    throw std::runtime_error("unexpected rule error: " + error->message);
  return std::get<T>(result);
}

template <class T>
RuleError failed(const RuleResult<T>& result) {
  if (!std::holds_alternative<RuleError>(result))
    throw std::runtime_error("the rule accepted what it should reject");
  return std::get<RuleError>(result);
}

RuleResult<LayerShape> layer(const OpCall& c, const TensorType& in) {
  return c.op->layer_rule(in, c);
}
RuleResult<SampleType> augment(const OpCall& c, const SampleType& in) {
  return c.op->augment_rule(in, c);
}
RuleResult<DatasetType> dataset(const OpCall& c, const std::vector<DatasetType>& in) {
  return c.op->dataset_rule(in, c);
}
RuleResult<std::monostate> loss(const OpCall& c, const TensorType& out, const LabelType& y) {
  return c.op->loss_rule(out, y, c);
}

Value i(std::int64_t v) { return Value::of_int(v); }
Value f(double v) { return Value::of_float(v); }
Value s(std::string v) { return Value::of_string(std::move(v)); }

// --- The program of the language brief -------------------------------------------------------

TEST(CatalogueRules, FashionCnnOfTheBriefLayerByLayer) {
  SampleType data = sample(u8({1, 28, 28}));
  data = ok(augment(call("to_float", {{"scale", f(1.0 / 255)}}), data));
  data = ok(augment(call("normalize", {{"mean", f(0.286)}, {"std", f(0.353)}}), data));
  EXPECT_EQ(data.str(), "{x: f32[1,28,28], y: class<10>}");
  SampleType jittered = ok(augment(call("random_hflip", {{"p", f(0.5)}}), data));
  jittered =
      ok(augment(call("random_affine", {{"degrees", i(10)}, {"translate", f(0.1)}}), jittered));
  EXPECT_EQ(jittered, data);

  struct Step {
    OpCall op;
    std::string out;
    std::vector<std::pair<std::string, std::int64_t>> inferred;
  };
  std::vector<Step> steps = {
      {call("conv2d", {{"out", i(32)}, {"kernel", i(3)}, {"padding", i(1)}}),
       "f32[32,28,28]",
       {{"in_channels", 1}}},
      {call("relu"), "f32[32,28,28]", {}},
      {call("max_pool", {{"kernel", i(2)}}), "f32[32,14,14]", {}},
      {call("conv2d", {{"out", i(64)}, {"kernel", i(3)}, {"padding", i(1)}}),
       "f32[64,14,14]",
       {{"in_channels", 32}}},
      {call("relu"), "f32[64,14,14]", {}},
      {call("max_pool", {{"kernel", i(2)}}), "f32[64,7,7]", {}},
      {call("flatten"), "f32[3136]", {}},
      {call("linear", {{"out", i(128)}}), "f32[128]", {{"in", 3136}}},
      {call("relu"), "f32[128]", {}},
      {call("dropout", {{"p", f(0.25)}}), "f32[128]", {}},
      {call("linear", {{"out", i(10)}}), "f32[10]", {{"in", 128}}},
  };
  TensorType x = data.x;
  for (const Step& step : steps) {
    SCOPED_TRACE(step.op.op->name + " on " + x.str());
    LayerShape shape = ok(layer(step.op, x));
    EXPECT_EQ(shape.out.str(), step.out);
    EXPECT_EQ(shape.inferred, step.inferred);
    x = shape.out;
  }
  ok(loss(call("cross_entropy"), x, data.y));
}

// --- Layers ----------------------------------------------------------------------------------

TEST(CatalogueRules, LinearOnAnImageNeedsFlatten) {
  RuleError e = failed(layer(call("linear", {{"out", i(10)}}), f32({64, 7, 7})));
  EXPECT_EQ(e.kind, DiagnosticKind::ShapeMismatch);
  EXPECT_EQ(e.message, "`linear` expects a [features] input, found f32[64,7,7]");
  EXPECT_EQ(e.help, "add `flatten` before `linear`");
}

TEST(CatalogueRules, ConvOnAVectorSaysWhereFlattenGoes) {
  RuleError e = failed(layer(call("conv2d", {{"out", i(8)}, {"kernel", i(3)}}), f32({784})));
  EXPECT_EQ(e.kind, DiagnosticKind::ShapeMismatch);
  EXPECT_EQ(e.message, "`conv2d` expects a [channels, height, width] input, found f32[784]");
  EXPECT_EQ(e.help, "put `flatten` only after the convolutional layers");
}

TEST(CatalogueRules, ConvKernelLargerThanTheImage) {
  RuleError e = failed(layer(call("conv2d", {{"out", i(8)}, {"kernel", i(5)}}), f32({3, 4, 4})));
  EXPECT_EQ(e.kind, DiagnosticKind::ShapeMismatch);
  EXPECT_EQ(e.argument, "kernel");
  EXPECT_EQ(e.message, "`conv2d` kernel height 5 is larger than the input height 4");
  EXPECT_FALSE(e.notes.empty());

  e = failed(
      layer(call("conv2d", {{"out", i(8)}, {"kernel", list({i(3), i(9)})}, {"padding", i(2)}}),
            f32({3, 4, 4})));
  EXPECT_EQ(e.message,
            "`conv2d` kernel width 9 is larger than the padded input width 4 + 2 × 2 = 8");
}

TEST(CatalogueRules, ConvStrideAndRectangularKernels) {
  LayerShape shape = ok(layer(call("conv2d", {{"out", i(16)},
                                              {"kernel", list({i(3), i(5)})},
                                              {"stride", i(2)},
                                              {"padding", list({i(1), i(0)})}}),
                              f32({3, 32, 33})));
  // height: (32 + 2 - 3) / 2 + 1 = 16; width: (33 - 5) / 2 + 1 = 15
  EXPECT_EQ(shape.out.str(), "f32[16,16,15]");
}

TEST(CatalogueRules, PoolStrideDefaultsToTheKernel) {
  EXPECT_EQ(ok(layer(call("avg_pool", {{"kernel", i(3)}}), f32({4, 10, 10}))).out.str(),
            "f32[4,3,3]");
  EXPECT_EQ(
      ok(layer(call("max_pool", {{"kernel", i(3)}, {"stride", i(1)}}), f32({4, 10, 10}))).out.str(),
      "f32[4,8,8]");
  EXPECT_EQ(failed(layer(call("max_pool", {{"kernel", i(4)}}), f32({4, 3, 3}))).kind,
            DiagnosticKind::ShapeMismatch);
}

TEST(CatalogueRules, LayersNeedFloatInput) {
  RuleError e = failed(layer(call("conv2d", {{"out", i(8)}, {"kernel", i(3)}}), u8({1, 28, 28})));
  EXPECT_EQ(e.kind, DiagnosticKind::ShapeMismatch);
  EXPECT_EQ(e.message, "layers need f32 input, found u8[1,28,28]");
  EXPECT_EQ(e.help, "apply `to_float` to the data");
  EXPECT_EQ(failed(layer(call("relu"), u8({4}))).kind, DiagnosticKind::ShapeMismatch);
}

TEST(CatalogueRules, BatchNormInfersFeatures) {
  EXPECT_EQ(ok(layer(call("batch_norm"), f32({32, 8, 8}))).inferred,
            (std::vector<std::pair<std::string, std::int64_t>>{{"features", 32}}));
  EXPECT_EQ(ok(layer(call("batch_norm"), f32({100}))).inferred,
            (std::vector<std::pair<std::string, std::int64_t>>{{"features", 100}}));
  EXPECT_EQ(failed(layer(call("batch_norm"), f32({3, 4}))).kind, DiagnosticKind::ShapeMismatch);
}

TEST(CatalogueRules, FlattenAndActivations) {
  EXPECT_EQ(ok(layer(call("flatten"), f32({784}))).out.str(), "f32[784]");
  EXPECT_EQ(failed(layer(call("flatten"), f32({}))).kind, DiagnosticKind::ShapeMismatch);
  for (const char* name : {"relu", "gelu", "tanh", "sigmoid", "dropout"})
    EXPECT_EQ(ok(layer(call(name), f32({2, 3}))).out.str(), "f32[2,3]") << name;
}

// --- Augment ops -----------------------------------------------------------------------------

TEST(CatalogueRules, NormalizeOnU8SaysToConvertFirst) {
  RuleError e = failed(
      augment(call("normalize", {{"mean", f(0.5)}, {"std", f(0.5)}}), sample(u8({1, 28, 28}))));
  EXPECT_EQ(e.kind, DiagnosticKind::AugmentTypeMismatch);
  EXPECT_EQ(e.message, "`normalize` needs f32 samples, found u8[1,28,28]");
  EXPECT_EQ(e.help, "put `to_float` before `normalize`");
}

TEST(CatalogueRules, NormalizeTakesOneValueOrOnePerChannel) {
  OpCall two_means = call("normalize", {{"mean", list({f(0.1), f(0.2)})}, {"std", f(0.3)}});
  RuleError e = failed(augment(two_means, sample(f32({1, 28, 28}))));
  EXPECT_EQ(e.kind, DiagnosticKind::AugmentTypeMismatch);
  EXPECT_EQ(e.argument, "mean");
  EXPECT_EQ(e.message,
            "`normalize` has 2 `mean` values but the samples f32[1,28,28] have 1 channel");

  OpCall per_channel = call(
      "normalize", {{"mean", list({f(0.1), f(0.2), f(0.3)})}, {"std", list({i(1), i(2), i(3)})}});
  ok(augment(per_channel, sample(f32({3, 8, 8}))));
  EXPECT_EQ(failed(augment(per_channel, sample(f32({4, 8, 8})))).argument, "mean");
}

TEST(CatalogueRules, ToFloatTakesAnyElementType) {
  for (DType t : {DType::U8, DType::I16, DType::I64, DType::F32, DType::F64})
    EXPECT_EQ(ok(augment(call("to_float"), sample({t, {3}}))).x.str(), "f32[3]");
}

TEST(CatalogueRules, RandomCrop) {
  SampleType image = sample(u8({3, 32, 32}));
  EXPECT_EQ(ok(augment(call("random_crop", {{"size", i(28)}}), image)).x.str(), "u8[3,28,28]");
  EXPECT_EQ(
      ok(augment(call("random_crop", {{"size", list({i(36), i(30)})}, {"padding", i(2)}}), image))
          .x.str(),
      "u8[3,36,30]");
  RuleError e = failed(augment(call("random_crop", {{"size", i(40)}, {"padding", i(2)}}), image));
  EXPECT_EQ(e.kind, DiagnosticKind::AugmentTypeMismatch);
  EXPECT_EQ(e.argument, "size");
  EXPECT_EQ(failed(augment(call("random_crop", {{"size", i(4)}}), sample(f32({784})))).kind,
            DiagnosticKind::AugmentTypeMismatch);
}

TEST(CatalogueRules, FlipsNeedImages) {
  ok(augment(call("random_vflip"), sample(u8({1, 5, 5}))));
  EXPECT_EQ(failed(augment(call("random_hflip"), sample(f32({25})))).kind,
            DiagnosticKind::AugmentTypeMismatch);
}

TEST(CatalogueRules, AffineNeedsFloatAndAnOrderedScale) {
  EXPECT_EQ(failed(augment(call("random_affine"), sample(u8({1, 5, 5})))).help,
            "put `to_float` before `random_affine`");
  ok(augment(call("random_affine", {{"scale", list({f(0.9), f(1.1)})}}), sample(f32({1, 5, 5}))));
  RuleError e = failed(
      augment(call("random_affine", {{"scale", list({f(1.1), f(0.9)})}}), sample(f32({1, 5, 5}))));
  EXPECT_EQ(e.kind, DiagnosticKind::ValueOutOfRange);
  EXPECT_EQ(e.argument, "scale");
}

TEST(CatalogueRules, FloatOnlyPointwiseOps) {
  std::vector<OpCall> ops = {call("brightness", {{"delta", f(0.1)}}),
                             call("contrast", {{"factor", f(0.2)}}),
                             call("gaussian_noise", {{"std", f(0.1)}}), call("clamp")};
  for (const OpCall& op : ops) {
    SCOPED_TRACE(op.op->name);
    EXPECT_EQ(ok(augment(op, sample(f32({7})))).x.str(), "f32[7]");
    EXPECT_EQ(failed(augment(op, sample(u8({7})))).kind, DiagnosticKind::AugmentTypeMismatch);
  }
  RuleError e = failed(augment(call("clamp", {{"min", i(2)}, {"max", i(1)}}), sample(f32({7}))));
  EXPECT_EQ(e.kind, DiagnosticKind::ValueOutOfRange);
}

TEST(CatalogueRules, CutoutFillMustFitIntegerSamples) {
  ok(augment(call("cutout", {{"size", i(8)}}), sample(u8({3, 32, 32}))));
  ok(augment(call("cutout", {{"size", i(8)}, {"fill", f(0.5)}}), sample(f32({3, 32, 32}))));
  EXPECT_EQ(
      failed(augment(call("cutout", {{"size", i(8)}, {"fill", f(0.5)}}), sample(u8({3, 32, 32}))))
          .kind,
      DiagnosticKind::ValueOutOfRange);
  EXPECT_EQ(
      failed(augment(call("cutout", {{"size", i(8)}, {"fill", i(256)}}), sample(u8({3, 32, 32}))))
          .argument,
      "fill");
}

TEST(CatalogueRules, MixupMakesSoftLabels) {
  SampleType out = ok(augment(call("mixup", {{"alpha", f(0.2)}}), sample(f32({3, 8, 8}))));
  EXPECT_EQ(out.str(), "{x: f32[3,8,8], y: soft<10>}");
  EXPECT_EQ(failed(augment(call("mixup", {{"alpha", f(0.2)}}), sample(u8({3, 8, 8})))).kind,
            DiagnosticKind::AugmentTypeMismatch);
  LabelType target{LabelType::Kind::Target, 0, f32({2})};
  EXPECT_EQ(failed(augment(call("mixup", {{"alpha", f(0.2)}}), sample(f32({3}), target))).kind,
            DiagnosticKind::AugmentTypeMismatch);
}

// --- Losses ----------------------------------------------------------------------------------

TEST(CatalogueRules, CrossEntropyNeedsOneScorePerClass) {
  RuleError e = failed(loss(call("cross_entropy"), f32({12}), classes(10)));
  EXPECT_EQ(e.kind, DiagnosticKind::LabelMismatch);
  EXPECT_EQ(e.message, "the model ends in f32[12] but the labels are class<10>");
  EXPECT_EQ(e.help, "make the last layer `linear(out: 10)`");
  ok(loss(call("cross_entropy"), f32({10}), LabelType{LabelType::Kind::Soft, 10, {}}));
  EXPECT_EQ(failed(loss(call("cross_entropy"), f32({10, 1}), classes(10))).kind,
            DiagnosticKind::LabelMismatch);
  EXPECT_EQ(
      failed(loss(call("cross_entropy"), f32({3}), LabelType{LabelType::Kind::Target, 0, f32({3})}))
          .help,
      "use `mse` for real-valued targets");
}

TEST(CatalogueRules, MseComparesWithTargetsOrOneHotClasses) {
  LabelType target{LabelType::Kind::Target, 0, f32({3})};
  ok(loss(call("mse"), f32({3}), target));
  EXPECT_EQ(failed(loss(call("mse"), f32({4}), target)).kind, DiagnosticKind::LabelMismatch);
  ok(loss(call("mse"), f32({10}), classes(10)));
  EXPECT_EQ(failed(loss(call("mse"), f32({1}), classes(10))).kind, DiagnosticKind::LabelMismatch);
}

// --- Dataset ops -----------------------------------------------------------------------------

DatasetType mnist(std::int64_t count = 60000) { return {sample(u8({1, 28, 28})), count}; }

TEST(CatalogueRules, SplitByIndex) {
  OpCall first = call("split", {{"fraction", f(0.9)}});
  OpCall second = call("split", {{"fraction", f(0.9)}, {"part", s("second")}});
  EXPECT_EQ(ok(dataset(first, {mnist()})).count, 54000);
  EXPECT_EQ(ok(dataset(second, {mnist()})).count, 6000);
  // 0.29 × 100 is 28.999999999999996 in doubles; the user meant 29.
  EXPECT_EQ(ok(dataset(call("split", {{"fraction", f(0.29)}}), {mnist(100)})).count, 29);
  EXPECT_EQ(ok(dataset(call("split", {{"fraction", f(0.5)}}), {mnist(7)})).count, 3);
  RuleError e = failed(dataset(call("split", {{"fraction", f(0.1)}}), {mnist(5)}));
  EXPECT_EQ(e.kind, DiagnosticKind::ValueOutOfRange);
  EXPECT_EQ(e.argument, "fraction");
}

TEST(CatalogueRules, SplitByHashHasACountKnownAtRunTime) {
  DatasetType out =
      ok(dataset(call("split", {{"fraction", f(0.9)}, {"by", s("hash")}}), {mnist()}));
  EXPECT_EQ(out.count, -1);
  EXPECT_EQ(out.str(), "? × {x: u8[1,28,28], y: class<10>}");
  EXPECT_EQ(ok(dataset(call("take", {{"n", i(10)}}), {out})).count, -1);
  EXPECT_EQ(ok(dataset(call("concat"), {out, mnist()})).count, -1);
}

TEST(CatalogueRules, TakeShuffleConcat) {
  EXPECT_EQ(ok(dataset(call("take", {{"n", i(100)}}), {mnist()})).count, 100);
  EXPECT_EQ(ok(dataset(call("take", {{"n", i(100)}}), {mnist(30)})).count, 30);
  EXPECT_EQ(ok(dataset(call("shuffle"), {mnist()})).str(), mnist().str());
  EXPECT_EQ(ok(dataset(call("concat"), {mnist(), mnist(10000)})).count, 70000);
}

TEST(CatalogueRules, ConcatNeedsOneSampleType) {
  DatasetType floats{sample(f32({1, 28, 28})), 10};
  RuleError e = failed(dataset(call("concat"), {mnist(), floats}));
  EXPECT_EQ(e.kind, DiagnosticKind::DatasetMismatch);
  EXPECT_NE(e.message.find("{x: u8[1,28,28], y: class<10>}"), std::string::npos);
  EXPECT_NE(e.message.find("{x: f32[1,28,28], y: class<10>}"), std::string::npos);
}

}  // namespace
}  // namespace mlf
