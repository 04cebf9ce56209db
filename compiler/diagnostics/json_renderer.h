// Renders diagnostics for programs: one JSON object per line (JSON Lines), with fields that
// map one to one onto LSP's Diagnostic: `range` has 0-based lines and UTF-16 `character`
// offsets; byte offsets are given too for tools that prefer them.
#pragma once

#include <string>

#include "compiler/diagnostics/diagnostic.h"
#include "compiler/source/source_file.h"

namespace mlf {

std::string render_json(const Diagnostic& diagnostic, const SourceMap& sources);

// Escapes a string for a JSON string literal (without the quotes).
std::string json_escape(std::string_view text);

// The 0-based UTF-16 code unit offset of a byte offset within its line, as LSP counts.
std::uint32_t utf16_column(const SourceFile& file, std::uint32_t offset);

}  // namespace mlf
