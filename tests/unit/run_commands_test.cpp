// The run-side commands end to end through the `mlf` binary, on small generated CSV
// pipelines: `run -j N`, Ctrl-C during training, `compare`, `lineage`, `replay` against
// doctored run records (rewritten through the store, as a forger would), a replay on a full
// disk, in a copied project and with changed data, and `--no-fuse`. Needs the LibTorch
// backend module beside the binary.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "compiler/hash/sha256.h"
#include "compiler/sema/value.h"
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
  // Records are read and written through the store, as mlf does: a doctored record is then
  // one the store accepts as its own (a forgery, not a damaged file).
  RunRecord record(const std::string& id, const std::string& store = ".mlf") {
    auto opened = runtime::ObjectStore::open(dir_.path(store));
    EXPECT_TRUE(opened.ok());
    RunRecord r;
    if (!opened.ok()) return r;
    auto text = opened.value().read_text("runs/" + id + ".toml");
    EXPECT_TRUE(text.ok()) << id << ": " << (text.ok() ? "" : text.error().message);
    std::string error;
    EXPECT_TRUE(text.ok() && runtime::parse_run_record(text.value(), r, error)) << error;
    return r;
  }
  // A doctored record, sealed as mlf seals what it writes (an unsealed one is damaged).
  void write_record(const RunRecord& r) {
    auto opened = runtime::ObjectStore::open(dir_.store());
    ASSERT_TRUE(opened.ok());
    auto written = opened.value().write_text("runs/" + r.id + ".toml", runtime::render_run_record(r));
    ASSERT_TRUE(written.ok()) << written.error().message;
  }
  std::size_t records_in(const std::string& store = ".mlf") {
    std::size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir_.path(store + "/runs")))
      n += e.path().extension() == ".toml";
    return n;
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
  EXPECT_NE(replay.text.find("every recorded value matches"), std::string::npos) << replay.text;

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

// Whether a replay's output names a divergence of `what` (`metric \`loss\``, `gate \`...\``)
// at `node` with both values: in detail when it is the first, on an `also` line otherwise.
bool names_divergence(const std::string& text, const NodeRecord& node, const std::string& what,
                      const std::string& recorded, const std::string& replayed) {
  const std::string where = "`" + node.label + "` (" + node.kind + ", node " + node.id.substr(0, 12) + ") " + what;
  return text.find("DIVERGED at " + where + ":\n  recorded " + recorded + "\n  replayed " + replayed + "\n") !=
             std::string::npos ||
         text.find("  also " + where + ": recorded " + recorded + ", replayed " + replayed + "\n") != std::string::npos;
}

// The reproducer: `accuracy = 1.0` edited to 0.5 in a record, which `show`, `compare` and
// `report` print as recorded; a replay must refuse it. Likewise a training loss, a metric
// the record invents or leaves out, and a gate's value.
TEST_F(RunCommands, ReplayComparesEveryRecordedMetricAndGateBitForBit) {
  dir_.write("gated.mlflow", std::string(kBranches) + "expect score_small.accuracy >= 0.0\n");
  CliOutput run = mlf("run --threads 1 --no-fuse -p epochs=1 gated.mlflow");
  ASSERT_EQ(run.exit_code, 0) << run.text;
  std::string id = test_support::printed_run_id(run.text);
  RunRecord original = record(id);
  ASSERT_EQ(original.gates.size(), 1u);
  ASSERT_TRUE(original.gates[0].value.has_value());
  const double accuracy = node(original, "score_small").metrics.at("accuracy");
  const double final_loss = node(original, "fit_wide").metrics.at("final_loss");
  ASSERT_NE(accuracy, 0.5);

  // Only the accuracy, as in the reproducer.
  RunRecord doctored = original;
  node(doctored, "score_small").metrics["accuracy"] = 0.5;
  write_record(doctored);
  CliOutput one = mlf("replay " + id);
  EXPECT_EQ(one.exit_code, 1) << one.text;
  EXPECT_NE(one.text.find("DIVERGED at `score_small` (evaluate, node " + node(original, "score_small").id.substr(0, 12) +
                          ") metric `accuracy`:\n  recorded 0.5\n  replayed " + canonical_float(accuracy) + "\n"),
            std::string::npos)
      << one.text;
  EXPECT_EQ(one.text.find("  also "), std::string::npos) << "one divergence: " << one.text;
  // The gate on it was recorded with the true accuracy: it matches, and only the metric differs.
  EXPECT_NE(one.text.find(": 1 metric(s) differ from run " + id), std::string::npos) << one.text;
  EXPECT_EQ(one.text.find("every recorded value matches"), std::string::npos) << one.text;
  std::string replay_id = test_support::printed_run_id(one.text);
  EXPECT_TRUE(replay_id.empty()) << "a diverged replay prints no id on stdout: " << one.text;

  // Several at once: each named with both values, plan order, the gate last.
  doctored = original;
  node(doctored, "fit_wide").metrics["final_loss"] = final_loss * 2;
  node(doctored, "score_small").metrics.erase("loss");
  node(doctored, "score_wide").metrics["precision"] = 1.0;
  doctored.gates[0].value = 0.25;
  write_record(doctored);
  std::size_t before = records_in();
  CliOutput many = mlf("replay " + id);
  EXPECT_EQ(many.exit_code, 1) << many.text;
  EXPECT_TRUE(names_divergence(many.text, node(original, "fit_wide"), "metric `final_loss`",
                               canonical_float(final_loss * 2), canonical_float(final_loss)))
      << many.text;
  EXPECT_TRUE(names_divergence(many.text, node(original, "score_small"), "metric `loss`", "(not recorded)",
                               canonical_float(node(original, "score_small").metrics.at("loss"))))
      << many.text;
  EXPECT_TRUE(names_divergence(many.text, node(original, "score_wide"), "metric `precision`", "1.0", "(not produced)"))
      << many.text;
  EXPECT_NE(many.text.find("  also `score_small` (evaluate, node " + node(original, "score_small").id.substr(0, 12) +
                           ") gate `score_small.accuracy >= 0.0`: recorded 0.25, passed, replayed " +
                           canonical_float(*original.gates[0].value) + ", passed\n"),
            std::string::npos)
      << "the gate comes last: " << many.text;
  EXPECT_NE(many.text.find("3 metric(s) and 1 gate(s) differ"), std::string::npos) << many.text;

  // The replay is recorded as diverged.
  ASSERT_EQ(records_in(), before + 1);
  auto opened = runtime::ObjectStore::open(dir_.store());
  ASSERT_TRUE(opened.ok());
  auto names = opened.value().list_text("runs");
  ASSERT_TRUE(names.ok());
  RunRecord replay = record(names.value().back().substr(0, names.value().back().size() - 5));
  EXPECT_EQ(replay.kind, "replay");
  EXPECT_EQ(replay.replay_of, id);
  EXPECT_EQ(replay.status, "diverged");

  // The honest record replays clean, every metric and the gate compared.
  write_record(original);
  CliOutput clean = mlf("replay " + id);
  EXPECT_EQ(clean.exit_code, 0) << clean.text;
  EXPECT_NE(clean.text.find("every recorded value matches run " + id + " (11 output digests, 6 metrics, 1 gate)"),
            std::string::npos)
      << clean.text;
}

