// The formatter over every real .mlflow file of the repository (examples/ and tests/golden/):
// idempotent, its output parses, keeps every comment, and compiles to the same plan.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "compiler/format/formatter.h"
#include "compiler/syntax/parse.h"
#include "tests/unit/pipeline_fixture.h"

namespace mlf {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> mlflow_files() {
  std::vector<std::string> out;
  for (const char* folder : {"examples", "tests/golden"}) {
    fs::path root = fs::path(MLF_SOURCE_DIR) / folder;
    for (const auto& entry : fs::recursive_directory_iterator(root))
      if (entry.is_regular_file() && entry.path().extension() == ".mlflow")
        out.push_back(entry.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string relative(const std::string& path) {
  return fs::path(path).lexically_relative(MLF_SOURCE_DIR).string();
}

// format_module of `text`, or nullopt when it does not parse cleanly.
std::optional<std::string> format_text(const std::string& path, const std::string& text,
                                       std::string* messages = nullptr) {
  SourceMap sources;
  DiagnosticEngine diagnostics;
  const SourceFile& file = sources.add(path, text);
  ast::Module module = parse_module(file, diagnostics);
  if (diagnostics.has_errors()) {
    if (messages) *messages = render_text(diagnostics.sorted(), sources, false);
    return std::nullopt;
  }
  return format_module(module, file);
}

TEST(FmtExamples, EveryFileThatParsesFormatsStablyKeepsCommentsAndCompilesTheSame) {
  auto files = mlflow_files();
  ASSERT_GE(files.size(), 10u);
  int formatted_count = 0, compared = 0;
  std::vector<std::string> examples_compared;
  for (const auto& path : files) {
    std::string name = relative(path);
    SCOPED_TRACE(name);
    std::string text = fixture::read_text(path);
    auto once = format_text(path, text);
    if (!once) continue;  // a golden file of syntax errors: nothing to format
    ++formatted_count;

    // Idempotent.
    std::string messages;
    auto twice = format_text(path, *once, &messages);
    ASSERT_TRUE(twice.has_value()) << "the formatted text of " << name << " does not parse:\n"
                                   << messages << "\n--- formatted:\n" << *once;
    EXPECT_EQ(*twice, *once) << "formatting " << name << " twice differs from once";

    // Every comment kept, in order, with its text.
    auto before = fixture::comment_texts(text);
    auto after = fixture::comment_texts(*once);
    EXPECT_EQ(before, after) << name << ": the formatter lost, changed or moved a comment";
    for (const auto& comment : before)
      EXPECT_NE(once->find(comment), std::string::npos) << name << " lost `" << comment << "`";

    // Same meaning: the same plan and node hashes, for the files that check.
    fixture::Compiled original = fixture::compile_file(path);
    if (!original.ok) continue;  // a golden failure case: only its layout is compared
    fixture::Compiled reformatted = fixture::compile_text(*once, path);
    ASSERT_TRUE(reformatted.ok) << name << " checks but its formatted text does not:\n"
                                << reformatted.messages;
    EXPECT_EQ(fixture::sorted_hashes(original.graph), fixture::sorted_hashes(reformatted.graph))
        << name;
    EXPECT_EQ(original.plan.id, reformatted.plan.id) << name;
    EXPECT_EQ(original.plan.body, reformatted.plan.body) << name;
    ++compared;
    if (name.rfind("examples/", 0) == 0) examples_compared.push_back(name);
  }
  EXPECT_GE(formatted_count, 20);
  // Every example pipeline checks (the fashion-mnist files are installed), so each is compared.
  std::vector<std::string> expected = {"examples/fashion/fashion.mlflow", "examples/iris/iris.mlflow",
                                       "examples/multifile/main.mlflow",
                                       "examples/sweep/sweep.mlflow"};
  for (const auto& example : expected)
    EXPECT_NE(std::find(examples_compared.begin(), examples_compared.end(), example),
              examples_compared.end())
        << example << " was not compared (does it still check?)";
  EXPECT_GE(compared, 6);
}

}  // namespace
}  // namespace mlf
