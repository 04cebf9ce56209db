// The store's records as the commands see them, through the `mlf` binary: a truncated or
// edited record is reported and never used as a record, `mlf verify` finds edited records,
// a result naming an object of the wrong kind is recomputed, the commands that only read
// create nothing, and a store with a link inside or open to others is refused. Runs that
// train need the LibTorch backend module beside the binary.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "runtime/record/run_record.h"
#include "runtime/store/object_store.h"
#include "tests/unit/cli_runner.h"
#include "tests/unit/scratch_dir.h"

namespace {

namespace fs = std::filesystem;
using mlf::runtime::NodeRecord;
using mlf::runtime::RunRecord;
using mlf::test_support::CliOutput;
using mlf::test_support::ScratchDir;

constexpr const char* kPipeline = R"(pipeline records
seed 3
param eval_batch: int = 64
dataset all = csv("points.csv", label: "label")
dataset train = split(all, fraction: 0.75)
dataset test = split(all, fraction: 0.75, part: "second")
model mlp = sequential [ linear(out: 8), relu, linear(out: 2) ]
stage fit = train(mlp, data: train, loss: cross_entropy, optimizer: adam(lr: 0.05),
                  epochs: 2, batch: 16)
stage score = evaluate(fit, data: test, metrics: [accuracy, loss], batch: eval_batch)
expect score.accuracy >= 0.9
)";

std::string points_csv() {
  std::ostringstream csv;
  csv << "a,b,label\n";
  std::mt19937 gen(5);
  std::normal_distribution<double> noise(0.0, 0.3);
  for (int i = 0; i < 240; ++i) {
    int label = i % 2;
    csv << (label ? 1.5 : -1.5) + noise(gen) << "," << (label ? -1.0 : 1.0) + noise(gen) << ","
        << (label ? "yes" : "no") << "\n";
  }
  return csv.str();
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

using mlf::test_support::read_file;
using mlf::test_support::write_file;

// Replaces the first `from` in the file with `to`.
void edit_file(const fs::path& path, const std::string& from, const std::string& to) {
  std::string text = read_file(path);
  auto at = text.find(from);
  ASSERT_NE(at, std::string::npos) << "no `" << from << "` in " << path;
  text.replace(at, from.size(), to);
  write_file(path, text);
}

class StoreRecordsCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write("mlflow.toml", "");  // the project root, and its store, is this folder
  }
  void use_pipeline() {
    if (!mlf::test_support::training_backend_built()) GTEST_SKIP() << "the LibTorch backend is not built";
    dir_.write("points.csv", points_csv());
    dir_.write("pipeline.mlflow", kPipeline);
  }

  CliOutput mlf(const std::string& args) {
    return mlf::test_support::run_command("cd " + dir_.root() + " && " + mlf::test_support::mlf_binary() + " " + args);
  }

  // Runs the pipeline, expecting success; returns its record as written.
  RunRecord run_ok(const std::string& extra = "") {
    CliOutput out = mlf("run --color never --threads 1 " + extra + " pipeline.mlflow");
    EXPECT_EQ(out.exit_code, 0) << out.text;
    last_output_ = out.text;
    return record(mlf::test_support::printed_run_id(out.text));
  }

  fs::path run_file(const std::string& id) const { return dir_.store() / "runs" / (id + ".toml"); }

  RunRecord record(const std::string& id) const {
    RunRecord r;
    std::string error;
    EXPECT_TRUE(mlf::runtime::parse_run_record(read_file(run_file(id)), r, error)) << id << ": " << error;
    return r;
  }

  static const NodeRecord& node(const RunRecord& r, const std::string& label) {
    for (const auto& n : r.nodes)
      if (n.label == label) return n;
    ADD_FAILURE() << "no node `" << label << "`";
    return r.nodes.front();
  }

  fs::path result_file(const RunRecord& r, const std::string& label) const {
    return dir_.store() / "results" / (node(r, label).id + ".toml");
  }

  // Forgets the memos of cached runs, so that the next run reads the result records.
  void forget_memos() { fs::remove_all(dir_.store() / "memo"); }

  ScratchDir dir_;
  std::string last_output_;
};

