// Where each comment of a module goes in the formatted text. Private to compiler/format.
//
// Every comment is given exactly one place, and the places are ones the printer can print
// without moving code into a comment:
//   - a line of its own among declarations (of the module or of a sweep body);
//   - the end of a declaration's last line;
//   - a line of its own before a declaration, for comments among a declaration's own tokens
//     before its value (`param lr # ...` `: float = ...`), which have no better place; those
//     after its value go to the end of its line, or for a sweep to the start of its body;
//   - a line of its own before an element of a call, list or block, at the end of the element's
//     line (after its comma), or on its own line before the closing bracket;
//   - the end of a line after a binary operator, the expression going on on the next line.
// A comment is attached to the smallest expression that encloses it, as the trailing comment
// of the element before it or the leading comment of the element after it (an end-of-line
// comment goes with what precedes it, a comment on its own line with what follows); where
// the enclosing expression has no such place (inside a unary or member expression), the
// comment moves out to the nearest one. Comments keep their order. The formatter's own output
// puts every comment back in the same place, which is what makes formatting idempotent.
#pragma once

#include <unordered_map>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/source/source_file.h"

namespace mlf::format {

using CommentList = std::vector<const ast::Comment*>;

struct CommentPlacement {
  // Keys are the addresses of ast::Decl, ast::Expr and ast::Argument nodes.
  std::unordered_map<const void*, CommentList> leading;         // lines before an element
  std::unordered_map<const void*, CommentList> trailing;        // after an element or declaration
  std::unordered_map<const void*, CommentList> tail;            // before a closing bracket
  std::unordered_map<const void*, CommentList> after_operator;  // of an ast::Binary's Expr
  std::unordered_map<const void*, CommentList> hoisted;         // lines before a declaration
  // Comments on lines of their own among declarations; key: the Module, or a sweep's Decl.
  std::unordered_map<const void*, CommentList> standalone;

  const CommentList& get(const std::unordered_map<const void*, CommentList>& slot,
                         const void* key) const {
    static const CommentList kNone;
    auto it = slot.find(key);
    return it == slot.end() ? kNone : it->second;
  }
};

CommentPlacement place_comments(const ast::Module& module, const SourceFile& file);

/// The offset of a sweep's `{`, found in the source after the values expression.
std::uint32_t sweep_brace(const ast::SweepDecl& sweep, const SourceFile& file);

}  // namespace mlf::format
