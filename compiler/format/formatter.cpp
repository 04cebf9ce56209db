#include "compiler/format/formatter.h"

#include <algorithm>
#include <utility>

#include "compiler/format/comment_placement.h"
#include "compiler/format/doc.h"

namespace mlf {

namespace {

using format::comment;
using format::concat;
using format::Doc;
using format::group;
using format::hard_line;
using format::if_broken;
using format::indent;
using format::line;
using format::soft_line;
using format::text;

constexpr int kLineWidth = 100;
constexpr int kIndentWidth = 2;

// Binding strength, loosest first; what the grammar's alternatives encode.
enum Precedence {
  kOr = 1,
  kAnd,
  kComparison,
  kPipe,
  kAdditive,
  kMultiplicative,
  kUnary,
  kPostfix,
  kPrimary
};

int precedence(ast::BinaryOp op) {
  switch (op) {
    case ast::BinaryOp::Or: return kOr;
    case ast::BinaryOp::And: return kAnd;
    case ast::BinaryOp::Less:
    case ast::BinaryOp::LessEqual:
    case ast::BinaryOp::Greater:
    case ast::BinaryOp::GreaterEqual:
    case ast::BinaryOp::Equal:
    case ast::BinaryOp::NotEqual: return kComparison;
    case ast::BinaryOp::Pipe: return kPipe;
    case ast::BinaryOp::Add:
    case ast::BinaryOp::Subtract: return kAdditive;
    case ast::BinaryOp::Multiply:
    case ast::BinaryOp::Divide: return kMultiplicative;
  }
  return kOr;
}

int precedence(const ast::Expr& expr) {
  if (const auto* binary = std::get_if<ast::Binary>(&expr.node)) return precedence(binary->op);
  if (std::holds_alternative<ast::Unary>(expr.node)) return kUnary;
  if (std::holds_alternative<ast::MemberAccess>(expr.node)) return kPostfix;
  return kPrimary;
}

std::string quoted(const std::string& value) {
  std::string out = "\"";
  for (char c : value) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default: out += c; break;
    }
  }
  return out + "\"";
}

std::string type_text(const ast::TypeExpr& type) {
  return type.is_list ? "[" + type.name.name + "]" : type.name.name;
}

class Printer {
 public:
  Printer(const SourceFile& file, const format::CommentPlacement& comments)
      : file_(file), comments_(comments) {}

  /// Declarations with the comments among them, one declaration per line (or per group of
  /// lines); a blank line where the source had at least one.
  std::string declarations(const std::vector<ast::DeclPtr>& decls, const void* list_key,
                           int indentation) {
    struct Item {
      std::uint32_t begin;
      const ast::Decl* decl;
      const ast::Comment* comment;
    };
    std::vector<Item> items;
    for (const auto& decl : decls) items.push_back({decl->span.begin, decl.get(), nullptr});
    for (const ast::Comment* c : comments_.get(comments_.standalone, list_key))
      items.push_back({c->span.begin, nullptr, c});
    std::stable_sort(items.begin(), items.end(),
                     [](const Item& a, const Item& b) { return a.begin < b.begin; });

    std::string out;
    std::string margin(static_cast<std::size_t>(indentation), ' ');
    bool first = true;
    std::uint32_t previous_end = 0;
    for (const Item& item : items) {
      if (!first && blank_line_between(previous_end, item.begin)) out += '\n';
      first = false;
      if (item.comment) {
        out += margin + item.comment->text + '\n';
        previous_end = item.comment->span.end;
        continue;
      }
      const ast::Decl& decl = *item.decl;
      for (const ast::Comment* c : comments_.get(comments_.hoisted, &decl))
        out += margin + c->text + '\n';
      out += declaration(decl, indentation);
      previous_end = decl.span.end;
      bool first_trailing = true;
      for (const ast::Comment* c : comments_.get(comments_.trailing, &decl)) {
        out += first_trailing ? "  " + c->text : "\n" + margin + c->text;
        first_trailing = false;
        previous_end = std::max(previous_end, c->span.end);
      }
      out += '\n';
    }
    return out;
  }

 private:
  // Whether the source has a line of nothing but blanks between the two offsets.
  bool blank_line_between(std::uint32_t begin, std::uint32_t end) const {
    const std::string& source = file_.text();
    bool line_blank_so_far = false;  // on a line that began inside the gap
    for (std::uint32_t i = begin; i < end && i < source.size(); ++i) {
      char c = source[i];
      if (c == '\n') {
        if (line_blank_so_far) return true;
        line_blank_so_far = true;
      } else if (c != ' ' && c != '\t' && c != '\r' && c != '\f') {
        line_blank_so_far = false;
      }
    }
    return false;
  }

