// A document of text and line-break choices, laid out to a line width (Wadler's "prettier
// printer", as in prettier). Private to compiler/format.
//
// A Group is printed flat (every Line a space, every SoftLine nothing) when it fits on the
// rest of the current line, otherwise broken (every Line and SoftLine of its own a newline);
// its inner groups decide again for themselves. A HardLine, or a comment, inside a group
// forces that group and every enclosing one to break.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace mlf::format {

struct Doc {
  enum class Kind {
    Text,      // printed as is
    Comment,   // printed as is; does not count toward the width (nothing can move it)
    Line,      // a space when flat, a newline when broken
    SoftLine,  // nothing when flat, a newline when broken
    HardLine,  // always a newline
    IfBroken,  // text printed only when the enclosing group is broken (a trailing comma)
    Concat,
    Indent,  // its parts, with lines indented one more level
    Group,
  };
  Kind kind = Kind::Concat;
  std::string text;
  std::vector<Doc> parts;
  bool forces_break = false;  // holds a HardLine or a Comment
};

Doc text(std::string text);
Doc comment(std::string text);
Doc line();
Doc soft_line();
Doc hard_line();
Doc if_broken(std::string text);
Doc concat(std::vector<Doc> parts);
// concat(a, b, c): moves its arguments in (a braced list would copy them).
template <typename... Rest>
Doc concat(Doc first, Doc second, Rest... rest) {
  std::vector<Doc> parts;
  parts.reserve(2 + sizeof...(rest));
  parts.push_back(std::move(first));
  parts.push_back(std::move(second));
  (parts.push_back(std::move(rest)), ...);
  return concat(std::move(parts));
}
Doc indent(Doc doc);
Doc group(Doc doc);

/// Lays `doc` out at `base_indent` columns (the first line too) within `width` columns,
/// indenting by 2 per Indent level. Lines carry no trailing spaces; no final newline.
std::string layout(const Doc& doc, int base_indent, int width);

}  // namespace mlf::format
