// Positions as LSP counts them: 0-based lines and UTF-16 code units within a line, mapped to
// and from the byte offsets of the front end's spans; file URIs mapped to paths.
//
// Promises: every mapping clamps instead of failing: a line past the end maps to the end of
// the text, a character past the end of its line to the line's end, an offset inside a
// multi-byte character to that character's start.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "compiler/source/source_file.h"

namespace mlf::lsp {

using nlohmann::json;

std::uint32_t offset_of(const SourceFile& file, std::int64_t line, std::int64_t character);
json position_json(const SourceFile& file, std::uint32_t offset);
json range_json(const SourceFile& file, Span span);  // span must be in `file`
json empty_range_json();                             // 0:0–0:0

// `file:///a/b%20c.mlflow` → `/a/b c.mlflow`; "" when the URI is not a file URI.
std::string path_of_uri(const std::string& uri);
std::string uri_of_path(const std::string& path);

}  // namespace mlf::lsp
