// The depth guard that runs before ANTLR.
//
// ANTLR's C++ runtime has no recursion limit: deeply nested input overflows the stack in the
// parser. This pre-scan reads the bytes with a tiny lexer of its own (no allocation per token)
// and measures, at every token, the nesting depth (open brackets plus the unary operators in
// front of them and of the current operand) and the number of binary operators and
// `.member` accesses in the current expression, counting those of the enclosing expressions.
//
// Takes: the text of one file (already checked to be UTF-8). Promises: reports the first place
// where a limit is crossed as NestingTooDeep, and returns the byte offset up to which it is
// safe to parse: the whole text, or the start of the top-level declaration that crossed the
// limit. Does not: check syntax; unbalanced brackets are left for the parser to report.
#pragma once

#include <cstddef>

#include "compiler/diagnostics/diagnostic_engine.h"
#include "compiler/source/source_file.h"
#include "compiler/syntax/parse.h"

namespace mlf::syntax {

/// Scans file.text()[begin, end) and returns the offset where parsing must stop (`end` when
/// no limit is crossed).
std::size_t scan_nesting(const SourceFile& file, std::size_t begin, std::size_t end,
                         DiagnosticEngine& diagnostics, const ParseLimits& limits);

}  // namespace mlf::syntax