// The replay record is written last; a replay whose record cannot be written says so and
// fails, like a run (the disk fills in the middle of it: tests/shims/full_disk_shim.cpp).
TEST_F(RunCommands, AReplayWhoseRecordCannotBeWrittenFails) {
  dir_.write("branches.mlflow", kBranches);
  CliOutput run = mlf("run --threads 1 --no-fuse -p epochs=1 branches.mlflow");
  ASSERT_EQ(run.exit_code, 0) << run.text;
  std::string id = test_support::printed_run_id(run.text);
  const std::string store_dir = std::filesystem::canonical(dir_.store()).string();
  auto replay_on_disk_with = [&](long long bytes, const std::string& log) {
    return test_support::run_command("cd " + dir_.root() + " && LD_PRELOAD=" MLF_FULL_DISK_SHIM
                                     " MLF_FULL_DISK_DIR=" + store_dir + " MLF_FULL_DISK_BYTES=" +
                                     std::to_string(bytes) + (log.empty() ? "" : " MLF_FULL_DISK_LOG=" + log) + " " +
                                     test_support::mlf_binary() + " replay --no-fuse " + id);
  };

  // Where a replay's writes fall: the last file it writes is its record.
  const std::string log = dir_.path("writes.log");
  CliOutput roomy = replay_on_disk_with(1LL << 40, log);
  ASSERT_EQ(roomy.exit_code, 0) << roomy.text;
  std::ifstream in(log);
  long long bytes = 0, before_last = 0, last = 0;
  std::string path, last_path;
  while (in >> bytes && std::getline(in >> std::ws, path)) {
    if (path != last_path) {
      before_last += last;
      last = 0;
      last_path = path;
    }
    last += bytes;
  }
  ASSERT_GT(last, 1000) << "the shim saw no record written: is it preloaded?";

  // The disk fills halfway through the replay's record.
  std::size_t records = records_in();
  CliOutput full = replay_on_disk_with(before_last + last / 2, "");
  EXPECT_EQ(full.exit_code, 1) << full.text;
  EXPECT_NE(full.text.find("error: cannot write the replay record: "), std::string::npos) << full.text;
  EXPECT_NE(full.text.find("no space left on device"), std::string::npos) << full.text;
  EXPECT_EQ(records_in(), records) << "no partial record is left";
  EXPECT_TRUE(std::filesystem::is_empty(dir_.store() / "tmp")) << "no temp file is left";
  EXPECT_TRUE(test_support::printed_run_id(full.text).empty()) << "no id of a record that is not there";
}