TEST_F(StoreRecordsCli, ATruncatedRunRecordIsReportedAndNeverUsed) {
  use_pipeline();
  RunRecord first = run_ok();
  RunRecord second = run_ok();
  ASSERT_FALSE(first.id.empty());
  ::truncate(run_file(first.id).c_str(), 300);
  const std::string named = "runs/" + first.id + ".toml";

  CliOutput replay = mlf("replay --threads 1 " + first.id);
  EXPECT_EQ(replay.exit_code, 1) << replay.text;
  EXPECT_TRUE(contains(replay.text, named)) << replay.text;
  EXPECT_FALSE(contains(replay.text, "every output matches")) << replay.text;

  CliOutput runs = mlf("runs");
  EXPECT_EQ(runs.exit_code, 0) << runs.text;
  EXPECT_TRUE(contains(runs.text, "warning: record")) << runs.text;
  EXPECT_TRUE(contains(runs.text, named)) << runs.text;
  EXPECT_TRUE(contains(runs.text, second.id + "  run")) << runs.text;
  EXPECT_FALSE(contains(runs.text, first.id + "  run")) << runs.text;

  for (const std::string command : {"show " + first.id, "compare " + first.id + " " + second.id,
                                    "report -o r.html " + first.id}) {
    CliOutput out = mlf(command);
    EXPECT_EQ(out.exit_code, 1) << command << ":\n" << out.text;
    EXPECT_TRUE(contains(out.text, first.id)) << command << ":\n" << out.text;
  }
  CliOutput verify = mlf("verify");
  EXPECT_EQ(verify.exit_code, 1) << verify.text;
  EXPECT_TRUE(contains(verify.text, named)) << verify.text;
}

TEST_F(StoreRecordsCli, VerifyFindsAnEditedMetricInAResultAndInARunRecord) {
  use_pipeline();
  RunRecord run = run_ok();
  ASSERT_EQ(mlf("verify").exit_code, 0);

  for (const fs::path& file : {result_file(run, "score"), run_file(run.id)}) {
    std::string text = read_file(file);
    auto at = text.find("accuracy = ");
    ASSERT_NE(at, std::string::npos) << text;
    text.replace(at + 11, 1, text[at + 11] == '0' ? "1" : "0");
    write_file(file, text);
    CliOutput verify = mlf("verify");
    EXPECT_EQ(verify.exit_code, 1) << file << ":\n" << verify.text;
    EXPECT_TRUE(contains(verify.text, file.string())) << verify.text;
    EXPECT_TRUE(contains(verify.text, "does not match its seal")) << verify.text;
  }
}

TEST_F(StoreRecordsCli, AnEditedResultRecordIsReportedAndItsNodeRunsAgain) {
  use_pipeline();
  RunRecord run = run_ok();
  const fs::path file = result_file(run, "score");
  // A metric edited to another valid number: the record still parses.
  std::string text = read_file(file);
  auto at = text.find("accuracy = ");
  ASSERT_NE(at, std::string::npos) << text;
  auto end = text.find('\n', at);
  text.replace(at, end - at, "accuracy = 0.125");
  write_file(file, text);
  forget_memos();

  RunRecord again = run_ok();
  EXPECT_TRUE(contains(last_output_, "warning: record `" + file.string())) << last_output_;
  EXPECT_EQ(node(again, "score").status, "ran");
  EXPECT_EQ(node(again, "score").metrics, node(run, "score").metrics);
  EXPECT_EQ(node(again, "fit").status, "cached");
  // The new record replaced the damaged one: the next run takes it as it is.
  forget_memos();
  RunRecord cached = run_ok();
  EXPECT_EQ(node(cached, "score").status, "cached");
  EXPECT_EQ(mlf("verify").exit_code, 0);
}

