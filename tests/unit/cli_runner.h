// Runs the `mlf` binary under test as a child process, for tests of its commands end to end.
// Header-only: tests/CMakeLists.txt compiles only tests/unit/*_test.cpp.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>

namespace mlf::test_support {

struct CliOutput {
  int exit_code = -1;  // 128 + signal when the process was killed
  std::string text;    // stdout and stderr together
};

// `command` through /bin/sh, output captured.
inline CliOutput run_command(const std::string& command) {
  CliOutput out;
  std::string full = command + " 2>&1";
  FILE* pipe = popen(full.c_str(), "r");
  if (!pipe) return out;
  char buffer[4096];
  while (std::size_t n = fread(buffer, 1, sizeof buffer, pipe)) out.text.append(buffer, n);
  int status = pclose(pipe);
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return out;
}

inline std::string mlf_binary() { return MLF_BINARY; }

// Whether the LibTorch backend module was built beside `mlf` (runs that train need it).
inline bool training_backend_built() {
  return std::filesystem::exists(std::filesystem::path(MLF_BINARY).parent_path() / "mlf_torch_backend.so");
}

// The run id `mlf run` prints last on stdout: a line like 20261124T075012Z-3f9a1c.
inline std::string printed_run_id(const std::string& text) {
  std::istringstream lines(text);
  std::string line, id;
  while (std::getline(lines, line))
    if (line.size() > 16 && line[8] == 'T' && line.find(' ') == std::string::npos) id = line;
  return id;
}

}  // namespace mlf::test_support
