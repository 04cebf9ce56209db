#include "compiler/syntax/nesting_scan.h"

#include <string>
#include <string_view>
#include <vector>

namespace mlf::syntax {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_ident_char(char c) { return is_ident_start(c) || is_digit(c); }

bool is_declaration_keyword(std::string_view word) {
  return word == "pipeline" || word == "seed" || word == "param" || word == "dataset" ||
         word == "augment" || word == "model" || word == "stage" || word == "expect" ||
         word == "export" || word == "sweep" || word == "import";
}

class NestingScanner {
 public:
  NestingScanner(const SourceFile& file, std::size_t begin, std::size_t end,
                 DiagnosticEngine& diagnostics, const ParseLimits& limits)
      : file_(file),
        text_(file.text()),
        pos_(begin),
        end_(end),
        diagnostics_(diagnostics),
        limits_(limits),
        declaration_start_(begin) {}

  std::size_t run() {
    while (pos_ < end_) {
      char c = text_[pos_];
      std::size_t start = pos_;
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f') {
        ++pos_;
      } else if (c == '#') {
        while (pos_ < end_ && text_[pos_] != '\n') ++pos_;
      } else if (c == '"') {
        skip_string();
        operand();
      } else if (is_digit(c) || (c == '.' && pos_ + 1 < end_ && is_digit(text_[pos_ + 1]))) {
        skip_number();
        operand();
      } else if (is_ident_start(c)) {
        while (pos_ < end_ && is_ident_char(text_[pos_])) ++pos_;
        if (!word(text_.substr(start, pos_ - start), start)) return declaration_start_;
      } else if (c == '(' || c == '[' || c == '{') {
        ++pos_;
        if (!open(c, start)) return declaration_start_;
      } else if (c == ')' || c == ']' || c == '}') {
        ++pos_;
        close(c);
      } else if (c == ',') {
        ++pos_;
        unary_run_ = 0;
        after_operand_ = false;
        operators_ = levels_.empty() ? 0 : levels_.back().operators_at_open;
      } else if (c == '-' && !after_operand_) {
        ++pos_;
        if (!unary(start, 1)) return declaration_start_;
      } else if (std::size_t length = binary_operator_length(); length > 0) {
        pos_ += length;
        if (!binary(start, length)) return declaration_start_;
      } else {
        // ':', '=', a lone '|' or '!', any other character: no effect on depth.
        ++pos_;
        unary_run_ = 0;
        after_operand_ = false;
      }
    }
    return end_;
  }

 private:
  struct Level {
    char open;
    int outer_depth;  // depth_ before the bracket
    int inner_depth;  // depth_ inside it
    std::size_t operators_at_open;
  };

  void skip_string() {
    ++pos_;
    while (pos_ < end_ && text_[pos_] != '"' && text_[pos_] != '\n' && text_[pos_] != '\r') {
      if (text_[pos_] == '\\' && pos_ + 1 < end_ && text_[pos_ + 1] != '\n' &&
          text_[pos_ + 1] != '\r')
        ++pos_;
      ++pos_;
    }
    if (pos_ < end_ && text_[pos_] == '"') ++pos_;
  }

  void skip_number() {
    while (pos_ < end_ && is_digit(text_[pos_])) ++pos_;
    if (pos_ < end_ && text_[pos_] == '.') {
      ++pos_;
      while (pos_ < end_ && is_digit(text_[pos_])) ++pos_;
    }
    if (pos_ < end_ && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      std::size_t exponent = pos_ + 1;
      if (exponent < end_ && (text_[exponent] == '+' || text_[exponent] == '-')) ++exponent;
      if (exponent < end_ && is_digit(text_[exponent])) {
        pos_ = exponent;
        while (pos_ < end_ && is_digit(text_[pos_])) ++pos_;
      }
    }
  }

