#include "compiler/diagnostics/json_renderer.h"

#include "compiler/diagnostics/diagnostic_engine.h"

namespace mlf {

std::string json_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

std::uint32_t utf16_column(const SourceFile& file, std::uint32_t offset) {
  LineColumn at = file.line_column(offset);
  const std::string& text = file.text();
  std::uint32_t units = 0;
  for (std::uint32_t i = file.line_start(at.line); i < offset && i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    std::uint32_t length = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    units += length == 4 ? 2 : 1;
    i += length;
  }
  return units;
}

namespace {

std::string range_json(const SourceMap& sources, Span span) {
  if (!span.valid() || span.file >= sources.size()) return "null";
  const SourceFile& file = sources.file(span.file);
  LineColumn start = file.line_column(span.begin);
  LineColumn end = file.line_column(span.end);
  return "{\"start\":{\"line\":" + std::to_string(start.line - 1) +
         ",\"character\":" + std::to_string(utf16_column(file, span.begin)) +
         "},\"end\":{\"line\":" + std::to_string(end.line - 1) +
         ",\"character\":" + std::to_string(utf16_column(file, span.end)) + "}}";
}

std::string location_json(const SourceMap& sources, Span span) {
  if (!span.valid() || span.file >= sources.size()) return "\"file\":null,\"range\":null";
  const SourceFile& file = sources.file(span.file);
  return "\"file\":\"" + json_escape(file.path()) + "\",\"range\":" + range_json(sources, span) +
         ",\"offset\":{\"begin\":" + std::to_string(span.begin) +
         ",\"end\":" + std::to_string(span.end) + "}";
}

}  // namespace

std::string render_json(const Diagnostic& d, const SourceMap& sources) {
  std::string out = "{\"code\":\"" + code_string(d.kind) + "\",\"severity\":\"" +
                    std::string(severity_name(d.severity)) + "\",\"message\":\"" +
                    json_escape(d.message) + "\"," + location_json(sources, d.primary) +
                    ",\"label\":\"" + json_escape(d.primary_label) + "\",\"related\":[";
  for (std::size_t i = 0; i < d.labels.size(); ++i) {
    if (i) out += ",";
    out += "{" + location_json(sources, d.labels[i].span) + ",\"message\":\"" +
           json_escape(d.labels[i].message) + "\"}";
  }
  out += "],\"notes\":[";
  for (std::size_t i = 0; i < d.notes.size(); ++i) {
    if (i) out += ",";
    out += "\"" + json_escape(d.notes[i]) + "\"";
  }
  out += "],\"help\":";
  out += d.help.empty() ? "null" : "\"" + json_escape(d.help) + "\"";
  out += "}";
  return out;
}

}  // namespace mlf