TEST_F(StoreRecordsCli, AResultNamingAnObjectOfTheWrongKindIsDroppedAndRecomputed) {
  use_pipeline();
  RunRecord run = run_ok();
  const NodeRecord& fit = node(run, "fit");
  const std::string weights = fit.outputs.at("weights"), log = fit.outputs.at("log");
  // A result record with a valid seal whose weights are the training log.
  {
    auto store = mlf::runtime::ObjectStore::open(dir_.store());
    ASSERT_TRUE(store.ok());
    const std::string relative = "results/" + fit.id + ".toml";
    auto text = store.value().read_text(relative);
    ASSERT_TRUE(text.ok());
    std::string swapped = text.value();
    swapped.replace(swapped.find(weights), weights.size(), log);
    ASSERT_TRUE(store.value().write_text(relative, swapped).ok());
  }
  forget_memos();
  // Another evaluation batch: `score` runs again and needs the cached weights.
  RunRecord again = run_ok("--param eval_batch=32");
  EXPECT_TRUE(contains(last_output_, "are not weights")) << last_output_;
  EXPECT_EQ(node(again, "fit").status, "ran");
  EXPECT_EQ(node(again, "fit").outputs.at("weights"), weights);
  RunRecord cached = run_ok("--param eval_batch=16");
  EXPECT_EQ(node(cached, "fit").status, "cached");
}

TEST_F(StoreRecordsCli, CommandsThatOnlyReadCreateNothing) {
  const std::string missing = dir_.path("no-such-store");
  for (const std::string command : {"runs", "show 2026", "compare 2026 2027", "lineage x", "report 2026", "verify"}) {
    CliOutput out = mlf(command.substr(0, command.find(' ')) + " --store " + missing +
                        command.substr(std::min(command.size(), command.find(' '))));
    EXPECT_EQ(out.exit_code, 1) << command << ":\n" << out.text;
    EXPECT_TRUE(contains(out.text, "there is no store at `" + missing + "`")) << command << ":\n" << out.text;
    EXPECT_FALSE(fs::exists(missing)) << command << " created the store";
  }
  CliOutput runs = mlf("runs");
  EXPECT_EQ(runs.exit_code, 0) << runs.text;
  EXPECT_TRUE(contains(runs.text, "no runs")) << runs.text;
  EXPECT_FALSE(fs::exists(dir_.store())) << "`mlf runs` created a store";
}

TEST_F(StoreRecordsCli, AStoreWithALinkInsideOrOpenToOthersIsRefused) {
  use_pipeline();
  run_ok();
  const fs::path outside = dir_.path("outside");
  fs::create_directories(outside);
  fs::rename(dir_.store() / "results", dir_.path("results-aside"));
  fs::create_directory_symlink(outside, dir_.store() / "results");
  forget_memos();
  CliOutput linked = mlf("run --threads 1 pipeline.mlflow");
  EXPECT_EQ(linked.exit_code, 1) << linked.text;
  EXPECT_TRUE(contains(linked.text, (dir_.store() / "results").string())) << linked.text;
  EXPECT_TRUE(contains(linked.text, "symbolic link")) << linked.text;
  EXPECT_TRUE(fs::is_empty(outside));
  fs::remove(dir_.store() / "results");
  fs::rename(dir_.path("results-aside"), dir_.store() / "results");

  fs::permissions(dir_.store(), fs::perms::others_write, fs::perm_options::add);
  CliOutput open = mlf("run --threads 1 pipeline.mlflow");
  EXPECT_EQ(open.exit_code, 1) << open.text;
  EXPECT_TRUE(contains(open.text, "chmod go-w " + dir_.store().string())) << open.text;
  CliOutput runs = mlf("runs");
  EXPECT_EQ(runs.exit_code, 1) << runs.text;
}

}  // namespace
