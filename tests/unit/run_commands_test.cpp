// The run-side commands end to end through the `mlf` binary, on small generated CSV
// pipelines: `run -j N`, Ctrl-C during training, `compare`, `lineage`, `replay` against
// doctored run records, and `--no-fuse`. Needs the LibTorch backend module beside the binary.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <random>
#include <sstream>

#include "compiler/hash/sha256.h"
#include "runtime/record/run_record.h"
#include "runtime/store/object_store.h"
#include "tests/unit/cli_runner.h"
#include "tests/unit/scratch_dir.h"

namespace mlf {
namespace {

using runtime::NodeRecord;
using runtime::RunRecord;
using test_support::CliOutput;
using test_support::ScratchDir;

// Two independent branches (a small and a wide model) sharing their data.
const char* kBranches =
    "pipeline branches\nseed 3\nparam epochs: int = 2\n"
    "dataset all = csv(\"points.csv\", label: \"label\")\n"
    "dataset train = split(all, fraction: 0.75)\n"
    "dataset test = split(all, fraction: 0.75, part: \"second\")\n"
    "augment scale = [ normalize(mean: [0.0, 0.0], std: [1.5, 1.0]) ]\n"
    "model small = sequential [ linear(out: 4), relu, linear(out: 2) ]\n"
    "model wide = sequential [ linear(out: 16), relu, linear(out: 2) ]\n"
    "stage fit_small = train(small, data: train |> scale, loss: cross_entropy,\n"
    "                        optimizer: adam(lr: 0.05), epochs: epochs, batch: 16)\n"
    "stage fit_wide = train(wide, data: train |> scale, loss: cross_entropy,\n"
    "                       optimizer: sgd(lr: 0.1), epochs: epochs, batch: 16)\n"
    "stage score_small = evaluate(fit_small, data: test |> scale, metrics: [accuracy, loss])\n"
    "stage score_wide = evaluate(fit_wide, data: test |> scale, metrics: [accuracy, loss])\n";

const char* kSweep =
    "pipeline lr_sweep\nseed 3\n"
    "dataset all = csv(\"points.csv\", label: \"label\")\n"
    "dataset train = split(all, fraction: 0.75)\n"
    "dataset test = split(all, fraction: 0.75, part: \"second\")\n"
    "model mlp = sequential [ linear(out: 4), relu, linear(out: 2) ]\n"
    "sweep lr in [0.2, 0.05] {\n"
    "  stage fit = train(mlp, data: train, loss: cross_entropy, optimizer: sgd(lr: lr),\n"
    "                    epochs: 2, batch: 16)\n"
    "  stage score = evaluate(fit, data: test, metrics: [accuracy])\n"
    "}\n";

// A quick stage, then (deeper in the plan, so after it with -j1) a long one.
const char* kQuickThenLong =
    "pipeline interrupted\nseed 3\nparam long_epochs: int = 100000\n"
    "dataset all = csv(\"points.csv\", label: \"label\")\n"
    "dataset train = split(all, fraction: 0.75)\n"
    "dataset few = take(train, n: 64)\n"
    "model mlp = sequential [ linear(out: 4), relu, linear(out: 2) ]\n"
    "stage quick = train(mlp, data: train, loss: cross_entropy, optimizer: sgd(lr: 0.1),\n"
    "                    epochs: 1, batch: 16)\n"
    "stage long = train(mlp, data: few, loss: cross_entropy, optimizer: sgd(lr: 0.1),\n"
    "                   epochs: long_epochs, batch: 8)\n";

class RunCommands : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test_support::training_backend_built()) GTEST_SKIP() << "the LibTorch backend is not built";
    std::ostringstream csv;
    csv << "a,b,label\n";
    std::mt19937 gen(5);
    std::normal_distribution<double> noise(0.0, 0.3);
    for (int i = 0; i < 160; ++i) {
      int label = i % 2;
      csv << (label ? 1.5 : -1.5) + noise(gen) << "," << (label ? -1.0 : 1.0) + noise(gen) << ","
          << (label ? "yes" : "no") << "\n";
    }
    csv_ = csv.str();
    dir_.write("points.csv", csv_);
  }

  CliOutput mlf(const std::string& args) {
    return test_support::run_command("cd " + dir_.root() + " && " + test_support::mlf_binary() + " " + args);
  }
  std::string record_path(const std::string& store, const std::string& id) {
    return dir_.path(store + "/runs/" + id + ".toml");
  }
  RunRecord record(const std::string& id, const std::string& store = ".mlf") {
    std::ifstream in(record_path(store, id));
    std::stringstream text;
    text << in.rdbuf();
    RunRecord r;
    std::string error;
    EXPECT_TRUE(runtime::parse_run_record(text.str(), r, error)) << error;
    return r;
  }
  // A doctored record, sealed as mlf seals what it writes (an unsealed one is damaged).
  void write_record(const RunRecord& r) {
    auto store = runtime::ObjectStore::open(dir_.path(".mlf"));
    ASSERT_TRUE(store.ok()) << store.error().message;
    auto written = store.value().write_text("runs/" + r.id + ".toml", runtime::render_run_record(r));
    ASSERT_TRUE(written.ok()) << written.error().message;
  }
  NodeRecord& node(RunRecord& r, const std::string& label) {
    for (auto& n : r.nodes)
      if (n.label == label) return n;
    ADD_FAILURE() << "no node `" << label << "`";
    return r.nodes.front();
  }

  ScratchDir dir_;
  std::string csv_;
};

