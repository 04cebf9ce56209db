// Faults a store meets in real use, driven through the `mlf` binary on small CSV pipelines:
// a run killed with SIGKILL in the middle of training, a flipped byte and a truncated object,
// two runs of one pipeline at once on one store, and a full disk (injected with the
// LD_PRELOAD shim tests/shims/full_disk_shim.cpp). The store's own mechanisms are tested
// one by one in store_faults_test.cpp; these check that the executor and the commands keep
// the store's promises. Needs the LibTorch backend module beside the binary.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "runtime/record/run_record.h"
#include "runtime/store/object_store.h"
#include "tests/unit/scratch_dir.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using mlf::runtime::NodeRecord;
using mlf::runtime::RunRecord;
using mlf::test_support::ScratchDir;

struct Output {
  int exit_code = -1;  // 128 + signal when killed
  std::string text;    // stdout and stderr together
};

// A child process with its stdout and stderr on one pipe.
class Child {
 public:
  // `env` entries ("NAME=value") are added to this process's environment.
  Child(const std::vector<std::string>& argv, const std::vector<std::string>& env = {}) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
    std::vector<std::string> environment(env);
    for (char** e = environ; *e; ++e) environment.emplace_back(*e);
    std::vector<char*> args, envp;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    for (const auto& e : environment) envp.push_back(const_cast<char*>(e.c_str()));
    args.push_back(nullptr);
    envp.push_back(nullptr);
    if (posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), envp.data()) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    read_fd_ = fds[0];
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      wait();
    }
    if (read_fd_ >= 0) ::close(read_fd_);
  }

  bool started() const { return pid_ > 0; }

  // The next line of output (without its newline); false at the end of the output.
  bool next_line(std::string& line) {
    for (;;) {
      if (auto end = pending_.find('\n'); end != std::string::npos) {
        line = pending_.substr(0, end);
        pending_.erase(0, end + 1);
        return true;
      }
      char buffer[4096];
      ssize_t n = ::read(read_fd_, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        line = std::move(pending_);
        pending_.clear();
        return !line.empty();
      }
      pending_.append(buffer, static_cast<std::size_t>(n));
      text_.append(buffer, static_cast<std::size_t>(n));
    }
  }

  void kill_hard() {
    if (pid_ > 0) ::kill(pid_, SIGKILL);
  }

  // Reads the rest of the output and waits for the exit.
  Output finish() {
    std::string line;
    while (next_line(line)) {
    }
    Output out;
    out.text = text_;
    out.exit_code = wait();
    return out;
  }

 private:
  int wait() {
    if (pid_ <= 0) return exit_code_;
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return exit_code_;
  }

  pid_t pid_ = -1;
  int read_fd_ = -1;
  int exit_code_ = -1;
  std::string pending_, text_;
};

Output run(const std::vector<std::string>& argv, const std::vector<std::string>& env = {}) {
  Child child(argv, env);
  return child.finish();
}

// Two well separated classes in two features.
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

// fit + score on the points; `epochs` and `eval_batch` can be overridden to make one stage
// rerun while the other stays cached.
constexpr const char* kSmallPipeline = R"(pipeline faults
seed 3
param epochs: int = 2
param eval_batch: int = 64
dataset all = csv("points.csv", label: "label")
dataset train = split(all, fraction: 0.75)
dataset test = split(all, fraction: 0.75, part: "second")
model mlp = sequential [ linear(out: 8), relu, linear(out: 2) ]
stage fit = train(mlp, data: train, loss: cross_entropy, optimizer: adam(lr: 0.05),
                  epochs: epochs, batch: 16)
stage score = evaluate(fit, data: test, metrics: [accuracy, loss], batch: eval_batch)
expect score.accuracy >= 0.9
)";

// A quick first stage and a slow second one: the plan orders nodes by depth, and `slow`
// trains on a dataset two ops deeper, so with -j 1 `quick` and `quick_score` finish first.
constexpr const char* kTwoStagePipeline = R"(pipeline killed
seed 4
dataset all = csv("points.csv", label: "label")
dataset train = split(all, fraction: 0.75)
dataset test = split(all, fraction: 0.75, part: "second")
dataset mixed = shuffle(train)
dataset most = take(mixed, n: 160)
model mlp = sequential [ linear(out: 8), relu, linear(out: 2) ]
stage quick = train(mlp, data: train, loss: cross_entropy, optimizer: adam(lr: 0.05),
                    epochs: 2, batch: 16)
