#include "compiler/lsp/features.h"
#include "compiler/lsp/text_positions.h"

namespace mlf::lsp {

using nlohmann::json;

namespace {

// LSP SymbolKind numbers.
int symbol_kind(Declaration::Kind kind) {
  switch (kind) {
    case Declaration::Kind::Pipeline: return 2;       // Module
    case Declaration::Kind::Param: return 14;         // Constant
    case Declaration::Kind::Dataset: return 18;       // Array
    case Declaration::Kind::Augment: return 12;       // Function
    case Declaration::Kind::Model: return 5;          // Class
    case Declaration::Kind::Stage: return 24;         // Event
    case Declaration::Kind::Sweep: return 3;          // Namespace
    case Declaration::Kind::SweepVariable: return 13; // Variable
  }
  return 13;
}

json symbols(const std::vector<Declaration>& declarations, const SourceFile& file) {
  json out = json::array();
  for (const auto& d : declarations) {
    json symbol = {{"name", d.kind == Declaration::Kind::Sweep ? "sweep " + d.name : d.name},
                   {"detail", declaration_keyword(d.kind)},
                   {"kind", symbol_kind(d.kind)},
                   {"range", range_json(file, d.span)},
                   {"selectionRange", range_json(file, d.name_span)}};
    if (!d.children.empty()) symbol["children"] = symbols(d.children, file);
    out.push_back(std::move(symbol));
  }
  return out;
}

}  // namespace

json document_symbols(const DocumentAnalysis& analysis) {
  return symbols(analysis.main().declarations, *analysis.main().file);
}

}  // namespace mlf::lsp
