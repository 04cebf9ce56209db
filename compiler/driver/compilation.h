// What every front-end command shares: options common to all (`-p`, `--json`, `--color`),
// running the checker, and printing its diagnostics.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "compiler/diagnostics/diagnostic_engine.h"
#include "compiler/driver/command_line.h"
#include "compiler/graph/graph.h"
#include "compiler/hash/sha256.h"
#include "compiler/source/source_file.h"

namespace mlf::driver {

struct OutputStyle {
  bool json = false;
  bool color = false;
};

// Flags every compiling command accepts.
std::vector<FlagSpec> compile_flags();
OutputStyle output_style(const ParsedArgs& args);

// Prints diagnostics (text to stderr, or JSON lines to stdout) and a summary line.
void print_diagnostics(const DiagnosticEngine& diagnostics, const SourceMap& sources,
                       const OutputStyle& style, const std::string& file);

// What a compilation read and said, for the memo of a cached run (cached_run.h).
struct CompiledInputs {
  std::vector<std::pair<std::string, Digest>> sources;  // absolute path, SHA-256 of its text
  std::size_t diagnostics = 0;                           // errors, warnings and notes
};

// Checks and hashes FILE. Prints diagnostics; returns the hashed graph when there are no
// errors. Fills `inputs` when given.
std::optional<Graph> compile(const std::string& file, const ParsedArgs& args,
                             const OutputStyle& style, CompiledInputs* inputs = nullptr);

// Writes `text` to `path` atomically (temp file in the same folder, then rename).
bool write_file_atomically(const std::string& path, const std::string& text, std::string& error);

}  // namespace mlf::driver
