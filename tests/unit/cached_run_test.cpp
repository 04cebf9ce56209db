// The shortcut of a fully cached `mlf run` (compiler/driver/cached_run.h), end to end
// through the binary: an unchanged invocation is answered from its memo with the record the
// full path would write, and any change to what the front end reads, or to what the store
// holds, sends the run down the full path. Needs the LibTorch backend beside the binary.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "runtime/record/run_record.h"
#include "tests/unit/cli_runner.h"
#include "tests/unit/scratch_dir.h"

namespace mlf {
namespace {

namespace fs = std::filesystem;
using runtime::RunRecord;
using test_support::CliOutput;
using test_support::ScratchDir;

constexpr const char* kNote = "no input changed, nothing compiled";

const char* kPipeline =
    "pipeline memo\nseed 3\nparam epochs: int = 1\n"
    "dataset all = csv(\"points.csv\", label: \"label\")\n"
    "dataset train = split(all, fraction: 0.75)\n"
    "dataset test = split(all, fraction: 0.75, part: \"second\")\n"
    "model mlp = sequential [ linear(out: 4), relu, linear(out: 2) ]\n"
    "sweep lr in [0.2, 0.05] {\n"
    "  stage fit = train(mlp, data: train, loss: cross_entropy, optimizer: sgd(lr: lr),\n"
    "                    epochs: epochs, batch: 16)\n"
    "  stage score = evaluate(fit, data: test, metrics: [accuracy])\n"
    "  expect score.accuracy >= 0.0\n"
    "}\n"
    "stage fit_once = train(mlp, data: train, loss: cross_entropy, optimizer: sgd(lr: 0.1),\n"
    "                       epochs: epochs, batch: 16)\n"
    "stage score_once = evaluate(fit_once, data: test, metrics: [accuracy])\n"
    "export score_once to \"out/score.toml\"\n";

class CachedRun : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test_support::training_backend_built()) GTEST_SKIP() << "the LibTorch backend is not built";
    dir_.write("points.csv", points(120));
    dir_.write("memo.mlflow", kPipeline);
  }

  static std::string points(int rows) {
    std::ostringstream csv;
    csv << "a,b,label\n";
    std::mt19937 gen(5);
    std::normal_distribution<double> noise(0.0, 0.3);
    for (int i = 0; i < rows; ++i) {
      int label = i % 2;
      csv << (label ? 1.5 : -1.5) + noise(gen) << "," << (label ? -1.0 : 1.0) + noise(gen) << ","
          << (label ? "yes" : "no") << "\n";
    }
    return csv.str();
  }

  CliOutput mlf(const std::string& args) {
    return test_support::run_command("cd " + dir_.root() + " && " + test_support::mlf_binary() +
                                     " " + args + " --threads 1");
  }
  RunRecord record(const std::string& id) {
    std::ifstream in(dir_.path(".mlf/runs/" + id + ".toml"));
    std::stringstream text;
    text << in.rdbuf();
    RunRecord r;
    std::string error;
    EXPECT_TRUE(runtime::parse_run_record(text.str(), r, error)) << error;
    return r;
  }
  static bool answered_from_memo(const CliOutput& out) { return out.text.find(kNote) != std::string::npos; }
  void forget_memos() { fs::remove_all(dir_.path(".mlf/memo")); }

  ScratchDir dir_;
};

// Everything a record holds but its id and times.
void expect_same_record(const RunRecord& a, const RunRecord& b) {
  EXPECT_EQ(a.plan_id, b.plan_id);
  EXPECT_EQ(a.pipeline, b.pipeline);
  EXPECT_EQ(a.source, b.source);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.params, b.params);
  EXPECT_EQ(a.options.fuse, b.options.fuse);
  EXPECT_EQ(a.environment, b.environment);
  ASSERT_EQ(a.nodes.size(), b.nodes.size());
  for (std::size_t i = 0; i < a.nodes.size(); ++i) {
    const auto &x = a.nodes[i], &y = b.nodes[i];
    EXPECT_EQ(x.id, y.id);
    EXPECT_EQ(x.label, y.label);
    EXPECT_EQ(x.kind, y.kind);
    EXPECT_EQ(x.status, y.status) << x.label;
    EXPECT_EQ(x.why, y.why) << x.label;
    EXPECT_EQ(x.seconds, y.seconds) << x.label;
    EXPECT_EQ(x.outputs, y.outputs) << x.label;
    EXPECT_EQ(x.metrics, y.metrics) << x.label;
    EXPECT_EQ(x.identity, y.identity) << x.label;
  }
  ASSERT_EQ(a.gates.size(), b.gates.size());
  for (std::size_t i = 0; i < a.gates.size(); ++i) {
    EXPECT_EQ(a.gates[i].text, b.gates[i].text);
    EXPECT_EQ(a.gates[i].value, b.gates[i].value);
    EXPECT_EQ(a.gates[i].passed, b.gates[i].passed);
  }
}