  // One declaration, without a final newline.
  std::string declaration(const ast::Decl& decl, int indentation) {
    if (const auto* sweep = std::get_if<ast::SweepDecl>(&decl.node)) {
      Doc header = concat(text("sweep " + sweep->variable.name + " in "),
                          expression(*sweep->values), text(" {"));
      std::string out = format::layout(header, indentation, kLineWidth);
      std::string body = declarations(sweep->body, &decl, indentation + kIndentWidth);
      if (body.empty()) return out + "}";
      return out + "\n" + body + std::string(static_cast<std::size_t>(indentation), ' ') + "}";
    }
    return format::layout(declaration_doc(decl), indentation, kLineWidth);
  }

  Doc declaration_doc(const ast::Decl& decl) {
    return std::visit(
        [&](const auto& n) -> Doc {
          using T = std::decay_t<decltype(n)>;
          if constexpr (std::is_same_v<T, ast::PipelineDecl>) {
            return text("pipeline " + n.name.name);
          } else if constexpr (std::is_same_v<T, ast::SeedDecl>) {
            return concat(text("seed "), expression(*n.value));
          } else if constexpr (std::is_same_v<T, ast::ParamDecl>) {
            return concat(text("param " + n.name.name + ": " + type_text(n.type) + " = "),
                          expression(*n.value));
          } else if constexpr (std::is_same_v<T, ast::BindingDecl>) {
            return concat(
                text(std::string(ast::binding_keyword(n.kind)) + " " + n.name.name + " = "),
                expression(*n.value));
          } else if constexpr (std::is_same_v<T, ast::ExpectDecl>) {
            return concat(text("expect "), expression(*n.condition));
          } else if constexpr (std::is_same_v<T, ast::ExportDecl>) {
            return concat(text("export "), expression(*n.value),
                          text(" to " + quoted(n.path.value)));
          } else if constexpr (std::is_same_v<T, ast::ImportDecl>) {
            return text("import " + quoted(n.path.value));
          } else {
            return text("");  // sweeps are laid out by declaration()
          }
        },
        decl.node);
  }

  Doc expression(const ast::Expr& expr) {
    return std::visit(
        [&](const auto& n) -> Doc {
          using T = std::decay_t<decltype(n)>;
          if constexpr (std::is_same_v<T, ast::NumberLiteral>) {
            return text(n.text);
          } else if constexpr (std::is_same_v<T, ast::StringLiteral>) {
            return text(quoted(n.value));
          } else if constexpr (std::is_same_v<T, ast::BoolLiteral>) {
            return text(n.value ? "true" : "false");
          } else if constexpr (std::is_same_v<T, ast::NameRef>) {
            return text(n.name.name);
          } else if constexpr (std::is_same_v<T, ast::MemberAccess>) {
            return member_chain(expr);
          } else if constexpr (std::is_same_v<T, ast::Call>) {
            std::vector<std::pair<const void*, Doc>> items;
            for (const ast::Argument& argument : n.arguments) {
              Doc value = expression(*argument.value);
              if (argument.name) value = concat(text(argument.name->name + ": "), std::move(value));
              items.emplace_back(&argument, std::move(value));
            }
            return concat(text(n.callee.name), sequence("(", ")", std::move(items), &expr));
          } else if constexpr (std::is_same_v<T, ast::ListLiteral>) {
            return sequence("[", "]", elements(n.elements), &expr);
          } else if constexpr (std::is_same_v<T, ast::Block>) {
            return concat(text(n.kind.name + " "), sequence("[", "]", elements(n.elements), &expr));
          } else if constexpr (std::is_same_v<T, ast::Unary>) {
            return unary(n);
          } else {
            return binary_chain(expr);
          }
        },
        expr.node);
  }

  Doc operand(const ast::Expr& expr, bool parenthesize) {
    if (!parenthesize) return expression(expr);
    return concat(text("("), expression(expr), text(")"));
  }

  Doc unary(const ast::Unary& node) {
    const ast::Expr& operand_expr = *node.operand;
    std::string op = node.op == ast::UnaryOp::Not ? "not " : "-";
    // `- -x` rather than `--x`.
    if (const auto* inner = std::get_if<ast::Unary>(&operand_expr.node);
        inner && inner->op == ast::UnaryOp::Negate && node.op == ast::UnaryOp::Negate)
      op = "- ";
    return concat(text(op), operand(operand_expr, precedence(operand_expr) < kUnary));
  }

