// Whether a metric passes an `expect` gate. One rule for the executor and for the shortcut
// that answers a fully cached run from its memo (compiler/driver/cached_run.h), so the two
// can never disagree about a gate.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "runtime/record/run_record.h"

namespace mlf::runtime {

// `comparison` is one of <, <=, >, >=, ==, !=; anything else never holds.
bool gate_holds(const std::string& comparison, double value, double threshold);

// Fills g.value and g.passed from the gated node's metrics (nullptr: the node has no
// result, so the gate fails with no value).
void settle_gate(GateRecord& g, const std::map<std::string, double>* metrics);

}  // namespace mlf::runtime
