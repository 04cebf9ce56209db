// What a replay compares with the run it replays (runtime/record/replay_check.h): every output
// digest, every metric bit for bit, every gate, through the text of a run record.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <sstream>
#include <toml++/toml.h>

#include "runtime/record/replay_check.h"
#include "runtime/record/run_record.h"

namespace mlf::runtime {
namespace {

std::uint64_t bits(double value) {
  std::uint64_t out;
  std::memcpy(&out, &value, sizeof out);
  return out;
}

// Doubles whose shortest text is easy to get wrong: neighbours, extremes, subnormals, signed
// zero, values that print with and without an exponent.
std::vector<double> awkward_doubles() {
  std::vector<double> values = {0.0,
                                -0.0,
                                1.0,
                                0.5,
                                0.1,
                                1.0 / 3.0,
                                2.0 / 3.0,
                                0.9375,
                                1e-05,
                                123456789.123,
                                1e16,
                                1e22,
                                1e300,
                                -2.5e-300,
                                std::numeric_limits<double>::max(),
                                std::numeric_limits<double>::lowest(),
                                std::numeric_limits<double>::min(),
                                std::numeric_limits<double>::denorm_min(),
                                4.9406564584124654e-320,
                                std::nextafter(1.0, 2.0),
                                std::nextafter(1.0, 0.0),
                                std::nextafter(0.1, 1.0),
                                0.6931471805599453,
                                std::numeric_limits<double>::infinity(),
                                -std::numeric_limits<double>::infinity()};
  // A spread of ordinary losses and accuracies, each with both neighbours.
  for (int i = 1; i < 200; ++i) {
    double v = std::exp(-0.173 * i) * (1.0 + 1.0 / (i + 0.5));
    values.push_back(v);
    values.push_back(std::nextafter(v, 0.0));
    values.push_back(std::nextafter(v, 10.0));
    values.push_back(i / 197.0);
  }
  return values;
}

NodeRecord evaluate_node(const std::string& id, const std::string& label) {
  NodeRecord n;
  n.id = id;
  n.label = label;
  n.kind = "evaluate";
  n.status = "ran";
  n.outputs["predictions"] = std::string(64, 'c');
  n.metrics["accuracy"] = 0.9375;
  n.metrics["loss"] = 0.25;
  return n;
}

// A finished run with a train node, an evaluation and a gate on it.
RunRecord finished_run() {
  RunRecord r;
  r.id = "20261124T075012Z-3f9a1c";
  r.plan_id = std::string(64, 'p');
  r.status = "ok";
  NodeRecord fit;
  fit.id = std::string(64, '1');
  fit.label = "fit";
  fit.kind = "train";
  fit.status = "ran";
  fit.outputs["weights"] = std::string(64, 'a');
  fit.outputs["log"] = std::string(64, 'b');
  fit.metrics["final_loss"] = 0.6931471805599453;
  r.nodes.push_back(fit);
  r.nodes.push_back(evaluate_node(std::string(64, '2'), "score"));
  GateRecord g;
  g.text = "score.accuracy >= 0.9";
  g.node = std::string(64, '2');
  g.field = "accuracy";
  g.comparison = ">=";
  g.threshold = 0.9;
  g.value = 0.9375;
  g.passed = true;
  r.gates.push_back(g);
  return r;
}

// The record as another process reads it: rendered and parsed back.
RunRecord through_text(const RunRecord& r) {
  RunRecord back;
  std::string error;
  EXPECT_TRUE(parse_run_record(render_run_record(r), back, error)) << error;
  return back;
}

NodeRecord& node(RunRecord& r, const std::string& label) {
  for (auto& n : r.nodes)
    if (n.label == label) return n;
  ADD_FAILURE() << "no node " << label;
  return r.nodes.front();
}

TEST(RecordedDoubles, ARunRecordReadsBackEveryDoubleItWroteBitForBit) {
  RunRecord r = finished_run();
  auto values = awkward_doubles();
  for (std::size_t i = 0; i < values.size(); ++i) node(r, "score").metrics["m" + std::to_string(i)] = values[i];
  r.gates.front().value = std::numeric_limits<double>::denorm_min();
  r.gates.front().threshold = 0.1;
  RunRecord back = through_text(r);
  ASSERT_EQ(back.nodes.size(), r.nodes.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    const std::string name = "m" + std::to_string(i);
    ASSERT_TRUE(node(back, "score").metrics.count(name)) << name;
    EXPECT_EQ(bits(node(back, "score").metrics.at(name)), bits(values[i]))
        << recorded_double_text(values[i]) << " read back as "
        << recorded_double_text(node(back, "score").metrics.at(name));
  }
  ASSERT_TRUE(back.gates.front().value.has_value());
  EXPECT_EQ(bits(*back.gates.front().value), bits(std::numeric_limits<double>::denorm_min()));
  EXPECT_EQ(bits(back.gates.front().threshold), bits(0.1));
  EXPECT_TRUE(check_replay(r, back).divergences.empty()) << "a record matches what it was rendered from";
}

// A cached stage's metrics come from its result record, which toml++ writes
// (runtime/exec/executor.cpp): those must read back exactly too.
TEST(RecordedDoubles, AResultRecordReadsBackEveryDoubleItWroteBitForBit) {
  auto values = awkward_doubles();
  toml::table metrics;
  for (std::size_t i = 0; i < values.size(); ++i) metrics.insert("m" + std::to_string(i), values[i]);
  toml::table table;
  table.insert("metrics", metrics);
  std::ostringstream text;
  text << table << "\n";
  toml::table back = toml::parse(text.str());
  for (std::size_t i = 0; i < values.size(); ++i) {
    auto value = back["metrics"]["m" + std::to_string(i)].value<double>();
    ASSERT_TRUE(value.has_value()) << i;
    EXPECT_EQ(bits(*value), bits(values[i])) << recorded_double_text(values[i]);
  }
}

TEST(RecordedDoubles, SameMeansTheSameBitsOrBothNan) {
  double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(same_recorded_double(0.5, 0.5));
  EXPECT_FALSE(same_recorded_double(0.1 + 0.2, 0.3));
  EXPECT_FALSE(same_recorded_double(1.0, std::nextafter(1.0, 2.0)));
  EXPECT_FALSE(same_recorded_double(0.0, -0.0)) << "equal as numbers, different as records";
  EXPECT_TRUE(same_recorded_double(nan, -nan)) << "a record keeps no NaN sign or payload";
  EXPECT_FALSE(same_recorded_double(nan, 0.0));
  EXPECT_FALSE(same_recorded_double(0.0, nan));
  EXPECT_NE(recorded_double_text(1.0), recorded_double_text(std::nextafter(1.0, 2.0)));
  EXPECT_NE(recorded_double_text(0.0), recorded_double_text(-0.0));
}

TEST(ReplayCheck, AnIdenticalReplayHasNoDivergenceAndCountsWhatItCompared) {
  RunRecord run = finished_run();
  ReplayCheck check = check_replay(through_text(run), run);
  EXPECT_TRUE(check.divergences.empty());
  EXPECT_EQ(check.outputs, 3u);
  EXPECT_EQ(check.metrics, 3u);
  EXPECT_EQ(check.gates, 1u);
}

TEST(ReplayCheck, AMetricThatDiffersInItsLastBitDiverges) {
  RunRecord run = finished_run();
  RunRecord replayed = run;
  node(replayed, "score").metrics["loss"] = std::nextafter(0.25, 1.0);
  ReplayCheck check = check_replay(through_text(run), replayed);
  ASSERT_EQ(check.divergences.size(), 1u);
  const ReplayDivergence& d = check.divergences.front();
  EXPECT_EQ(d.what, ReplayDivergence::What::Metric);
  EXPECT_EQ(d.label, "score");
  EXPECT_EQ(d.name, "loss");
  EXPECT_EQ(d.recorded, "0.25");
  EXPECT_EQ(d.replayed, recorded_double_text(std::nextafter(0.25, 1.0)));
  EXPECT_NE(d.recorded, d.replayed);
}

TEST(ReplayCheck, AnEditedMetricOrGateValueDiverges) {
  RunRecord run = finished_run();
  RunRecord edited = run;
  node(edited, "score").metrics["accuracy"] = 0.5;
  node(edited, "fit").metrics["final_loss"] = 0.01;
  edited.gates.front().value = 0.99;
  ReplayCheck check = check_replay(through_text(edited), run);
  ASSERT_EQ(check.divergences.size(), 3u);
  // Plan order: fit before score, the gates last.
  EXPECT_EQ(check.divergences[0].label, "fit");
  EXPECT_EQ(check.divergences[0].name, "final_loss");
  EXPECT_EQ(check.divergences[0].recorded, "0.01");
  EXPECT_EQ(check.divergences[0].replayed, "0.6931471805599453");
  EXPECT_EQ(check.divergences[1].label, "score");
  EXPECT_EQ(check.divergences[1].name, "accuracy");
  EXPECT_EQ(check.divergences[1].recorded, "0.5");
  EXPECT_EQ(check.divergences[1].replayed, "0.9375");
  EXPECT_EQ(check.divergences[2].what, ReplayDivergence::What::Gate);
  EXPECT_EQ(check.divergences[2].label, "score");
  EXPECT_EQ(check.divergences[2].name, "score.accuracy >= 0.9");
  EXPECT_EQ(check.divergences[2].recorded, "0.99, passed");
  EXPECT_EQ(check.divergences[2].replayed, "0.9375, passed");
}

TEST(ReplayCheck, AGateWhoseOutcomeWasEditedDiverges) {
  RunRecord run = finished_run();
  RunRecord edited = run;
  edited.gates.front().passed = false;
  edited.status = "gate-failed";
  ReplayCheck check = check_replay(through_text(edited), run);
  ASSERT_EQ(check.divergences.size(), 1u);
  EXPECT_EQ(check.divergences[0].recorded, "0.9375, failed");
  EXPECT_EQ(check.divergences[0].replayed, "0.9375, passed");
}

TEST(ReplayCheck, AMetricRecordedButNotProducedOrProducedButNotRecordedDiverges) {
  RunRecord run = finished_run();
  RunRecord edited = run;
  node(edited, "score").metrics["precision"] = 1.0;  // recorded, never produced
  node(edited, "score").metrics.erase("loss");       // produced, not recorded
  ReplayCheck check = check_replay(through_text(edited), run);
  ASSERT_EQ(check.divergences.size(), 2u);
  EXPECT_EQ(check.divergences[0].name, "loss");
  EXPECT_EQ(check.divergences[0].recorded, "(not recorded)");
  EXPECT_EQ(check.divergences[0].replayed, "0.25");
  EXPECT_EQ(check.divergences[1].name, "precision");
  EXPECT_EQ(check.divergences[1].recorded, "1.0");
  EXPECT_EQ(check.divergences[1].replayed, "(not produced)");
}

TEST(ReplayCheck, AGateOrANodeTheRecordHasAndThePlanDoesNotDiverges) {
  RunRecord run = finished_run();
  RunRecord edited = run;
  GateRecord invented = edited.gates.front();
  invented.text = "score.loss <= 0.3";
  invented.field = "loss";
  invented.comparison = "<=";
  invented.threshold = 0.3;
  invented.value = 0.25;
  edited.gates.push_back(invented);
  edited.nodes.push_back(evaluate_node(std::string(64, '9'), "invented"));
  ReplayCheck check = check_replay(through_text(edited), run);
  ASSERT_EQ(check.divergences.size(), 4u);  // the invented node's output and two metrics, the gate
  EXPECT_EQ(check.divergences[0].label, "invented");
  EXPECT_EQ(check.divergences[0].replayed, "(not produced)");
  EXPECT_EQ(check.divergences[3].what, ReplayDivergence::What::Gate);
  EXPECT_EQ(check.divergences[3].name, "score.loss <= 0.3");
  EXPECT_EQ(check.divergences[3].replayed, "(not produced)");
}

TEST(ReplayCheck, OutputDigestsAreComparedAsBefore) {
  RunRecord run = finished_run();
  RunRecord edited = run;
  node(edited, "fit").outputs["weights"] = std::string(64, 'f');
  ReplayCheck check = check_replay(through_text(edited), run);
  ASSERT_EQ(check.divergences.size(), 1u);
  EXPECT_EQ(check.divergences[0].what, ReplayDivergence::What::Output);
  EXPECT_EQ(check.divergences[0].name, "weights");
  EXPECT_EQ(check.divergences[0].recorded, std::string(64, 'f'));
  EXPECT_EQ(check.divergences[0].replayed, std::string(64, 'a'));
}

TEST(ReplayCheck, WhatAnUnfinishedSideLacksIsNotADivergence) {
  RunRecord run = finished_run();
  // A replay that failed before the evaluation: what it produced still has to match.
  RunRecord failed = run;
  failed.status = "failed";
  node(failed, "score").outputs.clear();
  node(failed, "score").metrics.clear();
  failed.gates.front().value.reset();
  failed.gates.front().passed = false;
  EXPECT_TRUE(check_replay(through_text(run), failed).divergences.empty());
  node(failed, "fit").metrics["final_loss"] = 0.5;
  EXPECT_EQ(check_replay(through_text(run), failed).divergences.size(), 1u);

  // A run that was cancelled before the evaluation, replayed in full.
  RunRecord cancelled = run;
  cancelled.status = "cancelled";
  node(cancelled, "score").outputs.clear();
  node(cancelled, "score").metrics.clear();
  cancelled.gates.front().value.reset();
  cancelled.gates.front().passed = false;
  EXPECT_TRUE(check_replay(through_text(cancelled), run).divergences.empty());
}

}  // namespace
}  // namespace mlf::runtime