// The output with run ids and the memo's note taken out.
std::string without_ids(std::string text) {
  for (std::size_t at; (at = text.find("; " + std::string(kNote))) != std::string::npos;)
    text.erase(at, 2 + std::string(kNote).size());
  std::istringstream lines(text);
  std::string line, out;
  while (std::getline(lines, line)) {
    if (line.rfind("run ", 0) == 0) line = line.substr(line.find(':'));
    else if (line.size() > 16 && line[8] == 'T' && line.find(' ') == std::string::npos) line = "<id>";
    out += line + "\n";
  }
  return out;
}

TEST_F(CachedRun, AnUnchangedRunIsAnsweredFromItsMemoAsTheFullPathWouldAnswer) {
  CliOutput first = mlf("run memo.mlflow");
  ASSERT_EQ(first.exit_code, 0) << first.text;
  EXPECT_NE(first.text.find("6 stages ran"), std::string::npos) << first.text;
  EXPECT_FALSE(answered_from_memo(first));

  CliOutput memo = mlf("run memo.mlflow");
  ASSERT_EQ(memo.exit_code, 0) << memo.text;
  EXPECT_TRUE(answered_from_memo(memo)) << memo.text;
  EXPECT_NE(memo.text.find("0 stages ran, 6 cached"), std::string::npos) << memo.text;

  forget_memos();
  CliOutput full = mlf("run memo.mlflow");
  ASSERT_EQ(full.exit_code, 0) << full.text;
  EXPECT_FALSE(answered_from_memo(full)) << full.text;

  EXPECT_EQ(without_ids(memo.text), without_ids(full.text));
  expect_same_record(record(test_support::printed_run_id(memo.text)),
                     record(test_support::printed_run_id(full.text)));
  std::ifstream exported(dir_.path("out/score.toml"));
  std::stringstream exported_text;
  exported_text << exported.rdbuf();
  EXPECT_NE(exported_text.str().find("accuracy = "), std::string::npos) << exported_text.str();
}

TEST_F(CachedRun, AnyChangeToWhatTheFrontEndReadsTakesTheFullPath) {
  ASSERT_EQ(mlf("run memo.mlflow").exit_code, 0);
  ASSERT_TRUE(answered_from_memo(mlf("run memo.mlflow")));

  // A comment changes the source's bytes, not the plan: compiled again, nothing runs.
  dir_.write("memo.mlflow", std::string(kPipeline) + "# a comment\n");
  CliOutput commented = mlf("run memo.mlflow");
  EXPECT_FALSE(answered_from_memo(commented)) << commented.text;
  EXPECT_NE(commented.text.find("0 stages ran, 6 cached"), std::string::npos) << commented.text;
  EXPECT_TRUE(answered_from_memo(mlf("run memo.mlflow")));

  // Another invocation (an override) has a memo of its own.
  CliOutput overridden = mlf("run memo.mlflow -p epochs=2");
  EXPECT_FALSE(answered_from_memo(overridden)) << overridden.text;
  EXPECT_NE(overridden.text.find("6 stages ran"), std::string::npos) << overridden.text;
  EXPECT_TRUE(answered_from_memo(mlf("run memo.mlflow -p epochs=2")));
  EXPECT_TRUE(answered_from_memo(mlf("run memo.mlflow")));

  // A project file appearing next to the source is read from now on.
  dir_.write("mlflow.toml", "[params]\nepochs = 1\n");
  CliOutput configured = mlf("run memo.mlflow");
  EXPECT_FALSE(answered_from_memo(configured)) << configured.text;
  EXPECT_NE(configured.text.find("0 stages ran"), std::string::npos) << configured.text;
  dir_.write("mlflow.toml", "[params]\nepochs = 3\n");
  CliOutput reconfigured = mlf("run memo.mlflow");
  EXPECT_FALSE(answered_from_memo(reconfigured)) << reconfigured.text;
  EXPECT_NE(reconfigured.text.find("6 stages ran"), std::string::npos) << reconfigured.text;
  fs::remove(dir_.path("mlflow.toml"));

  // New data: the file's digest changes, and with it every stage.
  dir_.write("points.csv", points(140));
  CliOutput new_data = mlf("run memo.mlflow");
  EXPECT_FALSE(answered_from_memo(new_data)) << new_data.text;
  EXPECT_NE(new_data.text.find("6 stages ran"), std::string::npos) << new_data.text;
}

