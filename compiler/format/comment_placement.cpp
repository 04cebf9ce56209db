#include "compiler/format/comment_placement.h"

#include <algorithm>
#include <string_view>

namespace mlf::format {

namespace {

bool contains(Span outer, Span inner) {
  return outer.begin <= inner.begin && inner.end <= outer.end;
}

// An expression node or an argument: what comments attach to inside a declaration.
struct Node {
  const ast::Expr* expr = nullptr;
  const ast::Argument* argument = nullptr;

  const void* key() const { return expr ? static_cast<const void*>(expr) : argument; }
  Span span() const { return expr ? expr->span : argument->span; }
  bool is_sequence() const {
    return expr && (std::holds_alternative<ast::Call>(expr->node) ||
                    std::holds_alternative<ast::ListLiteral>(expr->node) ||
                    std::holds_alternative<ast::Block>(expr->node));
  }
  bool is_binary() const { return expr && std::holds_alternative<ast::Binary>(expr->node); }
};

Node of(const ast::Expr* expr) { return Node{expr, nullptr}; }

std::size_t child_count(Node node) {
  if (node.argument) return node.argument->value ? 1 : 0;
  return std::visit(
      [](const auto& n) -> std::size_t {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, ast::Call>)
          return n.arguments.size();
        else if constexpr (std::is_same_v<T, ast::ListLiteral> || std::is_same_v<T, ast::Block>)
          return n.elements.size();
        else if constexpr (std::is_same_v<T, ast::Binary>)
          return 2;
        else if constexpr (std::is_same_v<T, ast::Unary>)
          return 1;
        else if constexpr (std::is_same_v<T, ast::MemberAccess>)
          return 1;
        else
          return 0;
      },
      node.expr->node);
}

Node child(Node node, std::size_t i) {
  if (node.argument) return of(node.argument->value.get());
  return std::visit(
      [i](const auto& n) -> Node {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, ast::Call>)
          return Node{nullptr, &n.arguments[i]};
        else if constexpr (std::is_same_v<T, ast::ListLiteral> || std::is_same_v<T, ast::Block>)
          return of(n.elements[i].get());
        else if constexpr (std::is_same_v<T, ast::Binary>)
          return of(i == 0 ? n.lhs.get() : n.rhs.get());
        else if constexpr (std::is_same_v<T, ast::Unary>)
          return of(n.operand.get());
        else if constexpr (std::is_same_v<T, ast::MemberAccess>)
          return of(n.object.get());
        else
          return Node{};
      },
      node.expr->node);
}

// The first child that does not end before `at` (children are in source order and disjoint).
std::size_t first_child_not_before(Node node, std::uint32_t at) {
  std::size_t low = 0, high = child_count(node);
  while (low < high) {
    std::size_t middle = (low + high) / 2;
    if (child(node, middle).span().end <= at)
      low = middle + 1;
    else
      high = middle;
  }
  return low;
}

const ast::Expr* value_of(const ast::Decl& decl) {
  return std::visit(
      [](const auto& n) -> const ast::Expr* {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, ast::SeedDecl> || std::is_same_v<T, ast::ParamDecl> ||
                      std::is_same_v<T, ast::BindingDecl> || std::is_same_v<T, ast::ExportDecl>)
          return n.value.get();
        else if constexpr (std::is_same_v<T, ast::ExpectDecl>)
          return n.condition.get();
        else if constexpr (std::is_same_v<T, ast::SweepDecl>)
          return n.values.get();
        else
          return nullptr;
      },
      decl.node);
}

class Placer {
 public:
  Placer(const SourceFile& file, CommentPlacement& placement)
      : text_(file.text()), file_(file), placement_(placement) {}

  void in_declarations(const std::vector<ast::DeclPtr>& decls, const void* list_key,
                       const ast::Comment& comment) {
    // The last declaration that starts before the comment.
    auto it = std::upper_bound(
        decls.begin(), decls.end(), comment.span.begin,
        [](std::uint32_t at, const ast::DeclPtr& decl) { return at < decl->span.begin; });
    if (it != decls.begin()) {
      const ast::Decl& previous = **(it - 1);
      if (contains(previous.span, comment.span)) return in_declaration(previous, comment);
      if (!has_newline(previous.span.end, comment.span.begin)) {
        placement_.trailing[&previous].push_back(&comment);
        return;
      }
    }
    placement_.standalone[list_key].push_back(&comment);
  }