TEST_F(RunCommands, ParallelStagesGiveTheDigestsOfOneJob) {
  dir_.write("branches.mlflow", kBranches);
  CliOutput one = mlf("run -j1 --threads 1 --store one branches.mlflow");
  ASSERT_EQ(one.exit_code, 0) << one.text;
  CliOutput two = mlf("run -j 2 --threads 1 --store two branches.mlflow");
  ASSERT_EQ(two.exit_code, 0) << two.text;
  EXPECT_NE(two.text.find("4 stages ran, 0 cached"), std::string::npos) << two.text;
  RunRecord a = record(test_support::printed_run_id(one.text), "one");
  RunRecord b = record(test_support::printed_run_id(two.text), "two");
  ASSERT_EQ(a.nodes.size(), b.nodes.size());
  std::size_t compared = 0;
  for (std::size_t i = 0; i < a.nodes.size(); ++i) {
    EXPECT_EQ(a.nodes[i].id, b.nodes[i].id) << "the record keeps plan order";
    EXPECT_EQ(a.nodes[i].status, b.nodes[i].status) << a.nodes[i].label;
    EXPECT_EQ(a.nodes[i].outputs, b.nodes[i].outputs) << a.nodes[i].label;
    EXPECT_EQ(a.nodes[i].metrics, b.nodes[i].metrics) << a.nodes[i].label;
    compared += a.nodes[i].outputs.size();
  }
  EXPECT_GE(compared, 4u);  // weights of both fits, predictions of both scores at least
  EXPECT_TRUE(a.options.fuse);

  // And the -j2 run is reused by the next run, whatever its -j.
  CliOutput cached = mlf("run -j2 --threads 1 --store two branches.mlflow");
  ASSERT_EQ(cached.exit_code, 0) << cached.text;
  EXPECT_NE(cached.text.find("0 stages ran, 4 cached"), std::string::npos) << cached.text;
}

TEST_F(RunCommands, CtrlCStopsTrainingCleanlyAndKeepsFinishedStages) {
  dir_.write("interrupted.mlflow", kQuickThenLong);
  // The child's output is a pipe, so progress comes as plain lines, one per epoch at least.
  std::string binary = test_support::mlf_binary(), file = dir_.path("interrupted.mlflow");
  std::vector<std::string> argv_text = {binary, "run", "-j1", "--threads", "1", file};
  std::vector<char*> argv;
  for (auto& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    close(fds[0]);
    close(fds[1]);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(fds[1]);
  // Wait until `quick` is done and `long` is training, then Ctrl-C. The deadline only keeps
  // a broken run from hanging the suite; nothing here depends on how fast it goes.
  std::string output;
  bool interrupted = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fds[0], POLLIN, 0};
    if (poll(&p, 1, 1000) <= 0) continue;
    char buffer[4096];
    ssize_t n = read(fds[0], buffer, sizeof buffer);
    if (n <= 0) break;
    output.append(buffer, static_cast<std::size_t>(n));
    if (!interrupted && output.find("done    quick") != std::string::npos &&
        output.find("long: epoch") != std::string::npos) {
      kill(pid, SIGINT);
      interrupted = true;
    }
  }
  if (!interrupted) kill(pid, SIGKILL);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(interrupted) << output.substr(0, 4000);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by a signal, not stopped cleanly";
  EXPECT_EQ(WEXITSTATUS(status), 130) << output.substr(output.size() > 4000 ? output.size() - 4000 : 0);
  std::string id = test_support::printed_run_id(output);
  ASSERT_FALSE(id.empty()) << "the cancelled run is recorded";
  RunRecord cancelled = record(id);
  EXPECT_EQ(cancelled.status, "cancelled");
  EXPECT_EQ(node(cancelled, "quick").status, "ran");
  EXPECT_EQ(node(cancelled, "long").status, "cancelled");

  CliOutput verify = mlf("verify");
  EXPECT_EQ(verify.exit_code, 0) << verify.text;
  CliOutput next = mlf("run -j1 --threads 1 -p long_epochs=1 interrupted.mlflow");
  ASSERT_EQ(next.exit_code, 0) << next.text;
  EXPECT_NE(next.text.find("cached  quick"), std::string::npos) << next.text;
  EXPECT_NE(next.text.find("run     long"), std::string::npos) << next.text;
}

