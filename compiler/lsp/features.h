// The language features of `mlf lsp`, one per file, each a pure function from an analysed
// document (document_analysis.h) and a position to the LSP result object.
//
// Promises: results follow the LSP 3.17 shapes; `null` where LSP allows it when there is
// nothing to say. Positions in and out are UTF-16 (text_positions.h).
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "compiler/lsp/document_analysis.h"

namespace mlf::lsp {

// DocumentSymbol[]: pipeline, params, datasets, augments, models, stages; sweeps with their
// bodies as children.
nlohmann::json document_symbols(const DocumentAnalysis& analysis);

// Hover | null: for a binding, each graph node it names with its type and shape, content
// hash and whether its result is in the store; for a param its declaration; for an op or
// an argument name, the catalogue's description.
nlohmann::json hover(const DocumentAnalysis& analysis, std::uint32_t offset);

// Location | null: the declaration of the name under the cursor, in the document or any
// file it imports; on an import's path, the imported file.
nlohmann::json definition(const DocumentAnalysis& analysis, std::uint32_t offset);

// CompletionList: inside an op's parentheses its parameters (type, default, doc) first,
// then op names from the catalogue and the names the pipeline declares. Works on text that
// does not parse (the usual state while typing).
nlohmann::json completion(const DocumentAnalysis& analysis, std::uint32_t offset);

// TextEdit[] | null: one edit to the `mlf fmt` layout; [] when already formatted; null when
// the text has syntax errors (the formatter needs a clean parse).
nlohmann::json formatting(const std::string& path, const std::string& text);

}  // namespace mlf::lsp
