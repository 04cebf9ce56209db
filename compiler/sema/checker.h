// Semantic analysis: parsed modules → the resolved, typed graph (compiler/graph/graph.h).
//
// Takes: the main .mlflow file (its imports are loaded here), param overrides from the
// command line, `[params]`, `[exports]` and `[inputs]` of the project's mlflow.toml.
// Promises: every name resolved (unknown ones reported with the nearest known name),
// constants folded, params overridden and type-checked, sweeps expanded, every op call
// checked against the catalogue (arguments, types, ranges, choices), data files probed so
// sample types and class counts are known, augment chains and models checked shape by shape,
// stage results typed so `expect` fields are checked; exports confined to the project and
// data files and imports outside it warned about (docs/language.md, "Paths outside the
// project"), never quoting such a file's content. All errors of the whole pipeline are
// reported in one pass; a graph is returned only when there are none.
// Does not: hash (compiler/hash) or order the plan (compiler/plan).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "compiler/diagnostics/diagnostic_engine.h"
#include "compiler/graph/graph.h"
#include "compiler/source/source_file.h"

namespace mlf {

struct CheckOptions {
  std::string main_file;
  std::vector<std::pair<std::string, std::string>> overrides;  // -p name=value, in order
  bool read_config = true;      // use [params] of mlflow.toml
  bool cache_digests = true;    // memoise file digests in the project's store
  std::string main_text;        // when set, used instead of reading main_file (editors)
  bool has_main_text = false;
  std::size_t max_source_bytes = 16u << 20;  // per file
  // Folders outside the project that exports may write to (`--allow-export-dir`), absolute
  // or relative to the working folder; added to `[exports] allow` of mlflow.toml.
  std::vector<std::string> allowed_export_dirs;
};

std::optional<Graph> check_pipeline(const CheckOptions& options, SourceMap& sources,
                                    DiagnosticEngine& diagnostics);

}  // namespace mlf
