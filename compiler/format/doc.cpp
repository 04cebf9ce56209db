#include "compiler/format/doc.h"

#include <utility>

namespace mlf::format {

namespace {

constexpr int kIndentWidth = 2;

enum class Mode { Flat, Broken };

struct Command {
  int indent;
  Mode mode;
  const Doc* doc;
};

// Display width: code points, not bytes.
int width_of(const std::string& text) {
  int width = 0;
  for (char c : text)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++width;
  return width;
}

Doc with_parts(Doc::Kind kind, std::vector<Doc> parts) {
  Doc doc;
  doc.kind = kind;
  for (const Doc& part : parts) doc.forces_break = doc.forces_break || part.forces_break;
  doc.parts = std::move(parts);
  return doc;
}

// Whether `next` printed flat, followed by `rest` (the commands still to print, last first)
// up to their first newline, fits in `remaining` columns.
bool fits(Command next, const std::vector<Command>& rest, int remaining) {
  std::vector<Command> stack = {next};
  std::size_t rest_index = rest.size();
  while (remaining >= 0) {
    if (stack.empty()) {
      if (rest_index == 0) return true;
      stack.push_back(rest[--rest_index]);
      continue;
    }
    Command command = stack.back();
    stack.pop_back();
    const Doc& doc = *command.doc;
    switch (doc.kind) {
      case Doc::Kind::Text: remaining -= width_of(doc.text); break;
      case Doc::Kind::Comment: break;
      case Doc::Kind::Line:
        if (command.mode == Mode::Broken) return true;
        remaining -= 1;
        break;
      case Doc::Kind::SoftLine:
        if (command.mode == Mode::Broken) return true;
        break;
      case Doc::Kind::HardLine: return true;
      case Doc::Kind::IfBroken:
        if (command.mode == Mode::Broken) remaining -= width_of(doc.text);
        break;
      case Doc::Kind::Concat:
      case Doc::Kind::Indent:
      case Doc::Kind::Group: {
        Mode mode = doc.kind == Doc::Kind::Group && doc.forces_break ? Mode::Broken : command.mode;
        for (auto it = doc.parts.rbegin(); it != doc.parts.rend(); ++it)
          stack.push_back({command.indent, mode, &*it});
        break;
      }
    }
  }
  return false;
}

}  // namespace

Doc text(std::string value) {
  Doc doc;
  doc.kind = Doc::Kind::Text;
  doc.text = std::move(value);
  return doc;
}

Doc comment(std::string value) {
  Doc doc;
  doc.kind = Doc::Kind::Comment;
  doc.text = std::move(value);
  doc.forces_break = true;
  return doc;
}

Doc line() {
  Doc doc;
  doc.kind = Doc::Kind::Line;
  return doc;
}

Doc soft_line() {
  Doc doc;
  doc.kind = Doc::Kind::SoftLine;
  return doc;
}

Doc hard_line() {
  Doc doc;
  doc.kind = Doc::Kind::HardLine;
  doc.forces_break = true;
  return doc;
}

Doc if_broken(std::string value) {
  Doc doc;
  doc.kind = Doc::Kind::IfBroken;
  doc.text = std::move(value);
  return doc;
}

Doc concat(std::vector<Doc> parts) { return with_parts(Doc::Kind::Concat, std::move(parts)); }

Doc indent(Doc inner) {
  std::vector<Doc> parts;
  parts.push_back(std::move(inner));
  return with_parts(Doc::Kind::Indent, std::move(parts));
}

Doc group(Doc inner) {
  std::vector<Doc> parts;
  parts.push_back(std::move(inner));
  return with_parts(Doc::Kind::Group, std::move(parts));
}

std::string layout(const Doc& root, int base_indent, int width) {
  std::string out(static_cast<std::size_t>(base_indent), ' ');
  int column = base_indent;
  std::vector<Command> stack = {{base_indent, Mode::Broken, &root}};
  auto newline = [&](int indent) {
    while (!out.empty() && out.back() == ' ') out.pop_back();
    out += '\n';
    out.append(static_cast<std::size_t>(indent), ' ');
    column = indent;
  };
  while (!stack.empty()) {
    Command command = stack.back();
    stack.pop_back();
    const Doc& doc = *command.doc;
    switch (doc.kind) {
      case Doc::Kind::Text:
      case Doc::Kind::Comment:
        out += doc.text;
        column += width_of(doc.text);
        break;
      case Doc::Kind::Line:
        if (command.mode == Mode::Flat) {
          out += ' ';
          column += 1;
        } else {
          newline(command.indent);
        }
        break;
      case Doc::Kind::SoftLine:
        if (command.mode == Mode::Broken) newline(command.indent);
        break;
      case Doc::Kind::HardLine: newline(command.indent); break;
      case Doc::Kind::IfBroken:
        if (command.mode == Mode::Broken) {
          out += doc.text;
          column += width_of(doc.text);
        }
        break;
      case Doc::Kind::Concat:
      case Doc::Kind::Indent: {
        int indent = command.indent + (doc.kind == Doc::Kind::Indent ? kIndentWidth : 0);
        for (auto it = doc.parts.rbegin(); it != doc.parts.rend(); ++it)
          stack.push_back({indent, command.mode, &*it});
        break;
      }
      case Doc::Kind::Group: {
        Mode mode = Mode::Broken;
        if (!doc.forces_break) {
          if (command.mode == Mode::Flat) {
            mode = Mode::Flat;
          } else {
            Command flat{command.indent, Mode::Flat, &doc.parts.front()};
            if (fits(flat, stack, width - column)) mode = Mode::Flat;
          }
        }
        for (auto it = doc.parts.rbegin(); it != doc.parts.rend(); ++it)
          stack.push_back({command.indent, mode, &*it});
        break;
      }
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace mlf::format
