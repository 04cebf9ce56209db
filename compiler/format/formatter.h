// The canonical layout of a .mlflow file (`mlf fmt`).
//
// Takes: a parsed module without syntax errors and its source file.
// Promises: one canonical layout, idempotent (format(format(x)) == format(x)), keeps every
// comment, and the output parses to a tree that hashes the same as the input's.
// Does not: reorder declarations or change any value.
#pragma once

#include <string>

#include "compiler/ast/ast.h"
#include "compiler/source/source_file.h"

namespace mlf {

std::string format_module(const ast::Module& module, const SourceFile& file);

}  // namespace mlf
