#include "compiler/syntax/ast_builder.h"

#include <typeinfo>
#include <utility>

#include "compiler/syntax/literals.h"

namespace mlf::syntax {

namespace {

using P = mlf_grammar::MlflowParser;

// The context as its labelled alternative `Context`, or nullptr. The generated alternative
// classes are leaves, so comparing the dynamic type is exact and much cheaper than a
// dynamic_cast that fails.
template <typename Context, typename Base>
Context* as(Base* context) {
  return context != nullptr && typeid(*context) == typeid(Context) ? static_cast<Context*>(context)
                                                                   : nullptr;
}

bool is_terminal(antlr4::tree::ParseTree* tree) {
  const std::type_info& type = typeid(*tree);
  return type == typeid(antlr4::tree::TerminalNodeImpl) ||
         type == typeid(antlr4::tree::ErrorNodeImpl);
}

// The nth child context of rule `rule` (P::RuleExpr, ...), or nullptr.
template <typename Context = antlr4::ParserRuleContext>
Context* rule_child(antlr4::ParserRuleContext* context, std::size_t rule, std::size_t nth = 0) {
  for (auto* child : context->children) {
    if (is_terminal(child)) continue;
    auto* rule_context = static_cast<antlr4::ParserRuleContext*>(child);
    if (rule_context->getRuleIndex() == rule && nth-- == 0)
      return static_cast<Context*>(rule_context);
  }
  return nullptr;
}

template <typename Context>
std::vector<Context*> rule_children(antlr4::ParserRuleContext* context, std::size_t rule) {
  std::vector<Context*> out;
  for (auto* child : context->children) {
    if (is_terminal(child)) continue;
    auto* rule_context = static_cast<antlr4::ParserRuleContext*>(child);
    if (rule_context->getRuleIndex() == rule) out.push_back(static_cast<Context*>(rule_context));
  }
  return out;
}

P::ExprContext* expr_child(antlr4::ParserRuleContext* context, std::size_t nth = 0) {
  return rule_child<P::ExprContext>(context, P::RuleExpr, nth);
}

// The first child token of type `type`, or nullptr.
antlr4::tree::TerminalNode* token_child(antlr4::ParserRuleContext* context, std::size_t type) {
  for (auto* child : context->children) {
    if (!is_terminal(child)) continue;
    auto* terminal = dynamic_cast<antlr4::tree::TerminalNode*>(child);
    if (terminal != nullptr && terminal->getSymbol()->getType() == type) return terminal;
  }
  return nullptr;
}

template <typename Node>
ast::ExprPtr make_expr(Span span, Node node) {
  auto expr = std::make_unique<ast::Expr>();
  expr->span = span;
  expr->node = std::move(node);
  return expr;
}

ast::BinaryOp binary_op(std::size_t token_type) {
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
  if (ok && !clean_tree_) {
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
  for (auto* context : rule_children<P::DeclContext>(program, P::RuleDecl)) {
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
    if (auto* pipeline = as<P::PipelineDeclContext>(context)) {
      decl->node = ast::PipelineDecl{identifier(token_child(pipeline, P::IDENT))};
    } else if (auto* seed = as<P::SeedDeclContext>(context)) {
      decl->node = ast::SeedDecl{expression(expr_child(seed))};
    } else if (auto* param = as<P::ParamDeclContext>(context)) {
      ast::ParamDecl node;
      node.name = identifier(token_child(param, P::IDENT));
      node.type = type(rule_child<P::TypeExprContext>(param, P::RuleTypeExpr));
      node.value = expression(expr_child(param));
      decl->node = std::move(node);
    } else if (auto* binding = as<P::BindingDeclContext>(context)) {
      ast::BindingDecl node;
      switch (binding->kind ? binding->kind->getType() : 0) {
        case P::DATASET: node.kind = ast::BindingKind::Dataset; break;
        case P::AUGMENT: node.kind = ast::BindingKind::Augment; break;
        case P::MODEL: node.kind = ast::BindingKind::Model; break;
        case P::STAGE: node.kind = ast::BindingKind::Stage; break;
        default: broken_ = true; break;
      }
      node.name = identifier(token_child(binding, P::IDENT));
      node.value = expression(expr_child(binding));
      decl->node = std::move(node);
    } else if (auto* expect = as<P::ExpectDeclContext>(context)) {
      decl->node = ast::ExpectDecl{expression(expr_child(expect))};
    } else if (auto* export_ = as<P::ExportDeclContext>(context)) {
      ast::ExportDecl node;
      node.value = expression(expr_child(export_));
      if (auto* path = token_child(export_, P::STRING)) {
        node.path.value = string_value(path->getText());
        node.path_span = spans_.token(path->getSymbol());
      } else {
        broken_ = true;
      }
      decl->node = std::move(node);
    } else if (auto* sweep = as<P::SweepDeclContext>(context)) {
      ast::SweepDecl node;
      node.variable = identifier(token_child(sweep, P::IDENT));
      node.values = expression(expr_child(sweep));
      // A broken declaration in the body is left out; the sweep itself stays.
      for (auto* inner : rule_children<P::DeclContext>(sweep, P::RuleDecl)) {
        if (auto built = declaration(inner)) node.body.push_back(std::move(built));
      }
      decl->node = std::move(node);
    } else if (auto* import = as<P::ImportDeclContext>(context)) {
      ast::ImportDecl node;
      if (auto* path = token_child(import, P::STRING)) {
        node.path.value = string_value(path->getText());
        node.path_span = spans_.token(path->getSymbol());
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
  type.name = identifier(token_child(context, P::IDENT));
  type.is_list = token_child(context, P::LBRACK) != nullptr;
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
  auto* binary = as<Context>(context);
  if (binary == nullptr) return false;
  parts.lhs = expr_child(binary, 0);
  parts.op = binary->op;
  parts.rhs = expr_child(binary, 1);
  return true;
}

// The operands and operator of a binary context; false for any other context.
bool as_binary(mlf_grammar::MlflowParser::ExprContext* context, BinaryParts& parts) {
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
    } else if (auto* member = as<P::MemberAccessContext>(context)) {
      spine.push_back(context);
      context = expr_child(member);
    } else {
      break;
    }
  }
  ast::ExprPtr result = operand(context);
  for (auto it = spine.rbegin(); it != spine.rend() && result; ++it) {
    P::ExprContext* node = *it;
    Span span = spans_.context(node);
    if (auto* member = as<P::MemberAccessContext>(node)) {
      result = make_expr(span, ast::MemberAccess{std::move(result),
                                                 identifier(token_child(member, P::IDENT))});
      continue;
    }
    BinaryParts parts;
    as_binary(node, parts);
    if (parts.op == nullptr) return mark_broken();
    if (as<P::ComparisonContext>(node) && as<P::ComparisonContext>(parts.lhs)) {
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
  while (auto* unary = as<P::UnaryContext>(context)) {
    if (!intact(unary) || unary->op == nullptr) return nullptr;
    operators.push_back(unary->op);
    context = expr_child(unary);
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
  if (auto* number_context = as<P::NumberContext>(context))
    return number(token_child(number_context, P::NUMBER));
  if (auto* string = as<P::StringContext>(context)) {
    auto* token = token_child(string, P::STRING);
    if (!token) return mark_broken();
    return make_expr(span, ast::StringLiteral{string_value(token->getText())});
  }
  if (auto* boolean = as<P::BooleanContext>(context))
    return make_expr(span, ast::BoolLiteral{token_child(boolean, P::TRUE) != nullptr});
  if (auto* name = as<P::NameContext>(context))
    return make_expr(span, ast::NameRef{identifier(token_child(name, P::IDENT))});
  if (auto* call = as<P::CallContext>(context)) {
    ast::Call node{identifier(token_child(call, P::IDENT)), {}};
    if (auto* written = rule_child<P::ArgumentsContext>(call, P::RuleArguments))
      node.arguments = arguments(written);
    return make_expr(span, std::move(node));
  }
  if (auto* block = as<P::BlockContext>(context)) {
    ast::Block node{identifier(token_child(block, P::IDENT)), {}};
    if (auto* written = rule_child<P::ElementsContext>(block, P::RuleElements))
      node.elements = elements(written);
    return make_expr(span, std::move(node));
  }
  if (auto* list = as<P::ListContext>(context)) {
    ast::ListLiteral node;
    if (auto* written = rule_child<P::ElementsContext>(list, P::RuleElements))
      node.elements = elements(written);
    return make_expr(span, std::move(node));
  }
  if (auto* parenthesized = as<P::ParenthesizedContext>(context)) {
    // No node of its own: the span of the inner expression excludes the parentheses.
    return expression(expr_child(parenthesized));
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
  for (auto* element : rule_children<P::ExprContext>(context, P::RuleExpr)) {
    if (auto built = expression(element)) out.push_back(std::move(built));
  }
  return out;
}

/// arguments ::= argument (',' argument)* ','?    argument ::= (IDENT ':')? expr
std::vector<ast::Argument> AstBuilder::arguments(P::ArgumentsContext* context) {
  std::vector<ast::Argument> out;
  if (!intact(context)) return out;
  for (auto* argument : rule_children<P::ArgumentContext>(context, P::RuleArgument)) {
    if (!intact(argument)) continue;
    ast::Argument built;
    if (auto* name = rule_child(argument, P::RuleArgumentName)) {
      auto* first = name->children.empty() ? nullptr : name->children.front();
      built.name = identifier(first != nullptr && is_terminal(first)
                                  ? dynamic_cast<antlr4::tree::TerminalNode*>(first)
                                  : nullptr);
    }
    built.value = expression(expr_child(argument));
    built.span = spans_.context(argument);
    out.push_back(std::move(built));
  }
  return out;
}

}  // namespace mlf::syntax