TEST_F(RunCommands, CompareTabulatesRunsAndSweepPoints) {
  dir_.write("sweep.mlflow", kSweep);
  CliOutput first = mlf("run --threads 1 sweep.mlflow");
  ASSERT_EQ(first.exit_code, 0) << first.text;
  std::string id = test_support::printed_run_id(first.text);
  ASSERT_FALSE(id.empty()) << first.text;

  CliOutput table = mlf("compare " + id.substr(0, 20));
  ASSERT_EQ(table.exit_code, 0) << table.text;
  std::istringstream lines(table.text);
  std::string header, low, high;
  std::getline(lines, header);
  std::getline(lines, low);
  std::getline(lines, high);
  EXPECT_EQ(header.find("lr"), header.find_first_not_of(' ')) << table.text;
  EXPECT_NE(header.find("fit.final_loss"), std::string::npos) << table.text;
  EXPECT_NE(header.find("score.accuracy"), std::string::npos) << table.text;
  EXPECT_EQ(low.rfind("0.05", 0), 0u) << table.text;
  EXPECT_EQ(high.rfind(" 0.2", 0), 0u) << table.text;

  RunRecord r = record(id);
  CliOutput json = mlf("compare --json " + id);
  ASSERT_EQ(json.exit_code, 0) << json.text;
  EXPECT_NE(json.text.find("\"swept\":[\"lr\"]"), std::string::npos) << json.text;
  EXPECT_NE(json.text.find("\"sweep\":{\"lr\":\"0.05\"}"), std::string::npos) << json.text;
  auto at = json.text.find("\"sweep\":{\"lr\":\"0.2\"}");
  ASSERT_NE(at, std::string::npos) << json.text;
  auto value_at = json.text.find("\"score.accuracy\":", at);
  ASSERT_NE(value_at, std::string::npos) << json.text;
  EXPECT_EQ(std::stod(json.text.substr(value_at + 17)), node(r, "score[lr=0.2]").metrics.at("accuracy"));

  // Two runs side by side: a run column. The second run is all cached.
  CliOutput second = mlf("run --threads 1 sweep.mlflow");
  ASSERT_EQ(second.exit_code, 0) << second.text;
  std::string id2 = test_support::printed_run_id(second.text);
  CliOutput both = mlf("compare " + id + " " + id2);
  ASSERT_EQ(both.exit_code, 0) << both.text;
  EXPECT_EQ(both.text.rfind("run", 0), 0u) << both.text;
  EXPECT_NE(both.text.find(id2 + "  0.05"), std::string::npos) << both.text;

  CliOutput unknown = mlf("compare " + id + " 1999");
  EXPECT_EQ(unknown.exit_code, 1) << unknown.text;
  EXPECT_NE(unknown.text.find("no run `1999`"), std::string::npos) << unknown.text;
  CliOutput ambiguous = mlf("compare " + id.substr(0, 4));
  EXPECT_EQ(ambiguous.exit_code, 1) << ambiguous.text;
  EXPECT_NE(ambiguous.text.find("give more of the id"), std::string::npos) << ambiguous.text;
}

TEST_F(RunCommands, LineageGoesFromAStageOrItsWeightsBackToTheDataFile) {
  dir_.write("branches.mlflow", kBranches);
  CliOutput run = mlf("run -j2 --threads 1 -p epochs=1 branches.mlflow");
  ASSERT_EQ(run.exit_code, 0) << run.text;
  std::string id = test_support::printed_run_id(run.text);
  RunRecord r = record(id);

  CliOutput by_stage = mlf("lineage " + id.substr(0, 18) + ":score_wide");
  ASSERT_EQ(by_stage.exit_code, 0) << by_stage.text;
  EXPECT_NE(by_stage.text.find("sha256 " + Sha256::of(csv_).hex()), std::string::npos) << by_stage.text;
  EXPECT_NE(by_stage.text.find("plan      " + r.plan_id), std::string::npos) << by_stage.text;
  EXPECT_NE(by_stage.text.find("mlf       " + r.environment.at("mlf")), std::string::npos) << by_stage.text;
  EXPECT_NE(by_stage.text.find("fit_wide  train"), std::string::npos) << by_stage.text;
  EXPECT_EQ(by_stage.text.find("fit_small"), std::string::npos) << "not on the path: " << by_stage.text;

  std::string weights = node(r, "fit_small").outputs.at("weights");
  CliOutput by_object = mlf("lineage " + weights.substr(0, 12));
  ASSERT_EQ(by_object.exit_code, 0) << by_object.text;
  EXPECT_NE(by_object.text.find("output `weights` of `fit_small`"), std::string::npos) << by_object.text;
  EXPECT_NE(by_object.text.find("sha256 " + Sha256::of(csv_).hex()), std::string::npos) << by_object.text;

  CliOutput by_node = mlf("lineage " + node(r, "train").id.substr(0, 10));
  ASSERT_EQ(by_node.exit_code, 0) << by_node.text;
  EXPECT_NE(by_node.text.find("artifact  node " + node(r, "train").id), std::string::npos) << by_node.text;

  CliOutput unknown = mlf("lineage 0000deadbeef0000");
  EXPECT_EQ(unknown.exit_code, 1) << unknown.text;
  EXPECT_NE(unknown.text.find("no object or node"), std::string::npos) << unknown.text;
}

