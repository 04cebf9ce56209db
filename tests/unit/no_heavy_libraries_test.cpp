// `mlf check` and `mlf build` must not load LibTorch or LLVM: the training backend is a module
// the runtime opens only when a stage trains, and checking a file should start in
// milliseconds. glibc's LD_DEBUG=libs reports every shared library the process loads (the
// ones it links and the ones it dlopens) on stderr; `ldd` lists what the binary links.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "tests/unit/pipeline_fixture.h"

namespace mlf {
namespace {

const std::vector<std::string> kHeavy = {"torch", "c10", "llvm"};  // libllvm contains llvm

struct Process {
  int status = -1;  // exit code, or -1 when the process did not exit normally
  std::string output;
};

// Runs `command` with /bin/sh; stdout and stderr are captured together.
Process run(const std::string& command) {
  Process out;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return out;
  char buffer[4096];
  std::size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.output.append(buffer, n);
  int status = pclose(pipe);
  out.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

std::string shell_quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Library names and paths from glibc's LD_DEBUG=libs trace: `find library=NAME [0]; ...`,
// `trying file=PATH`, `calling init: PATH`.
std::set<std::string> loaded_libraries(const std::string& trace) {
  std::set<std::string> out;
  for (const char* marker : {"find library=", "trying file=", "calling init: "}) {
    std::string m = marker;
    for (std::size_t at = trace.find(m); at != std::string::npos; at = trace.find(m, at + 1)) {
      std::size_t start = at + m.size();
      std::size_t end = trace.find_first_of(" ;\n\t", start);
      out.insert(trace.substr(start, end - start));
    }
  }
  return out;
}

void expect_no_heavy(const std::set<std::string>& libraries, const std::string& what) {
  for (const auto& library : libraries)
    for (const auto& heavy : kHeavy)
      EXPECT_EQ(lower(library).find(heavy), std::string::npos)
          << what << " loads `" << library << "`";
}

class NoHeavyLibraries : public ::testing::Test {
 protected:
  void SetUp() override {
    // A copy in a private folder: the example names its data by absolute paths, and the
    // digest cache and plans then go to that folder's store, not into the repository.
    dir_ = std::make_unique<fixture::TempDir>("no-heavy");
    fixture::write_bytes(dir_->file("fashion.mlflow"),
                         fixture::read_text(fixture::source_path("examples/fashion/fashion.mlflow")));
  }

  Process traced(const std::string& arguments) {
    return run("cd " + shell_quoted(dir_->path()) + " && LD_DEBUG=libs " + shell_quoted(MLF_BINARY) + " " +
               arguments);
  }

  std::unique_ptr<fixture::TempDir> dir_;
};

TEST_F(NoHeavyLibraries, CheckLoadsNeitherLibTorchNorLlvm) {
  Process result = traced("check --no-config fashion.mlflow");
  ASSERT_EQ(result.status, 0) << result.output;
  EXPECT_NE(result.output.find("checked `fashion.mlflow`"), std::string::npos) << result.output;
  auto libraries = loaded_libraries(result.output);
  ASSERT_FALSE(libraries.empty()) << "LD_DEBUG=libs printed no library:\n" << result.output;
  EXPECT_TRUE(std::any_of(libraries.begin(), libraries.end(),
                          [](const std::string& l) { return l.find("libc.so") != std::string::npos; }))
      << "the trace does not even show libc";
  expect_no_heavy(libraries, "mlf check");
}

TEST_F(NoHeavyLibraries, BuildLoadsNeitherLibTorchNorLlvm) {
  std::string plan = dir_->file("plan.toml");
  Process result = traced("build --no-config fashion.mlflow -o " + shell_quoted(plan));
  ASSERT_EQ(result.status, 0) << result.output;
  EXPECT_TRUE(std::filesystem::exists(plan)) << result.output;
  EXPECT_GT(std::filesystem::file_size(plan), 100u);
  auto libraries = loaded_libraries(result.output);
  ASSERT_FALSE(libraries.empty()) << "LD_DEBUG=libs printed no library:\n" << result.output;
  expect_no_heavy(libraries, "mlf build");
}

TEST_F(NoHeavyLibraries, TheBinaryDoesNotLinkThem) {
  Process result = run("ldd " + shell_quoted(MLF_BINARY));
  ASSERT_EQ(result.status, 0) << result.output;
  std::set<std::string> libraries;
  std::size_t start = 0;
  while (start < result.output.size()) {
    std::size_t end = result.output.find('\n', start);
    if (end == std::string::npos) end = result.output.size();
    std::string line = result.output.substr(start, end - start);
    if (line.find("=>") != std::string::npos || line.find(".so") != std::string::npos)
      libraries.insert(line);
    start = end + 1;
  }
  ASSERT_GE(libraries.size(), 2u) << "ldd listed no library:\n" << result.output;
  expect_no_heavy(libraries, "ldd mlf");
}

}  // namespace
}  // namespace mlf
