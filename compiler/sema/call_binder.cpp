// Op calls: written arguments → the op's parameters (positional, named, defaults), each
// value coerced to its parameter type and checked against its range and choices.
#include <cmath>
#include <filesystem>

#include "compiler/sema/checker_state.h"

namespace mlf::sema_detail {

namespace fs = std::filesystem;

namespace {

std::string parameter_list(const OpSpec& op) {
  std::string out;
  for (const auto& p : op.params) out += (out.empty() ? "`" : ", `") + p.name + "`";
  return out.empty() ? "none" : out;
}

std::string bound_text(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  return canonical_float(v);
}

}  // namespace

std::string Checker::resolve_path(const std::string& text, Span span) const {
  fs::path p(text);
  if (p.is_relative() && span.valid()) {
    fs::path base = fs::path(sources_.file(span.file).path()).parent_path();
    std::error_code ec;
    p = fs::absolute(base / p, ec);
  }
  return p.lexically_normal().string();
}

Value Checker::eval_call(const ast::Call& call, Span span, Scope& scope, int depth) {
  const OpSpec* op = catalogue().find(call.callee.name);
  if (!op) {
    if (Definition* def = lookup(call.callee.name, scope)) {
      if (def->decl) used_.insert(def->decl);
      diagnostics_.report(DiagnosticKind::UnknownOp, call.callee.span,
                          "`" + call.callee.name + "` is a definition, not an op, and cannot be called")
          .primary_label("not an op")
          .label(def->name_span, "defined here");
    } else {
      auto builder = diagnostics_.report(DiagnosticKind::UnknownOp, call.callee.span,
                                         "no op named `" + call.callee.name + "` in the catalogue")
                         .primary_label("unknown op");
      std::string near = nearest_name(call.callee.name, catalogue().names());
      if (!near.empty()) builder.help("an op named `" + near + "` exists");
      else builder.note("docs/ops.md lists every op");
    }
    for (const auto& arg : call.arguments) eval(*arg.value, scope, depth + 1);  // report inside
    return Value::error(span);
  }
  std::vector<std::pair<const ast::Argument*, Value>> written;
  for (const auto& arg : call.arguments)
    written.emplace_back(&arg, eval(*arg.value, scope, depth + 1));
  auto bound = bind(*op, call.callee.span, std::move(written));
  if (!bound) return Value::error(span);
  bound->span = span;
  return apply_op(bound, span);
}

Value Checker::bare_op(const OpSpec& op, Span span) {
  auto bound = bind(op, span, {});
  if (!bound) return Value::error(span);
  bound->span = span;
  return apply_op(bound, span);
}

Value Checker::apply_op(std::shared_ptr<OpCall> call, Span span) {
  if (call->op->random) any_random_ = true;
  switch (call->op->kind) {
    case OpKind::Reader: return make_reader(call, span);
    case OpKind::DatasetOp: return make_dataset_op(call, span);
    case OpKind::Stage:
      if (call->op->name == "train") return make_train(call, span);
      if (call->op->name == "evaluate") return make_evaluate(call, span);
      break;
    case OpKind::Block: {
      if (call->op->name == "sequential") {
        Value model;
        model.kind = Value::Kind::Model;
        model.span = span;
        return model;
      }
      break;
    }
    default:
      break;
  }
  Value out;
  out.kind = Value::Kind::Op;
  out.op = std::move(call);
  out.span = span;
  return out;
}

std::shared_ptr<OpCall> Checker::bind(const OpSpec& op, Span span,
                                      std::vector<std::pair<const ast::Argument*, Value>> written) {
  auto call = std::make_shared<OpCall>();
  call->op = &op;
  call->span = span;
  bool ok = true;
  bool misnamed = false;  // an unknown or unnamed argument: "missing" would only repeat it
  std::map<std::string, std::pair<Value, Span>> given;
  std::vector<std::string> param_names;
  for (const auto& p : op.params) param_names.push_back(p.name);

  for (std::size_t i = 0; i < written.size(); ++i) {
    const ast::Argument& arg = *written[i].first;
    Value& value = written[i].second;
    const ParamSpec* param = nullptr;
    Span name_span = arg.span;
    if (!arg.name) {
      param = op.positional_param();
      if (i != 0 || !param) {
        auto builder = diagnostics_.report(DiagnosticKind::PositionalNotAllowed, arg.span,
                                           i != 0 ? "only the first argument may be written without a name"
                                                  : "`" + op.name + "` takes no positional argument")
                           .primary_label("argument without a name");
        builder.note("parameters of `" + op.name + "`: " + parameter_list(op));
        builder.help("write it as `name: value`");
        ok = false;
        misnamed = true;
        continue;
      }
    } else {
      name_span = arg.name->span;
      param = op.param(arg.name->name);
      if (!param) {
        auto builder = diagnostics_.report(DiagnosticKind::UnknownParameter, arg.name->span,
                                           "`" + op.name + "` has no parameter `" + arg.name->name + "`")
                           .primary_label("unknown parameter");
        std::string near = nearest_name(arg.name->name, param_names);
        if (!near.empty()) builder.help("a parameter named `" + near + "` exists");
        builder.note("parameters of `" + op.name + "`: " + parameter_list(op));
        ok = false;
        misnamed = true;
        continue;
      }
    }
    if (auto it = given.find(param->name); it != given.end()) {
      diagnostics_.report(DiagnosticKind::DuplicateArgument, name_span,
                          "`" + param->name + "` is given twice")
          .primary_label("second value")
          .label(it->second.second, "first value");
      ok = false;
      continue;
    }
    given.emplace(param->name, std::make_pair(Value(), name_span));
    if (value.poisoned) {
      ok = false;
      continue;
    }
    auto coerced = coerce(value, *param, op, arg.value->span);
    if (!coerced || !check_range(*coerced, *param, op, arg.value->span)) {
      ok = false;
      continue;
    }
    coerced->span = arg.value->span;
    given[param->name].first = *coerced;
  }

  std::vector<std::string> missing;
  for (const auto& param : op.params) {
    auto it = given.find(param.name);
    Argument out;
    out.name = param.name;
    if (it != given.end()) {
      out.value = it->second.first;
    } else if (param.default_value) {
      // Defaults take the same canonical form as written values (`1` for a pair is
      // `[1, 1]`), so writing a default out changes no hash.
      auto canonical = coerce(*param.default_value, param, op, span);
      out.value = canonical ? *canonical : *param.default_value;
      out.defaulted = true;
    } else if (param.optional) {
      out.value = Value::none();
      out.defaulted = true;
    } else {
      missing.push_back(param.name);
      continue;
    }
    call->args.push_back(std::move(out));
  }
  if (!missing.empty() && !misnamed) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "`" : ", `") + m + "`";
    auto builder = diagnostics_.report(DiagnosticKind::MissingArgument, span,
                                       "`" + op.name + "` is missing " + list)
                       .primary_label(missing.size() == 1 ? "required argument not given"
                                                          : "required arguments not given");
    const ParamSpec* first = op.param(missing.front());
    builder.help("add `" + missing.front() + ": <" + param_type_name(first->type) + ">`" +
                 (first->doc.empty() ? "" : " (" + first->doc + ")"));
    ok = false;
  }
  return ok && missing.empty() ? call : nullptr;
}

