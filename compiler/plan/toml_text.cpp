#include "compiler/plan/toml_text.h"

#include <charconv>

#include "compiler/sema/value.h"

namespace mlf::toml_text {

namespace {

bool needs_escape(char c) {
  auto byte = static_cast<unsigned char>(c);
  return c == '"' || c == '\\' || byte < 0x20 || byte == 0x7f;
}

bool is_bare_key(std::string_view name) {
  bool bare = !name.empty();
  for (char c : name)
    bare = bare && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-');
  return bare;
}

}  // namespace

void append_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out += '"';
  std::size_t plain = 0;
  while (plain < text.size() && !needs_escape(text[plain])) ++plain;
  out += text.substr(0, plain);
  for (char c : text.substr(plain)) {
    auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (byte < 0x20 || byte == 0x7f) {
          out += "\\u00";
          out += kHex[byte >> 4];
          out += kHex[byte & 15];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void append_key(std::string& out, std::string_view name) {
  if (is_bare_key(name))
    out += name;
  else
    append_string(out, name);
}

void append_integer(std::string& out, std::int64_t value) {
  char digits[24];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, value).ptr);
}

std::string string(std::string_view text) {
  std::string out;
  append_string(out, text);
  return out;
}

std::string key(std::string_view name) {
  std::string out;
  append_key(out, name);
  return out;
}

std::string integer(std::int64_t value) { return std::to_string(value); }

std::string real(double value) { return canonical_float(value); }

std::string boolean(bool value) { return value ? "true" : "false"; }

std::string array(const std::vector<std::string>& rendered_items) {
  std::string out = "[";
  for (std::size_t i = 0; i < rendered_items.size(); ++i) {
    if (i) out += ", ";
    out += rendered_items[i];
  }
  out += ']';
  return out;
}

std::string inline_table(const std::vector<std::pair<std::string, std::string>>& entries) {
  if (entries.empty()) return "{}";
  std::string out = "{ ";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i) out += ", ";
    out += key(entries[i].first);
    out += " = ";
    out += entries[i].second;
  }
  out += " }";
  return out;
}

void Writer::comment(std::string_view text) {
  out_ += "# ";
  out_ += text;
  out_ += '\n';
}

void Writer::header(std::string_view open, std::string_view path, std::string_view close) {
  if (!out_.empty()) out_ += '\n';
  out_ += open;
  out_ += path;
  out_ += close;
  out_ += '\n';
}

void Writer::table(std::string_view path) { header("[", path, "]"); }

void Writer::array_table(std::string_view path) { header("[[", path, "]]"); }

void Writer::entry(std::string_view name, std::string_view rendered_value) {
  append_key(out_, name);
  out_ += " = ";
  out_ += rendered_value;
  out_ += '\n';
}

}  // namespace mlf::toml_text
