// The canonical layout of a .mlflow file (`mlf fmt`).
//
// Takes: a parsed module without syntax errors and its source file (for comments and blank
// lines).
// Promises: one canonical layout, idempotent (format(format(x)) == format(x)), keeps every
// comment in its order, and the output parses to a tree that hashes the same as the input's.
// Layout: one declaration per line; one blank line where the source had any; sweep bodies
// indented by 2; a declaration longer than 100 columns has its outermost bracket group that
// does not fit broken into one element per line, with a trailing comma, and so on inwards;
// binary operators never break a line. Numbers keep their text; strings are re-escaped;
// parentheses are those precedence needs. A comment inside brackets breaks them; a comment
// among a declaration's own tokens moves to the line above it (before the value) or to the
// end of its line (after it); see comment_placement.h.
// Does not: reorder declarations or change any value.
#pragma once

#include <string>

#include "compiler/ast/ast.h"
#include "compiler/source/source_file.h"

namespace mlf {

std::string format_module(const ast::Module& module, const SourceFile& file);

}  // namespace mlf
