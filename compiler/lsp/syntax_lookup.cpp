#include "compiler/lsp/syntax_lookup.h"

#include <type_traits>

namespace mlf::lsp {

namespace {

bool covers(Span span, std::uint32_t offset) {
  // Inclusive end: a cursor just after a name still names it.
  return span.valid() && span.begin <= offset && offset <= span.end;
}

Declaration::Kind binding_kind(ast::BindingKind kind) {
  switch (kind) {
    case ast::BindingKind::Dataset: return Declaration::Kind::Dataset;
    case ast::BindingKind::Augment: return Declaration::Kind::Augment;
    case ast::BindingKind::Model: return Declaration::Kind::Model;
    case ast::BindingKind::Stage: return Declaration::Kind::Stage;
  }
  return Declaration::Kind::Dataset;
}

void collect(const std::vector<ast::DeclPtr>& decls, std::vector<Declaration>& out) {
  for (const auto& decl : decls) {
    std::visit(
        [&](const auto& node) {
          using T = std::decay_t<decltype(node)>;
          Declaration d;
          d.span = decl->span;
          d.decl = decl.get();
          if constexpr (std::is_same_v<T, ast::PipelineDecl>) {
            d.kind = Declaration::Kind::Pipeline;
            d.name = node.name.name;
            d.name_span = node.name.span;
          } else if constexpr (std::is_same_v<T, ast::ParamDecl>) {
            d.kind = Declaration::Kind::Param;
            d.name = node.name.name;
            d.name_span = node.name.span;
          } else if constexpr (std::is_same_v<T, ast::BindingDecl>) {
            d.kind = binding_kind(node.kind);
            d.name = node.name.name;
            d.name_span = node.name.span;
          } else if constexpr (std::is_same_v<T, ast::SweepDecl>) {
            d.kind = Declaration::Kind::Sweep;
            d.name = node.variable.name;
            d.name_span = node.variable.span;
            Declaration variable;
            variable.kind = Declaration::Kind::SweepVariable;
            variable.name = node.variable.name;
            variable.name_span = variable.span = node.variable.span;
            variable.decl = decl.get();
            d.children.push_back(std::move(variable));
            collect(node.body, d.children);
          } else {
            return;  // seed, expect, export, import introduce no names
          }
          out.push_back(std::move(d));
        },
        decl->node);
  }
}

class NameFinder {
 public:
  explicit NameFinder(std::uint32_t offset) : offset_(offset) {}

  void decls(const std::vector<ast::DeclPtr>& list) {
    for (const auto& decl : list)
      if (!found && covers(decl->span, offset_)) declaration(*decl);
  }

  std::optional<NameAt> found;

 private:
  void hit(NameAt::Role role, const ast::Identifier& id, std::string callee = "") {
    if (!found && covers(id.span, offset_)) found = NameAt{role, id.name, id.span, std::move(callee)};
  }

  void declaration(const ast::Decl& decl) {
    std::visit(
        [&](const auto& node) {
          using T = std::decay_t<decltype(node)>;
          if constexpr (std::is_same_v<T, ast::PipelineDecl>) {
            hit(NameAt::Role::Declared, node.name);
          } else if constexpr (std::is_same_v<T, ast::SeedDecl>) {
            expr(node.value.get());
          } else if constexpr (std::is_same_v<T, ast::ParamDecl>) {
            hit(NameAt::Role::Declared, node.name);
            expr(node.value.get());
          } else if constexpr (std::is_same_v<T, ast::BindingDecl>) {
            hit(NameAt::Role::Declared, node.name);
            expr(node.value.get());
          } else if constexpr (std::is_same_v<T, ast::ExpectDecl>) {
            expr(node.condition.get());
          } else if constexpr (std::is_same_v<T, ast::ExportDecl>) {
            expr(node.value.get());
          } else if constexpr (std::is_same_v<T, ast::SweepDecl>) {
            hit(NameAt::Role::Declared, node.variable);
            expr(node.values.get());
            decls(node.body);
          } else if constexpr (std::is_same_v<T, ast::ImportDecl>) {
            if (!found && covers(node.path_span, offset_))
              found = NameAt{NameAt::Role::Import, node.path.value, node.path_span, ""};
          }
        },
        decl.node);
  }

  void expr(const ast::Expr* e) {
    if (!e || found || !covers(e->span, offset_)) return;
    std::visit(
        [&](const auto& node) {
          using T = std::decay_t<decltype(node)>;
          if constexpr (std::is_same_v<T, ast::NameRef>) {
            hit(NameAt::Role::Reference, node.name);
          } else if constexpr (std::is_same_v<T, ast::MemberAccess>) {
            expr(node.object.get());
            hit(NameAt::Role::Member, node.member);
          } else if constexpr (std::is_same_v<T, ast::Call>) {
            hit(NameAt::Role::Callee, node.callee);
            for (const auto& argument : node.arguments) {
              if (argument.name) hit(NameAt::Role::ArgumentName, *argument.name, node.callee.name);
              expr(argument.value.get());
            }
          } else if constexpr (std::is_same_v<T, ast::ListLiteral>) {
            for (const auto& element : node.elements) expr(element.get());
          } else if constexpr (std::is_same_v<T, ast::Block>) {
            hit(NameAt::Role::Callee, node.kind);
            for (const auto& element : node.elements) expr(element.get());
          } else if constexpr (std::is_same_v<T, ast::Unary>) {
            expr(node.operand.get());
          } else if constexpr (std::is_same_v<T, ast::Binary>) {
            expr(node.lhs.get());
            expr(node.rhs.get());
          }
        },
        e->node);
  }

  std::uint32_t offset_;
};

}  // namespace

const char* declaration_keyword(Declaration::Kind kind) {
  switch (kind) {
    case Declaration::Kind::Pipeline: return "pipeline";
    case Declaration::Kind::Param: return "param";
    case Declaration::Kind::Dataset: return "dataset";
    case Declaration::Kind::Augment: return "augment";
    case Declaration::Kind::Model: return "model";
    case Declaration::Kind::Stage: return "stage";
    case Declaration::Kind::Sweep: return "sweep";
    case Declaration::Kind::SweepVariable: return "sweep variable";
  }
  return "";
}

std::vector<Declaration> declarations_of(const ast::Module& module) {
  std::vector<Declaration> out;
  collect(module.decls, out);
  return out;
}

const Declaration* find_declaration(const std::vector<Declaration>& declarations,
                                    const std::string& name) {
  for (const auto& d : declarations) {
    if (d.kind != Declaration::Kind::Sweep && d.kind != Declaration::Kind::Pipeline && d.name == name)
      return &d;
    if (const Declaration* inner = find_declaration(d.children, name)) return inner;
  }
  return nullptr;
}

std::optional<NameAt> name_at(const ast::Module& module, std::uint32_t offset) {
  NameFinder finder(offset);
  finder.decls(module.decls);
  return finder.found;
}

}  // namespace mlf::lsp
