// What the editor features ask of a parsed module: its declarations (with the names'
// spans, sweeps holding their bodies) and the name under a byte offset.
//
// Takes: an ast::Module, possibly of a file with syntax errors (the declarations that parsed).
// Does not: resolve names across scopes; the checker does that for diagnostics, the features
// only need the declaration a name most likely refers to.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "compiler/ast/ast.h"

namespace mlf::lsp {

struct Declaration {
  enum class Kind { Pipeline, Param, Dataset, Augment, Model, Stage, Sweep, SweepVariable };
  Kind kind = Kind::Dataset;
  std::string name;
  Span name_span;
  Span span;  // the whole declaration
  const ast::Decl* decl = nullptr;
  std::vector<Declaration> children;  // a sweep's variable and body
};

const char* declaration_keyword(Declaration::Kind kind);  // "dataset", "param", ...

std::vector<Declaration> declarations_of(const ast::Module& module);

// The declaration named `name` among `declarations` (sweep bodies included), or nullptr.
const Declaration* find_declaration(const std::vector<Declaration>& declarations,
                                    const std::string& name);

struct NameAt {
  enum class Role {
    Reference,     // a name used in an expression
    Declared,      // the name a declaration introduces
    Callee,        // an op called or a block kind: `linear(`, `sequential [`
    ArgumentName,  // `lr:` inside a call; `callee` says which op
    Member,        // `.accuracy`
    Import,        // the path string of an import
  };
  Role role = Role::Reference;
  std::string name;  // for Import: the path as written
  Span span;
  std::string callee;
};

std::optional<NameAt> name_at(const ast::Module& module, std::uint32_t offset);

}  // namespace mlf::lsp
