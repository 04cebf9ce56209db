// Network layers and blocks: shape rules from a per-sample input tensor (no batch dimension)
// to the layer's output, recording the sizes a layer takes from its input.
//
// Every layer takes f32 input and gives f32 output; images are [channels, height, width].

#include <optional>
#include <string>
#include <variant>

#include "stdlib/argument_values.h"
#include "stdlib/catalogue.h"
#include "stdlib/spec_builders.h"

namespace mlf {
namespace {

RuleError shape_error(std::string message, std::string help = {}, std::string argument = {}) {
  RuleError error;
  error.kind = DiagnosticKind::ShapeMismatch;
  error.message = std::move(message);
  error.help = std::move(help);
  error.argument = std::move(argument);
  return error;
}

std::optional<RuleError> check_float_input(const TensorType& in) {
  if (in.dtype == DType::F32) return std::nullopt;
  return shape_error("layers need f32 input, found " + in.str(), "apply `to_float` to the data");
}

std::optional<RuleError> check_image_input(const std::string& op, const TensorType& in) {
  if (auto error = check_float_input(in)) return error;
  if (in.dims.size() == 3) return std::nullopt;
  return shape_error(
      "`" + op + "` expects a [channels, height, width] input, found " + in.str(),
      in.dims.size() == 1 ? "put `flatten` only after the convolutional layers" : "");
}

// One spatial side of a sliding window: floor((size + 2·padding − kernel) / stride) + 1, or an
// error explaining why that is below 1.
RuleResult<std::int64_t> window_side(const std::string& op, const std::string& side,
                                     std::int64_t size, std::int64_t kernel, std::int64_t stride,
                                     std::int64_t padding, bool has_padding) {
  std::int64_t padded = size + 2 * padding;
  if (kernel <= padded) return (padded - kernel) / stride + 1;
  std::string input = "input " + side + " " + std::to_string(size);
  if (padding > 0)
    input = "padded input " + side + " " + std::to_string(size) + " + 2 × " +
            std::to_string(padding) + " = " + std::to_string(padded);
  RuleError error = shape_error(
      "`" + op + "` kernel " + side + " " + std::to_string(kernel) + " is larger than the " + input,
      has_padding ? "use a smaller `kernel` or more `padding`" : "use a smaller `kernel`",
      "kernel");
  error.notes.push_back("the output " + side + " is floor((input " +
                        (has_padding ? "+ 2 × padding " : "") +
                        "− kernel) / stride) + 1, which must be at least 1");
  return error;
}

// The output of a sliding-window op over [C, H, W], with `channels` output channels.
RuleResult<TensorType> window_shape(const std::string& op, const TensorType& in,
                                    std::int64_t channels, HeightWidth kernel, HeightWidth stride,
                                    std::optional<HeightWidth> padding) {
  HeightWidth pad = padding.value_or(HeightWidth{});
  auto height = window_side(op, "height", in.dims[1], kernel.height, stride.height, pad.height,
                            padding.has_value());
  if (auto* error = std::get_if<RuleError>(&height)) return *error;
  auto width = window_side(op, "width", in.dims[2], kernel.width, stride.width, pad.width,
                           padding.has_value());
  if (auto* error = std::get_if<RuleError>(&width)) return *error;
  return TensorType{DType::F32,
                    {channels, std::get<std::int64_t>(height), std::get<std::int64_t>(width)}};
}

RuleResult<LayerShape> same_shape(const TensorType& in, const OpCall&) {
  if (auto error = check_float_input(in)) return *error;
  return LayerShape{in, {}};
}

OpSpec linear() {
  OpSpec op = new_op("linear", OpKind::Layer,
                     "fully connected layer from [in] to [out] features; `in` is inferred");
  op.params = {
      param("out", ParamType::Int, "number of output features")
          .positional()
          .at_least(1)
          .at_most(kMaxWidth),
      param("bias", ParamType::Bool, "adds a learned bias to every output").default_bool(true),
  };
  op.layer_rule = [](const TensorType& in, const OpCall& call) -> RuleResult<LayerShape> {
    if (auto error = check_float_input(in)) return *error;
    if (in.dims.size() != 1)
      return shape_error("`linear` expects a [features] input, found " + in.str(),
                         "add `flatten` before `linear`");
    return LayerShape{TensorType{DType::F32, {call.arg("out").integer}}, {{"in", in.dims[0]}}};
  };
  return op;
}

OpSpec conv2d() {
  OpSpec op = new_op("conv2d", OpKind::Layer,
                     "2-d convolution over [channels, height, width]; `in_channels` is inferred");
  op.params = {
      param("out", ParamType::Int, "number of output channels").at_least(1).at_most(kMaxWidth),
      param("kernel", ParamType::IntPair, "window size: n or [height, width]")
          .at_least(1)
          .at_most(kMaxPixels),
      param("stride", ParamType::IntPair, "step between windows: n or [height, width]")
          .at_least(1)
          .at_most(kMaxPixels)
          .default_number(1),
      param("padding", ParamType::IntPair, "zeros added on each side: n or [height, width]")
          .at_least(0)
          .at_most(kMaxPixels)
          .default_number(0),
      param("bias", ParamType::Bool, "adds a learned bias to every output channel")
          .default_bool(true),
  };
  op.layer_rule = [](const TensorType& in, const OpCall& call) -> RuleResult<LayerShape> {
    if (auto error = check_image_input("conv2d", in)) return *error;
    auto out = window_shape("conv2d", in, call.arg("out").integer, int_pair(call.arg("kernel")),
                            int_pair(call.arg("stride")), int_pair(call.arg("padding")));
    if (auto* error = std::get_if<RuleError>(&out)) return *error;
    return LayerShape{std::get<TensorType>(out), {{"in_channels", in.dims[0]}}};
  };
  return op;
}

OpSpec pool(const std::string& name, std::string summary) {
  OpSpec op = new_op(name, OpKind::Layer, std::move(summary));
  op.params = {
      param("kernel", ParamType::IntPair, "window size: n or [height, width]")
          .positional()
          .at_least(1)
          .at_most(kMaxPixels),
      param("stride", ParamType::IntPair,
            "step between windows: n or [height, width]; the kernel size when left out")
          .optional()
          .at_least(1)
          .at_most(kMaxPixels),
  };
  op.layer_rule = [name](const TensorType& in, const OpCall& call) -> RuleResult<LayerShape> {
    if (auto error = check_image_input(name, in)) return *error;
    HeightWidth kernel = int_pair(call.arg("kernel"));
    const Value& stride = call.arg("stride");
    auto out =
        window_shape(name, in, in.dims[0], kernel,
                     stride.kind == Value::Kind::None ? kernel : int_pair(stride), std::nullopt);
    if (auto* error = std::get_if<RuleError>(&out)) return *error;
    return LayerShape{std::get<TensorType>(out), {}};
  };
  return op;
}

OpSpec batch_norm() {
  OpSpec op = new_op("batch_norm", OpKind::Layer,
                     "batch normalisation per feature of [features] or per channel of "
                     "[channels, height, width]; `features` is inferred");
  op.params = {
      param("momentum", ParamType::Float,
            "weight of the current batch in the running mean and variance")
          .at_least(0)
          .at_most(1)
          .default_number(0.1),
      param("eps", ParamType::Float, "added to the variance before its square root")
          .above(0)
          .default_number(1e-5),
  };
  op.layer_rule = [](const TensorType& in, const OpCall&) -> RuleResult<LayerShape> {
    if (auto error = check_float_input(in)) return *error;
    if (in.dims.size() != 1 && in.dims.size() != 3)
      return shape_error(
          "`batch_norm` expects a [features] or [channels, height, width] input, found " +
          in.str());
    return LayerShape{in, {{"features", in.dims[0]}}};
  };
  return op;
}

OpSpec dropout() {
  OpSpec op = new_op("dropout", OpKind::Layer,
                     "while training, zeroes each element with probability `p` and scales the "
                     "others by 1/(1 − p); does nothing in evaluation");
  op.params = {
      param("p", ParamType::Float, "probability that an element is zeroed")
          .positional()
          .at_least(0)
          .below(1)
          .default_number(0.5),
  };
  op.random = true;
  op.layer_rule = same_shape;
  return op;
}

OpSpec activation(const std::string& name, std::string summary) {
  OpSpec op = new_op(name, OpKind::Layer, std::move(summary));
  op.layer_rule = same_shape;
  return op;
}

OpSpec flatten() {
  OpSpec op = new_op("flatten", OpKind::Layer,
                     "reshapes the input to one dimension: [c, h, w] becomes [c·h·w]");
  op.layer_rule = [](const TensorType& in, const OpCall&) -> RuleResult<LayerShape> {
    if (auto error = check_float_input(in)) return *error;
    if (in.dims.empty())
      return shape_error("`flatten` expects an input with at least one dimension, found " +
                         in.str());
    return LayerShape{TensorType{DType::F32, {in.elements()}}, {}};
  };
  return op;
}

}  // namespace

void register_layers(Catalogue& catalogue) {
  catalogue.add(linear());
  catalogue.add(conv2d());
  catalogue.add(pool("max_pool", "maximum over each window of [channels, height, width]"));
  catalogue.add(pool("avg_pool", "mean over each window of [channels, height, width]"));
  catalogue.add(batch_norm());
  catalogue.add(dropout());
  catalogue.add(activation("relu", "max(x, 0) element-wise"));
  catalogue.add(activation("gelu",
                           "gaussian error linear unit x·Φ(x) element-wise, exact "
                           "(not the tanh approximation)"));
  catalogue.add(activation("tanh", "hyperbolic tangent element-wise"));
  catalogue.add(activation("sigmoid", "logistic function 1/(1 + e^−x) element-wise"));
  catalogue.add(flatten());
  // Blocks have no rule: the checker folds the layer rules of their children.
  catalogue.add(new_op("sequential", OpKind::Block,
                       "applies its layers in order, each to the output of the one before"));
  catalogue.add(new_op("residual", OpKind::Block,
                       "adds its input to the output of its layers applied in order; the inner "
                       "layers must keep the input's shape"));
}

}  // namespace mlf
