// Turns ANTLR's syntax errors into SyntaxError diagnostics. Private to compiler/syntax.
//
// The messages name what was expected and what was found in the words of the language, not
// of the parser ("expected `,` or `)`, found `b`"; "expected a declaration (`dataset`,
// `model`, `stage`, ...), found `foo`"), point at the token found (or, at the end of the file,
// just after the last token) and add a help line for the common slips. Recovery makes one
// mistake cascade, so only the first error of each top-level declaration is reported, and at
// most kMaxSyntaxErrors per file.
#pragma once

#include <cstddef>
#include <set>

#include "antlr4-runtime.h"
#include "compiler/diagnostics/diagnostic_engine.h"
#include "compiler/syntax/token_spans.h"

namespace mlf::syntax {

inline constexpr std::size_t kMaxSyntaxErrors = 5;

/// ANTLR's recovery, except that a declaration keyword is never dropped as an extra token:
/// after `seed` with its value missing, `export b to "b.pt"` is the next declaration, not
/// `b` with a stray `export` in front.
class RecoveryStrategy : public antlr4::DefaultErrorStrategy {
 protected:
  antlr4::Token* singleTokenDeletion(antlr4::Parser* parser) override;
};

class SyntaxErrorListener : public antlr4::BaseErrorListener {
 public:
  SyntaxErrorListener(const TokenSpans& spans, antlr4::TokenStream& tokens,
                      DiagnosticEngine& diagnostics)
      : spans_(spans), tokens_(tokens), diagnostics_(diagnostics) {}

  void syntaxError(antlr4::Recognizer* recognizer, antlr4::Token* found, std::size_t line,
                   std::size_t column, const std::string& message,
                   std::exception_ptr error) override;

  std::size_t reported() const { return reported_; }

 private:
  const TokenSpans& spans_;
  antlr4::TokenStream& tokens_;
  DiagnosticEngine& diagnostics_;
  std::size_t reported_ = 0;
  std::set<const void*> declarations_with_errors_;
};

}  // namespace mlf::syntax
