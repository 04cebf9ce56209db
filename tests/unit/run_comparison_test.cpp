// `mlf compare`: metrics of runs side by side, sweep points by their swept values.
#include "runtime/record/run_comparison.h"

#include <gtest/gtest.h>

namespace mlf::runtime {
namespace {

NodeRecord stage(const std::string& id, const std::string& label, std::map<std::string, double> metrics) {
  NodeRecord n;
  n.id = id;
  n.label = label;
  n.kind = metrics.count("final_loss") ? "train" : "evaluate";
  n.metrics = std::move(metrics);
  return n;
}

RunRecord run(const std::string& id, std::vector<NodeRecord> nodes) {
  RunRecord r;
  r.id = id;
  r.plan_id = "plan";
  r.nodes = std::move(nodes);
  return r;
}

TEST(RunComparison, WithoutSweepsMetricsAreRowsAndRunsAreColumns) {
  RunRecord a = run("run-a", {stage("1", "fit", {{"final_loss", 0.5}}), stage("2", "score", {{"accuracy", 0.9}})});
  RunRecord b = run("run-b", {stage("3", "fit", {{"final_loss", 0.25}}), stage("4", "score", {{"accuracy", 0.95}})});
  Comparison c = compare_runs({{&a, {}}, {&b, {}}});
  EXPECT_FALSE(c.has_sweeps());
  EXPECT_EQ(c.metrics, (std::vector<std::string>{"fit.final_loss", "score.accuracy"}));
  ASSERT_EQ(c.rows.size(), 2u);
  EXPECT_EQ(c.rows[0].run, "run-a");
  EXPECT_EQ(c.rows[1].metrics.at("score.accuracy"), 0.95);
  std::string text = comparison_text(c);
  EXPECT_EQ(text,
            "metric          run-a  run-b\n"
            "fit.final_loss    0.5   0.25\n"
            "score.accuracy    0.9   0.95\n");
}

TEST(RunComparison, ASweepIsOneRowPerPointWithTheSweptValuesAsColumns) {
  RunRecord r = run("run-s", {stage("1", "fit[lr=0.01]", {{"final_loss", 0.4}}),
                              stage("2", "fit[lr=0.001]", {{"final_loss", 0.6}}),
                              stage("3", "score[lr=0.01]", {{"accuracy", 0.91}}),
                              stage("4", "score[lr=0.001]", {{"accuracy", 0.85}})});
  Comparison c = compare_runs({{&r, {}}});
  EXPECT_EQ(c.swept, (std::vector<std::string>{"lr"}));
  ASSERT_EQ(c.rows.size(), 2u);
  // Numeric order of the swept values, not the order of the record.
  EXPECT_EQ(c.rows[0].sweep, (std::vector<std::pair<std::string, std::string>>{{"lr", "0.001"}}));
  EXPECT_EQ(c.rows[0].metrics.at("score.accuracy"), 0.85);
  EXPECT_EQ(c.rows[1].metrics.at("fit.final_loss"), 0.4);
  EXPECT_EQ(comparison_text(c),
            "   lr  fit.final_loss  score.accuracy\n"
            "0.001             0.6            0.85\n"
            " 0.01             0.4            0.91\n");
  std::string json = comparison_json(c);
  EXPECT_NE(json.find("\"swept\":[\"lr\"]"), std::string::npos) << json;
  EXPECT_NE(json.find("{\"run\":\"run-s\",\"sweep\":{\"lr\":\"0.001\"},\"metrics\":{\"fit.final_loss\":0.6,"
                      "\"score.accuracy\":0.85}}"),
            std::string::npos)
      << json;
}

TEST(RunComparison, PlanLabelsCountANodeSharedBySeveralPointsForEach) {
  // `score` does not depend on the swept `epochs` of `other`: one node, two labels.
  RunRecord r = run("run-s", {stage("aa", "score[e=1]", {{"accuracy", 0.9}})});
  Digest node;
  ASSERT_TRUE(Digest::from_hex(std::string(62, '0') + "aa", node));
  r.nodes[0].id = node.hex();
  std::vector<PlanLabel> labels = {{node, "score[e=1]", {{"e", "1"}}}, {node, "score[e=2]", {{"e", "2"}}}};
  Comparison c = compare_runs({{&r, labels}});
  ASSERT_EQ(c.rows.size(), 2u);
  EXPECT_EQ(c.rows[0].metrics.at("score.accuracy"), 0.9);
  EXPECT_EQ(c.rows[1].metrics.at("score.accuracy"), 0.9);
}

TEST(RunComparison, StagesOutsideTheSweepGetARowWithoutSweptValues) {
  RunRecord a = run("run-a", {stage("1", "base", {{"accuracy", 0.7}}), stage("2", "score[b=2,lr=0.1]", {{"accuracy", 0.8}})});
  RunRecord b = run("run-b", {stage("3", "score", {{"accuracy", 0.75}})});
  Comparison c = compare_runs({{&a, {}}, {&b, {}}});
  EXPECT_EQ(c.swept, (std::vector<std::string>{"b", "lr"}));
  ASSERT_EQ(c.rows.size(), 3u);
  EXPECT_TRUE(c.rows[0].sweep.empty());
  EXPECT_EQ(c.rows[0].metrics.at("base.accuracy"), 0.7);
  std::string text = comparison_text(c);
  EXPECT_NE(text.find("run    b   lr"), std::string::npos) << text;
  EXPECT_NE(text.find("run-b  -    -"), std::string::npos) << text;
}

TEST(RunComparison, SweepLabelsSplitIntoNameAndValues) {
  auto [name, sweep] = split_sweep_label("fit[lr=0.01,by=\"a,b\"]");
  EXPECT_EQ(name, "fit");
  EXPECT_EQ(sweep, (std::vector<std::pair<std::string, std::string>>{{"lr", "0.01"}, {"by", "\"a,b\""}}));
  EXPECT_EQ(split_sweep_label("score").first, "score");
  EXPECT_TRUE(split_sweep_label("score").second.empty());
}

}  // namespace
}  // namespace mlf::runtime
