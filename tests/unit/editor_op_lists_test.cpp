// The editors' op lists equal the op catalogue. Editor grammars are static files that cannot
// ask mlf for its ops, so each holds a copy as one `|`-joined line; this test keeps every copy
// equal to the catalogue and prints the line to paste when an op is added or renamed.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "stdlib/catalogue.h"

namespace mlf {
namespace {

std::string read_file(const std::string& relative_path) {
  std::ifstream in(std::filesystem::path(MLF_SOURCE_DIR) / relative_path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// The first run `name|name|...` of two or more names after `anchor` in `text`.
std::vector<std::string> op_list_after(const std::string& text, const std::string& anchor) {
  std::size_t at = text.find(anchor);
  if (at == std::string::npos) return {};
  for (at += anchor.size(); at < text.size(); ++at) {
    std::vector<std::string> names;
    std::size_t end = at;
    while (end < text.size() && is_name_char(text[end])) {
      std::size_t start = end;
      while (end < text.size() && is_name_char(text[end])) ++end;
      names.push_back(text.substr(start, end - start));
      if (end < text.size() && text[end] == '|' && end + 1 < text.size() &&
          is_name_char(text[end + 1]))
        ++end;
      else
        break;
    }
    if (names.size() >= 2) return names;
  }
  return {};
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : "|") + name;
  return out;
}

struct EditorOpList {
  const char* file;
  const char* anchor;  // the list is the first `a|b|...` run after this text
};

class EditorOpListTest : public testing::TestWithParam<EditorOpList> {};

TEST_P(EditorOpListTest, EqualsTheCatalogue) {
  const EditorOpList& list = GetParam();
  std::string text = read_file(list.file);
  ASSERT_FALSE(text.empty()) << list.file << " is missing or empty";
  std::vector<std::string> found = op_list_after(text, list.anchor);
  ASSERT_FALSE(found.empty()) << list.file << ": no `a|b|...` op list after `" << list.anchor
                              << "`";
  EXPECT_EQ(joined(found), joined(catalogue().names()))
      << list.file << ": the op list differs from the catalogue; replace it with the catalogue's (the second value above)";
}

INSTANTIATE_TEST_SUITE_P(
    Editors, EditorOpListTest,
    testing::Values(EditorOpList{"editors/vscode/syntaxes/mlflow.tmLanguage.json", "\"op\": {"},
                    EditorOpList{"editors/vim/syntax/mlflow.vim", "syn match mlflowOp"},
                    EditorOpList{"editors/emacs/mlflow-mode.el", "(defconst mlflow-op-names"}),
    [](const testing::TestParamInfo<EditorOpList>& info) {
      std::string file = info.param.file;
      return file.find("vscode") != std::string::npos ? std::string("vscode")
             : file.find("vim") != std::string::npos  ? std::string("vim")
                                                      : std::string("emacs");
    });

}  // namespace
}  // namespace mlf