std::optional<Value> Checker::coerce(const Value& value, const ParamSpec& param, const OpSpec& op,
                                     Span span) {
  auto mismatch = [&](const std::string& expected) -> std::optional<Value> {
    auto builder = diagnostics_.report(DiagnosticKind::TypeMismatch, span,
                                       "`" + param.name + "` of `" + op.name + "` expects " +
                                           expected + ", found " + describe(value))
                       .primary_label("expected " + expected);
    if (!param.doc.empty()) builder.note("`" + param.name + "`: " + param.doc);
    return std::nullopt;
  };
  auto op_of_kind = [&](OpKind kind, const char* what) -> std::optional<Value> {
    if (value.kind == Value::Kind::Op && value.op->op->kind == kind) return value;
    if (value.kind == Value::Kind::Op) {
      auto builder = diagnostics_.report(DiagnosticKind::WrongOpKind, span,
                                         "`" + param.name + "` of `" + op.name + "` expects " +
                                             what + ", found " + describe(value))
                         .primary_label(std::string("not ") + what);
      std::string options;
      for (const auto& n : catalogue().names_of(kind)) options += (options.empty() ? "`" : ", `") + n + "`";
      std::string kind_name = op_kind_name(kind);
      builder.note(kind_name + (kind_name.back() == 's' ? "es" : "s") + ": " + options);
      return std::nullopt;
    }
    return mismatch(what);
  };
  auto float_value = [](const Value& v) { return Value::of_float(v.as_real(), v.span); };

  switch (param.type) {
    case ParamType::Int:
      if (value.kind == Value::Kind::Int) return value;
      return mismatch("an int");
    case ParamType::Float:
      if (value.is_number()) return float_value(value);
      return mismatch("a float");
    case ParamType::Bool:
      if (value.kind == Value::Kind::Bool) return value;
      return mismatch("a bool");
    case ParamType::String:
      if (value.kind == Value::Kind::String) return value;
      return mismatch("a string");
    case ParamType::Path:
      if (value.kind == Value::Kind::String || value.kind == Value::Kind::Path) {
        if (value.text.empty()) return mismatch("a non-empty path");
        return Value::of_path(resolve_path(value.text, value.span.valid() ? value.span : span),
                              span);
      }
      return mismatch("a path (a string)");
    case ParamType::Enum: {
      if (value.kind != Value::Kind::String) return mismatch("a string");
      for (const auto& choice : param.choices)
        if (choice == value.text) return value;
      std::string options;
      for (const auto& c : param.choices) options += (options.empty() ? "\"" : "\", \"") + c;
      auto builder = diagnostics_.report(DiagnosticKind::InvalidEnumValue, span,
                                         "`" + param.name + "` of `" + op.name + "` must be one of " +
                                             options + "\", found \"" + value.text + "\"")
                         .primary_label("not an allowed choice");
      std::string near = nearest_name(value.text, param.choices);
      if (!near.empty()) builder.help("the choice \"" + near + "\" exists");
      return std::nullopt;
    }
    case ParamType::IntPair: {
      if (value.kind == Value::Kind::Int) {
        Value pair;
        pair.kind = Value::Kind::List;
        pair.items = {value, value};
        return pair;
      }
      if (value.kind == Value::Kind::List && value.items.size() == 2 &&
          value.items[0].kind == Value::Kind::Int && value.items[1].kind == Value::Kind::Int)
        return value;
      return mismatch("an int or [int, int]");
    }
    case ParamType::FloatList: {
      Value list;
      list.kind = Value::Kind::List;
      if (value.is_number()) {
        list.items = {float_value(value)};
        return list;
      }
      if (value.kind == Value::Kind::List && !value.items.empty()) {
        for (const auto& item : value.items) {
          if (!item.is_number()) return mismatch("a float or a list of floats");
          list.items.push_back(float_value(item));
        }
        return list;
      }
      return mismatch("a float or a non-empty list of floats");
    }
    case ParamType::FloatRange: {
      if (value.kind == Value::Kind::List && value.items.size() == 2 &&
          value.items[0].is_number() && value.items[1].is_number()) {
        Value list;
        list.kind = Value::Kind::List;
        list.items = {float_value(value.items[0]), float_value(value.items[1])};
        if (list.items[0].real > list.items[1].real) {
          diagnostics_.report(DiagnosticKind::ValueOutOfRange, span,
                              "`" + param.name + "` of `" + op.name + "` is a range [low, high] with low <= high, found " +
                                  value_text(list))
              .primary_label("low is above high");
          return std::nullopt;
        }
        return list;
      }
      return mismatch("[low, high]");
    }
    case ParamType::Dataset:
      if (is_dataset(value)) return value;
      return mismatch("a dataset");
    case ParamType::DatasetList: {
      if (value.kind == Value::Kind::List && !value.items.empty()) {
        for (const auto& item : value.items)
          if (!is_dataset(item)) return mismatch("a list of datasets");
        return value;
      }
      return mismatch("a non-empty list of datasets");
    }
    case ParamType::Model:
      if (value.kind == Value::Kind::Model) return value;
      if (value.kind == Value::Kind::Op &&
          (value.op->op->kind == OpKind::Layer || value.op->op->kind == OpKind::Block)) {
        Value model;
        model.kind = Value::Kind::Model;
        model.ops = {value.op};
        return model;
      }
      return mismatch("a model");
    case ParamType::TrainedModel:
      if (value.kind == Value::Kind::Node && graph_.nodes[value.node].kind == NodeKind::Train)
        return value;
      return mismatch("a trained model (a `train` stage)");
    case ParamType::Loss: return op_of_kind(OpKind::Loss, "a loss");
    case ParamType::Optimizer: return op_of_kind(OpKind::Optimizer, "an optimizer");
    case ParamType::Schedule: return op_of_kind(OpKind::Schedule, "a schedule");
    case ParamType::MetricList: {
      Value list;
      list.kind = Value::Kind::List;
      std::vector<Value> items =
          value.kind == Value::Kind::List ? value.items : std::vector<Value>{value};
      for (const auto& item : items) {
        if (item.kind == Value::Kind::Op && item.op->op->kind == OpKind::Metric) {
          list.items.push_back(item);
          continue;
        }
        Value copy = item;
        std::string what = describe(item);
        auto builder = diagnostics_.report(DiagnosticKind::WrongOpKind,
                                           item.span.valid() ? item.span : span,
                                           "`metrics` of `" + op.name + "` holds metrics, found " + what)
                           .primary_label("not a metric");
        std::string options;
        for (const auto& n : catalogue().names_of(OpKind::Metric))
          options += (options.empty() ? "`" : ", `") + n + "`";
        builder.note("metrics: " + options);
        return std::nullopt;
      }
      if (list.items.empty()) return mismatch("at least one metric");
      return list;
    }
  }
  return mismatch(param_type_name(param.type));
}

