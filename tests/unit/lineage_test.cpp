// `mlf lineage`: finding an artifact among the recorded runs, and the chain of nodes that
// produced it, on a plan compiled from a small pipeline.
#include "runtime/record/lineage.h"

#include <gtest/gtest.h>

#include "compiler/plan/plan_reader.h"
#include "tests/unit/pipeline_fixture.h"
#include "tests/unit/scratch_dir.h"

namespace mlf::runtime {
namespace {

using test_support::ScratchDir;

const char* kPipeline =
    "pipeline points\nseed 3\n"
    "dataset all = csv(\"points.csv\", label: \"label\")\n"
    "dataset train = split(all, fraction: 0.75)\n"
    "dataset test = split(all, fraction: 0.75, part: \"second\")\n"
    "model mlp = sequential [ linear(out: 4), relu, linear(out: 2) ]\n"
    "sweep lr in [0.1, 0.01] {\n"
    "  stage fit = train(mlp, data: train, loss: cross_entropy, optimizer: adam(lr: lr),\n"
    "                    epochs: 1, batch: 4)\n"
    "  stage score = evaluate(fit, data: test, metrics: [accuracy])\n"
    "}\n"
    "stage other = train(mlp, data: test, loss: cross_entropy, optimizer: sgd(lr: 0.1), epochs: 1)\n";

class Lineage : public ::testing::Test {
 protected:
  void SetUp() override {
    csv_ = "a,b,label\n1,2,x\n2,1,y\n3,3,x\n0,1,y\n1,1,x\n2,2,y\n3,1,x\n0,0,y\n";
    dir_.write("points.csv", csv_);
    auto compiled = fixture::compile_text(kPipeline, dir_.path("points.mlflow"));
    ASSERT_TRUE(compiled.ok) << compiled.messages;
    auto read = read_plan(plan_file_text(compiled.plan.body, compiled.plan.labels));
    ASSERT_TRUE(read.ok()) << read.errors.front();
    plan_ = read.plan;
    // A run that recorded an output per node, as the executor does.
    run_.id = "20261124T075012Z-3f9a1c";
    run_.plan_id = plan_.id.hex();
    run_.environment = {{"mlf", "0.1.0"}, {"mlf_commit", "f839407abcde"}};
    for (const auto& node : plan_.nodes) {
      NodeRecord n;
      n.id = node.id.hex();
      for (const auto& label : plan_.labels)
        if (label.node == node.id && n.label.empty()) n.label = label.label;
      n.kind = node.kind;
      n.outputs[node.kind == "train" ? "weights" : "data"] = Sha256::of("output of " + n.id).hex();
      run_.nodes.push_back(n);
    }
    runs_ = {run_};
  }
  const NodeRecord& labelled(const std::string& label) {
    for (const auto& n : runs_[0].nodes)
      if (n.label == label) return n;
    ADD_FAILURE() << "no node " << label;
    return runs_[0].nodes[0];
  }

