// The memo format of fully cached runs: what is written reads back exactly, and anything
// that is not a whole memo of this version is refused (the run then takes the full path).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "runtime/record/cached_run_memo.h"

namespace mlf::runtime {
namespace {

CachedRunMemo sample_memo() {
  CachedRunMemo m;
  m.plan_id = std::string(64, 'a');
  m.pipeline = "odd\tname%with\nbreaks\r";
  m.config_path = "/p/mlflow.toml";
  m.sources = {{"/p/main.mlflow", std::string(64, 'b')}, {"/p/lib with space.mlflow", std::string(64, 'c')}};
  m.files = {{"/p/data/x.csv", false, std::string(64, 'd')}, {"/p/images", true, std::string(64, 'e')}};
  m.sweep_params = {{"lr", "0.1"}};
  NodeRecord stage;
  stage.id = std::string(64, '1');
  stage.label = "fit[lr=0.1]";
  stage.kind = "evaluate";
  stage.outputs = {{"predictions", std::string(64, '2')}};
  stage.metrics = {{"accuracy", 0.1 + 0.2}, {"loss", -0.0}, {"huge", std::numeric_limits<double>::infinity()},
                   {"tiny", std::numeric_limits<double>::denorm_min()}};
  stage.identity = {{"arg.lr", "0.1"}, {"input.0", "train " + std::string(64, '3')}};
  NodeRecord data;
  data.id = std::string(64, '4');
  data.label = "";
  data.kind = "read";
  m.nodes = {data, stage};
  GateRecord gate;
  gate.node = stage.id;
  gate.field = "accuracy";
  gate.comparison = ">=";
  gate.threshold = 0.9;
  gate.text = "score.accuracy >= 0.9";
  m.gates = {gate};
  m.exports = {{stage.id, "evaluate", "/p/out/metrics.toml"}};
  m.node_records = "\n[[node]]\nid = \"x\"\nlabel = \"tab\there\"\nend\n%25 stays\n";
  return m;
}

TEST(CachedRunMemo, ReadsBackWhatWasWrittenBitForBit) {
  CachedRunMemo m = sample_memo();
  auto back = parse_cached_run_memo(render_cached_run_memo(m));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->plan_id, m.plan_id);
  EXPECT_EQ(back->pipeline, m.pipeline);
  EXPECT_EQ(back->config_path, m.config_path);
  ASSERT_EQ(back->sources.size(), 2u);
  EXPECT_EQ(back->sources[1].path, "/p/lib with space.mlflow");
  ASSERT_EQ(back->files.size(), 2u);
  EXPECT_FALSE(back->files[0].directory);
  EXPECT_TRUE(back->files[1].directory);
  EXPECT_EQ(back->files[1].sha256, m.files[1].sha256);
  EXPECT_EQ(back->sweep_params, m.sweep_params);
  ASSERT_EQ(back->nodes.size(), 2u);
  EXPECT_EQ(back->nodes[0].label, "");
  EXPECT_EQ(back->nodes[1].label, "fit[lr=0.1]");
  EXPECT_EQ(back->nodes[1].outputs, m.nodes[1].outputs);
  EXPECT_TRUE(back->nodes[1].identity.empty()) << "identities live in the node records";
  EXPECT_EQ(back->node_records, m.node_records) << "raw, even with `end` and `%` inside";
  for (const auto& [name, value] : m.nodes[1].metrics) {
    double read = back->nodes[1].metrics.at(name);
    EXPECT_EQ(std::signbit(read), std::signbit(value)) << name;
    EXPECT_EQ(read, value) << name;
  }
  ASSERT_EQ(back->gates.size(), 1u);
  EXPECT_EQ(back->gates[0].threshold, 0.9);
  EXPECT_EQ(back->gates[0].text, "score.accuracy >= 0.9");
  ASSERT_EQ(back->exports.size(), 1u);
  EXPECT_EQ(back->exports[0].kind, "evaluate");
  EXPECT_EQ(back->exports[0].path, "/p/out/metrics.toml");
}

TEST(CachedRunMemo, RefusesWhatIsNotAWholeMemo) {
  std::string text = render_cached_run_memo(sample_memo());
  EXPECT_FALSE(parse_cached_run_memo(""));
  EXPECT_FALSE(parse_cached_run_memo(text.substr(0, text.size() - 4))) << "no `end` line";
  EXPECT_FALSE(parse_cached_run_memo(text.substr(0, text.size() / 2))) << "cut in the middle";
  EXPECT_FALSE(parse_cached_run_memo(text + "plan\tx\n")) << "lines after `end`";
  std::string longer = text;
  longer.replace(longer.find("records\t"), 9 + std::to_string(sample_memo().node_records.size()).size(),
                 "records\t" + std::to_string(sample_memo().node_records.size() + 1000));
  EXPECT_FALSE(parse_cached_run_memo(longer)) << "records longer than the memo";
  std::string no_records = text;
  std::size_t records = no_records.find("records\t");
  no_records.erase(records, no_records.size() - 4 - records);
  EXPECT_FALSE(parse_cached_run_memo(no_records)) << "a memo without its node records";
  std::string other_version = text;
  other_version.replace(other_version.find(" 1\n"), 3, " 2\n");
  EXPECT_FALSE(parse_cached_run_memo(other_version));
  std::string bad_escape = text;
  bad_escape.replace(bad_escape.find("%09"), 3, "%zz");
  EXPECT_FALSE(parse_cached_run_memo(bad_escape));
  std::string bad_float = text;
  std::size_t metric = bad_float.find("metric\taccuracy\t");
  bad_float.insert(metric + std::string("metric\taccuracy\t").size(), "x");
  EXPECT_FALSE(parse_cached_run_memo(bad_float));
  std::string unknown = text;
  unknown.insert(unknown.find("plan\t"), "surprise\t1\n");
  EXPECT_FALSE(parse_cached_run_memo(unknown));
}

}  // namespace
}  // namespace mlf::runtime
