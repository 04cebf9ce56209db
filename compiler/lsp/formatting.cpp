#include "compiler/diagnostics/diagnostic_engine.h"
#include "compiler/format/formatter.h"
#include "compiler/lsp/features.h"
#include "compiler/lsp/text_positions.h"
#include "compiler/syntax/parse.h"

namespace mlf::lsp {

using nlohmann::json;

json formatting(const std::string& path, const std::string& text) {
  SourceMap sources;
  DiagnosticEngine diagnostics;
  const SourceFile& file = sources.add(path, text);
  ast::Module module = parse_module(file, diagnostics);
  if (diagnostics.has_errors()) return nullptr;
  std::string formatted = format_module(module, file);
  if (formatted == text) return json::array();
  Span whole{file.id(), 0, static_cast<std::uint32_t>(text.size())};
  return json::array({{{"range", range_json(file, whole)}, {"newText", formatted}}});
}

}  // namespace mlf::lsp
