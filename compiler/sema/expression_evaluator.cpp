// Expressions → compile-time values: names, constants (folded), lists, blocks, `+` on
// chains, `|>`, and fields of stage results.
#include <cmath>
#include <limits>

#include "compiler/sema/checker_state.h"

namespace mlf::sema_detail {

bool values_equal(const Value& a, const Value& b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case Value::Kind::None: return true;
    case Value::Kind::Int: return a.integer == b.integer;
    case Value::Kind::Float: return a.real == b.real || (std::isnan(a.real) && std::isnan(b.real));
    case Value::Kind::Bool: return a.boolean == b.boolean;
    case Value::Kind::String:
    case Value::Kind::Path: return a.text == b.text;
    case Value::Kind::List:
      if (a.items.size() != b.items.size()) return false;
      for (std::size_t i = 0; i < a.items.size(); ++i)
        if (!values_equal(a.items[i], b.items[i])) return false;
      return true;
    case Value::Kind::Op: return a.op && b.op && same_call(*a.op, *b.op);
    case Value::Kind::Chain:
    case Value::Kind::Model:
      if (a.ops.size() != b.ops.size()) return false;
      for (std::size_t i = 0; i < a.ops.size(); ++i)
        if (!same_call(*a.ops[i], *b.ops[i])) return false;
      return true;
    case Value::Kind::Node: return a.node == b.node;
    case Value::Kind::Field: return a.node == b.node && a.text == b.text;
  }
  return false;
}

bool same_call(const OpCall& a, const OpCall& b) {
  if (a.op != b.op || a.args.size() != b.args.size() || a.children.size() != b.children.size())
    return false;
  for (std::size_t i = 0; i < a.args.size(); ++i)
    if (a.args[i].name != b.args[i].name || !values_equal(a.args[i].value, b.args[i].value))
      return false;
  for (std::size_t i = 0; i < a.children.size(); ++i)
    if (!same_call(*a.children[i], *b.children[i])) return false;
  return true;
}

std::string Checker::describe(const Value& value) const {
  switch (value.kind) {
    case Value::Kind::Int:
    case Value::Kind::Float:
    case Value::Kind::Bool:
    case Value::Kind::String:
      return std::string(value_kind_name(value.kind)) + " `" + value_text(value) + "`";
    case Value::Kind::Op:
      return value.op && value.op->op
                 ? std::string(op_kind_name(value.op->op->kind)) + " `" + value.op->op->name + "`"
                 : "an op";
    case Value::Kind::Node: {
      const Node& node = graph_.nodes[value.node];
      std::string what = node.kind == NodeKind::Train      ? "the trained model"
                         : node.kind == NodeKind::Evaluate ? "the evaluation"
                                                           : "the dataset";
      return node.label.empty() ? what : what + " `" + node.label + "`";
    }
    case Value::Kind::Chain: return "an augment chain";
    case Value::Kind::Model: return "a model";
    case Value::Kind::List: return "a list";
    case Value::Kind::Field: return "the field `" + value.text + "`";
    case Value::Kind::Path: return "path `" + value.text + "`";
    case Value::Kind::None: return "nothing";
  }
  return "a value";
}

Definition* Checker::lookup(const std::string& name, Scope& scope) {
  for (Scope* s = &scope; s; s = s->parent) {
    auto it = s->definitions.find(name);
    if (it != s->definitions.end()) return &it->second;
  }
  return nullptr;
}

std::vector<std::string> Checker::visible_names(Scope& scope) const {
  std::vector<std::string> names;
  for (const Scope* s = &scope; s; s = s->parent)
    for (const auto& [name, def] : s->definitions) names.push_back(name);
  for (const auto& name : catalogue().names()) names.push_back(name);
  return names;
}

