#include <cstdio>

#include "compiler/lsp/features.h"
#include "compiler/lsp/op_description.h"
#include "compiler/lsp/stored_result.h"
#include "compiler/lsp/text_positions.h"
#include "stdlib/catalogue.h"

namespace mlf::lsp {

using nlohmann::json;

namespace {

std::string type_of(const Node& node) {
  switch (node.kind) {
    case NodeKind::Train:
      return "model " + node.model_input.str() + " → " + node.model_output.str() + ", trained on " +
             node.dataset.str();
    case NodeKind::Evaluate: {
      std::string out = "result {";
      for (std::size_t i = 0; i < node.fields.size(); ++i)
        out += (i ? ", " : "") + node.fields[i].name + ": " + node.fields[i].type;
      return out + "}";
    }
    default: return node.dataset.str();
  }
}

std::string seconds_text(double seconds) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f s", seconds);
  return buffer;
}

std::string nodes_markdown(const DocumentAnalysis& analysis, const std::string& name) {
  if (!analysis.graph)
    return "\n_Types, hashes and cache state show once the pipeline checks without errors._\n";
  std::string out;
  int shown = 0;
  for (const Node& node : analysis.graph->nodes) {
    bool named = node.label == name || node.label.rfind(name + "[", 0) == 0;
    if (!named) continue;
    if (++shown > 8) {
      out += "- …\n";
      break;
    }
    out += "\n`" + node.label + "`: " + node_kind_name(node.kind) + " `" + type_of(node) + "`  \n";
    out += "hash `" + node.hash.short_hex() + "` · ";
    if (auto stored = stored_result(analysis.project.store_path, node.hash)) {
      out += "cached in the store (took " + seconds_text(stored->seconds) + ")";
      for (const auto& [metric, value] : stored->metrics) {
        char buffer[64];
        std::snprintf(buffer, sizeof buffer, "%.4g", value);
        out += ", " + metric + " " + buffer;
      }
      out += "\n";
    } else {
      out += "not in the store\n";
    }
  }
  return out;
}

std::string declaration_markdown(const DocumentAnalysis& analysis, const ParsedModule& parsed,
                                 const Declaration& d) {
  std::string text = parsed.file->text().substr(d.span.begin, d.span.end - d.span.begin);
  if (text.size() > 400) text = text.substr(0, 400) + " …";
  std::string out = "```mlflow\n" + text + "\n```\n";
  if (&parsed != &analysis.main()) out += "from `" + parsed.path + "`\n";
  if (d.kind == Declaration::Kind::Dataset || d.kind == Declaration::Kind::Stage)
    out += nodes_markdown(analysis, d.name);
  return out;
}

std::string name_markdown(const DocumentAnalysis& analysis, const NameAt& name) {
  const Catalogue& ops = catalogue();
  switch (name.role) {
    case NameAt::Role::Callee:
      if (const OpSpec* op = ops.find(name.name)) return op_markdown(*op);
      return "";
    case NameAt::Role::ArgumentName: {
      const OpSpec* op = ops.find(name.callee);
      const ParamSpec* param = op ? op->param(name.name) : nullptr;
      if (!param) return "";
      std::string out = "`" + name.name + "` of `" + op->name + "`: " + param_detail(*param);
      if (!param->doc.empty()) out += "\n\n" + param->doc;
      return out;
    }
    case NameAt::Role::Member: {
      const OpSpec* metric = ops.find(name.name);
      if (metric && metric->metric_field)
        return "field `" + name.name + "`: " + metric->metric_field->type + " (metric `" +
               metric->name + "`)";
      return "";
    }
    case NameAt::Role::Import: return "imports `" + name.name + "`";
    case NameAt::Role::Reference:
    case NameAt::Role::Declared:
      for (const auto& parsed : analysis.modules)
        if (const Declaration* d = find_declaration(parsed.declarations, name.name))
          return declaration_markdown(analysis, parsed, *d);
      // A bare op: `relu`, `cross_entropy`, `accuracy`.
      if (const OpSpec* op = ops.find(name.name)) return op_markdown(*op);
      return "";
  }
  return "";
}

}  // namespace

json hover(const DocumentAnalysis& analysis, std::uint32_t offset) {
  auto name = name_at(analysis.main().module, offset);
  if (!name) return nullptr;
  std::string markdown = name_markdown(analysis, *name);
  if (markdown.empty()) return nullptr;
  return {{"contents", {{"kind", "markdown"}, {"value", markdown}}},
          {"range", range_json(*analysis.main().file, name->span)}};
}

}  // namespace mlf::lsp
