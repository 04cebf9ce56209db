// `mlf run`, cached reruns, replay, verify and a corrupt object, end to end through the CLI on
// a small generated CSV pipeline. Needs the LibTorch backend module beside the binary.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "tests/unit/cli_runner.h"

namespace fs = std::filesystem;

namespace {

using Output = mlf::test_support::CliOutput;

Output run(const std::string& command) { return mlf::test_support::run_command(command); }

class RunEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::path backend = fs::path(MLF_BINARY).parent_path() / "mlf_torch_backend.so";
    if (!fs::exists(backend)) GTEST_SKIP() << "the LibTorch backend is not built";
    dir_ = fs::temp_directory_path() / ("mlf-e2e-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    // Two well separated classes in two features.
    std::ofstream csv(dir_ / "points.csv");
    csv << "a,b,label\n";
    std::mt19937 gen(5);
    std::normal_distribution<double> noise(0.0, 0.3);
    for (int i = 0; i < 240; ++i) {
      int label = i % 2;
      csv << (label ? 1.5 : -1.5) + noise(gen) << "," << (label ? -1.0 : 1.0) + noise(gen) << ","
          << (label ? "yes" : "no") << "\n";
    }
    csv.close();
    std::ofstream(dir_ / "mlflow.toml") << "[params]\nepochs = 4\n";
    std::ofstream(dir_ / "points.mlflow")
        << "pipeline points\nseed 3\nparam epochs: int = 2\n"
           "dataset all = csv(\"points.csv\", label: \"label\")\n"
           "dataset train = split(all, fraction: 0.75)\n"
           "dataset test = split(all, fraction: 0.75, part: \"second\")\n"
           "model mlp = sequential [ linear(out: 8), relu, linear(out: 2) ]\n"
           "stage fit = train(mlp, data: train, loss: cross_entropy, optimizer: adam(lr: 0.05),\n"
           "                  epochs: epochs, batch: 16)\n"
           "stage score = evaluate(fit, data: test, metrics: [accuracy, macro_f1, loss])\n"
           "expect score.accuracy >= 0.9\n"
           "export fit to \"out/model.pt\"\n";
    mlf_ = std::string(MLF_BINARY) + " ";
    file_ = (dir_ / "points.mlflow").string();
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  std::string last_run_id(const Output& out) {
    std::istringstream lines(out.text);
    std::string line, id;
    while (std::getline(lines, line))
      if (line.size() > 16 && line[8] == 'T' && line.find(' ') == std::string::npos) id = line;
    return id;
  }
  fs::path dir_;
  std::string mlf_, file_;
};

TEST_F(RunEndToEnd, RunsCachesReplaysAndRecoversFromCorruption) {
  Output first = run(mlf_ + "run --threads 1 " + file_);
  ASSERT_EQ(first.exit_code, 0) << first.text;
  EXPECT_NE(first.text.find("2 stages ran, 0 cached"), std::string::npos) << first.text;
  EXPECT_NE(first.text.find("pass  score.accuracy >= 0.9"), std::string::npos) << first.text;
  EXPECT_TRUE(fs::exists(dir_ / "out" / "model.pt"));
  std::string run_id = last_run_id(first);
  ASSERT_FALSE(run_id.empty()) << first.text;

  // Unchanged: nothing runs, and LibTorch is never loaded.
  Output second = run("LD_DEBUG=libs " + mlf_ + "run --threads 1 " + file_);
  ASSERT_EQ(second.exit_code, 0) << second.text;
  EXPECT_NE(second.text.find("0 stages ran, 2 cached"), std::string::npos) << second.text;
  EXPECT_EQ(second.text.find("libtorch"), std::string::npos);

  // A changed param reruns both stages and says why.
  Output third = run(mlf_ + "run --threads 1 -p epochs=5 " + file_);
  ASSERT_EQ(third.exit_code, 0) << third.text;
  EXPECT_NE(third.text.find("argument `epochs` 4 → 5"), std::string::npos) << third.text;

  // Replay of the first run from scratch matches bit for bit.
  Output replay = run("cd " + dir_.string() + " && " + mlf_ + "replay " + run_id);
  EXPECT_EQ(replay.exit_code, 0) << replay.text;
  EXPECT_NE(replay.text.find("every recorded value matches"), std::string::npos) << replay.text;

  // A flipped byte in a stored object is found by verify and the producer runs again.
  fs::path objects = dir_ / ".mlf" / "objects";
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(objects))
    if (e.is_regular_file()) files.push_back(e.path());
  ASSERT_FALSE(files.empty());
  for (const auto& f : files) {
    std::fstream io(f, std::ios::in | std::ios::out | std::ios::binary);
    io.seekg(0, std::ios::end);
    auto size = static_cast<std::streamoff>(io.tellg());
    io.seekp(size / 2);
    char c = 0;
    io.seekg(size / 2);
    io.read(&c, 1);
    c = static_cast<char>(c ^ 0x5a);
    io.seekp(size / 2);
    io.write(&c, 1);
  }
  Output verify = run("cd " + dir_.string() + " && " + mlf_ + "verify");
  EXPECT_EQ(verify.exit_code, 1) << verify.text;
  EXPECT_NE(verify.text.find("corrupt"), std::string::npos) << verify.text;
  Output rerun = run(mlf_ + "run --threads 1 " + file_);
  EXPECT_EQ(rerun.exit_code, 0) << rerun.text;
  EXPECT_NE(rerun.text.find("2 stages ran"), std::string::npos) << rerun.text;
  Output clean = run("cd " + dir_.string() + " && " + mlf_ + "verify");
  EXPECT_EQ(clean.exit_code, 0) << clean.text;

  Output runs = run("cd " + dir_.string() + " && " + mlf_ + "runs");
  EXPECT_EQ(runs.exit_code, 0);
  EXPECT_NE(runs.text.find(run_id), std::string::npos) << runs.text;
}

}  // namespace