Value Checker::eval(const ast::Expr& expr, Scope& scope, int depth) {
  if (depth > 256) {
    diagnostics_.report(DiagnosticKind::NestingTooDeep, expr.span, "expression nests too deeply");
    return Value::error(expr.span);
  }
  return std::visit(
      [&](const auto& node) -> Value {
        using T = std::decay_t<decltype(node)>;
        if constexpr (std::is_same_v<T, ast::NumberLiteral>) {
          return node.is_integer ? Value::of_int(node.integer, expr.span)
                                 : Value::of_float(node.real, expr.span);
        } else if constexpr (std::is_same_v<T, ast::StringLiteral>) {
          return Value::of_string(node.value, expr.span);
        } else if constexpr (std::is_same_v<T, ast::BoolLiteral>) {
          return Value::of_bool(node.value, expr.span);
        } else if constexpr (std::is_same_v<T, ast::NameRef>) {
          return eval_name(node, expr.span, scope);
        } else if constexpr (std::is_same_v<T, ast::MemberAccess>) {
          return eval_member(node, expr.span, scope, depth);
        } else if constexpr (std::is_same_v<T, ast::Call>) {
          return eval_call(node, expr.span, scope, depth);
        } else if constexpr (std::is_same_v<T, ast::ListLiteral>) {
          Value list;
          list.kind = Value::Kind::List;
          list.span = expr.span;
          for (const auto& element : node.elements) {
            Value item = eval(*element, scope, depth + 1);
            if (item.poisoned) list.poisoned = true;
            list.items.push_back(std::move(item));
          }
          return list;
        } else if constexpr (std::is_same_v<T, ast::Block>) {
          return eval_block(node, expr.span, scope, depth);
        } else if constexpr (std::is_same_v<T, ast::Unary>) {
          Value operand = eval(*node.operand, scope, depth + 1);
          if (operand.poisoned) return operand;
          if (node.op == ast::UnaryOp::Negate && operand.kind == Value::Kind::Int &&
              operand.integer != std::numeric_limits<std::int64_t>::min())
            return Value::of_int(-operand.integer, expr.span);
          if (node.op == ast::UnaryOp::Negate && operand.kind == Value::Kind::Float)
            return Value::of_float(-operand.real, expr.span);
          if (node.op == ast::UnaryOp::Not && operand.kind == Value::Kind::Bool)
            return Value::of_bool(!operand.boolean, expr.span);
          diagnostics_.report(DiagnosticKind::InvalidOperands, expr.span,
                              std::string("`") + (node.op == ast::UnaryOp::Negate ? "-" : "not") +
                                  "` cannot apply to " + describe(operand))
              .primary_label(node.op == ast::UnaryOp::Negate ? "expected a number"
                                                             : "expected a bool");
          return Value::error(expr.span);
        } else if constexpr (std::is_same_v<T, ast::Binary>) {
          return eval_binary(node, expr.span, scope, depth);
        }
      },
      expr.node);
}

Value Checker::eval_name(const ast::NameRef& ref, Span span, Scope& scope) {
  const std::string& name = ref.name.name;
  if (Definition* def = lookup(name, scope)) {
    if (def->decl) used_.insert(def->decl);
    if (def->state == Definition::State::Running) {
      std::string path;
      bool on_path = false;
      for (Definition* d : evaluating_) {
        if (d == def) on_path = true;
        if (on_path) path += "`" + d->name + "` → ";
      }
      path += "`" + name + "`";
      auto builder = diagnostics_.report(DiagnosticKind::DefinitionCycle, span,
                                         "`" + name + "` depends on itself")
                         .primary_label("this use closes the cycle")
                         .note("the cycle: " + path);
      builder.label(def->name_span, "`" + name + "` is defined here");
      return Value::error(span);
    }
    evaluate_definition(*def);
    Value value = def->value;
    value.span = span;  // messages about the value point at this use
    return value;
  }
  if (const OpSpec* op = catalogue().find(name)) return bare_op(*op, span);
  auto builder = diagnostics_.report(DiagnosticKind::UnknownName, ref.name.span,
                                     "`" + name + "` is not defined")
                     .primary_label("unknown name");
  std::string near = nearest_name(name, visible_names(scope));
  if (!near.empty()) {
    if (catalogue().find(near))
      builder.help("an op named `" + near + "` exists in the catalogue");
    else
      builder.help("a definition named `" + near + "` exists");
  }
  return Value::error(span);
}