TEST_F(RunCommands, ReplaySaysWhatInTheEnvironmentChangedAndWhereDigestsDiverge) {
  dir_.write("branches.mlflow", kBranches);
  CliOutput run = mlf("run -j2 --threads 1 --no-fuse -p epochs=1 branches.mlflow");
  ASSERT_EQ(run.exit_code, 0) << run.text;
  std::string id = test_support::printed_run_id(run.text);
  RunRecord original = record(id);
  EXPECT_FALSE(original.options.fuse);
  ASSERT_TRUE(original.environment.count("blas")) << "the backend's facts are recorded";

  // A different BLAS and thread count in the record: named field by field, digests still match.
  RunRecord doctored = original;
  doctored.environment["blas"] = "/nonexistent/libblas-of-the-record.so.3";
  doctored.environment["intra_op_threads"] = "97";
  write_record(doctored);
  CliOutput replay = mlf("replay -j2 --no-fuse " + id.substr(0, 20));
  EXPECT_EQ(replay.exit_code, 0) << replay.text;
  EXPECT_NE(replay.text.find("blas: /nonexistent/libblas-of-the-record.so.3 → " + original.environment.at("blas")),
            std::string::npos)
      << replay.text;
  EXPECT_NE(replay.text.find("intra_op_threads: 97 → " + original.environment.at("intra_op_threads")),
            std::string::npos)
      << replay.text;
  EXPECT_EQ(replay.text.find("libtorch:"), std::string::npos) << "an unchanged field: " << replay.text;
  EXPECT_NE(replay.text.find("every output matches"), std::string::npos) << replay.text;

  // Doctored digests: the first in plan order is named, with both digests.
  doctored = original;
  std::string fake_weights(64, 'a'), fake_predictions(64, 'b');
  node(doctored, "fit_wide").outputs["weights"] = fake_weights;
  node(doctored, "score_small").outputs["predictions"] = fake_predictions;
  write_record(doctored);
  const NodeRecord* first = nullptr;
  for (const auto& n : doctored.nodes)
    if (!first && (n.label == "fit_wide" || n.label == "score_small")) first = &n;
  ASSERT_NE(first, nullptr);
  std::string output = first->label == "fit_wide" ? "weights" : "predictions";
  CliOutput diverged = mlf("replay " + id);
  EXPECT_EQ(diverged.exit_code, 1) << diverged.text;
  EXPECT_NE(diverged.text.find("DIVERGED at `" + first->label + "`"), std::string::npos) << diverged.text;
  EXPECT_NE(diverged.text.find("recorded " + first->outputs.at(output)), std::string::npos) << diverged.text;
  EXPECT_NE(diverged.text.find("replayed " + node(original, first->label).outputs.at(output)),
            std::string::npos)
      << diverged.text;
  EXPECT_NE(diverged.text.find("2 output(s) differ"), std::string::npos) << diverged.text;
}

TEST(RunCommandLine, JobsAndThreadsMustBeCounts) {
  ScratchDir dir;
  dir.write("p.mlflow", "pipeline p\n");
  std::string mlf = test_support::mlf_binary() + " ";
  for (const char* args : {"run -j0 ", "run --jobs x ", "run --threads 0 "}) {
    CliOutput out = test_support::run_command(mlf + args + dir.path("p.mlflow"));
    EXPECT_EQ(out.exit_code, 2) << args << out.text;
    EXPECT_NE(out.text.find("at least 1"), std::string::npos) << args << out.text;
  }
  CliOutput replay = test_support::run_command(mlf + "replay -j0 --store " + dir.path("s") + " 2026");
  EXPECT_EQ(replay.exit_code, 2) << replay.text;
}

}  // namespace
}  // namespace mlf
