// What `mlf replay` proves: every value a run recorded — each node's output digests, each
// node's metrics, each gate's value and outcome — against the values the replay produced.
//
// Takes: the recorded run and the replay's record (same plan, so the same node ids).
// Promises:
// - doubles (metrics, gate values) match only when they are the same double, bit for bit:
//   a record renders a double in its shortest round-trip form and reads back exactly the
//   double rendered (run_record.h), so a recorded 0.5 matches only a replayed 0.5. The one
//   exception is NaN, which matches NaN: a record writes every NaN as `nan`, keeping
//   neither its sign nor its payload;
// - a metric or gate value recorded but not produced, or produced but not recorded, is a
//   divergence too, as is a gate whose outcome (passed or not) differs and a gate recorded
//   that the plan does not have;
// - but a side that did not finish every node (its status is neither `ok` nor
//   `gate-failed`: it failed or was cancelled) is not held to what it lacks: a value the
//   replay never got to, or one the run never got to, is not evidence of anything;
// - an output digest recorded for a node the replay found not needed is not compared (a
//   data node no stage reads); one recorded for a node the replay ran must be produced;
// - divergences come in plan order (the order of the replay's nodes), a node's outputs
//   before its metrics, and the gates last, in the replay's order.
// Does not: print (the driver does), or compare the environment (environment_diff.h).
#pragma once

#include <string>
#include <vector>

#include "runtime/record/run_record.h"

namespace mlf::runtime {

struct ReplayDivergence {
  enum class What { Output, Metric, Gate };
  What what = What::Output;
  std::string label, kind, node;  // of the node (for a gate: the gated node); node id in hex
  std::string name;               // the output or metric name; a gate's text
  std::string recorded, replayed;  // as text; "(not recorded)" / "(not produced)" when absent
};

// Whether two doubles are the same value as a record keeps it: the same bits, or both NaN.
bool same_recorded_double(double a, double b);

// A double as a record writes it (its shortest round-trip form): two different doubles never
// print the same.
std::string recorded_double_text(double value);

// Whether the run finished every node (status `ok` or `gate-failed`).
bool finished_every_node(const RunRecord& run);

struct ReplayCheck {
  std::vector<ReplayDivergence> divergences;
  // How many recorded values were compared with a replayed one, matching or not.
  std::size_t outputs = 0, metrics = 0, gates = 0;
};

ReplayCheck check_replay(const RunRecord& recorded, const RunRecord& replayed);

// "output", "metric", "gate".
const char* divergence_kind_name(ReplayDivergence::What what);

}  // namespace mlf::runtime