Value Checker::eval_member(const ast::MemberAccess& member, Span span, Scope& scope, int depth) {
  Value object = eval(*member.object, scope, depth + 1);
  if (object.poisoned) return Value::error(span);
  if (object.kind != Value::Kind::Node) {
    diagnostics_.report(DiagnosticKind::UnknownField, member.member.span,
                        describe(object) + " has no fields")
        .primary_label("no field `" + member.member.name + "`")
        .note("fields belong to stage results, e.g. `score.accuracy` of an `evaluate` stage");
    return Value::error(span);
  }
  const Node& node = graph_.nodes[object.node];
  std::vector<std::string> names;
  for (const auto& field : node.fields) {
    if (field.name == member.member.name) {
      Value out;
      out.kind = Value::Kind::Field;
      out.node = object.node;
      out.text = field.name;
      out.span = span;
      if (!field.scalar) {
        diagnostics_.report(DiagnosticKind::InvalidGate, member.member.span,
                            "`" + field.name + "` is a table (" + field.type +
                                ") and cannot be compared with a number")
            .primary_label("not a scalar");
        return Value::error(span);
      }
      return out;
    }
    names.push_back(field.name);
  }
  std::string label = node.label.empty() ? "the stage" : "`" + node.label + "`";
  auto builder = diagnostics_.report(DiagnosticKind::UnknownField, member.member.span,
                                     label + " has no field `" + member.member.name + "`")
                     .primary_label("unknown field");
  if (node.kind != NodeKind::Evaluate) {
    builder.note(std::string("only `evaluate` stages have result fields; this is a ") +
                 node_kind_name(node.kind) + " node");
  } else {
    std::string near = nearest_name(member.member.name, names);
    std::string all;
    for (const auto& n : names) all += (all.empty() ? "`" : ", `") + n + "`";
    if (!near.empty()) builder.help("a field named `" + near + "` exists");
    builder.note("its fields come from its metrics: " + all);
    if (near.empty() && catalogue().find(member.member.name) &&
        catalogue().find(member.member.name)->metric_field)
      builder.help("add `" + member.member.name + "` to the stage's `metrics`");
  }
  return Value::error(span);
}

std::optional<Value> Checker::as_chain(const Value& value, Span span, const char* context) {
  Value chain;
  chain.kind = Value::Kind::Chain;
  chain.span = span;
  auto add = [&](const Value& item) -> bool {
    if (item.poisoned) return false;
    if (item.kind == Value::Kind::Chain) {
      chain.ops.insert(chain.ops.end(), item.ops.begin(), item.ops.end());
      return true;
    }
    if (item.kind == Value::Kind::Op && item.op->op->kind == OpKind::Augment) {
      chain.ops.push_back(item.op);
      return true;
    }
    auto builder = diagnostics_.report(DiagnosticKind::WrongOpKind, item.span,
                                       std::string("an ") + context +
                                           " chain holds augment ops, found " + describe(item))
                       .primary_label("not an augment op");
    if (item.kind == Value::Kind::Op && item.op->op->kind == OpKind::Layer)
      builder.help("layers belong in a `model`, not in an `augment` chain");
    return false;
  };
  bool ok = true;
  if (value.kind == Value::Kind::List) {
    for (const auto& item : value.items) ok = add(item) && ok;
  } else {
    ok = add(value);
  }
  if (!ok) return std::nullopt;
  return chain;
}

