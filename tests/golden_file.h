// Golden files for output that a user reads (command output, plans, formatted sources):
// the expected text lives in a file under tests/, so that one update script can refresh all
// of it and a reviewer sees a changed message as a changed file.
//
// Promises: `expect_matches_golden_file("cli/golden/x.txt", text)` fails the calling test
// when the file's content differs from `text`, naming the file; with MLF_UPDATE_GOLDEN set
// in the environment it writes `text` to the file instead (scripts/update_golden.sh).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace mlf::testing {

inline void expect_matches_golden_file(const std::string& path_under_tests,
                                       const std::string& actual) {
  const std::filesystem::path path =
      std::filesystem::path(MLF_SOURCE_DIR) / "tests" / path_under_tests;
  if (std::getenv("MLF_UPDATE_GOLDEN") != nullptr) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary | std::ios::trunc) << actual;
    return;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in.good()) << "golden file tests/" << path_under_tests
                         << " is missing; scripts/update_golden.sh writes it";
  const std::string expected{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  EXPECT_EQ(expected, actual) << "output differs from tests/" << path_under_tests
                              << " (scripts/update_golden.sh refreshes it; review the diff)";
}

}  // namespace mlf::testing
