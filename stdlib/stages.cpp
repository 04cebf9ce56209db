// Stages: units of execution cached by content hash. The checker types them specially (the
// data must fit the model and the loss, the result is a trained model or a metrics record);
// this file gives their parameters.

#include "stdlib/catalogue.h"
#include "stdlib/spec_builders.h"

namespace mlf {

void register_stages(Catalogue& catalogue) {
  OpSpec train =
      new_op("train", OpKind::Stage, "fits a model to a dataset; the result is the trained model");
  train.params = {
      param("model", ParamType::Model, "the network to train").positional(),
      param("data", ParamType::Dataset, "training samples, after their augment chain"),
      param("loss", ParamType::Loss, "what training minimises"),
      param("optimizer", ParamType::Optimizer, "how the weights are updated"),
      param("schedule", ParamType::Schedule,
            "how the learning rate changes by epoch; constant when left out")
          .optional(),
      param("epochs", ParamType::Int, "passes over the data").at_least(1).at_most(kMaxEpochs),
      param("batch", ParamType::Int, "samples per gradient step")
          .at_least(1)
          .at_most(kMaxCount)
          .default_number(64),
      param("shuffle", ParamType::Bool, "visits the samples in a new random order every epoch")
          .default_bool(true),
  };
  // Weight initialisation, shuffling, dropout and random augments all draw from its seed.
  train.random = true;
  catalogue.add(std::move(train));

  OpSpec evaluate = new_op("evaluate", OpKind::Stage,
                           "computes metrics of a trained model on a dataset; the result is a "
                           "record with one field per metric");
  evaluate.params = {
      param("model", ParamType::TrainedModel, "a `train` stage").positional(),
      param("data", ParamType::Dataset, "evaluation samples, after their augment chain"),
      param("metrics", ParamType::MetricList, "the metrics to compute"),
      param("batch", ParamType::Int, "samples per forward pass; does not change the results")
          .at_least(1)
          .at_most(kMaxCount)
          .default_number(256),
  };
  catalogue.add(std::move(evaluate));
}

}  // namespace mlf
