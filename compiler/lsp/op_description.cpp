#include "compiler/lsp/op_description.h"

#include "stdlib/catalogue_reference.h"

namespace mlf::lsp {

std::string param_detail(const ParamSpec& param) {
  std::string out = param_type_name(param.type);
  if (!param.choices.empty()) {
    out += " (";
    for (std::size_t i = 0; i < param.choices.size(); ++i)
      out += (i ? " | " : "") + ("\"" + param.choices[i] + "\"");
    out += ")";
  }
  if (param.min) out += std::string(param.min_exclusive ? " > " : " ≥ ") + number_text(*param.min);
  if (param.max) out += std::string(param.max_exclusive ? " < " : " ≤ ") + number_text(*param.max);
  if (param.default_value) out += " = " + value_text(*param.default_value);
  else if (param.optional) out += " (optional)";
  else out += " (required)";
  return out;
}

std::string op_signature(const OpSpec& op) {
  std::string out = op.name + "(";
  for (std::size_t i = 0; i < op.params.size(); ++i) {
    const ParamSpec& p = op.params[i];
    out += (i ? ", " : "") + p.name + ": " + param_type_name(p.type);
    if (p.default_value) out += " = " + value_text(*p.default_value);
  }
  return out + ")";
}

std::string op_markdown(const OpSpec& op) {
  std::string out = "```mlflow\n" + lsp::op_signature(op) + "\n```\n" + op_kind_name(op.kind) +
                    " `" + op.name + "` " + op.version + (op.random ? " (random)" : "") + "\n";
  if (!op.summary.empty()) out += "\n" + op.summary + "\n";
  if (!op.params.empty()) out += "\n";
  for (const auto& p : op.params) {
    out += "- `" + p.name + "`: " + param_detail(p);
    if (!p.doc.empty()) out += " — " + p.doc;
    out += "\n";
  }
  return out;
}

}  // namespace mlf::lsp