TEST_F(CachedRun, AResultMissingFromTheStoreIsProducedAgain) {
  CliOutput first = mlf("run memo.mlflow");
  ASSERT_EQ(first.exit_code, 0) << first.text;
  RunRecord r = record(test_support::printed_run_id(first.text));
  std::string weights;
  for (const auto& n : r.nodes)
    if (n.kind == "train" && weights.empty()) weights = n.outputs.at("weights");
  ASSERT_FALSE(weights.empty());
  ASSERT_TRUE(fs::remove(dir_.path(".mlf/objects/" + weights.substr(0, 2) + "/" + weights.substr(2))));
  CliOutput again = mlf("run memo.mlflow");
  ASSERT_EQ(again.exit_code, 0) << again.text;
  EXPECT_FALSE(answered_from_memo(again)) << again.text;
  EXPECT_NE(again.text.find("1 stages ran"), std::string::npos) << again.text;
}

TEST_F(CachedRun, ADamagedMemoIsIgnored) {
  ASSERT_EQ(mlf("run memo.mlflow").exit_code, 0);
  std::vector<fs::path> memos;
  for (const auto& entry : fs::directory_iterator(dir_.path(".mlf/memo"))) memos.push_back(entry.path());
  ASSERT_EQ(memos.size(), 1u);
  std::ifstream in(memos[0]);
  std::stringstream text;
  text << in.rdbuf();
  std::ofstream(memos[0], std::ios::trunc) << text.str().substr(0, text.str().size() / 2);
  CliOutput truncated = mlf("run memo.mlflow");
  EXPECT_EQ(truncated.exit_code, 0) << truncated.text;
  EXPECT_FALSE(answered_from_memo(truncated)) << truncated.text;
  EXPECT_NE(truncated.text.find("0 stages ran, 6 cached"), std::string::npos) << truncated.text;
  EXPECT_TRUE(answered_from_memo(mlf("run memo.mlflow"))) << "the full path wrote it again";
}

TEST_F(CachedRun, GcDropsMemosButNotWhatTheyDescribe) {
  ASSERT_EQ(mlf("run memo.mlflow").exit_code, 0);
  CliOutput gc = test_support::run_command("cd " + dir_.root() + " && " + test_support::mlf_binary() + " gc");
  ASSERT_EQ(gc.exit_code, 0) << gc.text;
  EXPECT_FALSE(fs::exists(dir_.path(".mlf/memo")) && !fs::is_empty(dir_.path(".mlf/memo")));
  CliOutput after = mlf("run memo.mlflow");
  EXPECT_FALSE(answered_from_memo(after)) << after.text;
  EXPECT_NE(after.text.find("0 stages ran, 6 cached"), std::string::npos) << after.text;
  EXPECT_TRUE(answered_from_memo(mlf("run memo.mlflow")));
}

TEST_F(CachedRun, WarningsAndFailedGatesAreShownOnEveryRun) {
  dir_.write("memo.mlflow", std::string(kPipeline) + "model unused = sequential [ linear(out: 2) ]\n");
  ASSERT_EQ(mlf("run memo.mlflow").exit_code, 0);
  CliOutput warned = mlf("run memo.mlflow");
  EXPECT_NE(warned.text.find("never used"), std::string::npos) << warned.text;
  EXPECT_FALSE(answered_from_memo(warned)) << "a memo would hide the warning";

  dir_.write("memo.mlflow", std::string(kPipeline) + "expect score_once.accuracy > 1.0\n");
  CliOutput failed = mlf("run memo.mlflow");
  EXPECT_EQ(failed.exit_code, 1) << failed.text;
  CliOutput failed_again = mlf("run memo.mlflow");
  EXPECT_EQ(failed_again.exit_code, 1) << failed_again.text;
  EXPECT_TRUE(answered_from_memo(failed_again)) << failed_again.text;
  EXPECT_NE(failed_again.text.find("FAIL  score_once.accuracy > 1.0"), std::string::npos) << failed_again.text;
  EXPECT_NE(failed_again.text.find("gate-failed"), std::string::npos) << failed_again.text;
}

}  // namespace
}  // namespace mlf
