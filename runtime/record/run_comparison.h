// `mlf compare`: the metrics of several runs side by side, and the points of a sweep by the
// values they swept.
//
// Takes: run records, each with the labels of its plan (compiler/plan/plan.h: node, binding
// label, sweep values) when the plan is at hand.
// Promises:
// - a metric is named `stage.metric` by the stage's binding name without its sweep suffix
//   (`score.accuracy` for the node labelled `score[lr=0.01]`); every metric of every node
//   that has one is shown, training's `final_loss` included;
// - one row per run and combination of swept values: a run without sweeps is one row; a
//   sweep gives a row per point (a node shared by several points counts for each), and the
//   stages outside any sweep a row with no swept values. Rows keep the order of the runs
//   given, then go by swept values (as numbers when both are numbers);
// - columns: the swept names (outer sweep first), then the metric names, sorted;
// - without plan labels, a node's recorded label and its `[name=value,...]` suffix are used.
// Text: with no sweep anywhere, metrics are rows and runs are columns (the easier read for
// a few runs); otherwise one line per row as above. A missing value prints as `-`.
// Does not: read the store or resolve run ids (the driver does).
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "compiler/plan/plan.h"
#include "runtime/record/run_record.h"

namespace mlf::runtime {

struct ComparedRun {
  const RunRecord* record = nullptr;
  std::vector<PlanLabel> labels;  // of its plan; empty: taken from the record's node labels
};

struct ComparisonRow {
  std::string run;
  std::vector<std::pair<std::string, std::string>> sweep;  // name → value, outer first
  std::map<std::string, double> metrics;                   // `stage.metric` → value
};

struct Comparison {
  std::vector<std::string> runs;     // ids, in the order given
  std::vector<std::string> swept;    // column names of swept values
  std::vector<std::string> metrics;  // column names of metrics, sorted
  std::vector<ComparisonRow> rows;
  bool has_sweeps() const { return !swept.empty(); }
};

Comparison compare_runs(const std::vector<ComparedRun>& runs);

std::string comparison_text(const Comparison& comparison);
// {"runs":[...],"swept":[...],"metrics":[...],"rows":[{"run":..,"sweep":{..},"metrics":{..}}]}
std::string comparison_json(const Comparison& comparison);

// A label's binding name and sweep values: `fit[lr=0.01,b=2]` → `fit`, {lr: 0.01, b: 2}.
std::pair<std::string, std::vector<std::pair<std::string, std::string>>> split_sweep_label(
    const std::string& label);

}  // namespace mlf::runtime