  std::size_t binary_operator_length() const {
    char c = text_[pos_];
    char next = pos_ + 1 < end_ ? text_[pos_ + 1] : '\0';
    if (c == '|' && next == '>') return 2;
    if ((c == '<' || c == '>' || c == '=' || c == '!') && next == '=') return 2;
    if (c == '+' || c == '-' || c == '*' || c == '/' || c == '<' || c == '>' || c == '.') return 1;
    return 0;
  }

  void operand() {
    unary_run_ = 0;
    after_operand_ = true;
  }

  bool word(std::string_view text, std::size_t start) {
    if (is_declaration_keyword(text)) {
      // A declaration starts a new expression. Brackets left open by a broken declaration
      // are dropped here, as the parser's recovery drops them; only sweep bodies stay open.
      while (!levels_.empty() && levels_.back().open != '{') levels_.pop_back();
      depth_ = levels_.empty() ? 0 : levels_.back().inner_depth;
      operators_ = 0;
      unary_run_ = 0;
      after_operand_ = false;
      if (levels_.empty()) declaration_start_ = start;
      return true;
    }
    if (text == "not") return unary(start, text.size());
    if (text == "and" || text == "or") return binary(start, text.size());
    if (text == "to" || text == "in") {
      unary_run_ = 0;
      after_operand_ = false;
      return true;
    }
    operand();  // a name, `true` or `false`
    return true;
  }

  bool open(char bracket, std::size_t start) {
    int inner = depth_ + unary_run_ + 1;
    if (inner > limits_.max_depth) return too_deep(start, 1);
    levels_.push_back({bracket, depth_, inner, operators_});
    depth_ = inner;
    unary_run_ = 0;
    after_operand_ = false;
    return true;
  }

  void close(char bracket) {
    if (!levels_.empty()) {
      depth_ = levels_.back().outer_depth;
      operators_ = levels_.back().operators_at_open;
      levels_.pop_back();
    }
    unary_run_ = 0;
    after_operand_ = bracket != '}';
  }

  bool unary(std::size_t start, std::size_t length) {
    ++unary_run_;
    after_operand_ = false;
    if (depth_ + unary_run_ > limits_.max_depth) return too_deep(start, length);
    return true;
  }

  bool binary(std::size_t start, std::size_t length) {
    ++operators_;
    unary_run_ = 0;
    after_operand_ = false;
    if (operators_ > limits_.max_operators) {
      diagnostics_
          .report(
              DiagnosticKind::NestingTooDeep, span(start, length),
              "expression has more than " + std::to_string(limits_.max_operators) + " operators")
          .primary_label("the limit is crossed here")
          .note("a chain of operators nests as deep as it is long; the parser stops here")
          .help("split the expression into several declarations");
      return false;
    }
    return true;
  }

  bool too_deep(std::size_t start, std::size_t length) {
    diagnostics_
        .report(DiagnosticKind::NestingTooDeep, span(start, length),
                "expression nests more than " + std::to_string(limits_.max_depth) + " levels deep")
        .primary_label("the limit is crossed here")
        .note("each bracket and each unary operator is a level; the parser stops here")
        .help("split the expression into several declarations");
    return false;
  }

  Span span(std::size_t start, std::size_t length) const {
    return Span{file_.id(), static_cast<std::uint32_t>(start),
                static_cast<std::uint32_t>(start + length)};
  }

  const SourceFile& file_;
  std::string_view text_;
  std::size_t pos_;
  std::size_t end_;
  DiagnosticEngine& diagnostics_;
  const ParseLimits& limits_;

  std::vector<Level> levels_;
  int depth_ = 0;               // open brackets, plus the unary operators in front of each
  int unary_run_ = 0;           // unary operators in front of the current operand
  bool after_operand_ = false;  // a '-' here is binary
  std::size_t operators_ = 0;
  std::size_t declaration_start_;  // where the current top-level declaration starts
};

}  // namespace

std::size_t scan_nesting(const SourceFile& file, std::size_t begin, std::size_t end,
                         DiagnosticEngine& diagnostics, const ParseLimits& limits) {
  return NestingScanner(file, begin, end, diagnostics, limits).run();
}

}  // namespace mlf::syntax