Value Checker::eval_binary(const ast::Binary& binary, Span span, Scope& scope, int depth) {
  if (binary.op == ast::BinaryOp::Pipe) {
    // `d |> a |> b` is one chain over `d`: evaluate it as `d |> (a + b)` so that no node for
    // the intermediate `d |> a` is made (it would be an extra, unused node of the plan).
    std::vector<const ast::Binary*> pipes{&binary};
    const ast::Expr* base = binary.lhs.get();
    while (auto* inner = std::get_if<ast::Binary>(&base->node)) {
      if (inner->op != ast::BinaryOp::Pipe) break;
      pipes.push_back(inner);
      base = inner->lhs.get();
    }
    if (pipes.size() > 1) {
      Value dataset = eval(*base, scope, depth + 1);
      Value chain;
      chain.kind = Value::Kind::Chain;
      bool ok = !dataset.poisoned;
      for (auto it = pipes.rbegin(); it != pipes.rend(); ++it) {
        Value part = eval(*(*it)->rhs, scope, depth + 1);
        if (part.poisoned) {
          ok = false;
          continue;
        }
        auto steps = as_chain(part, (*it)->rhs->span, "augment");
        if (!steps) {
          ok = false;
          continue;
        }
        chain.ops.insert(chain.ops.end(), steps->ops.begin(), steps->ops.end());
      }
      if (!ok) return Value::error(span);
      if (!is_dataset(dataset)) {
        diagnostics_.report(DiagnosticKind::InvalidOperands, pipes.back()->op_span,
                            "`|>` applies an augment chain to a dataset, found " + describe(dataset))
            .primary_label("the left side is no dataset");
        return Value::error(span);
      }
      chain.span = span;
      return apply_chain(dataset, chain, span);
    }
  }
  Value lhs = eval(*binary.lhs, scope, depth + 1);
  Value rhs = eval(*binary.rhs, scope, depth + 1);
  if (lhs.poisoned || rhs.poisoned) return Value::error(span);
  const char* text = ast::binary_op_text(binary.op);
  auto invalid = [&](std::string why) {
    diagnostics_.report(DiagnosticKind::InvalidOperands, binary.op_span,
                        std::string("`") + text + "` cannot apply to " + describe(lhs) + " and " +
                            describe(rhs))
        .primary_label(std::move(why))
        .label(binary.lhs->span, describe(lhs))
        .label(binary.rhs->span, describe(rhs));
    return Value::error(span);
  };

  switch (binary.op) {
    case ast::BinaryOp::Pipe: {
      if (!is_dataset(lhs))
        return invalid("`|>` applies an augment chain to a dataset; the left side is no dataset");
      auto chain = as_chain(rhs, binary.rhs->span, "augment");
      if (!chain) return Value::error(span);
      return apply_chain(lhs, *chain, span);
    }
    case ast::BinaryOp::Add:
    case ast::BinaryOp::Subtract:
    case ast::BinaryOp::Multiply:
    case ast::BinaryOp::Divide: {
      if (lhs.is_number() && rhs.is_number()) {
        if (binary.op == ast::BinaryOp::Divide) {
          if (rhs.as_real() == 0.0) {
            diagnostics_.report(DiagnosticKind::DivisionByZero, binary.rhs->span,
                                "division by zero in a constant expression")
                .primary_label("this is zero");
            return Value::error(span);
          }
          // `/` always gives a float, so `1/255` means what it says.
          return Value::of_float(lhs.as_real() / rhs.as_real(), span);
        }
        if (lhs.kind == Value::Kind::Int && rhs.kind == Value::Kind::Int) {
          std::int64_t result = 0;
          bool overflow = binary.op == ast::BinaryOp::Add
                              ? __builtin_add_overflow(lhs.integer, rhs.integer, &result)
                          : binary.op == ast::BinaryOp::Subtract
                              ? __builtin_sub_overflow(lhs.integer, rhs.integer, &result)
                              : __builtin_mul_overflow(lhs.integer, rhs.integer, &result);
          if (overflow) {
            diagnostics_.report(DiagnosticKind::InvalidNumber, span,
                                "integer overflow in a constant expression")
                .primary_label("the result does not fit in 64 bits");
            return Value::error(span);
          }
          return Value::of_int(result, span);
        }
        double a = lhs.as_real(), b = rhs.as_real();
        double r = binary.op == ast::BinaryOp::Add        ? a + b
                   : binary.op == ast::BinaryOp::Subtract ? a - b
                                                          : a * b;
        return Value::of_float(r, span);
      }
      if (binary.op == ast::BinaryOp::Add) {
        if (lhs.kind == Value::Kind::String && rhs.kind == Value::Kind::String)
          return Value::of_string(lhs.text + rhs.text, span);
        bool chain_like = lhs.kind == Value::Kind::Chain || rhs.kind == Value::Kind::Chain ||
                          (lhs.kind == Value::Kind::Op && lhs.op->op->kind == OpKind::Augment) ||
                          (rhs.kind == Value::Kind::Op && rhs.op->op->kind == OpKind::Augment);
        if (chain_like || (lhs.kind == Value::Kind::List && rhs.kind == Value::Kind::List)) {
          if (!chain_like) {
            Value list = lhs;
            list.items.insert(list.items.end(), rhs.items.begin(), rhs.items.end());
            list.span = span;
            return list;
          }
          auto a = as_chain(lhs, binary.lhs->span, "augment");
          auto b = as_chain(rhs, binary.rhs->span, "augment");
          if (!a || !b) return Value::error(span);
          Value chain = *a;
          chain.ops.insert(chain.ops.end(), b->ops.begin(), b->ops.end());
          chain.span = span;
          return chain;
        }
        if (lhs.kind == Value::Kind::Model && rhs.kind == Value::Kind::Model) {
          Value model = lhs;
          model.ops.insert(model.ops.end(), rhs.ops.begin(), rhs.ops.end());
          model.span = span;
          return model;
        }
      }
      return invalid("expected numbers, or augment chains for `+`");
    }
    case ast::BinaryOp::And:
    case ast::BinaryOp::Or:
      if (lhs.kind == Value::Kind::Bool && rhs.kind == Value::Kind::Bool)
        return Value::of_bool(binary.op == ast::BinaryOp::And ? lhs.boolean && rhs.boolean
                                                              : lhs.boolean || rhs.boolean,
                              span);
      return invalid("expected bools");
    default: {
      if (lhs.kind == Value::Kind::Field || rhs.kind == Value::Kind::Field) {
        diagnostics_.report(DiagnosticKind::InvalidGate, span,
                            "stage results can be compared only in `expect`")
            .primary_label("comparison of a stage result");
        return Value::error(span);
      }
      if (lhs.is_number() && rhs.is_number()) {
        double a = lhs.as_real(), b = rhs.as_real();
        bool r = false;
        switch (binary.op) {
          case ast::BinaryOp::Less: r = a < b; break;
          case ast::BinaryOp::LessEqual: r = a <= b; break;
          case ast::BinaryOp::Greater: r = a > b; break;
          case ast::BinaryOp::GreaterEqual: r = a >= b; break;
          case ast::BinaryOp::Equal: r = a == b; break;
          case ast::BinaryOp::NotEqual: r = a != b; break;
          default: break;
        }
        return Value::of_bool(r, span);
      }
      return invalid("expected numbers");
    }
  }
}