// A replay that fails before LibTorch loads (the data changed) lists no LibTorch fact as
// changed, and says the run can only be replayed with its data, naming the file and both
// digests, not to rebuild.
TEST_F(RunCommands, AReplayWithChangedDataSaysSoAndListsNoUnrecordedFacts) {
  dir_.write("branches.mlflow", kBranches);
  CliOutput run = mlf("run --threads 1 -p epochs=1 branches.mlflow");
  ASSERT_EQ(run.exit_code, 0) << run.text;
  std::string id = test_support::printed_run_id(run.text);
  const std::string recorded_digest = Sha256::of(csv_).hex();
  const std::string changed = csv_ + "0.5,0.5,yes\n";
  dir_.write("points.csv", changed);

  CliOutput replay = mlf("replay " + id);
  EXPECT_EQ(replay.exit_code, 1) << replay.text;
  EXPECT_NE(replay.text.find("error: the data file `" + std::filesystem::canonical(dir_.path("points.csv")).string() +
                             "` has changed since run " + id + " was recorded: its SHA-256 is " +
                             Sha256::of(changed).hex() + " but the run was made from " + recorded_digest +
                             "; a run can only be replayed with the data it was made from"),
            std::string::npos)
      << replay.text;
  EXPECT_EQ(replay.text.find("mlf build"), std::string::npos) << replay.text;
  EXPECT_EQ(replay.text.find("(not recorded)"), std::string::npos) << replay.text;
  EXPECT_EQ(replay.text.find("DIVERGED"), std::string::npos) << "nothing was replayed to differ: " << replay.text;
}

// A fully cached run is answered from its memo without LibTorch, so its record has none of
// LibTorch's facts. A replay by plan id picks the newest run that has them; a replay of the
// cached run itself compares the facts both have, and its metrics (read back from the
// stages' result records) bit for bit.
TEST_F(RunCommands, AReplayByPlanIdPicksARunThatRecordedTheEnvironment) {
  dir_.write("branches.mlflow", kBranches);
  CliOutput first = mlf("run --threads 1 -p epochs=1 branches.mlflow");
  ASSERT_EQ(first.exit_code, 0) << first.text;
  CliOutput cached = mlf("run --threads 1 -p epochs=1 branches.mlflow");
  ASSERT_EQ(cached.exit_code, 0) << cached.text;
  ASSERT_NE(cached.text.find("0 stages ran, 4 cached"), std::string::npos) << cached.text;
  std::string trained_id = test_support::printed_run_id(first.text);
  std::string cached_id = test_support::printed_run_id(cached.text);
  RunRecord trained = record(trained_id), memo = record(cached_id);
  ASSERT_TRUE(trained.environment.count("libtorch"));
  ASSERT_FALSE(memo.environment.count("libtorch")) << "the cached run did not load LibTorch";
  ASSERT_EQ(trained.plan_id, memo.plan_id);

  CliOutput by_plan = mlf("replay " + trained.plan_id.substr(0, 12));
  EXPECT_EQ(by_plan.exit_code, 0) << by_plan.text;
  EXPECT_NE(by_plan.text.find("replaying run " + trained_id), std::string::npos) << by_plan.text;
  EXPECT_EQ(by_plan.text.find("(not recorded)"), std::string::npos) << by_plan.text;
  EXPECT_EQ(by_plan.text.find("environment differs"), std::string::npos) << by_plan.text;

  CliOutput of_cached = mlf("replay " + cached_id);
  EXPECT_EQ(of_cached.exit_code, 0) << of_cached.text;
  EXPECT_EQ(of_cached.text.find("(not recorded)"), std::string::npos) << of_cached.text;
  EXPECT_NE(of_cached.text.find("every recorded value matches run " + cached_id + " (11 output digests, 6 metrics"),
            std::string::npos)
      << of_cached.text;
}

// "Check a result you were sent": the whole project folder, its store included, copied
// elsewhere replays there, against the copy's data, whatever became of the original.
TEST_F(RunCommands, AReplayResolvesDataInTheProjectItRunsIn) {
  dir_.write("branches.mlflow", kBranches);
  CliOutput run = mlf("run --threads 1 -p epochs=1 branches.mlflow");
  ASSERT_EQ(run.exit_code, 0) << run.text;
  std::string id = test_support::printed_run_id(run.text);
  ScratchDir elsewhere;
  const std::string copy = elsewhere.path("project");
  std::filesystem::copy(dir_.root(), copy, std::filesystem::copy_options::recursive);
  dir_.write("points.csv", "a,b,label\n0.0,0.0,no\n");  // the original's data is not the run's any more

  auto replay_in_copy = [&] {
    return test_support::run_command("cd " + copy + " && " + test_support::mlf_binary() + " replay " + id);
  };
  CliOutput replay = replay_in_copy();
  EXPECT_EQ(replay.exit_code, 0) << replay.text;
  EXPECT_NE(replay.text.find("every recorded value matches run " + id), std::string::npos) << replay.text;

  // And with the original gone.
  std::filesystem::remove_all(dir_.path("points.csv"));
  std::filesystem::remove_all(dir_.store());
  replay = replay_in_copy();
  EXPECT_EQ(replay.exit_code, 0) << replay.text;
  EXPECT_NE(replay.text.find("every recorded value matches run " + id), std::string::npos) << replay.text;
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