  // `a.b.c`, walked in a loop.
  Doc member_chain(const ast::Expr& expr) {
    std::vector<const ast::MemberAccess*> members;
    const ast::Expr* base = &expr;
    while (const auto* member = std::get_if<ast::MemberAccess>(&base->node)) {
      members.push_back(member);
      base = member->object.get();
    }
    // `(1).x`, since `1.x` would lex as the number `1.`.
    bool parenthesize =
        precedence(*base) < kPostfix || std::holds_alternative<ast::NumberLiteral>(base->node);
    std::vector<Doc> parts = {operand(*base, parenthesize)};
    for (auto it = members.rbegin(); it != members.rend(); ++it)
      parts.push_back(text("." + (*it)->member.name));
    return concat(std::move(parts));
  }

  // `a + b - c`: the left-leaning chain of one precedence level, walked in a loop. A comment
  // after an operator ends the line; the chain goes on indented on the next.
  Doc binary_chain(const ast::Expr& expr) {
    int level = precedence(std::get<ast::Binary>(expr.node).op);
    std::vector<const ast::Expr*> chain = {&expr};
    const ast::Expr* first = std::get<ast::Binary>(expr.node).lhs.get();
    if (level != kComparison) {
      while (const auto* binary = std::get_if<ast::Binary>(&first->node)) {
        if (precedence(binary->op) != level) break;
        chain.push_back(first);
        first = binary->lhs.get();
      }
    }
    int first_precedence = precedence(*first);
    Doc head = operand(
        *first, first_precedence < level || (level == kComparison && first_precedence == level));
    std::vector<Doc> rest;
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      const auto& binary = std::get<ast::Binary>((*it)->node);
      rest.push_back(text(std::string(" ") + ast::binary_op_text(binary.op)));
      const format::CommentList& notes = comments_.get(comments_.after_operator, *it);
      if (notes.empty()) {
        rest.push_back(text(" "));
      } else {
        for (std::size_t i = 0; i < notes.size(); ++i) {
          if (i > 0) rest.push_back(hard_line());
          rest.push_back(comment(i == 0 ? "  " + notes[i]->text : notes[i]->text));
        }
        rest.push_back(hard_line());
      }
      rest.push_back(operand(*binary.rhs, precedence(*binary.rhs) <= level));
    }
    return concat(std::move(head), indent(concat(std::move(rest))));
  }

  std::vector<std::pair<const void*, Doc>> elements(const std::vector<ast::ExprPtr>& exprs) {
    std::vector<std::pair<const void*, Doc>> items;
    for (const auto& element : exprs) items.emplace_back(element.get(), expression(*element));
    return items;
  }

  // `(a, b)` when it fits; otherwise one element per line with a trailing comma. Comments
  // among the elements force the broken form.
  Doc sequence(const char* open, const char* close, std::vector<std::pair<const void*, Doc>> items,
               const void* container) {
    const format::CommentList& tail = comments_.get(comments_.tail, container);
    if (items.empty() && tail.empty()) return text(std::string(open) + close);
    std::vector<Doc> inner = {soft_line()};
    for (std::size_t i = 0; i < items.size(); ++i) {
      auto& [key, doc] = items[i];
      for (const ast::Comment* c : comments_.get(comments_.leading, key)) {
        inner.push_back(comment(c->text));
        inner.push_back(hard_line());
      }
      inner.push_back(std::move(doc));
      bool last = i + 1 == items.size();
      inner.push_back(last ? if_broken(",") : text(","));
      const format::CommentList& trailing = comments_.get(comments_.trailing, key);
      for (std::size_t j = 0; j < trailing.size(); ++j) {
        if (j > 0) inner.push_back(hard_line());
        inner.push_back(comment(j == 0 ? "  " + trailing[j]->text : trailing[j]->text));
      }
      if (!last) inner.push_back(line());
    }
    for (std::size_t j = 0; j < tail.size(); ++j) {
      if (j > 0 || !items.empty()) inner.push_back(hard_line());
      inner.push_back(comment(tail[j]->text));
    }
    return group(concat(text(open), indent(concat(std::move(inner))), soft_line(), text(close)));
  }

  const SourceFile& file_;
  const format::CommentPlacement& comments_;
};

}  // namespace

std::string format_module(const ast::Module& module, const SourceFile& file) {
  format::CommentPlacement comments = format::place_comments(module, file);
  Printer printer(file, comments);
  return printer.declarations(module.decls, &module, 0);
}

}  // namespace mlf
