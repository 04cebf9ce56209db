// Compile-time values: what an expression of a .mlflow file evaluates to once names are
// resolved and constants folded.
//
// Promises: values are immutable once built and cheap to copy (ops are shared); an op call's
// arguments are complete (defaults filled) and in the catalogue's parameter order, which is
// the canonical order for hashing.
// Does not: hold anything from the syntax tree except spans.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "compiler/source/source_file.h"

namespace mlf {

struct OpSpec;
struct OpCall;
using NodeId = std::uint32_t;
inline constexpr NodeId kNoNode = 0xffffffffu;

struct Value {
  enum class Kind {
    None,    // absent optional argument
    Int, Float, Bool, String,
    Path,    // a file or folder; `text` is the path as resolved against the source's folder
    List,    // `items`
    Op,      // a catalogue op applied to arguments (`relu`, `adam(lr: 1e-3)`): `op`
    Chain,   // an augment chain: `ops` in order
    Model,   // a network: `ops` are its layers (blocks hold their own children)
    Node,    // a dataset or stage of the graph: `node`
    Field,   // a field of a stage result: `node` and `text` (the field name)
  };

  Kind kind = Kind::None;
  std::int64_t integer = 0;
  double real = 0.0;
  bool boolean = false;
  std::string text;
  std::vector<Value> items;
  std::shared_ptr<const OpCall> op;
  std::vector<std::shared_ptr<const OpCall>> ops;
  NodeId node = kNoNode;
  Span span;
  // Set on the value of an expression that already failed to check, so that one mistake
  // is reported once and not again by everything that uses the value.
  bool poisoned = false;

  static Value none() { return Value{}; }
  static Value error(Span s = {}) {
    Value out;
    out.poisoned = true;
    out.span = s;
    return out;
  }
  static Value of_int(std::int64_t v, Span s = {});
  static Value of_float(double v, Span s = {});
  static Value of_bool(bool v, Span s = {});
  static Value of_string(std::string v, Span s = {});
  static Value of_path(std::string v, Span s = {});

  bool is_number() const { return kind == Kind::Int || kind == Kind::Float; }
  double as_real() const { return kind == Kind::Int ? static_cast<double>(integer) : real; }
};

const char* value_kind_name(Value::Kind kind);  // "int", "float", "augment chain", ...

struct Argument {
  std::string name;
  Value value;
  bool defaulted = false;  // filled from the catalogue's default, not written in the source
};

// A catalogue op applied to its arguments.
struct OpCall {
  const OpSpec* op = nullptr;
  std::vector<Argument> args;                         // catalogue order, complete
  std::vector<std::shared_ptr<const OpCall>> children;  // layers of a block op
  Span span;

  const Value& arg(const std::string& name) const;  // throws std::out_of_range if absent
  const Argument* find(const std::string& name) const;
};

// A value as source text, for labels, messages, docs and hover: `0.001`, `"abc"`, `[1, 2]`,
// an op's name.
std::string value_text(const Value& value);

// Canonical text of a number: shortest representation that reads back to the same double.
std::string canonical_float(double value);

}  // namespace mlf
