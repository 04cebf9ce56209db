#include "runtime/exec/plan_arguments.h"

#include <limits>

namespace mlf::runtime {

std::variant<int, std::string> int_argument(const PlanNode& node, const std::string& name,
                                            int fallback) {
  const PlanValue* value = node.call ? node.call->arg(name) : nullptr;
  if (!value) return fallback;
  const std::string op = node.call->name;
  if (value->kind != PlanValue::Kind::Int)
    return "the plan gives `" + name + "` of `" + op + "` a value that is not an integer";
  if (value->integer < std::numeric_limits<int>::min() ||
      value->integer > std::numeric_limits<int>::max())
    return "the plan gives `" + name + "` of `" + op + "` the value " +
           std::to_string(value->integer) + ", outside the range the runtime holds (" +
           std::to_string(std::numeric_limits<int>::min()) + " to " +
           std::to_string(std::numeric_limits<int>::max()) + ")";
  return static_cast<int>(value->integer);
}

}  // namespace mlf::runtime
