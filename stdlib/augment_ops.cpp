// Augment ops: per-sample transforms of a dataset's samples, each a rule from the sample type
// it takes to the sample type it gives. Images are [channels, height, width].
//
// Ops that interpolate or add real-valued noise take only f32 samples: on u8 their result
// would depend on a rounding rule nobody wrote down, so `to_float` comes first.

#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include "stdlib/argument_values.h"
#include "stdlib/catalogue.h"
#include "stdlib/spec_builders.h"

namespace mlf {
namespace {

RuleError augment_error(std::string message, std::string help = {}, std::string argument = {}) {
  RuleError error;
  error.kind = DiagnosticKind::AugmentTypeMismatch;
  error.message = std::move(message);
  error.help = std::move(help);
  error.argument = std::move(argument);
  return error;
}

RuleError value_error(std::string message, std::string argument) {
  RuleError error;
  error.kind = DiagnosticKind::ValueOutOfRange;
  error.message = std::move(message);
  error.argument = std::move(argument);
  return error;
}

std::optional<RuleError> check_f32(const std::string& op, const SampleType& in) {
  if (in.x.dtype == DType::F32) return std::nullopt;
  return augment_error("`" + op + "` needs f32 samples, found " + in.x.str(),
                       "put `to_float` before `" + op + "`");
}

std::optional<RuleError> check_image(const std::string& op, const SampleType& in) {
  if (in.x.dims.size() == 3) return std::nullopt;
  return augment_error("`" + op + "` expects [channels, height, width] samples, found " +
                       in.x.str());
}

OpSpec to_float() {
  OpSpec op = new_op("to_float", OpKind::Augment,
                     "converts samples of any element type to f32, multiplied by `scale`");
  op.params = {
      param("scale", ParamType::Float, "factor applied after the conversion, e.g. 1/255")
          .default_number(1.0),
  };
  op.augment_rule = [](const SampleType& in, const OpCall&) -> RuleResult<SampleType> {
    SampleType out = in;
    out.x.dtype = DType::F32;
    return out;
  };
  return op;
}

OpSpec normalize() {
  OpSpec op = new_op("normalize", OpKind::Augment,
                     "subtracts `mean` and divides by `std`, per channel (the first dimension)");
  op.params = {
      param("mean", ParamType::FloatList,
            "one mean for all elements, or one per entry of the first dimension (channels of "
            "an image, features of a vector)"),
      param("std", ParamType::FloatList,
            "one standard deviation for all elements, or one per entry of the first dimension")
          .above(0),
  };
  op.augment_rule = [](const SampleType& in, const OpCall& call) -> RuleResult<SampleType> {
    if (auto error = check_f32("normalize", in)) return *error;
    std::int64_t channels = in.x.dims.empty() ? 1 : in.x.dims[0];
    std::string unit = in.x.dims.size() == 1 ? "feature" : "channel";
    for (const char* name : {"mean", "std"}) {
      auto count = static_cast<std::int64_t>(float_list(call.arg(name)).size());
      if (count == 1 || count == channels) continue;
      return augment_error("`normalize` has " + std::to_string(count) + " `" + name +
                               "` values but the samples " + in.x.str() + " have " +
                               std::to_string(channels) + " " + unit + (channels == 1 ? "" : "s"),
                           "give one value, or one per " + unit, name);
    }
    return in;
  };
  return op;
}

OpSpec random_flip(const std::string& name, const std::string& axis) {
  OpSpec op = new_op(name, OpKind::Augment, "with probability `p`, mirrors each image " + axis);
  op.params = {
      param("p", ParamType::Float, "probability that a sample is flipped")
          .at_least(0)
          .at_most(1)
          .default_number(0.5),
  };
  op.random = true;
  op.augment_rule = [name](const SampleType& in, const OpCall&) -> RuleResult<SampleType> {
    if (auto error = check_image(name, in)) return *error;
    return in;
  };
  return op;
}

OpSpec random_crop() {
  OpSpec op = new_op("random_crop", OpKind::Augment,
                     "cuts a [size_h, size_w] window at a random place out of each image "
                     "padded with zeros");
  op.params = {
      param("size", ParamType::IntPair, "window size: n or [height, width]")
          .at_least(1)
          .at_most(kMaxPixels),
      param("padding", ParamType::Int, "zeros added on each side before cropping")
          .at_least(0)
          .at_most(kMaxPixels)
          .default_number(0),
  };
  op.random = true;
  op.augment_rule = [](const SampleType& in, const OpCall& call) -> RuleResult<SampleType> {
    if (auto error = check_image("random_crop", in)) return *error;
    HeightWidth size = int_pair(call.arg("size"));
    std::int64_t padding = call.arg("padding").integer;
    std::int64_t height = in.x.dims[1] + 2 * padding;
    std::int64_t width = in.x.dims[2] + 2 * padding;
    if (size.height > height || size.width > width) {
      std::string padded = std::to_string(height) + "×" + std::to_string(width);
      return augment_error("`random_crop` size " + std::to_string(size.height) + "×" +
                               std::to_string(size.width) + " is larger than the " +
                               (padding > 0 ? "padded image " : "image ") + padded + " of " +
                               in.x.str(),
                           "use a smaller `size` or more `padding`", "size");
    }
    SampleType out = in;
    out.x.dims = {in.x.dims[0], size.height, size.width};
    return out;
  };
  return op;
}

OpSpec random_affine() {
  OpSpec op = new_op("random_affine", OpKind::Augment,
                     "rotates, shifts and scales each image by random amounts, with bilinear "
                     "interpolation");
  op.params = {
      param("degrees", ParamType::Float,
            "rotation drawn uniformly from [-degrees, degrees], about the image centre")
          .at_least(0)
          .default_number(0),
      param("translate", ParamType::Float,
            "shift drawn uniformly from [-translate, translate], as a fraction of the width "
            "and of the height")
          .at_least(0)
          .at_most(1)
          .default_number(0),
      param("scale", ParamType::FloatRange,
            "zoom factor drawn uniformly from [low, high]; no zoom when left out")
          .optional()
          .above(0),
      param("fill", ParamType::Float, "value of the pixels that come from outside the image")
          .default_number(0),
  };
  op.random = true;
  op.augment_rule = [](const SampleType& in, const OpCall& call) -> RuleResult<SampleType> {
    if (auto error = check_f32("random_affine", in)) return *error;
    if (auto error = check_image("random_affine", in)) return *error;
    if (auto scale = float_range(call.arg("scale")); scale && scale->low > scale->high)
      return value_error(
          "`scale` must be [low, high] with low <= high, found " + value_text(call.arg("scale")),
          "scale");
    return in;
  };
  return op;
}

// Ops on f32 samples of any shape that keep the sample type.
OpSpec pointwise_f32(const std::string& name, std::string summary, std::vector<ParamSpec> params,
                     bool random) {
  OpSpec op = new_op(name, OpKind::Augment, std::move(summary));
  op.params = std::move(params);
  op.random = random;
  op.augment_rule = [name](const SampleType& in, const OpCall&) -> RuleResult<SampleType> {
    if (auto error = check_f32(name, in)) return *error;
    return in;
  };
  return op;
}

// The range of values an integer element type holds; nullopt for float types.
std::optional<std::pair<double, double>> integer_range(DType type) {
  switch (type) {
    case DType::U8: return std::pair{0.0, 255.0};
    case DType::I8: return std::pair{-128.0, 127.0};
    case DType::I16: return std::pair{-32768.0, 32767.0};
    case DType::I32: return std::pair{-2147483648.0, 2147483647.0};
    case DType::I64:
      return std::pair{static_cast<double>(std::numeric_limits<std::int64_t>::min()),
                       static_cast<double>(std::numeric_limits<std::int64_t>::max())};
    case DType::F32:
    case DType::F64: return std::nullopt;
  }
  return std::nullopt;
}

OpSpec cutout() {
  OpSpec op = new_op("cutout", OpKind::Augment,
                     "with probability `p`, sets a size×size square at a random centre of each "
                     "image to `fill`, clipped at the borders");
  op.params = {
      param("size", ParamType::Int, "side of the square, in pixels").at_least(1).at_most(kMaxPixels),
      param("p", ParamType::Float, "probability that a sample gets a square")
          .at_least(0)
          .at_most(1)
          .default_number(1.0),
      param("fill", ParamType::Float,
            "value written into the square; a whole number in range for integer samples")
          .default_number(0),
  };
  op.random = true;
  op.augment_rule = [](const SampleType& in, const OpCall& call) -> RuleResult<SampleType> {
    if (auto error = check_image("cutout", in)) return *error;
    double fill = call.arg("fill").as_real();
    if (auto range = integer_range(in.x.dtype);
        range && (fill != std::floor(fill) || fill < range->first || fill > range->second))
      return value_error(
          "`fill` must be a whole number from " +
              value_text(Value::of_int(static_cast<std::int64_t>(range->first))) + " to " +
              value_text(Value::of_int(static_cast<std::int64_t>(range->second))) + " for " +
              in.x.str() + " samples, found " + value_text(call.arg("fill")),
          "fill");
    return in;
  };
  return op;
}

OpSpec clamp() {
  OpSpec op = new_op("clamp", OpKind::Augment, "limits every element to [min, max]");
  op.params = {
      param("min", ParamType::Float, "lowest value kept").default_number(0),
      param("max", ParamType::Float, "highest value kept").default_number(1),
  };
  op.augment_rule = [](const SampleType& in, const OpCall& call) -> RuleResult<SampleType> {
    if (auto error = check_f32("clamp", in)) return *error;
    double low = call.arg("min").as_real();
    double high = call.arg("max").as_real();
    if (low > high)
      return value_error("`clamp` needs min <= max, found min " + value_text(call.arg("min")) +
                             " and max " + value_text(call.arg("max")),
                         "max");
    return in;
  };
  return op;
}

OpSpec mixup() {
  OpSpec op = new_op("mixup", OpKind::Augment,
                     "blends each sample and its one-hot label with a random partner sample of "
                     "the same dataset; class<K> labels become soft<K>");
  op.params = {
      param("alpha", ParamType::Float, "the blend weight is drawn from Beta(alpha, alpha)")
          .above(0),
  };
  op.random = true;
  op.augment_rule = [](const SampleType& in, const OpCall&) -> RuleResult<SampleType> {
    if (auto error = check_f32("mixup", in)) return *error;
    if (in.y.kind == LabelType::Kind::Target)
      return augment_error("`mixup` needs class labels, found " + in.y.str());
    SampleType out = in;
    out.y.kind = LabelType::Kind::Soft;
    return out;
  };
  return op;
}

}  // namespace

void register_augment_ops(Catalogue& catalogue) {
  catalogue.add(to_float());
  catalogue.add(normalize());
  catalogue.add(random_flip("random_hflip", "left to right (along the width)"));
  catalogue.add(random_flip("random_vflip", "top to bottom (along the height)"));
  catalogue.add(random_crop());
  catalogue.add(random_affine());
  catalogue.add(pointwise_f32(
      "brightness", "adds one random offset drawn uniformly from [-delta, delta] to a sample",
      {param("delta", ParamType::Float, "largest offset added").at_least(0)}, true));
  catalogue.add(pointwise_f32(
      "contrast",
      "moves each sample towards or away from its mean: mean + c·(x − mean), with c drawn "
      "uniformly from [1 − factor, 1 + factor]",
      {param("factor", ParamType::Float, "largest relative change of contrast")
           .at_least(0)
           .at_most(1)},
      true));
  catalogue.add(pointwise_f32(
      "gaussian_noise", "adds independent normal noise of mean 0 to every element",
      {param("std", ParamType::Float, "standard deviation of the noise").at_least(0)}, true));
  catalogue.add(cutout());
  catalogue.add(clamp());
  catalogue.add(mixup());
}

}  // namespace mlf
