// Concise construction of the catalogue's OpSpecs and ParamSpecs, for the stdlib/*.cpp files.
//
//   OpSpec op = new_op("linear", OpKind::Layer, "fully connected layer ...");
//   op.params = {param("out", ParamType::Int, "number of output features").positional()};
//
// Promises: a ParamSpec exactly as the fields say; defaults are stored as the Value kind the
// parameter's type reads back (an Int for int and int-pair parameters, a Float for float and
// float-list parameters), so a default never depends on how the number was written here.
// Does not: check that a default satisfies its own range (tests/unit/catalogue_test.cpp does).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "stdlib/catalogue.h"

namespace mlf {

// Upper bounds of int parameters. Every int parameter has one, so that a value the checker
// accepts is one the runtime holds without narrowing (epochs and batch sizes are `int` in the
// training backend) and one that means something; docs/ops.md lists them per parameter.
inline constexpr double kMaxEpochs = 1'000'000;      // epochs, and schedules counted in epochs
inline constexpr double kMaxCount = 2'147'483'647;   // 2^31 - 1: sample counts, batch sizes
inline constexpr double kMaxWidth = 1'048'576;       // 2^20: layer features and channels, classes
inline constexpr double kMaxPixels = 65'536;         // 2^16: kernel, stride, padding, crop sizes

class ParamBuilder {
 public:
  ParamBuilder(std::string name, ParamType type, std::string doc) {
    spec_.name = std::move(name);
    spec_.type = type;
    spec_.doc = std::move(doc);
  }

  ParamBuilder& positional() {
    spec_.positional = true;
    return *this;
  }
  // May be left out with no default; the rule then sees Value::Kind::None.
  ParamBuilder& optional() {
    spec_.optional = true;
    return *this;
  }

  ParamBuilder& default_number(double value) {
    bool integral = spec_.type == ParamType::Int || spec_.type == ParamType::IntPair;
    spec_.default_value =
        integral ? Value::of_int(static_cast<std::int64_t>(value)) : Value::of_float(value);
    return *this;
  }
  ParamBuilder& default_bool(bool value) {
    spec_.default_value = Value::of_bool(value);
    return *this;
  }
  ParamBuilder& default_text(std::string value) {
    spec_.default_value = Value::of_string(std::move(value));
    return *this;
  }
  ParamBuilder& choices(std::vector<std::string> values) {
    spec_.choices = std::move(values);
    return *this;
  }

  // Bounds apply to a number and to every element of a list.
  ParamBuilder& at_least(double bound) {
    spec_.min = bound;
    spec_.min_exclusive = false;
    return *this;
  }
  ParamBuilder& above(double bound) {
    spec_.min = bound;
    spec_.min_exclusive = true;
    return *this;
  }
  ParamBuilder& at_most(double bound) {
    spec_.max = bound;
    spec_.max_exclusive = false;
    return *this;
  }
  ParamBuilder& below(double bound) {
    spec_.max = bound;
    spec_.max_exclusive = true;
    return *this;
  }

  // Implicit, so that a list of builders initialises `OpSpec::params`.
  operator ParamSpec() const { return spec_; }

 private:
  ParamSpec spec_;
};

// An op at version 1.0.0 with no parameters and no rule yet.
inline OpSpec new_op(std::string name, OpKind kind, std::string summary) {
  OpSpec op;
  op.name = std::move(name);
  op.kind = kind;
  op.version = "1.0.0";
  op.summary = std::move(summary);
  return op;
}

inline ParamBuilder param(std::string name, ParamType type, std::string doc) {
  return ParamBuilder(std::move(name), type, std::move(doc));
}

}  // namespace mlf