stage quick_score = evaluate(quick, data: test, metrics: [accuracy])
stage slow = train(mlp, data: most, loss: cross_entropy, optimizer: sgd(lr: 0.01),
                   epochs: 150, batch: 2)
stage slow_score = evaluate(slow, data: test, metrics: [accuracy])
expect quick_score.accuracy >= 0.9
)";

class CliFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(fs::path(MLF_BINARY).parent_path() / "mlf_torch_backend.so"))
      GTEST_SKIP() << "the LibTorch backend is not built";
    dir_.write("points.csv", points_csv());
    dir_.write("mlflow.toml", "");  // the project root, and its store, is this folder
  }

  std::string use_pipeline(const std::string& text) {
    file_ = dir_.write("pipeline.mlflow", text);
    return file_;
  }

  std::string store() const { return dir_.store().string(); }

  // `mlf run` of the pipeline with one training thread and any extra arguments.
  std::vector<std::string> run_command(const std::vector<std::string>& extra = {}) const {
    std::vector<std::string> argv = {MLF_BINARY, "run", "--color", "never", "--threads", "1"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(file_);
    return argv;
  }

  Output verify(const std::string& store_root) const {
    return run({MLF_BINARY, "verify", "--store", store_root});
  }

  std::set<std::string> run_ids() const {
    std::set<std::string> ids;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir_.store() / "runs", ec))
      ids.insert(e.path().stem().string());
    return ids;
  }

  // The records of the runs that are not in `before`.
  std::vector<RunRecord> new_runs(const std::set<std::string>& before) const {
    std::vector<RunRecord> records;
    for (const auto& id : run_ids()) {
      if (before.count(id)) continue;
      std::ifstream in(dir_.store() / "runs" / (id + ".toml"));
      std::stringstream text;
      text << in.rdbuf();
      RunRecord record;
      std::string error;
      EXPECT_TRUE(mlf::runtime::parse_run_record(text.str(), record, error)) << id << ": " << error;
      records.push_back(std::move(record));
    }
    return records;
  }

  // Runs the pipeline, expecting success, and returns its record (and its output).
  RunRecord run_ok(const std::vector<std::string>& extra = {}, Output* output = nullptr) {
    auto before = run_ids();
    Output out = run(run_command(extra));
    EXPECT_EQ(out.exit_code, 0) << out.text;
    if (output) *output = out;
    auto records = new_runs(before);
    if (records.size() != 1) {
      ADD_FAILURE() << "expected one new run record, found " << records.size() << "\n" << out.text;
      return {};
    }
    return records.front();
  }

  static const NodeRecord* node(const RunRecord& record, const std::string& label) {
    for (const auto& n : record.nodes)
      if (n.label == label) return &n;
    ADD_FAILURE() << "the run record has no node `" << label << "`";
    return nullptr;
  }

  // The object file of output `output` of node `label`.
  fs::path object_file(const RunRecord& record, const std::string& label, const std::string& output) {
    const NodeRecord* n = node(record, label);
    if (!n || !n->outputs.count(output)) {
      ADD_FAILURE() << "`" << label << "` has no output `" << output << "`";
      return {};
    }
    const std::string& hex = n->outputs.at(output);
    return dir_.store() / "objects" / hex.substr(0, 2) / hex.substr(2);
  }

  // Every file under objects/ is named by a digest, and verify finds nothing wrong.
  void expect_store_clean(const std::string& when) {
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(dir_.store() / "objects", ec)) {
      if (e.is_directory()) continue;
      std::string name = e.path().parent_path().filename().string() + e.path().filename().string();
      EXPECT_EQ(name.size(), 64u) << when << ": a file under objects/ is not an object: " << e.path();
    }
    Output clean = verify(store());
    EXPECT_EQ(clean.exit_code, 0) << when << ":\n" << clean.text;
  }

  // A copy of the store, so that verify (which quarantines) leaves the original as it is.
  std::string copy_of_store() const {
    fs::path copy = fs::path(dir_.root()) / "store-copy";
    fs::remove_all(copy);
    fs::copy(dir_.store(), copy, fs::copy_options::recursive);
    return copy.string();
  }

  bool quarantined(const std::string& hex) const {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir_.store() / "quarantine", ec))
      if (e.path().filename().string().rfind(hex, 0) == 0) return true;
    return false;
  }

  ScratchDir dir_;
  std::string file_;
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A line of output that mentions both `a` and `b`.
bool has_line_with(const std::string& text, const std::string& a, const std::string& b) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line))
    if (contains(line, a) && contains(line, b)) return true;
  return false;
}

