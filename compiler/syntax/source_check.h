// The checks on a file's bytes that run before any lexing: size, NUL bytes, UTF-8.
//
// Takes: one SourceFile. Promises: every problem found is reported (NUL bytes and invalid
// UTF-8 sequences up to a few of each, with a count of the rest); returns whether the bytes
// may be handed to the lexer. Does not: look at tokens.
#pragma once

#include "compiler/diagnostics/diagnostic_engine.h"
#include "compiler/source/source_file.h"
#include "compiler/syntax/parse.h"

namespace mlf::syntax {

/// True when the file is within the size limit, has no NUL byte and is valid UTF-8.
bool check_source_bytes(const SourceFile& file, DiagnosticEngine& diagnostics,
                        const ParseLimits& limits);

}  // namespace mlf::syntax
