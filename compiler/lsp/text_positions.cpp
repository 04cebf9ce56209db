#include "compiler/lsp/text_positions.h"

#include <filesystem>

#include "compiler/diagnostics/json_renderer.h"

namespace mlf::lsp {

std::uint32_t offset_of(const SourceFile& file, std::int64_t line, std::int64_t character) {
  const std::string& text = file.text();
  if (line < 0) return 0;
  if (line >= file.line_count()) return static_cast<std::uint32_t>(text.size());
  std::uint32_t i = file.line_start(static_cast<std::uint32_t>(line) + 1);
  std::int64_t units = 0;
  while (i < text.size() && text[i] != '\n' && text[i] != '\r' && units < character) {
    auto c = static_cast<unsigned char>(text[i]);
    std::uint32_t length = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    units += length == 4 ? 2 : 1;
    i = std::min<std::uint32_t>(i + length, static_cast<std::uint32_t>(text.size()));
  }
  return i;
}

json position_json(const SourceFile& file, std::uint32_t offset) {
  offset = std::min<std::uint32_t>(offset, static_cast<std::uint32_t>(file.text().size()));
  // Back up to the start of a character, so a span never splits one.
  while (offset > 0 && (static_cast<unsigned char>(file.text()[offset]) & 0xC0) == 0x80 &&
         offset < file.text().size())
    --offset;
  return {{"line", file.line_column(offset).line - 1}, {"character", utf16_column(file, offset)}};
}

json range_json(const SourceFile& file, Span span) {
  return {{"start", position_json(file, span.begin)}, {"end", position_json(file, span.end)}};
}

json empty_range_json() {
  json zero = {{"line", 0}, {"character", 0}};
  return {{"start", zero}, {"end", zero}};
}

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string path_of_uri(const std::string& uri) {
  const std::string scheme = "file://";
  if (uri.rfind(scheme, 0) != 0) return "";
  std::string rest = uri.substr(scheme.size());
  // `file://host/path`: only the local host (empty or localhost) names a local file.
  auto slash = rest.find('/');
  if (slash == std::string::npos) return "";
  std::string host = rest.substr(0, slash);
  if (!host.empty() && host != "localhost") return "";
  rest = rest.substr(slash);
  std::string path;
  for (std::size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '%' && i + 2 < rest.size() && hex_value(rest[i + 1]) >= 0 &&
        hex_value(rest[i + 2]) >= 0) {
      path += static_cast<char>(hex_value(rest[i + 1]) * 16 + hex_value(rest[i + 2]));
      i += 2;
    } else {
      path += rest[i];
    }
  }
  return path;
}

std::string uri_of_path(const std::string& path) {
  std::error_code ec;
  std::string absolute = std::filesystem::absolute(path, ec).lexically_normal().string();
  if (absolute.empty()) absolute = path;
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string uri = "file://";
  for (unsigned char c : absolute) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '/' || c == '-' || c == '_' || c == '.' || c == '~';
    if (plain) {
      uri += static_cast<char>(c);
    } else {
      uri += '%';
      uri += kHex[c >> 4];
      uri += kHex[c & 15];
    }
  }
  return uri;
}

}  // namespace mlf::lsp