 private:
  void in_declaration(const ast::Decl& decl, const ast::Comment& comment) {
    if (const auto* sweep = std::get_if<ast::SweepDecl>(&decl.node)) {
      if (comment.span.begin > sweep_brace(*sweep, file_))
        return in_declarations(sweep->body, &decl, comment);
    }
    const ast::Expr* value = value_of(decl);
    if (value == nullptr || comment.span.end <= value->span.begin) {
      placement_.hoisted[&decl].push_back(&comment);
      return;
    }
    if (!contains(value->span, comment.span)) return after_value(decl, comment);
    // Descend to the smallest node that encloses the comment.
    std::vector<Node> path = {of(value)};
    for (;;) {
      Node node = path.back();
      std::size_t i = first_child_not_before(node, comment.span.begin);
      if (i < child_count(node) && contains(child(node, i).span(), comment.span)) {
        path.push_back(child(node, i));
        continue;
      }
      break;
    }
    attach(decl, path, comment);
  }

  enum class Side { Leading, Trailing };

  void attach(const ast::Decl& decl, const std::vector<Node>& path, const ast::Comment& comment) {
    Node node = path.back();
    std::size_t count = child_count(node);
    std::size_t next = first_child_not_before(node, comment.span.begin);
    bool has_previous = next > 0;
    bool has_next = next < count;
    if (node.is_sequence()) {
      // An end-of-line comment goes with the element before it, unless a comment on a line of
      // its own came first in the same gap: then, to keep their order, with what follows.
      bool own_line = is_own_line(comment.span.begin);
      if (has_next) {
        CommentList& leading = placement_.leading[child(node, next).key()];
        if (has_previous && !own_line && leading.empty())
          placement_.trailing[child(node, next - 1).key()].push_back(&comment);
        else
          leading.push_back(&comment);
      } else {
        CommentList& tail = placement_.tail[node.key()];
        if (has_previous && !own_line && tail.empty())
          placement_.trailing[child(node, next - 1).key()].push_back(&comment);
        else
          tail.push_back(&comment);
      }
      return;
    }
    if (node.argument) {
      auto& slot = has_next ? placement_.leading : placement_.trailing;
      slot[node.key()].push_back(&comment);
      return;
    }
    if (node.is_binary() && has_previous && has_next) {
      placement_.after_operator[node.key()].push_back(&comment);
      return;
    }
    move_out(decl, path, path.size() - 1, has_previous ? Side::Trailing : Side::Leading, comment);
  }

  // The comment is before (Leading) or after (Trailing) path[index], within its parent, and
  // path[index] offers no place of its own: find the nearest ancestor that does.
  void move_out(const ast::Decl& decl, const std::vector<Node>& path, std::size_t index, Side side,
                const ast::Comment& comment) {
    for (; index > 0; --index) {
      Node parent = path[index - 1];
      Node node = path[index];
      if (parent.is_sequence()) {
        auto& slot = side == Side::Leading ? placement_.leading : placement_.trailing;
        slot[node.key()].push_back(&comment);
        return;
      }
      if (parent.is_binary()) {
        bool is_lhs = child(parent, 0).key() == node.key();
        if (is_lhs == (side == Side::Trailing)) {
          placement_.after_operator[parent.key()].push_back(&comment);
          return;
        }
      }
      // Arguments, unary and member expressions: keep looking outward.
    }
    if (side == Side::Leading)
      placement_.hoisted[&decl].push_back(&comment);
    else
      after_value(decl, comment);
  }

  // A comment after all of a declaration's value: at the start of a sweep's body, or at the
  // end of the declaration's line. Either way it stays after the comments inside the value.
  void after_value(const ast::Decl& decl, const ast::Comment& comment) {
    if (std::holds_alternative<ast::SweepDecl>(decl.node))
      placement_.standalone[&decl].push_back(&comment);
    else
      placement_.trailing[&decl].push_back(&comment);
  }

  bool has_newline(std::uint32_t begin, std::uint32_t end) const {
    return std::string_view(text_).substr(begin, end - begin).find('\n') != std::string_view::npos;
  }

  // Nothing but blanks before it on its line.
  bool is_own_line(std::uint32_t at) const {
    while (at > 0) {
      char c = text_[at - 1];
      if (c == '\n') return true;
      if (c != ' ' && c != '\t' && c != '\r' && c != '\f') return false;
      --at;
    }
    return true;
  }

  const std::string& text_;
  const SourceFile& file_;
  CommentPlacement& placement_;
};

}  // namespace

std::uint32_t sweep_brace(const ast::SweepDecl& sweep, const SourceFile& file) {
  const std::string& text = file.text();
  std::size_t at = sweep.values ? sweep.values->span.end : 0;
  while (at < text.size() && text[at] != '{') {
    if (text[at] == '#') {
      while (at < text.size() && text[at] != '\n') ++at;
    } else {
      ++at;  // blanks and the closing parentheses of a parenthesized values expression
    }
  }
  return static_cast<std::uint32_t>(at);
}

CommentPlacement place_comments(const ast::Module& module, const SourceFile& file) {
  CommentPlacement placement;
  Placer placer(file, placement);
  for (const ast::Comment& comment : module.comments)
    placer.in_declarations(module.decls, &module, comment);
  return placement;
}

}  // namespace mlf::format
