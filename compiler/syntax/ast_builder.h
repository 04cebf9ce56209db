// ANTLR's parse tree → the project's AST (compiler/ast/ast.h). Private to compiler/syntax.
//
// Walks the contexts' children directly, telling contexts apart by their dynamic type and
// rule index: the generated accessors dynamic_cast every child they pass, which made them a
// large part of a big file's parse. A declaration whose subtree holds an error (a context that
// failed, a token conjured or skipped by recovery) is left out, so the module holds exactly
// the declarations that parsed; when the caller knows the tree is clean (the SLL pass
// succeeded, so no error node or failed context exists) the per-context search for them is
// skipped. The parse tree of `a + b + c` or
// `a.b.c` is as deep as the chain is long; it is walked along its left spine in a loop.
// Recursion happens only into brackets, unary operands and right operands (which bind
// tighter than their operator unless bracketed), all bounded by the nesting pre-scan.
#pragma once

#include <vector>

#include "MlflowParser.h"
#include "compiler/ast/ast.h"
#include "compiler/diagnostics/diagnostic_engine.h"
#include "compiler/syntax/token_spans.h"

namespace mlf::syntax {

class AstBuilder {
 public:
  AstBuilder(const TokenSpans& spans, DiagnosticEngine& diagnostics, bool clean_tree)
      : spans_(spans), diagnostics_(diagnostics), clean_tree_(clean_tree) {}

  std::vector<ast::DeclPtr> declarations(mlf_grammar::MlflowParser::ProgramContext* program);
  // One declaration; nullptr when it holds an error.
  ast::DeclPtr declaration(mlf_grammar::MlflowParser::DeclContext* context);

 private:
  using P = mlf_grammar::MlflowParser;

  ast::TypeExpr type(P::TypeExprContext* context);
  ast::ExprPtr expression(P::ExprContext* context);
  ast::ExprPtr operand(P::ExprContext* context);
  ast::ExprPtr primary(P::ExprContext* context);
  std::vector<ast::ExprPtr> elements(P::ElementsContext* context);
  std::vector<ast::Argument> arguments(P::ArgumentsContext* context);

  ast::Identifier identifier(antlr4::tree::TerminalNode* node);
  ast::ExprPtr number(antlr4::tree::TerminalNode* node);
  // False (and the current declaration marked broken) when the context is missing or holds
  // an error.
  bool intact(antlr4::ParserRuleContext* context);
  ast::ExprPtr mark_broken();

  const TokenSpans& spans_;
  DiagnosticEngine& diagnostics_;
  bool clean_tree_;      // no error nodes, no failed contexts anywhere in the tree
  bool broken_ = false;  // the declaration being built holds an error
};

}  // namespace mlf::syntax
