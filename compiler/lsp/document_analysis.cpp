#include "compiler/lsp/document_analysis.h"

#include <filesystem>
#include <set>
#include <variant>

#include "compiler/diagnostics/diagnostic_engine.h"
#include "compiler/hash/content_hash.h"
#include "compiler/lsp/text_positions.h"
#include "compiler/sema/checker.h"
#include "compiler/source/source_reader.h"
#include "compiler/syntax/parse.h"

namespace mlf::lsp {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string normal_absolute(const std::string& path) {
  std::error_code ec;
  std::string out = fs::weakly_canonical(fs::absolute(path, ec), ec).string();
  return out.empty() ? path : out;
}

// Parses the document and, breadth first, the files it imports (each once).
void parse_modules(DocumentAnalysis& analysis, const std::string& text) {
  std::vector<std::pair<std::string, std::string>> queue = {{analysis.path, text}};
  std::set<std::string> seen = {analysis.path};
  for (std::size_t i = 0; i < queue.size(); ++i) {
    DiagnosticEngine ignored;  // the checker reports these; here only the trees matter
    const SourceFile& file = analysis.sources->add(queue[i].first, std::move(queue[i].second));
    ParsedModule parsed;
    parsed.file = &file;
    parsed.path = file.path();
    parsed.module = parse_module(file, ignored);
    parsed.syntax_errors = ignored.has_errors();
    parsed.declarations = declarations_of(parsed.module);
    for (const auto& decl : parsed.module.decls) {
      const auto* import = std::get_if<ast::ImportDecl>(&decl->node);
      if (!import) continue;
      std::string target =
          normal_absolute((fs::path(parsed.path).parent_path() / import->path.value).string());
      if (!seen.insert(target).second) continue;
      // Read as the checker reads it (regular files within the size limit); the checker's
      // own pass reports what cannot be read.
      SourceRead read = read_source_file(target, CheckOptions{}.max_source_bytes);
      if (auto* read_text = std::get_if<std::string>(&read))
        queue.emplace_back(target, std::move(*read_text));
    }
    analysis.modules.push_back(std::move(parsed));
  }
}

int lsp_severity(Severity severity) {
  switch (severity) {
    case Severity::Error: return 1;
    case Severity::Warning: return 2;
    case Severity::Note: return 3;
  }
  return 1;
}

json lsp_diagnostic(const Diagnostic& d, const SourceMap& sources) {
  std::string message = d.message;
  if (!d.primary_label.empty()) message += " (" + d.primary_label + ")";
  for (const auto& note : d.notes) message += "\nnote: " + note;
  if (!d.help.empty()) message += "\nhelp: " + d.help;
  json out = {{"severity", lsp_severity(d.severity)},
              {"code", code_string(d.kind)},
              {"source", "mlf"},
              {"message", message}};
  bool located = d.primary.valid() && d.primary.file < sources.size();
  out["range"] = located ? range_json(sources.file(d.primary.file), d.primary) : empty_range_json();
  json related = json::array();
  for (const auto& label : d.labels) {
    if (!label.span.valid() || label.span.file >= sources.size()) continue;
    const SourceFile& file = sources.file(label.span.file);
    related.push_back({{"location",
                        {{"uri", uri_of_path(file.path())}, {"range", range_json(file, label.span)}}},
                       {"message", label.message}});
  }
  if (!related.empty()) out["relatedInformation"] = related;
  return out;
}

}  // namespace

DocumentAnalysis analyse_document(const std::string& path, const std::string& text) {
  DocumentAnalysis analysis;
  analysis.path = normal_absolute(path);
  analysis.project = find_project(analysis.path);
  parse_modules(analysis, text);

  CheckOptions options;
  // The digest cache speeds up analysis after analysis, but an editor creates no store.
  std::error_code ec;
  options.cache_digests = std::filesystem::is_directory(analysis.project.store_path, ec);
  options.main_file = analysis.path;
  options.main_text = text;
  options.has_main_text = true;
  SourceMap sources;
  DiagnosticEngine diagnostics;
  std::optional<Graph> graph = check_pipeline(options, sources, diagnostics);
  if (graph && !diagnostics.has_errors()) {
    hash_graph(*graph);
    analysis.graph = std::move(graph);
  }
  analysis.diagnostics[analysis.path];
  for (const Diagnostic& d : diagnostics.sorted()) {
    std::string file = analysis.path;  // diagnostics without a place go on the document
    if (d.primary.valid() && d.primary.file < sources.size())
      file = normal_absolute(sources.file(d.primary.file).path());
    analysis.diagnostics[file].push_back(lsp_diagnostic(d, sources));
  }
  return analysis;
}

}  // namespace mlf::lsp
