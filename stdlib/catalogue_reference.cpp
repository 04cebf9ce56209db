#include "stdlib/catalogue_reference.h"

#include <cmath>
#include <vector>

namespace mlf {
namespace {

// The order kinds appear in on the reference page: the order a pipeline uses them in.
const std::vector<OpKind>& kind_order() {
  static const std::vector<OpKind> order = {
      OpKind::Reader, OpKind::DatasetOp, OpKind::Augment,   OpKind::Layer, OpKind::Block,
      OpKind::Loss,   OpKind::Optimizer, OpKind::Schedule, OpKind::Metric, OpKind::Stage,
  };
  return order;
}

const char* kind_heading(OpKind kind) {
  switch (kind) {
    case OpKind::Reader: return "Readers";
    case OpKind::DatasetOp: return "Dataset ops";
    case OpKind::Augment: return "Augment ops";
    case OpKind::Layer: return "Layers";
    case OpKind::Block: return "Blocks";
    case OpKind::Loss: return "Losses";
    case OpKind::Optimizer: return "Optimizers";
    case OpKind::Schedule: return "Learning-rate schedules";
    case OpKind::Metric: return "Metrics";
    case OpKind::Stage: return "Stages";
  }
  return "Other";
}

// Markdown table cells must not contain a bare `|`.
std::string cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

}  // namespace

std::string number_text(double value) {
  if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 1e15)
    return std::to_string(static_cast<long long>(value));
  return canonical_float(value);
}

std::string default_text(const ParamSpec& param) {
  if (!param.default_value) return "";
  return value_text(*param.default_value);
}

std::string constraint_text(const ParamSpec& param) {
  if (!param.choices.empty()) {
    std::string out = "one of ";
    for (std::size_t i = 0; i < param.choices.size(); ++i)
      out += (i ? ", " : "") + std::string("\"") + param.choices[i] + "\"";
    return out;
  }
  if (param.min && param.max) {
    return std::string("in ") + (param.min_exclusive ? "(" : "[") + number_text(*param.min) +
           ", " + number_text(*param.max) + (param.max_exclusive ? ")" : "]");
  }
  if (param.min) return (param.min_exclusive ? "> " : "≥ ") + number_text(*param.min);
  if (param.max) return (param.max_exclusive ? "< " : "≤ ") + number_text(*param.max);
  return "";
}

std::string op_signature(const OpSpec& op) {
  if (op.params.empty()) return op.name;
  std::string out = op.name + "(";
  for (std::size_t i = 0; i < op.params.size(); ++i) {
    const ParamSpec& p = op.params[i];
    out += (i ? ", " : "") + p.name + ": " + param_type_name(p.type);
    if (p.default_value) out += " = " + default_text(p);
    else if (p.optional) out += "?";
  }
  return out + ")";
}

std::string render_op_text(const OpSpec& op) {
  std::string out = op_signature(op) + "\n  " + op.summary + "\n  " + op_kind_name(op.kind) +
                    ", version " + op.version + (op.random ? ", random" : "") + "\n";
  for (const ParamSpec& p : op.params) {
    out += "  " + p.name + ": " + param_type_name(p.type);
    if (p.default_value) out += " = " + default_text(p);
    else if (p.optional) out += " (optional)";
    else out += " (required)";
    if (p.positional) out += ", may be written first without its name";
    std::string range = constraint_text(p);
    if (!range.empty()) out += ", " + range;
    out += "\n      " + p.doc + "\n";
  }
  if (op.metric_field) out += "  adds field `" + op.metric_field->name + "`: " + op.metric_field->type + "\n";
  return out;
}

std::string render_catalogue_markdown(const Catalogue& catalogue) {
  std::string out =
      "# Op reference\n\n"
      "<!-- Generated from the op catalogue (stdlib/) by `mlf ops --markdown`; do not edit.\n"
      "     tests/unit/ops_reference_test.cpp fails when this file is stale. -->\n\n"
      "Every op the language knows, with its parameters, their types, defaults and ranges.\n"
      "An op's version enters the hash of every node that uses it. A parameter marked\n"
      "*positional* may be written first without its name (`dropout(0.25)`).\n"
      "\n"
      "Every int parameter has a range, and the checker refuses a value outside it\n"
      "(`MLF0302`) rather than let it be truncated later: epochs and the schedules counted\n"
      "in epochs at most 1000000; sample counts and batch sizes at most 2147483647\n"
      "(2^31 - 1); layer features, channels and class counts at most 1048576 (2^20); kernel,\n"
      "stride, padding and crop sizes at most 65536 (2^16).\n";
  for (OpKind kind : kind_order()) {
    auto names = catalogue.names_of(kind);
    if (names.empty()) continue;
    out += "\n## " + std::string(kind_heading(kind)) + "\n";
    for (const auto& name : names) {
      const OpSpec& op = *catalogue.find(name);
      out += "\n### `" + op.name + "`\n\n" + op.summary + "\n\n";
      out += "`" + op_signature(op) + "` — version " + op.version +
             (op.random ? ", draws random numbers (gets a derived seed)" : "") + "\n";
      if (op.metric_field)
        out += "\nAdds the field `" + op.metric_field->name + "` (" + op.metric_field->type +
               (op.metric_field->scalar ? ", usable in `expect`" : "") + ") to an evaluation.\n";
      if (op.params.empty()) continue;
      out += "\n| parameter | type | default | range | meaning |\n| --- | --- | --- | --- | --- |\n";
      for (const ParamSpec& p : op.params) {
        std::string def = p.default_value ? "`" + default_text(p) + "`"
                          : p.optional    ? "optional"
                                          : "required";
        std::string name = "`" + p.name + "`" + (p.positional ? " (positional)" : "");
        out += "| " + name + " | " + cell(param_type_name(p.type)) + " | " + cell(def) + " | " +
               cell(constraint_text(p)) + " | " + cell(p.doc) + " |\n";
      }
    }
  }
  return out;
}

}  // namespace mlf
