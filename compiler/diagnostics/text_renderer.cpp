#include "compiler/diagnostics/text_renderer.h"

#include <algorithm>

#include "compiler/diagnostics/diagnostic_engine.h"

namespace mlf {

namespace {

struct Palette {
  bool on;
  std::string error() const { return on ? "\x1b[1;31m" : ""; }
  std::string warning() const { return on ? "\x1b[1;33m" : ""; }
  std::string note() const { return on ? "\x1b[1;36m" : ""; }
  std::string blue() const { return on ? "\x1b[1;34m" : ""; }
  std::string bold() const { return on ? "\x1b[1m" : ""; }
  std::string reset() const { return on ? "\x1b[0m" : ""; }
  std::string severity(Severity s) const {
    return s == Severity::Error ? error() : s == Severity::Warning ? warning() : note();
  }
};

// Display width of bytes [begin, end) of a line: one column per code point, tabs as 4.
std::size_t display_width(std::string_view text) {
  std::size_t width = 0;
  for (unsigned char c : text) {
    if (c == '\t') width += 4;
    else if ((c & 0xC0) != 0x80) ++width;
  }
  return width;
}

std::string expand_tabs(std::string_view line) {
  std::string out;
  for (char c : line) {
    if (c == '\t') out += "    ";
    else out += c;
  }
  return out;
}

struct Underline {
  std::uint32_t line;
  std::size_t start_col;  // display columns
  std::size_t width;
  char mark;
  std::string message;
  bool primary;
};

Underline underline_for(const SourceFile& file, Span span, char mark, std::string message,
                        bool primary) {
  LineColumn start = file.line_column(span.begin);
  std::string_view line = file.line_text(start.line);
  std::uint32_t line_begin = file.line_start(start.line);
  std::size_t prefix_bytes = std::min<std::size_t>(span.begin - line_begin, line.size());
  std::size_t end_bytes = std::min<std::size_t>(span.end > line_begin ? span.end - line_begin : 0,
                                                line.size());
  std::size_t start_col = display_width(line.substr(0, prefix_bytes));
  std::size_t width = end_bytes > prefix_bytes
                          ? display_width(line.substr(prefix_bytes, end_bytes - prefix_bytes))
                          : 1;
  return Underline{start.line, start_col, std::max<std::size_t>(1, width), mark,
                   std::move(message), primary};
}

}  // namespace

std::string render_text(const Diagnostic& d, const SourceMap& sources, bool color) {
  Palette p{color};
  std::string out;
  const auto& kind = info(d.kind);
  out += p.severity(d.severity) + std::string(severity_name(d.severity)) + "[" +
         code_string(d.kind) + "]" + p.reset() + p.bold() + ": " + d.message + p.reset() + "\n";
  if (!d.primary.valid() || d.primary.file >= sources.size()) {
    for (const auto& note : d.notes) out += "  = note: " + note + "\n";
    if (!d.help.empty()) out += "  = help: " + d.help + "\n";
    (void)kind;
    return out;
  }
  const SourceFile& file = sources.file(d.primary.file);
  LineColumn where = file.line_column(d.primary.begin);

  std::vector<Underline> marks;
  marks.push_back(underline_for(file, d.primary, '^', d.primary_label, true));
  std::vector<const Label*> elsewhere;
  for (const auto& label : d.labels) {
    if (label.span.valid() && label.span.file == d.primary.file)
      marks.push_back(underline_for(file, label.span, '-', label.message, false));
    else if (label.span.valid() && label.span.file < sources.size())
      elsewhere.push_back(&label);
  }
  std::sort(marks.begin(), marks.end(), [](const Underline& a, const Underline& b) {
    return std::tie(a.line, a.start_col) < std::tie(b.line, b.start_col);
  });
  std::uint32_t max_line = 0;
  for (const auto& m : marks) max_line = std::max(max_line, m.line);
  for (const Label* l : elsewhere)
    max_line = std::max(max_line, sources.file(l->span.file).line_column(l->span.begin).line);
  std::string gutter(std::to_string(max_line).size(), ' ');

  out += gutter + p.blue() + "--> " + p.reset() + file.path() + ":" + std::to_string(where.line) +
         ":" + std::to_string(where.column) + "\n";
  out += gutter + " " + p.blue() + "|" + p.reset() + "\n";
  std::uint32_t previous = 0;
  for (std::size_t i = 0; i < marks.size(); ++i) {
    const auto& m = marks[i];
    if (m.line != previous) {
      if (previous != 0 && m.line > previous + 1) out += p.blue() + "..." + p.reset() + "\n";
      std::string number = std::to_string(m.line);
      out += p.blue() + std::string(gutter.size() - number.size(), ' ') + number + " |" +
             p.reset() + " " + expand_tabs(file.line_text(m.line)) + "\n";
      previous = m.line;
    }
    std::string colour = m.primary ? p.severity(d.severity) : p.blue();
    out += gutter + " " + p.blue() + "|" + p.reset() + " " + std::string(m.start_col, ' ') +
           colour + std::string(m.width, m.mark);
    if (!m.message.empty()) out += " " + m.message;
    out += p.reset() + "\n";
  }
  for (const Label* l : elsewhere) {
    const SourceFile& other = sources.file(l->span.file);
    LineColumn at = other.line_column(l->span.begin);
    Underline m = underline_for(other, l->span, '-', l->message, false);
    std::string number = std::to_string(at.line);
    out += gutter + p.blue() + "::: " + p.reset() + other.path() + ":" + number + ":" +
           std::to_string(at.column) + "\n";
    out += p.blue() + std::string(gutter.size() - std::min(gutter.size(), number.size()), ' ') +
           number + " |" + p.reset() + " " + expand_tabs(other.line_text(at.line)) + "\n";
    out += gutter + " " + p.blue() + "|" + p.reset() + " " + std::string(m.start_col, ' ') +
           p.blue() + std::string(m.width, '-') + (m.message.empty() ? "" : " " + m.message) +
           p.reset() + "\n";
  }
  if (!d.notes.empty() || !d.help.empty()) out += gutter + " " + p.blue() + "|" + p.reset() + "\n";
  for (const auto& note : d.notes)
    out += gutter + " " + p.blue() + "= " + p.reset() + p.bold() + "note" + p.reset() + ": " +
           note + "\n";
  if (!d.help.empty())
    out += gutter + " " + p.blue() + "= " + p.reset() + p.bold() + "help" + p.reset() + ": " +
           d.help + "\n";
  return out;
}

std::string render_text(const std::vector<Diagnostic>& diagnostics, const SourceMap& sources,
                        bool color) {
  std::string out;
  for (const auto& d : diagnostics) {
    out += render_text(d, sources, color);
    out += "\n";
  }
  return out;
}

}  // namespace mlf