bool Checker::check_range(const Value& value, const ParamSpec& param, const OpSpec& op, Span span) {
  if (!param.min && !param.max) return true;
  std::vector<const Value*> numbers;
  if (value.is_number()) numbers.push_back(&value);
  if (value.kind == Value::Kind::List)
    for (const auto& item : value.items)
      if (item.is_number()) numbers.push_back(&item);
  for (const Value* number : numbers) {
    double v = number->as_real();
    bool below = param.min && (param.min_exclusive ? v <= *param.min : v < *param.min);
    bool above = param.max && (param.max_exclusive ? v >= *param.max : v > *param.max);
    if (!below && !above && !std::isnan(v)) continue;
    std::string range;
    if (param.min && param.max)
      range = "between " + bound_text(*param.min) + (param.min_exclusive ? " (exclusive)" : "") +
              " and " + bound_text(*param.max) + (param.max_exclusive ? " (exclusive)" : "");
    else if (param.min)
      range = (param.min_exclusive ? "greater than " : "at least ") + bound_text(*param.min);
    else
      range = (param.max_exclusive ? "less than " : "at most ") + bound_text(*param.max);
    diagnostics_.report(DiagnosticKind::ValueOutOfRange, span,
                        "`" + param.name + "` of `" + op.name + "` must be " + range + ", found " +
                            value_text(*number))
        .primary_label("out of range");
    return false;
  }
  return true;
}

}  // namespace mlf::sema_detail