TEST_F(CliFaultTest, KilledDuringTrainingKeepsFinishedStagesAndLeavesTheStoreClean) {
  use_pipeline(kTwoStagePipeline);
  Child child(run_command({"-j", "1"}));  // one stage at a time, in plan order
  ASSERT_TRUE(child.started());
  // Kill once `slow` reports its first epoch: `quick` has finished by then, `slow` is training.
  std::string line, seen;
  bool training = false;
  while (child.next_line(line)) {
    seen += line + "\n";
    if (contains(line, "slow") && contains(line, "epoch")) {
      training = true;
      break;
    }
  }
  child.kill_hard();
  Output killed = child.finish();
  ASSERT_TRUE(training) << "the run ended before `slow` trained:\n" << seen << killed.text;
  EXPECT_EQ(killed.exit_code, 128 + SIGKILL) << killed.text;
  EXPECT_TRUE(run_ids().empty()) << "a killed run must leave no run record";

  // Nothing half-written is visible as an object, right after the kill.
  expect_store_clean("after the kill");

  RunRecord rerun = run_ok();
  const NodeRecord* quick = node(rerun, "quick");
  const NodeRecord* quick_score = node(rerun, "quick_score");
  const NodeRecord* slow = node(rerun, "slow");
  ASSERT_TRUE(quick && quick_score && slow);
  EXPECT_EQ(quick->status, "cached");
  EXPECT_EQ(quick_score->status, "cached");
  EXPECT_EQ(slow->status, "ran");
  EXPECT_EQ(rerun.status, "ok");
  expect_store_clean("after the rerun");
}

TEST_F(CliFaultTest, FlippedByteIsFoundQuarantinedAndItsProducerRerun) {
  use_pipeline(kSmallPipeline);
  RunRecord first = run_ok();
  fs::path weights = object_file(first, "fit", "weights");
  ASSERT_FALSE(weights.empty());
  const std::string hex = node(first, "fit")->outputs.at("weights");
  {
    fs::permissions(weights, fs::perms::owner_write, fs::perm_options::add);
    std::fstream io(weights, std::ios::in | std::ios::out | std::ios::binary);
    io.seekg(0, std::ios::end);
    std::streamoff middle = io.tellg() / 2;
    char c = 0;
    io.seekg(middle);
    io.read(&c, 1);
    c = static_cast<char>(c ^ 0x10);
    io.seekp(middle);
    io.write(&c, 1);
  }

  Output found = verify(copy_of_store());
  EXPECT_NE(found.exit_code, 0) << found.text;
  EXPECT_TRUE(contains(found.text, hex)) << found.text;

  // A run that needs the weights (a changed evaluation) finds them corrupt, trains `fit`
  // again and succeeds.
  Output out;
  RunRecord second = run_ok({"-p", "eval_batch=32"}, &out);
  EXPECT_TRUE(has_line_with(out.text, hex, "corrupt")) << "no message names the object:\n" << out.text;
  EXPECT_EQ(second.status, "ok");
  EXPECT_TRUE(quarantined(hex)) << "the corrupt object was not moved to quarantine/";
  const NodeRecord* fit = node(second, "fit");
  ASSERT_TRUE(fit);
  EXPECT_EQ(fit->status, "ran");
  EXPECT_EQ(fit->outputs.at("weights"), hex) << "training again gives the same weights";
  EXPECT_TRUE(fs::exists(weights)) << "the weights were not stored again";
  expect_store_clean("after the repair");
}

