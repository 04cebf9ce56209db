// Optimizers: parameters only; the training backend implements them by name and version.

#include "stdlib/catalogue.h"
#include "stdlib/spec_builders.h"

namespace mlf {
namespace {

OpSpec sgd() {
  OpSpec op = new_op("sgd", OpKind::Optimizer, "stochastic gradient descent with momentum");
  op.params = {
      param("lr", ParamType::Float, "learning rate").positional().above(0),
      param("momentum", ParamType::Float, "share of the previous step kept in the next one")
          .at_least(0)
          .below(1)
          .default_number(0),
      param("weight_decay", ParamType::Float, "L2 penalty added to the gradient")
          .at_least(0)
          .default_number(0),
      param("nesterov", ParamType::Bool, "uses Nesterov momentum").default_bool(false),
  };
  return op;
}

// adam and adamw differ in how weight decay enters: adam adds it to the gradient (L2),
// adamw subtracts it from the weights directly (decoupled).
OpSpec adam_like(const std::string& name, std::string summary, double weight_decay,
                 std::string weight_decay_doc) {
  OpSpec op = new_op(name, OpKind::Optimizer, std::move(summary));
  op.params = {
      param("lr", ParamType::Float, "learning rate").positional().above(0).default_number(1e-3),
      param("beta1", ParamType::Float, "decay rate of the running mean of gradients")
          .at_least(0)
          .below(1)
          .default_number(0.9),
      param("beta2", ParamType::Float, "decay rate of the running mean of squared gradients")
          .at_least(0)
          .below(1)
          .default_number(0.999),
      param("eps", ParamType::Float, "added to the denominator for numerical stability")
          .above(0)
          .default_number(1e-8),
      param("weight_decay", ParamType::Float, std::move(weight_decay_doc))
          .at_least(0)
          .default_number(weight_decay),
  };
  return op;
}

}  // namespace

void register_optimizers(Catalogue& catalogue) {
  catalogue.add(sgd());
  catalogue.add(adam_like(
      "adam", "adaptive moment estimation; weight decay enters as an L2 term of the gradient", 0,
      "L2 penalty added to the gradient"));
  catalogue.add(adam_like("adamw", "adam with decoupled weight decay", 0.01,
                          "share of each weight removed per step, times the learning rate"));
}

}  // namespace mlf
