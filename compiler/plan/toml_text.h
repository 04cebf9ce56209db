// A small deterministic TOML emitter for the plan.
//
// Takes: keys and already-rendered values.
// Promises: one spelling for every value — basic strings with a fixed escape set, bare keys
// when TOML allows them, floats in their shortest round-trip form (canonical_float), inline
// tables as `{ a = 1, b = 2 }` (`{}` when empty), arrays as `[a, b]` — and one layout: a
// blank line before each table header, `\n` line ends, no trailing spaces. The plan id is
// the hash of these bytes, so this file must never depend on a library's formatting.
// Does not: parse TOML (the plan reader uses toml++).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mlf::toml_text {

std::string string(std::string_view text);  // "…" with \" \\ \b \t \n \f \r \uXXXX escapes
// The same spellings appended to `out`: a plan is written into one buffer, not assembled from
// thousands of small strings.
void append_string(std::string& out, std::string_view text);
void append_key(std::string& out, std::string_view name);
void append_integer(std::string& out, std::int64_t value);
std::string key(std::string_view name);     // bare when [A-Za-z0-9_-]+, else a string
std::string integer(std::int64_t value);
std::string real(double value);  // canonical_float: 1.0, 0.001, 1e-05, inf, nan
std::string boolean(bool value);
std::string array(const std::vector<std::string>& rendered_items);
std::string inline_table(const std::vector<std::pair<std::string, std::string>>& entries);

class Writer {
 public:
  void comment(std::string_view text);                                 // # text
  void table(std::string_view path);                                   // [path]
  void array_table(std::string_view path);                             // [[path]]
  void entry(std::string_view name, std::string_view rendered_value);  // key = value
  // key = <what render(out) appends>
  template <typename Render>
  void entry_with(std::string_view name, Render&& render) {
    append_key(out_, name);
    out_ += " = ";
    render(out_);
    out_ += '\n';
  }
  void reserve(std::size_t bytes) { out_.reserve(bytes); }
  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void header(std::string_view open, std::string_view path, std::string_view close);
  std::string out_;
};

}  // namespace mlf::toml_text