TEST_F(CliFaultTest, TruncatedObjectIsFoundQuarantinedAndItsProducerRerun) {
  use_pipeline(kSmallPipeline);
  RunRecord first = run_ok();
  // The training split, materialised: read again by `fit` once `fit` must run again.
  const NodeRecord* train = node(first, "train");
  ASSERT_TRUE(train && train->outputs.count("data")) << "the split was not stored";
  const std::string hex = train->outputs.at("data");
  fs::path object = object_file(first, "train", "data");
  auto size = fs::file_size(object);
  ASSERT_GT(size, 16u);
  fs::resize_file(object, size / 2);

  Output found = verify(copy_of_store());
  EXPECT_NE(found.exit_code, 0) << found.text;
  EXPECT_TRUE(contains(found.text, hex)) << found.text;

  Output out;
  RunRecord second = run_ok({"-p", "epochs=3"}, &out);
  EXPECT_TRUE(has_line_with(out.text, hex, "corrupt")) << "no message names the object:\n" << out.text;
  EXPECT_TRUE(quarantined(hex)) << "the corrupt object was not moved to quarantine/";
  EXPECT_EQ(second.status, "ok");
  // Computed again, the split has the same bytes, so the same digest: the object is back.
  EXPECT_EQ(fs::file_size(object), size) << "the split's object was not stored again";
  const NodeRecord* again = node(second, "train");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->outputs.at("data"), hex);
  expect_store_clean("after the repair");
}

TEST_F(CliFaultTest, TwoConcurrentRunsAgreeOnEveryDigest) {
  use_pipeline(kSmallPipeline);
  auto before = run_ids();
  auto first = std::async(std::launch::async, [&] { return run(run_command()); });
  auto second = std::async(std::launch::async, [&] { return run(run_command()); });
  Output a = first.get(), b = second.get();
  EXPECT_EQ(a.exit_code, 0) << a.text;
  EXPECT_EQ(b.exit_code, 0) << b.text;
  auto records = new_runs(before);
  ASSERT_EQ(records.size(), 2u);
  for (const auto& record : records) EXPECT_EQ(record.status, "ok");
  std::map<std::string, std::map<std::string, std::string>> outputs;
  for (const auto& n : records[0].nodes) outputs[n.id] = n.outputs;
  std::size_t compared = 0;
  for (const auto& n : records[1].nodes) {
    ASSERT_TRUE(outputs.count(n.id)) << n.label;
    for (const auto& [name, digest] : n.outputs) {
      if (!outputs[n.id].count(name)) continue;
      EXPECT_EQ(outputs[n.id][name], digest) << n.label << "." << name;
      ++compared;
    }
  }
  EXPECT_GE(compared, 2u) << "the records share no outputs to compare";
  for (const char* stage : {"fit", "score"})
    for (const auto& record : records) EXPECT_FALSE(node(record, stage)->outputs.empty()) << stage;
  expect_store_clean("after two concurrent runs");

  // And the result is the one a third, cached run sees.
  RunRecord third = run_ok();
  EXPECT_EQ(node(third, "fit")->status, "cached");
  EXPECT_EQ(node(third, "fit")->outputs, node(records[0], "fit")->outputs);
}

// The files a run writes into the store, in order, with their sizes: from the shim's log
// of a run on a disk with room to spare. Consecutive writes to one file are one entry.
std::vector<std::pair<std::string, long long>> files_written(const std::string& log) {
  std::vector<std::pair<std::string, long long>> files;
  std::ifstream in(log);
  long long bytes = 0;
  std::string path;
  while (in >> bytes && std::getline(in >> std::ws, path)) {
    if (!files.empty() && files.back().first == path) files.back().second += bytes;
    else files.emplace_back(path, bytes);
  }
  return files;
}

// What a store must look like whatever failed: every result record names objects that are
// there, and no stage's result is missing one of its outputs.
void expect_results_whole(const fs::path& store, const std::string& when) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(store / "results", ec)) {
    toml::table result;
    try {
      result = toml::parse_file(e.path().string());
    } catch (const toml::parse_error& error) {
      ADD_FAILURE() << when << ": " << e.path() << " does not parse: " << error.description();
      continue;
    }
    std::string kind = result["kind"].value_or(std::string());
    std::set<std::string> names;
    if (const auto* outputs = result["outputs"].as_table()) {
      for (const auto& [name, value] : *outputs) {
        names.insert(std::string(name.str()));
        std::string hex = value.value_or(std::string());
        EXPECT_TRUE(hex.size() == 64 && fs::exists(store / "objects" / hex.substr(0, 2) / hex.substr(2)))
            << when << ": " << e.path().filename() << " names a missing object " << hex;
      }
    }
    bool whole = kind == "train"      ? names.count("weights") && names.count("log")
                 : kind == "evaluate" ? names.count("predictions") > 0
                                      : names.count("data") > 0;
    EXPECT_TRUE(whole) << when << ": the result of a " << kind << " node lacks an output: "
                       << e.path().filename();
  }
}

