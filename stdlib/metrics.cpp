// Metrics: what an evaluation computes, and the field each adds to the stage's result record.

#include "stdlib/catalogue.h"
#include "stdlib/spec_builders.h"

namespace mlf {
namespace {

OpSpec metric(const std::string& name, std::string summary, bool scalar, std::string type) {
  OpSpec op = new_op(name, OpKind::Metric, std::move(summary));
  op.metric_field = MetricField{name, scalar, std::move(type)};
  return op;
}

}  // namespace

void register_metrics(Catalogue& catalogue) {
  catalogue.add(metric("accuracy", "share of samples whose highest-scoring class is the label",
                       true, "float"));
  catalogue.add(
      metric("macro_f1", "mean over the classes of each class's F1 score", true, "float"));
  catalogue.add(metric("confusion", "counts of samples by label (row) and predicted class (column)",
                       false, "i64[K,K]"));
  catalogue.add(
      metric("loss", "mean loss over the evaluated samples, by the loss the model was trained with",
             true, "float"));
}

}  // namespace mlf
