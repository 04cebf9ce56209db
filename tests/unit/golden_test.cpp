// Golden tests: every tests/golden/*.mlflow is run through the `mlf` binary and its exit
// code, stdout and stderr are compared with the .expected file beside it. The first line of
// a source may be `# golden-args: ARGS` (`{file}` stands for the file's name); the default
// is `check --color=never {file}`. scripts/update_golden.sh rewrites the expected files.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "compiler/diagnostics/diagnostic.h"
#include "compiler/diagnostics/diagnostic_engine.h"

namespace fs = std::filesystem;

namespace {

const fs::path kGoldenDir = fs::path(MLF_SOURCE_DIR) / "tests" / "golden";

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string run_golden(const fs::path& source) {
  std::string text = read_file(source);
  std::string args = "check --color=never {file}";
  const std::string marker = "# golden-args: ";
  if (text.rfind(marker, 0) == 0) args = text.substr(marker.size(), text.find('\n') - marker.size());
  std::string name = source.filename().string();
  for (std::size_t at; (at = args.find("{file}")) != std::string::npos;) args.replace(at, 6, name);
  fs::path out = fs::temp_directory_path() / ("mlf-golden-" + std::to_string(getpid()) + ".out");
  fs::path err = fs::temp_directory_path() / ("mlf-golden-" + std::to_string(getpid()) + ".err");
  // Under a deadline, so that a file mlf hangs on (a device, a FIFO) fails instead of hanging.
  std::string command = "cd " + shell_quote(kGoldenDir.string()) + " && NO_COLOR=1 timeout -s KILL 120 " +
                        shell_quote(MLF_BINARY) + " " + args + " >" + shell_quote(out.string()) +
                        " 2>" + shell_quote(err.string()) + " </dev/null";
  int status = std::system(command.c_str());
  int exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::string result = "exit: " + std::to_string(exit_code) + "\n--- stdout\n" +
                       read_file(out) + "--- stderr\n" + read_file(err);
  fs::remove(out);
  fs::remove(err);
  // The build folder's absolute path must not leak into expected files.
  std::string root = fs::path(MLF_SOURCE_DIR).string();
  for (std::size_t at; (at = result.find(root)) != std::string::npos;)
    result.replace(at, root.size(), "<root>");
  return result;
}

std::vector<fs::path> golden_sources() {
  std::vector<fs::path> sources;
  for (const auto& entry : fs::directory_iterator(kGoldenDir))
    if (entry.path().extension() == ".mlflow") sources.push_back(entry.path());
  std::sort(sources.begin(), sources.end());
  return sources;
}

TEST(Golden, EveryFileMatchesItsExpectedOutput) {
  bool update = std::getenv("MLF_UPDATE_GOLDEN") != nullptr;
  auto sources = golden_sources();
  ASSERT_FALSE(sources.empty());
  for (const auto& source : sources) {
    fs::path expected_path = source;
    expected_path.replace_extension(".expected");
    std::string actual = run_golden(source);
    if (update) {
      std::ofstream(expected_path, std::ios::binary) << actual;
      continue;
    }
    ASSERT_TRUE(fs::exists(expected_path)) << "missing " << expected_path
                                           << " (run scripts/update_golden.sh)";
    EXPECT_EQ(actual, read_file(expected_path)) << "golden mismatch for " << source.filename();
  }
}

TEST(Golden, FailFilesFailAndOthersPass) {
  for (const auto& source : golden_sources()) {
    fs::path expected_path = source;
    expected_path.replace_extension(".expected");
    std::string expected = read_file(expected_path);
    bool is_fail = source.filename().string().rfind("fail_", 0) == 0;
    if (is_fail) EXPECT_NE(expected.rfind("exit: 0\n", 0), 0u) << source.filename();
    else EXPECT_EQ(expected.rfind("exit: 0\n", 0), 0u) << source.filename();
  }
}

TEST(Golden, EveryDiagnosticKindIsExercised) {
  std::set<std::string> seen;
  std::regex code(R"((error|warning|note)\[(MLF\d{4})\])");
  std::regex json_code(R"re("code":"(MLF\d{4})")re");
  for (const auto& source : golden_sources()) {
    fs::path expected_path = source;
    expected_path.replace_extension(".expected");
    std::string text = read_file(expected_path);
    for (std::sregex_iterator it(text.begin(), text.end(), code), end; it != end; ++it)
      seen.insert((*it)[2]);
    for (std::sregex_iterator it(text.begin(), text.end(), json_code), end; it != end; ++it)
      seen.insert((*it)[1]);
  }
  for (const auto& kind : mlf::all_diagnostic_kinds()) {
    std::string c = mlf::code_string(kind.kind);
    EXPECT_TRUE(seen.count(c)) << c << " (" << kind.name
                               << ") is exercised by no tests/golden file";
  }
}

}  // namespace
