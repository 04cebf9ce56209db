// docs/ops.md is generated from the catalogue; this test fails when it is stale, and checks
// that the rendering says what a reader needs of every op.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "stdlib/catalogue.h"
#include "stdlib/catalogue_reference.h"

namespace mlf {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(OpsReference, DocsOpsMdIsCurrent) {
  std::string committed = read_file(std::string(MLF_SOURCE_DIR) + "/docs/ops.md");
  ASSERT_FALSE(committed.empty()) << "docs/ops.md is missing";
  EXPECT_TRUE(committed == render_catalogue_markdown(catalogue()))
      << "docs/ops.md is stale: regenerate it with `mlf ops --markdown > docs/ops.md`";
}

TEST(OpsReference, EveryOpAndParameterAppears) {
  std::string page = render_catalogue_markdown(catalogue());
  for (const auto& [name, op] : catalogue().ops()) {
    EXPECT_NE(page.find("### `" + name + "`"), std::string::npos) << name;
    EXPECT_NE(page.find(op.version), std::string::npos) << name;
    for (const auto& p : op.params) EXPECT_NE(page.find("`" + p.name + "`"), std::string::npos) << name << "." << p.name;
  }
}

TEST(OpsReference, SignatureShowsDefaultsAndRanges) {
  const OpSpec* dropout = catalogue().find("dropout");
  ASSERT_NE(dropout, nullptr);
  const ParamSpec& p = dropout->params.at(0);
  EXPECT_NE(op_signature(*dropout).find("p: float = " + default_text(p)), std::string::npos)
      << op_signature(*dropout);
  EXPECT_EQ(constraint_text(p), "in [0, 1)");
  const OpSpec* split = catalogue().find("split");
  ASSERT_NE(split, nullptr);
  bool has_choice = false;
  for (const auto& q : split->params)
    if (!q.choices.empty()) has_choice = constraint_text(q).rfind("one of \"", 0) == 0;
  EXPECT_TRUE(has_choice);
}

}  // namespace
}  // namespace mlf