Value Checker::eval_block(const ast::Block& block, Span span, Scope& scope, int depth) {
  const OpSpec* op = catalogue().find(block.kind.name);
  if (!op || op->kind != OpKind::Block) {
    auto builder = diagnostics_.report(DiagnosticKind::UnknownOp, block.kind.span,
                                       "`" + block.kind.name + " [...]` is not a block")
                       .primary_label("unknown block");
    std::string near = nearest_name(block.kind.name, catalogue().names_of(OpKind::Block));
    if (!near.empty()) builder.help("the block `" + near + "` exists");
    return Value::error(span);
  }
  std::vector<std::shared_ptr<const OpCall>> layers;
  bool ok = true;
  for (const auto& element : block.elements) {
    Value item = eval(*element, scope, depth + 1);
    if (item.poisoned) {
      ok = false;
      continue;
    }
    if (item.kind == Value::Kind::Model) {
      layers.insert(layers.end(), item.ops.begin(), item.ops.end());
    } else if (item.kind == Value::Kind::Op &&
               (item.op->op->kind == OpKind::Layer || item.op->op->kind == OpKind::Block)) {
      layers.push_back(item.op);
    } else {
      auto builder = diagnostics_.report(DiagnosticKind::WrongOpKind, element->span,
                                         "`" + block.kind.name + "` holds layers, found " +
                                             describe(item))
                         .primary_label("not a layer");
      if (item.kind == Value::Kind::Op && item.op->op->kind == OpKind::Augment)
        builder.help("augment ops belong in an `augment` chain applied with `|>`");
      ok = false;
    }
  }
  if (!ok) return Value::error(span);
  if (block.kind.name == "sequential") {
    Value model;
    model.kind = Value::Kind::Model;
    model.ops = std::move(layers);
    model.span = span;
    return model;
  }
  auto call = std::make_shared<OpCall>();
  call->op = op;
  call->span = span;
  call->children = std::move(layers);
  Value out;
  out.kind = Value::Kind::Op;
  out.op = call;
  out.span = span;
  return out;
}

}  // namespace mlf::sema_detail
