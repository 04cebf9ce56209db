#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "compiler/diagnostics/diagnostic_engine.h"
#include "compiler/diagnostics/json_renderer.h"
#include "compiler/diagnostics/text_renderer.h"

namespace mlf {
namespace {

TEST(DiagnosticRegistry, CodesAreUniqueAndWellFormed) {
  std::set<int> codes;
  std::set<std::string_view> names;
  for (const auto& kind : all_diagnostic_kinds()) {
    EXPECT_TRUE(codes.insert(kind.code).second) << "code reused: " << kind.code;
    EXPECT_TRUE(names.insert(kind.name).second) << "name reused: " << kind.name;
    EXPECT_GT(kind.code, 100);
    EXPECT_LT(kind.code, 10000);
    EXPECT_FALSE(kind.title.empty());
    EXPECT_TRUE(std::islower(static_cast<unsigned char>(kind.title[0]))) << kind.name;
    EXPECT_NE(kind.title.back(), '.') << kind.name;
  }
  EXPECT_EQ(code_string(DiagnosticKind::UnknownName), "MLF0201");
}

TEST(DiagnosticEngine, SortsByPositionDropsDuplicatesAndCaps) {
  DiagnosticEngine engine(3);
  engine.report(DiagnosticKind::UnknownName, Span{0, 40, 42}, "b").emit();
  engine.report(DiagnosticKind::UnknownName, Span{0, 10, 12}, "a").emit();
  engine.report(DiagnosticKind::UnknownName, Span{0, 10, 12}, "a").emit();
  engine.report(DiagnosticKind::UnusedDefinition, Span{0, 5, 6}, "w").emit();
  engine.report(DiagnosticKind::TypeMismatch, Span{0, 90, 91}, "c").emit();
  EXPECT_EQ(engine.error_count(), 4u);
  EXPECT_EQ(engine.warning_count(), 1u);
  auto sorted = engine.sorted();
  ASSERT_EQ(sorted.size(), 3u);
  EXPECT_EQ(sorted[0].message, "w");
  EXPECT_EQ(sorted[1].message, "a");
  EXPECT_EQ(sorted[2].message, "b");
}

TEST(NearestName, SuggestsTyposOnly) {
  std::vector<std::string> names = {"accuracy", "macro_f1", "loss"};
  EXPECT_EQ(nearest_name("acuracy", names), "accuracy");
  EXPECT_EQ(nearest_name("los", names), "loss");
  EXPECT_EQ(nearest_name("zebra", names), "");
}

TEST(TextRenderer, ShowsCodeLocationLineAndCarets) {
  SourceMap sources;
  const SourceFile& file = sources.add("f.mlflow", "seed 1\nexpect score.acuracy >= 0.9\n");
  Diagnostic d;
  d.kind = DiagnosticKind::UnknownField;
  d.severity = Severity::Error;
  d.message = "`score` has no field `acuracy`";
  d.primary = Span{file.id(), 20, 27};
  d.primary_label = "unknown field";
  d.help = "a field named `accuracy` exists";
  std::string text = render_text(d, sources, false);
  EXPECT_EQ(text,
            "error[MLF0208]: `score` has no field `acuracy`\n"
            " --> f.mlflow:2:14\n"
            "  |\n"
            "2 | expect score.acuracy >= 0.9\n"
            "  |              ^^^^^^^ unknown field\n"
            "  |\n"
            "  = help: a field named `accuracy` exists\n");
  EXPECT_EQ(render_text(d, sources, true).find("\x1b[") != std::string::npos, true);
}

TEST(JsonRenderer, UsesZeroBasedLinesAndUtf16Columns) {
  SourceMap sources;
  // "é" is two bytes in UTF-8 and one UTF-16 unit; "𝜃" is four bytes and two units.
  const SourceFile& file = sources.add("f.mlflow", "# é𝜃\nx\n");
  Diagnostic d;
  d.kind = DiagnosticKind::SyntaxError;
  d.severity = Severity::Error;
  d.message = "bad \"thing\"";
  d.primary = Span{file.id(), 8, 9};  // the byte after "𝜃" (still line 1)
  std::string json = render_json(d, sources);
  EXPECT_NE(json.find("\"code\":\"MLF0110\""), std::string::npos);
  EXPECT_NE(json.find("\"start\":{\"line\":0,\"character\":5}"), std::string::npos) << json;
  EXPECT_NE(json.find("bad \\\"thing\\\""), std::string::npos);
}

}  // namespace
}  // namespace mlf

namespace mlf {
namespace {

TEST(DiagnosticDocs, EveryCodeIsDocumented) {
  std::ifstream in(std::string(MLF_SOURCE_DIR) + "/docs/diagnostics.md");
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string docs = buffer.str();
  ASSERT_FALSE(docs.empty());
  for (const auto& kind : all_diagnostic_kinds())
    EXPECT_NE(docs.find("| " + code_string(kind.kind) + " |"), std::string::npos)
        << code_string(kind.kind) << " is missing from docs/diagnostics.md";
}

}  // namespace
}  // namespace mlf
