#include "compiler/syntax/ast_builder.h"

#include <utility>

#include "compiler/syntax/literals.h"

namespace mlf::syntax {

namespace {

template <typename Node>
ast::ExprPtr make_expr(Span span, Node node) {
  auto expr = std::make_unique<ast::Expr>();
  expr->span = span;
  expr->node = std::move(node);
  return expr;
}

ast::BinaryOp binary_op(std::size_t token_type) {
  using P = mlf_grammar::MlflowParser;
  switch (token_type) {
    case P::PLUS: return ast::BinaryOp::Add;
    case P::MINUS: return ast::BinaryOp::Subtract;
    case P::STAR: return ast::BinaryOp::Multiply;
    case P::SLASH: return ast::BinaryOp::Divide;
    case P::PIPE: return ast::BinaryOp::Pipe;
    case P::LT: return ast::BinaryOp::Less;
    case P::LE: return ast::BinaryOp::LessEqual;
    case P::GT: return ast::BinaryOp::Greater;
    case P::GE: return ast::BinaryOp::GreaterEqual;
    case P::EQ: return ast::BinaryOp::Equal;
    case P::NE: return ast::BinaryOp::NotEqual;
    case P::AND: return ast::BinaryOp::And;
    default: return ast::BinaryOp::Or;
  }
}

}  // namespace

bool AstBuilder::intact(antlr4::ParserRuleContext* context) {
  bool ok = context != nullptr && !context->exception;
  if (ok) {
    for (auto* child : context->children) {
      if (dynamic_cast<antlr4::tree::ErrorNode*>(child)) {
        ok = false;
        break;
      }
    }
  }
  if (!ok) broken_ = true;
  return ok;
}

ast::ExprPtr AstBuilder::mark_broken() {
  broken_ = true;
  return nullptr;
}

ast::Identifier AstBuilder::identifier(antlr4::tree::TerminalNode* node) {
  if (node == nullptr) {
    broken_ = true;
    return {};
  }
  return ast::Identifier{node->getText(), spans_.token(node->getSymbol())};
}

/// program ::= decl* EOF
std::vector<ast::DeclPtr> AstBuilder::declarations(P::ProgramContext* program) {
  std::vector<ast::DeclPtr> out;
  if (program == nullptr) return out;
  for (auto* context : program->decl()) {
    if (auto decl = declaration(context)) out.push_back(std::move(decl));
  }
  return out;
}

/// decl ::= 'pipeline' IDENT | 'seed' expr | 'param' IDENT ':' typeExpr '=' expr
///        | ('dataset' | 'augment' | 'model' | 'stage') IDENT '=' expr | 'expect' expr
///        | 'export' expr 'to' STRING | 'sweep' IDENT 'in' expr '{' decl* '}' | 'import' STRING
ast::DeclPtr AstBuilder::declaration(P::DeclContext* context) {
  bool outer_broken = std::exchange(broken_, false);
  auto decl = std::make_unique<ast::Decl>();
  if (intact(context)) {
    decl->span = spans_.context(context);
    if (auto* pipeline = dynamic_cast<P::PipelineDeclContext*>(context)) {
      decl->node = ast::PipelineDecl{identifier(pipeline->IDENT())};
    } else if (auto* seed = dynamic_cast<P::SeedDeclContext*>(context)) {
      decl->node = ast::SeedDecl{expression(seed->expr())};
    } else if (auto* param = dynamic_cast<P::ParamDeclContext*>(context)) {
      ast::ParamDecl node;
      node.name = identifier(param->IDENT());
      node.type = type(param->typeExpr());
      node.value = expression(param->expr());
      decl->node = std::move(node);
    } else if (auto* binding = dynamic_cast<P::BindingDeclContext*>(context)) {
      ast::BindingDecl node;
      switch (binding->kind ? binding->kind->getType() : 0) {
        case P::DATASET: node.kind = ast::BindingKind::Dataset; break;
        case P::AUGMENT: node.kind = ast::BindingKind::Augment; break;
        case P::MODEL: node.kind = ast::BindingKind::Model; break;
        case P::STAGE: node.kind = ast::BindingKind::Stage; break;
        default: broken_ = true; break;
      }
      node.name = identifier(binding->IDENT());
      node.value = expression(binding->expr());
      decl->node = std::move(node);
    } else if (auto* expect = dynamic_cast<P::ExpectDeclContext*>(context)) {
      decl->node = ast::ExpectDecl{expression(expect->expr())};
    } else if (auto* export_ = dynamic_cast<P::ExportDeclContext*>(context)) {
      ast::ExportDecl node;
      node.value = expression(export_->expr());
      if (export_->STRING()) {
        node.path.value = string_value(export_->STRING()->getText());
        node.path_span = spans_.token(export_->STRING()->getSymbol());
      } else {
        broken_ = true;
      }
      decl->node = std::move(node);
    } else if (auto* sweep = dynamic_cast<P::SweepDeclContext*>(context)) {
      ast::SweepDecl node;
      node.variable = identifier(sweep->IDENT());
      node.values = expression(sweep->expr());
      // A broken declaration in the body is left out; the sweep itself stays.
      for (auto* inner : sweep->decl()) {
        if (auto built = declaration(inner)) node.body.push_back(std::move(built));
      }
      decl->node = std::move(node);
    } else if (auto* import = dynamic_cast<P::ImportDeclContext*>(context)) {
      ast::ImportDecl node;
      if (import->STRING()) {
        node.path.value = string_value(import->STRING()->getText());
        node.path_span = spans_.token(import->STRING()->getSymbol());
      } else {
        broken_ = true;
      }
      decl->node = std::move(node);
    } else {
      broken_ = true;
    }
  }
  bool broken = std::exchange(broken_, outer_broken);
  return broken ? nullptr : std::move(decl);
}

/// typeExpr ::= IDENT | '[' IDENT ']'
ast::TypeExpr AstBuilder::type(P::TypeExprContext* context) {
  ast::TypeExpr type;
  if (!intact(context)) return type;
  type.name = identifier(context->IDENT());
  type.is_list = context->LBRACK() != nullptr;
  type.span = spans_.context(context);
  return type;
}

namespace {

struct BinaryParts {
  mlf_grammar::MlflowParser::ExprContext* lhs = nullptr;
  antlr4::Token* op = nullptr;
  mlf_grammar::MlflowParser::ExprContext* rhs = nullptr;
};

template <typename Context>
bool binary_parts(mlf_grammar::MlflowParser::ExprContext* context, BinaryParts& parts) {
  auto* binary = dynamic_cast<Context*>(context);
  if (binary == nullptr) return false;
  parts.lhs = binary->expr(0);
  parts.op = binary->op;
  parts.rhs = binary->expr(1);
  return true;
}

// The operands and operator of a binary context; false for any other context.
bool as_binary(mlf_grammar::MlflowParser::ExprContext* context, BinaryParts& parts) {
  using P = mlf_grammar::MlflowParser;
  return binary_parts<P::MultiplicativeContext>(context, parts) ||
         binary_parts<P::AdditiveContext>(context, parts) ||
         binary_parts<P::PipeContext>(context, parts) ||
         binary_parts<P::ComparisonContext>(context, parts) ||
         binary_parts<P::ConjunctionContext>(context, parts) ||
         binary_parts<P::DisjunctionContext>(context, parts);
}

}  // namespace

/// expr ::= expr '.' IDENT | expr OP expr | operand
/// Walks the left spine (binary operators and member accesses) in a loop, then builds
/// from the bottom up.
ast::ExprPtr AstBuilder::expression(P::ExprContext* context) {
  std::vector<P::ExprContext*> spine;
  for (;;) {
    if (!intact(context)) return nullptr;
    BinaryParts parts;
    if (as_binary(context, parts)) {
      spine.push_back(context);
      context = parts.lhs;
    } else if (auto* member = dynamic_cast<P::MemberAccessContext*>(context)) {
      spine.push_back(context);
      context = member->expr();
    } else {
      break;
    }
  }
  ast::ExprPtr result = operand(context);
  for (auto it = spine.rbegin(); it != spine.rend() && result; ++it) {
    P::ExprContext* node = *it;
    Span span = spans_.context(node);
    if (auto* member = dynamic_cast<P::MemberAccessContext*>(node)) {
      result = make_expr(span, ast::MemberAccess{std::move(result), identifier(member->IDENT())});
      continue;
    }
    BinaryParts parts;
    as_binary(node, parts);
    if (parts.op == nullptr) return mark_broken();
    if (dynamic_cast<P::ComparisonContext*>(node) &&
        dynamic_cast<P::ComparisonContext*>(parts.lhs)) {
      diagnostics_
          .report(DiagnosticKind::SyntaxError, spans_.token(parts.op),
                  "comparison operators cannot be chained")
          .primary_label("second comparison")
          .label(spans_.context(parts.lhs), "first comparison")
          .help("join two comparisons with `and`, or add parentheses");
      return mark_broken();
    }
    ast::ExprPtr rhs = expression(parts.rhs);
    if (!rhs) return mark_broken();
    result = make_expr(span, ast::Binary{binary_op(parts.op->getType()), std::move(result),
                                         std::move(rhs), spans_.token(parts.op)});
  }
  if (!result) return mark_broken();
  return result;
}

/// operand ::= ('-' | 'not') expr | primary. Prefix operators are collected in a loop.
ast::ExprPtr AstBuilder::operand(P::ExprContext* context) {
  std::vector<antlr4::Token*> operators;
  Span end = spans_.context(context);
  while (auto* unary = dynamic_cast<P::UnaryContext*>(context)) {
    if (!intact(unary) || unary->op == nullptr) return nullptr;
    operators.push_back(unary->op);
    context = unary->expr();
    if (!intact(context)) return nullptr;
  }
  ast::ExprPtr result = operators.empty() ? primary(context) : expression(context);
  for (std::size_t i = operators.size(); i-- > 0 && result;) {
    ast::UnaryOp op = operators[i]->getType() == P::NOT ? ast::UnaryOp::Not : ast::UnaryOp::Negate;
    result =
        make_expr(Span::cover(spans_.token(operators[i]), end), ast::Unary{op, std::move(result)});
  }
  return result;
}

/// primary ::= NUMBER | STRING | 'true' | 'false' | IDENT '(' arguments? ')'
///           | IDENT '[' elements? ']' | IDENT | '[' elements? ']' | '(' expr ')'
ast::ExprPtr AstBuilder::primary(P::ExprContext* context) {
  if (!intact(context)) return nullptr;
  Span span = spans_.context(context);
  if (auto* number_context = dynamic_cast<P::NumberContext*>(context))
    return number(number_context->NUMBER());
  if (auto* string = dynamic_cast<P::StringContext*>(context)) {
    if (!string->STRING()) return mark_broken();
    return make_expr(span, ast::StringLiteral{string_value(string->STRING()->getText())});
  }
  if (auto* boolean = dynamic_cast<P::BooleanContext*>(context))
    return make_expr(span, ast::BoolLiteral{boolean->TRUE() != nullptr});
  if (auto* name = dynamic_cast<P::NameContext*>(context))
    return make_expr(span, ast::NameRef{identifier(name->IDENT())});
  if (auto* call = dynamic_cast<P::CallContext*>(context)) {
    ast::Call node{identifier(call->IDENT()), {}};
    if (call->arguments()) node.arguments = arguments(call->arguments());
    return make_expr(span, std::move(node));
  }
  if (auto* block = dynamic_cast<P::BlockContext*>(context)) {
    ast::Block node{identifier(block->IDENT()), {}};
    if (block->elements()) node.elements = elements(block->elements());
    return make_expr(span, std::move(node));
  }
  if (auto* list = dynamic_cast<P::ListContext*>(context)) {
    ast::ListLiteral node;
    if (list->elements()) node.elements = elements(list->elements());
    return make_expr(span, std::move(node));
  }
  if (auto* parenthesized = dynamic_cast<P::ParenthesizedContext*>(context)) {
    // No node of its own: the span of the inner expression excludes the parentheses.
    return expression(parenthesized->expr());
  }
  return mark_broken();
}

/// NUMBER: `42`, `1.5`, `.5`, `1.`, `1e-3`
ast::ExprPtr AstBuilder::number(antlr4::tree::TerminalNode* node) {
  if (node == nullptr) return mark_broken();
  Span span = spans_.token(node->getSymbol());
  NumberValue value = number_value(node->getText());
  if (value.too_large) {
    if (value.literal.is_integer) {
      diagnostics_
          .report(DiagnosticKind::InvalidNumber, span,
                  "integer `" + value.literal.text + "` does not fit in 64 bits")
          .primary_label("larger than 9223372036854775807")
          .help(
              "integers range up to 9223372036854775807; write a real such as `1e19` if a "
              "float is meant");
    } else {
      diagnostics_
          .report(DiagnosticKind::InvalidNumber, span,
                  "number `" + value.literal.text + "` is too large for a 64-bit float")
          .primary_label("larger than about 1.8e308");
    }
  }
  return make_expr(span, std::move(value.literal));
}

/// elements ::= expr (',' expr)* ','?
std::vector<ast::ExprPtr> AstBuilder::elements(P::ElementsContext* context) {
  std::vector<ast::ExprPtr> out;
  if (!intact(context)) return out;
  for (auto* element : context->expr()) {
    if (auto built = expression(element)) out.push_back(std::move(built));
  }
  return out;
}

/// arguments ::= argument (',' argument)* ','?    argument ::= (IDENT ':')? expr
std::vector<ast::Argument> AstBuilder::arguments(P::ArgumentsContext* context) {
  std::vector<ast::Argument> out;
  if (!intact(context)) return out;
  for (auto* argument : context->argument()) {
    if (!intact(argument)) continue;
    ast::Argument built;
    if (auto* name = argument->argumentName()) {
      auto* token = dynamic_cast<antlr4::tree::TerminalNode*>(name->children.empty() ? nullptr : name->children.front());
      built.name = identifier(token);
    }
    built.value = expression(argument->expr());
    built.span = spans_.context(argument);
    out.push_back(std::move(built));
  }
  return out;
}

}  // namespace mlf::syntax
