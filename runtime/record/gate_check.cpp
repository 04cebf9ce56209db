#include "runtime/record/gate_check.h"

namespace mlf::runtime {

bool gate_holds(const std::string& c, double v, double threshold) {
  if (c == "<") return v < threshold;
  if (c == "<=") return v <= threshold;
  if (c == ">") return v > threshold;
  if (c == ">=") return v >= threshold;
  if (c == "==") return v == threshold;
  if (c == "!=") return v != threshold;
  return false;
}

void settle_gate(GateRecord& g, const std::map<std::string, double>* metrics) {
  g.value.reset();
  g.passed = false;
  if (!metrics) return;
  auto it = metrics->find(g.field);
  if (it == metrics->end()) return;
  g.value = it->second;
  g.passed = gate_holds(g.comparison, it->second, g.threshold);
}

}  // namespace mlf::runtime
