#include "compiler/sema/value.h"

#include "stdlib/catalogue.h"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace mlf {

Value Value::of_int(std::int64_t v, Span s) {
  Value out;
  out.kind = Kind::Int;
  out.integer = v;
  out.real = static_cast<double>(v);
  out.span = s;
  return out;
}

Value Value::of_float(double v, Span s) {
  Value out;
  out.kind = Kind::Float;
  out.real = v;
  out.span = s;
  return out;
}

Value Value::of_bool(bool v, Span s) {
  Value out;
  out.kind = Kind::Bool;
  out.boolean = v;
  out.span = s;
  return out;
}

Value Value::of_string(std::string v, Span s) {
  Value out;
  out.kind = Kind::String;
  out.text = std::move(v);
  out.span = s;
  return out;
}

Value Value::of_path(std::string v, Span s) {
  Value out;
  out.kind = Kind::Path;
  out.text = std::move(v);
  out.span = s;
  return out;
}

const char* value_kind_name(Value::Kind kind) {
  switch (kind) {
    case Value::Kind::None: return "nothing";
    case Value::Kind::Int: return "int";
    case Value::Kind::Float: return "float";
    case Value::Kind::Bool: return "bool";
    case Value::Kind::String: return "string";
    case Value::Kind::Path: return "path";
    case Value::Kind::List: return "list";
    case Value::Kind::Op: return "op";
    case Value::Kind::Chain: return "augment chain";
    case Value::Kind::Model: return "model";
    case Value::Kind::Node: return "dataset or stage";
    case Value::Kind::Field: return "stage result field";
  }
  return "?";
}

const Value& OpCall::arg(const std::string& name) const {
  if (const Argument* a = find(name)) return a->value;
  throw std::out_of_range("op has no argument `" + name + "`");
}

const Argument* OpCall::find(const std::string& name) const {
  for (const auto& a : args)
    if (a.name == name) return &a;
  return nullptr;
}

std::string value_text(const Value& value) {
  switch (value.kind) {
    case Value::Kind::Int: return std::to_string(value.integer);
    case Value::Kind::Float: return canonical_float(value.real);
    case Value::Kind::Bool: return value.boolean ? "true" : "false";
    case Value::Kind::String:
    case Value::Kind::Path: return "\"" + value.text + "\"";
    case Value::Kind::List: {
      std::string out = "[";
      for (std::size_t i = 0; i < value.items.size(); ++i)
        out += (i ? ", " : "") + value_text(value.items[i]);
      return out + "]";
    }
    case Value::Kind::Op: return value.op && value.op->op ? value.op->op->name : "op";
    default: return value_kind_name(value.kind);
  }
}

std::string canonical_float(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  if (value == 0.0) return std::signbit(value) ? "-0.0" : "0.0";
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  std::string text(buffer, result.ptr);
  // Keep floats visibly floats so the canonical form of 1.0 is never the integer 1.
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

}  // namespace mlf
