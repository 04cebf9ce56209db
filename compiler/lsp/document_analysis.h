// One analysis of an open document: what every editor feature reads.
//
// Takes: the document's path and its unsaved text. Imports are read from disk, relative to
// the importing file's folder, as the checker reads them.
// Promises: the main module and every module it imports (transitively) parsed, for symbols
// and go-to-definition even when the pipeline has errors; the diagnostics of `mlf check`
// (same engine, same codes, same mlflow.toml) grouped by the file they are in, already in
// LSP form; the checked and hashed graph when there are no errors; the project (store).
// Does not: keep anything between analyses; the server re-analyses on every change.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "compiler/ast/ast.h"
#include "compiler/graph/graph.h"
#include "compiler/lsp/syntax_lookup.h"
#include "compiler/sema/project.h"
#include "compiler/source/source_file.h"

namespace mlf::lsp {

struct ParsedModule {
  const SourceFile* file = nullptr;  // in DocumentAnalysis::sources
  std::string path;                  // absolute
  ast::Module module;
  std::vector<Declaration> declarations;
  bool syntax_errors = false;
};

struct DocumentAnalysis {
  std::string path;  // absolute path of the document
  std::unique_ptr<SourceMap> sources = std::make_unique<SourceMap>();
  std::vector<ParsedModule> modules;  // the document first, then its imports
  // LSP Diagnostic objects by absolute file path; the document's own entry always exists.
  std::map<std::string, std::vector<nlohmann::json>> diagnostics;
  std::optional<Graph> graph;  // hashed; only when the pipeline checks without errors
  Project project;

  const ParsedModule& main() const { return modules.front(); }
};

DocumentAnalysis analyse_document(const std::string& path, const std::string& text);

}  // namespace mlf::lsp
