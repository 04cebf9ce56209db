// The project's own syntax tree.
//
// Takes: nothing; the syntax stage (compiler/syntax) builds it from ANTLR's parse tree.
// Promises: every node carries the span of the source it came from; the tree owns its
// children; comments are kept beside the tree (Module::comments) for the formatter.
// Does not: resolve names, fold constants or check types (compiler/sema does).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "compiler/source/source_file.h"

namespace mlf::ast {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Identifier {
  std::string name;
  Span span;
};

/// NUMBER: `42`, `1e-3`, `0.5`. `is_integer` when written without '.', 'e' or 'E'.
struct NumberLiteral {
  std::string text;
  bool is_integer = false;
  std::int64_t integer = 0;  // valid when is_integer
  double real = 0.0;         // always valid
};

/// STRING: "..." with escapes \" \\ \n \t already decoded.
struct StringLiteral {
  std::string value;
};

/// `true` | `false`
struct BoolLiteral {
  bool value = false;
};

/// IDENT: a reference to a binding, a param, a sweep variable, or a catalogue op used bare
/// (`relu`, `cross_entropy`, `accuracy`).
struct NameRef {
  Identifier name;
};

/// expr '.' IDENT — a field of a stage result (`score.accuracy`).
struct MemberAccess {
  ExprPtr object;
  Identifier member;
};

/// (IDENT ':')? expr
struct Argument {
  std::optional<Identifier> name;  // absent for the leading positional argument
  ExprPtr value;
  Span span;
};

/// IDENT '(' (argument (',' argument)* ','?)? ')' — an op from the catalogue.
struct Call {
  Identifier callee;
  std::vector<Argument> arguments;
};

/// '[' (expr (',' expr)* ','?)? ']'
struct ListLiteral {
  std::vector<ExprPtr> elements;
};

/// IDENT '[' ... ']' — a block op over a list of layers: `sequential [...]`, `residual [...]`.
struct Block {
  Identifier kind;
  std::vector<ExprPtr> elements;
};

enum class UnaryOp { Negate, Not };

/// '-' expr | 'not' expr
struct Unary {
  UnaryOp op;
  ExprPtr operand;
};

enum class BinaryOp {
  Add, Subtract, Multiply, Divide,
  Pipe,  // |>  (dataset |> augment)
  Less, LessEqual, Greater, GreaterEqual, Equal, NotEqual,
  And, Or,
};

/// expr OP expr. Precedence, loosest first: or; and; comparisons; |>; + -; * /; unary; postfix.
struct Binary {
  BinaryOp op;
  ExprPtr lhs;
  ExprPtr rhs;
  Span op_span;
};

struct Expr {
  Span span;
  std::variant<NumberLiteral, StringLiteral, BoolLiteral, NameRef, MemberAccess, Call,
               ListLiteral, Block, Unary, Binary>
      node;
};

/// Type annotations of params: `int`, `float`, `bool`, `string`, `path`, or a list of one
/// of those: `[float]`.
struct TypeExpr {
  Identifier name;
  bool is_list = false;
  Span span;
};

struct Decl;
using DeclPtr = std::unique_ptr<Decl>;

/// 'pipeline' IDENT
struct PipelineDecl { Identifier name; };
/// 'seed' expr
struct SeedDecl { ExprPtr value; };
/// 'param' IDENT ':' type '=' expr
struct ParamDecl { Identifier name; TypeExpr type; ExprPtr value; };

enum class BindingKind { Dataset, Augment, Model, Stage };
/// ('dataset' | 'augment' | 'model' | 'stage') IDENT '=' expr
struct BindingDecl { BindingKind kind; Identifier name; ExprPtr value; };

/// 'expect' expr
struct ExpectDecl { ExprPtr condition; };
/// 'export' expr 'to' STRING
struct ExportDecl { ExprPtr value; StringLiteral path; Span path_span; };
/// 'sweep' IDENT 'in' expr '{' decl* '}'
struct SweepDecl { Identifier variable; ExprPtr values; std::vector<DeclPtr> body; };
/// 'import' STRING
struct ImportDecl { StringLiteral path; Span path_span; };

struct Decl {
  Span span;
  std::variant<PipelineDecl, SeedDecl, ParamDecl, BindingDecl, ExpectDecl, ExportDecl,
               SweepDecl, ImportDecl>
      node;
};

/// A comment from the hidden channel: `# ...` to the end of the line (text includes '#').
struct Comment {
  std::string text;
  Span span;
};

struct Module {
  FileId file = kNoFile;
  std::vector<DeclPtr> decls;
  std::vector<Comment> comments;  // in source order
};

const char* binding_keyword(BindingKind kind);  // "dataset", "augment", ...
const char* binary_op_text(BinaryOp op);        // "+", "|>", ">=", "and", ...

}  // namespace mlf::ast