  ScratchDir dir_;
  std::string csv_;
  Plan plan_;
  RunRecord run_;
  std::vector<RunRecord> runs_;
};

TEST_F(Lineage, RunAndStageFindTheStagesNode) {
  ArtifactMatch match;
  std::string error;
  ASSERT_TRUE(find_artifact(runs_, "20261124T07:other", match, error)) << error;
  EXPECT_EQ(match.node, labelled("other").id);
  EXPECT_TRUE(match.output.empty());
  // A sweep point by its whole label; the bare name of a sweep is ambiguous and says why.
  ASSERT_TRUE(find_artifact(runs_, "20261124T07:fit[lr=0.01]", match, error)) << error;
  EXPECT_EQ(match.node, labelled("fit[lr=0.01]").id);
  EXPECT_FALSE(find_artifact(runs_, "20261124T07:fit", match, error));
  EXPECT_NE(error.find("fit[lr=0.1]"), std::string::npos) << error;
  EXPECT_FALSE(find_artifact(runs_, "20261124T07:nothing", match, error));
  EXPECT_NE(error.find("has no node labelled `nothing`"), std::string::npos) << error;
  EXPECT_FALSE(find_artifact(runs_, "1999:other", match, error));
  EXPECT_NE(error.find("no run `1999`"), std::string::npos) << error;
}

TEST_F(Lineage, ObjectDigestsAndNodeIdsFindTheirNodeByPrefix) {
  const NodeRecord& fit = labelled("fit[lr=0.1]");
  ArtifactMatch match;
  std::string error;
  ASSERT_TRUE(find_artifact(runs_, fit.outputs.at("weights").substr(0, 16), match, error)) << error;
  EXPECT_EQ(match.node, fit.id);
  EXPECT_EQ(match.output, "weights");
  EXPECT_EQ(match.object, fit.outputs.at("weights"));
  ASSERT_TRUE(find_artifact(runs_, fit.id.substr(0, 16), match, error)) << error;
  EXPECT_EQ(match.node, fit.id);
  EXPECT_TRUE(match.output.empty());
  EXPECT_FALSE(find_artifact(runs_, "0000000000000000", match, error));
  EXPECT_NE(error.find("no object or node"), std::string::npos) << error;
  EXPECT_FALSE(find_artifact(runs_, "xyz", match, error));
  EXPECT_NE(error.find("RUN:stage"), std::string::npos) << error;
}

TEST(LineageLookup, APrefixOfSeveralDigestsIsAmbiguousAndTooShortOnesAreRefused) {
  RunRecord run;
  run.id = "20261124T075012Z-3f9a1c";
  run.plan_id = "p";
  NodeRecord a, b;
  a.id = "1111" + std::string(60, '0');
  a.outputs["weights"] = "abcd1" + std::string(59, '0');
  b.id = "2222" + std::string(60, '0');
  b.outputs["predictions"] = "abcd2" + std::string(59, '0');
  run.nodes = {a, b};
  ArtifactMatch match;
  std::string error;
  EXPECT_FALSE(find_artifact({run}, "abcd", match, error));
  EXPECT_NE(error.find("the start of 2 digests"), std::string::npos) << error;
  ASSERT_TRUE(find_artifact({run}, "ABCD2", match, error)) << error;
  EXPECT_EQ(match.node, b.id);
  EXPECT_EQ(match.output, "predictions");
  EXPECT_FALSE(find_artifact({run}, "abc", match, error));
  EXPECT_NE(error.find("at least 4"), std::string::npos) << error;
}

TEST_F(Lineage, TheChainGoesBackToTheDataFileWithItsDigest) {
  const NodeRecord& score = labelled("score[lr=0.01]");
  Digest id;
  ASSERT_TRUE(Digest::from_hex(score.id, id));
  auto lineage = lineage_of(plan_, id, run_);
  ASSERT_FALSE(lineage.nodes.empty());
  EXPECT_EQ(lineage.nodes.front().id, score.id);
  EXPECT_EQ(lineage.plan, plan_.id.hex());
  EXPECT_EQ(lineage.root_seed, 3);
  EXPECT_EQ(lineage.mlf_version, "0.1.0");
  EXPECT_EQ(lineage.mlf_commit, "f839407abcde");
  // score ← fit[lr=0.01] ← train ← all, and test ← all; not fit[lr=0.1] nor other.
  std::vector<std::string> labels;
  for (const auto& n : lineage.nodes) labels.push_back(n.label);
  for (const char* expected : {"fit[lr=0.01]", "train", "test", "all"})
    EXPECT_NE(std::find(labels.begin(), labels.end(), expected), labels.end()) << expected;
  for (const char* unexpected : {"fit[lr=0.1]", "other"})
    EXPECT_EQ(std::find(labels.begin(), labels.end(), unexpected), labels.end()) << unexpected;
  // Every node comes before its inputs.
  for (std::size_t i = 0; i < lineage.nodes.size(); ++i)
    for (const auto& [label, input] : lineage.nodes[i].inputs)
      for (std::size_t j = 0; j < i; ++j) EXPECT_NE(lineage.nodes[j].id, input) << label;
  const auto& source = lineage.nodes.back();
  EXPECT_EQ(source.label, "all");
  ASSERT_EQ(source.files.size(), 1u);
  EXPECT_EQ(source.files[0].sha256, Sha256::of(csv_));
  // The training node names its ops with versions, its model and its derived seed.
  auto fit = std::find_if(lineage.nodes.begin(), lineage.nodes.end(),
                          [](const LineageNode& n) { return n.kind == "train"; });
  ASSERT_NE(fit, lineage.nodes.end());
  const PlanNode* fit_node = nullptr;
  for (const auto& n : plan_.nodes)
    if (n.id.hex() == fit->id) fit_node = &n;
  ASSERT_NE(fit_node, nullptr);
  EXPECT_EQ(fit->ops.front(), fit_node->call->name + "@" + fit_node->call->version);
  EXPECT_NE(std::find_if(fit->ops.begin(), fit->ops.end(),
                         [](const std::string& op) { return op.rfind("adam@", 0) == 0; }),
            fit->ops.end());
  EXPECT_EQ(fit->layers.size(), 3u);
  ASSERT_TRUE(fit_node->seed.has_value());
  EXPECT_EQ(fit->seed, fit_node->seed->hex());
  EXPECT_EQ(fit->outputs.at("weights"), labelled("fit[lr=0.01]").outputs.at("weights"));

  ArtifactMatch match{&run_, score.id, "", ""};
  std::string text = lineage_text(lineage, match);
  EXPECT_NE(text.find("sha256 " + Sha256::of(csv_).hex()), std::string::npos) << text;
  EXPECT_NE(text.find("plan      " + plan_.id.hex()), std::string::npos) << text;
  EXPECT_NE(text.find("mlf       0.1.0 (commit f839407abcde)"), std::string::npos) << text;
}

}  // namespace
}  // namespace mlf::runtime
