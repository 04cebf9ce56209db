// Int arguments of a plan node that the executor hands on as `int` (epochs and batch sizes
// of the training backend's requests).
//
// Takes: a plan node. A plan may come from a file rather than from the checker, so its
// values are not trusted to be within the catalogue's ranges.
// Promises: a value is returned only when `int` holds it exactly; a value out of that range,
// or of another kind than int, is refused with a message naming the argument and the value,
// never truncated. An absent argument gives the fallback (the stdlib default).
#pragma once

#include <string>
#include <variant>

#include "compiler/plan/plan.h"

namespace mlf::runtime {

std::variant<int, std::string> int_argument(const PlanNode& node, const std::string& name,
                                            int fallback);

}  // namespace mlf::runtime
