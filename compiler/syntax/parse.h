// Syntax: bytes of one file → the project's AST (compiler/ast/ast.h).
//
// Takes: one SourceFile. Promises: an ast::Module whose nodes all carry spans, built even
// when the file has errors (with the declarations that parsed); every problem is reported
// into the DiagnosticEngine — invalid UTF-8, NUL bytes, oversize input, nesting deeper than
// the limit, syntax errors — and none of them throws or aborts.
// Parsing is two-stage: SLL with a bail-out strategy first (fast), then full LL with error
// recovery and reporting only when the first stage fails (the first stage parses and builds
// one declaration at a time, freeing each parse tree; a failure discards all it did, so the
// diagnostics are those of the second stage alone). A declaration that holds a syntax
// error is left out of the module; the others are kept. Before ANTLR runs, a pre-scan
// measures nesting; past ParseLimits it reports NestingTooDeep and only the declarations before
// the offending one are parsed. Spans are byte offsets into the file's UTF-8 text; the span of
// a parenthesized expression is that of its content, parentheses excluded.
// parse_module may be called from several threads; ANTLR's shared caches make the calls take
// turns.
// Does not: resolve names or check types. ANTLR types never leave compiler/syntax/.
#pragma once

#include <cstddef>

#include "compiler/ast/ast.h"
#include "compiler/diagnostics/diagnostic_engine.h"
#include "compiler/source/source_file.h"

namespace mlf {

struct ParseLimits {
  std::size_t max_bytes = 16u << 20;  // 16 MiB of source
  int max_depth = 128;                // open brackets plus the unary operators before them
  // Binary operators and `.member` accesses in one expression, counting those of the
  // expressions it is nested in. A chain of N operators is a tree N deep, which every later
  // stage walks recursively (destroying it, too); the cap keeps that within the stack even in
  // a sanitizer build, where 10000 levels already overflow it.
  std::size_t max_operators = 1000;
};

ast::Module parse_module(const SourceFile& file, DiagnosticEngine& diagnostics,
                         const ParseLimits& limits = {});

/// Empties the prediction caches that ANTLR shares between all parses and never shrinks. A
/// long-lived process (a language server, a fuzzer) calls this now and then; it only costs
/// the next parse some speed. Safe to call while other threads parse.
void clear_parser_caches();

}  // namespace mlf