TEST_F(CliFaultTest, FullDiskAnywhereFailsClearlyAndLeavesNothingPartial) {
  use_pipeline(kSmallPipeline);
  const fs::path store_path = dir_.store();
  // The store's folders exist before the disk fills (verify only reads: open it to create it).
  auto create_store = [&] { return mlf::runtime::ObjectStore::open(store_path).ok(); };
  ASSERT_TRUE(create_store());
  const std::string store_dir = fs::canonical(store_path).string();
  auto shim = [&](long long budget, const std::string& log) {
    std::vector<std::string> env = {"LD_PRELOAD=" MLF_FULL_DISK_SHIM, "MLF_FULL_DISK_DIR=" + store_dir,
                                    "MLF_FULL_DISK_BYTES=" + std::to_string(budget)};
    if (!log.empty()) env.push_back("MLF_FULL_DISK_LOG=" + log);
    return env;
  };

  // Where the writes of a run on an empty store fall.
  const std::string log = dir_.path("writes.log");
  Output roomy = run(run_command(), shim(1LL << 40, log));
  ASSERT_EQ(roomy.exit_code, 0) << roomy.text;
  auto files = files_written(log);
  ASSERT_GE(files.size(), 8u) << "the shim saw too few writes: is it preloaded?";

  // The last file a run writes is the memo of the run (compiler/driver/cached_run.h), a
  // cache written after the record: the run has happened when it fails.
  std::vector<fs::path> memos;
  for (const auto& e : fs::directory_iterator(store_path / "memo")) memos.push_back(e.path());
  ASSERT_EQ(memos.size(), 1u);
  ASSERT_EQ(static_cast<long long>(fs::file_size(memos[0])), files.back().second)
      << "the last file written is not the memo";

  // The disk fills before the first byte, then in the middle of each file in turn: the
  // plan, every object and result record, the run record, the memo.
  std::vector<long long> budgets = {0};
  long long before = 0;
  for (const auto& [path, bytes] : files) {
    budgets.push_back(before + bytes / 2);
    before += bytes;
  }
  const long long in_memo = budgets.back();
  // The last one leaves the store half filled, for the recovery below.
  std::swap(budgets[budgets.size() / 2], budgets.back());
  for (long long budget : budgets) {
    const std::string when = "disk full after " + std::to_string(budget) + " bytes";
    fs::remove_all(store_path);
    ASSERT_TRUE(create_store());
    Output full = run(run_command(), shim(budget, ""));
    const char* severity = budget == in_memo ? "warning" : "error";
    EXPECT_EQ(full.exit_code, budget == in_memo ? 0 : 1) << when << ":\n" << full.text;
    EXPECT_TRUE(has_line_with(full.text, severity, store_dir)) << when << ": no " << severity
                                                                << " names the store:\n" << full.text;
    EXPECT_TRUE(contains(full.text, "no space left on device")) << when << ":\n" << full.text;
    EXPECT_FALSE(contains(full.text, "bug in mlf")) << when << ":\n" << full.text;
    // The cause first: a run record that cannot be written is reported after the error that
    // stopped the run (on a full disk, usually the cause of both), never before it.
    const auto record_error = full.text.find("error: cannot write the run record");
    if (record_error != std::string::npos)
      EXPECT_EQ(full.text.find("error: ", record_error + 1), std::string::npos)
          << when << ": the run's own error follows the run record's:\n" << full.text;
    // Every failed write removed its temp file; nothing partial is anywhere in the store.
    std::error_code ec;
    EXPECT_TRUE(fs::is_empty(store_path / "tmp", ec)) << when << ": temp files left in tmp/";
    EXPECT_TRUE(!fs::exists(store_path / "memo") || fs::is_empty(store_path / "memo", ec))
        << when << ": a memo was kept";
    expect_results_whole(store_path, when);
    expect_store_clean(when);
  }

  // Space is back (on the store the last full disk left): the run succeeds, and a cached run
  // after it agrees.
  RunRecord again = run_ok();
  EXPECT_EQ(again.status, "ok");
  expect_results_whole(store_path, "after the rerun");
  expect_store_clean("after the rerun");
  RunRecord cached = run_ok();
  EXPECT_EQ(node(cached, "fit")->status, "cached");
  EXPECT_EQ(node(cached, "fit")->outputs, node(again, "fit")->outputs);
}

}  // namespace
