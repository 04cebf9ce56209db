// How sources are read, end to end through the `mlf` binary: only regular files, the size
// limit checked before reading, and import chains of any depth. Every child runs under a
// deadline (and, where a wrong reader would fill memory, a memory limit), so a regression
// fails these tests instead of hanging them.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "compiler/source/source_reader.h"
#include "tests/unit/cli_runner.h"
#include "tests/unit/scratch_dir.h"

namespace {

namespace fs = std::filesystem;
using mlf::test_support::CliOutput;
using mlf::test_support::run_command;
using mlf::test_support::ScratchDir;

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// `mlf ARGS` in `folder`, killed after `seconds`, with `limits` (shell `ulimit` options such
// as "-v 1048576") applied to it.
CliOutput run_mlf(const std::string& folder, const std::string& args, int seconds = 30,
                  const std::string& limits = "") {
  std::string inner = (limits.empty() ? "" : "ulimit " + limits + " && ") + "exec " +
                      quote(mlf::test_support::mlf_binary()) + " " + args;
  return run_command("cd " + quote(folder) + " && NO_COLOR=1 timeout -s KILL " +
                     std::to_string(seconds) + " sh -c " + quote(inner) + " </dev/null");
}

constexpr int kKilled = 128 + 9;

TEST(SourceReading, AnImportedFifoIsRefusedWithoutBlocking) {
  ScratchDir dir;
  ASSERT_EQ(::mkfifo(dir.path("f").c_str(), 0600), 0);
  dir.write("main.mlflow", "import \"f\"\n");
  CliOutput out = run_mlf(dir.root(), "check --color=never main.mlflow", 20);
  ASSERT_NE(out.exit_code, kKilled) << "mlf blocked opening the FIFO";
  EXPECT_EQ(out.exit_code, 1) << out.text;
  EXPECT_NE(out.text.find("error[MLF0209]: cannot read the imported file `f`"), std::string::npos)
      << out.text;
  EXPECT_NE(out.text.find("a FIFO, not a regular file"), std::string::npos) << out.text;
  EXPECT_NE(out.text.find("main.mlflow:1:8"), std::string::npos) << out.text;  // the import's span
}

TEST(SourceReading, AFifoGivenAsTheMainFileIsRefusedWithoutBlocking) {
  ScratchDir dir;
  ASSERT_EQ(::mkfifo(dir.path("f.mlflow").c_str(), 0600), 0);
  for (const char* command : {"check", "fmt"}) {
    CliOutput out = run_mlf(dir.root(), std::string(command) + " --color=never f.mlflow", 20);
    ASSERT_NE(out.exit_code, kKilled) << command << " blocked opening the FIFO";
    EXPECT_EQ(out.exit_code, 1) << command << ": " << out.text;
    EXPECT_NE(out.text.find("cannot read `f.mlflow`: a FIFO, not a regular file"), std::string::npos)
        << command << ": " << out.text;
  }
}

TEST(SourceReading, ADeviceIsRefusedBeforeItIsRead) {
  ScratchDir dir;
  dir.write("main.mlflow", "import \"/dev/zero\"\n");
  // 1 GiB of address space: reading /dev/zero until the size check would exceed it.
  CliOutput imported = run_mlf(dir.root(), "check --color=never main.mlflow", 20, "-v 1048576");
  ASSERT_NE(imported.exit_code, kKilled) << "mlf read /dev/zero";
  EXPECT_EQ(imported.exit_code, 1) << imported.text;
  EXPECT_NE(imported.text.find("a character device, not a regular file"), std::string::npos)
      << imported.text;
  CliOutput main = run_mlf(dir.root(), "check --color=never /dev/zero", 20, "-v 1048576");
  ASSERT_NE(main.exit_code, kKilled) << "mlf read /dev/zero";
  EXPECT_EQ(main.exit_code, 1) << main.text;
  EXPECT_NE(main.text.find("error[MLF0115]: cannot read `/dev/zero`: a character device"),
            std::string::npos)
      << main.text;
}

// A 4 GiB sparse file costs no disk; reading it would cost 4 GiB of memory and many seconds.
TEST(SourceReading, TheSizeLimitIsCheckedBeforeReading) {
  ScratchDir dir;
  ASSERT_EQ(::truncate(dir.write("big.mlflow", "").c_str(), 4LL << 30), 0);
  dir.write("main.mlflow", "import \"big.mlflow\"\n");
  auto started = std::chrono::steady_clock::now();
  CliOutput main = run_mlf(dir.root(), "check --color=never big.mlflow", 20, "-v 1048576");
  CliOutput imported = run_mlf(dir.root(), "check --color=never main.mlflow", 20, "-v 1048576");
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_EQ(main.exit_code, 1) << main.text;
  EXPECT_NE(main.text.find("error[MLF0103]: source file `big.mlflow` is 4294967296 bytes, more "
                           "than the limit of 16777216"),
            std::string::npos)
      << main.text;
  EXPECT_EQ(imported.exit_code, 1) << imported.text;
  EXPECT_NE(imported.text.find("error[MLF0103]: the imported file `big.mlflow` is 4294967296 "
                               "bytes, more than the limit of 16777216"),
            std::string::npos)
      << imported.text;
  EXPECT_NE(imported.text.find("main.mlflow:1:8"), std::string::npos) << imported.text;
  EXPECT_LT(seconds, 10.0);
  // The limit given on the command line is the one checked.
  CliOutput raised = run_mlf(dir.root(), "check --color=never --max-source-bytes 100 main.mlflow");
  EXPECT_NE(raised.text.find("more than the limit of 100\n"), std::string::npos) << raised.text;
}

// Each file imports the next; the last defines the data and model the first one trains.
TEST(SourceReading, TenThousandDeepImportChainChecksUnderASmallStack) {
  ScratchDir dir;
  const int depth = 10000;
  fs::copy_file(fs::path(MLF_SOURCE_DIR) / "tests/golden/data/images3.idx", dir.path("images3.idx"));
  fs::copy_file(fs::path(MLF_SOURCE_DIR) / "tests/golden/data/labels3.idx", dir.path("labels3.idx"));
  dir.write("main.mlflow",
            "import \"m1.mlflow\"\nseed 1\n"
            "stage s = train(m, data: d |> [to_float()], loss: cross_entropy, optimizer: adam(), "
            "epochs: 1)\n");
  for (int i = 1; i < depth; ++i)
    dir.write("m" + std::to_string(i) + ".mlflow",
              "import \"m" + std::to_string(i + 1) + ".mlflow\"\nparam p" + std::to_string(i) +
                  ": int = " + std::to_string(i) + "\n");
  dir.write("m" + std::to_string(depth) + ".mlflow",
            "dataset d = idx(images: \"images3.idx\", labels: \"labels3.idx\")\n"
            "model m = sequential [ flatten, linear(out: 3) ]\n");
  // 1 MiB of stack: recursion per imported file overflowed it at about 1,000 files.
  CliOutput out = run_mlf(dir.root(), "check --color=never main.mlflow", 120, "-s 1024");
  EXPECT_EQ(out.exit_code, 0) << out.text.substr(0, 2000);
  EXPECT_NE(out.text.find("checked `main.mlflow`"), std::string::npos) << out.text.substr(0, 2000);
}

// A cycle at the end of a deep chain is still found and named.
TEST(SourceReading, ACycleAtTheEndOfADeepChainIsReported) {
  ScratchDir dir;
  const int depth = 3000;
  dir.write("main.mlflow", "import \"m1.mlflow\"\n");
  for (int i = 1; i < depth; ++i)
    dir.write("m" + std::to_string(i) + ".mlflow",
              "import \"m" + std::to_string(i + 1) + ".mlflow\"\n");
  dir.write("m" + std::to_string(depth) + ".mlflow", "import \"m" + std::to_string(depth - 1) + ".mlflow\"\n");
  CliOutput out = run_mlf(dir.root(), "check --color=never main.mlflow", 60, "-s 1024");
  EXPECT_EQ(out.exit_code, 1) << out.text.substr(0, 2000);
  EXPECT_NE(out.text.find("error[MLF0210]: `m2999.mlflow` imports itself"), std::string::npos)
      << out.text.substr(0, 2000);
  EXPECT_NE(out.text.find("the cycle: m2999.mlflow → m3000.mlflow → m2999.mlflow"), std::string::npos)
      << out.text.substr(0, 2000);
}

// The reading function itself, for what the binary cannot show.
TEST(SourceReader, ReadsRegularFilesAndRefusesTheRest) {
  ScratchDir dir;
  dir.write("a.mlflow", "seed 1\n");
  dir.make_directory("folder");
  ASSERT_EQ(::mkfifo(dir.path("fifo").c_str(), 0600), 0);
  auto read = mlf::read_source_file(dir.path("a.mlflow"), 100);
  ASSERT_TRUE(std::holds_alternative<std::string>(read));
  EXPECT_EQ(std::get<std::string>(read), "seed 1\n");

  using Kind = mlf::SourceReadError::Kind;
  auto kind_of = [](const mlf::SourceRead& r) {
    return std::holds_alternative<mlf::SourceReadError>(r) ? std::get<mlf::SourceReadError>(r).kind
                                                           : Kind::Unreadable;
  };
  EXPECT_EQ(kind_of(mlf::read_source_file(dir.path("missing.mlflow"), 100)), Kind::NotFound);
  EXPECT_EQ(kind_of(mlf::read_source_file(dir.path("folder"), 100)), Kind::NotRegular);
  EXPECT_EQ(kind_of(mlf::read_source_file(dir.path("fifo"), 100)), Kind::NotRegular);
  auto too_large = mlf::read_source_file(dir.path("a.mlflow"), 6);
  ASSERT_EQ(kind_of(too_large), Kind::TooLarge);
  EXPECT_EQ(std::get<mlf::SourceReadError>(too_large).size, 7u);
  // Exactly at the limit is allowed.
  EXPECT_TRUE(std::holds_alternative<std::string>(mlf::read_source_file(dir.path("a.mlflow"), 7)));
}

}  // namespace
