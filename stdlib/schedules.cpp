// Learning-rate schedules: parameters only; the rate changes once per epoch.

#include "stdlib/catalogue.h"
#include "stdlib/spec_builders.h"

namespace mlf {

void register_schedules(Catalogue& catalogue) {
  OpSpec step = new_op("step", OpKind::Schedule,
                       "multiplies the learning rate by `gamma` every `every` epochs");
  step.params = {
      param("every", ParamType::Int, "epochs between two decays").at_least(1).at_most(kMaxEpochs),
      param("gamma", ParamType::Float, "factor applied at each decay")
          .above(0)
          .at_most(1)
          .default_number(0.1),
  };
  catalogue.add(std::move(step));

  OpSpec cosine = new_op("cosine", OpKind::Schedule,
                         "after a linear warm-up, lowers the learning rate along a half cosine "
                         "to `min_lr` at the last epoch");
  cosine.params = {
      param("min_lr", ParamType::Float, "learning rate at the last epoch")
          .at_least(0)
          .default_number(0),
      param("warmup", ParamType::Int,
            "epochs over which the rate rises linearly from 0 before the cosine starts")
          .at_least(0)
          .at_most(kMaxEpochs)
          .default_number(0),
  };
  catalogue.add(std::move(cosine));
}

}  // namespace mlf
