// Losses: each rule checks that the model's per-sample output fits the dataset's labels.

#include <string>

#include "stdlib/catalogue.h"
#include "stdlib/spec_builders.h"

namespace mlf {
namespace {

RuleError label_error(std::string message, std::string help = {}) {
  RuleError error;
  error.kind = DiagnosticKind::LabelMismatch;
  error.message = std::move(message);
  error.help = std::move(help);
  return error;
}

std::string last_layer_help(std::int64_t classes) {
  return "make the last layer `linear(out: " + std::to_string(classes) + ")`";
}

OpSpec cross_entropy() {
  OpSpec op = new_op("cross_entropy", OpKind::Loss,
                     "softmax cross-entropy of f32[K] class scores against class<K> or "
                     "soft<K> labels");
  op.params = {
      param("label_smoothing", ParamType::Float,
            "share of each target's probability spread evenly over all K classes")
          .at_least(0)
          .below(1)
          .default_number(0),
  };
  op.loss_rule = [](const TensorType& out, const LabelType& label,
                    const OpCall&) -> RuleResult<std::monostate> {
    if (label.kind == LabelType::Kind::Target)
      return label_error("`cross_entropy` needs class labels, found " + label.str(),
                         "use `mse` for real-valued targets");
    if (out.dtype != DType::F32 || out.dims.size() != 1 || out.dims[0] != label.classes)
      return label_error("the model ends in " + out.str() + " but the labels are " + label.str(),
                         last_layer_help(label.classes));
    return std::monostate{};
  };
  return op;
}

OpSpec mse() {
  OpSpec op = new_op("mse", OpKind::Loss,
                     "mean squared error against f32 targets; class<K> labels count as one-hot "
                     "[K] vectors and soft<K> labels as their probabilities");
  op.loss_rule = [](const TensorType& out, const LabelType& label,
                    const OpCall&) -> RuleResult<std::monostate> {
    if (label.kind == LabelType::Kind::Target) {
      if (out.dtype == DType::F32 && out.dims == label.target.dims) return std::monostate{};
      return label_error("the model ends in " + out.str() + " but the targets are " + label.str());
    }
    if (out.dtype == DType::F32 && out.dims == std::vector<std::int64_t>{label.classes})
      return std::monostate{};
    return label_error("the model ends in " + out.str() + " but the labels are " + label.str() +
                           ", compared as one-hot f32[" + std::to_string(label.classes) + "]",
                       last_layer_help(label.classes));
  };
  return op;
}

}  // namespace

void register_losses(Catalogue& catalogue) {
  catalogue.add(cross_entropy());
  catalogue.add(mse());
}

}  // namespace mlf
