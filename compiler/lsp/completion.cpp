#include <cctype>
#include <optional>
#include <set>

#include "compiler/lsp/features.h"
#include "compiler/lsp/op_description.h"
#include "stdlib/catalogue.h"

namespace mlf::lsp {

using nlohmann::json;

namespace {

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

struct CallContext {
  std::string callee;         // the op whose parentheses hold the cursor; "" when none
  std::string argument_name;  // `name:` directly before the value being typed; "" when none
};

// Reads the text up to the cursor the way the lexer would (strings and comments skipped) and
// finds the innermost open bracket, so that it works on text that does not parse yet.
CallContext call_context(const std::string& text, std::uint32_t offset) {
  std::vector<std::size_t> open;  // positions of unclosed ( and [
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') {
      for (++i; i < offset && text[i] != '"' && text[i] != '\n'; ++i)
        if (text[i] == '\\') ++i;
    } else if (c == '#') {
      while (i < offset && text[i] != '\n') ++i;
    } else if (c == '(' || c == '[') {
      open.push_back(i);
    } else if ((c == ')' || c == ']') && !open.empty()) {
      open.pop_back();
    }
  }
  CallContext context;
  if (open.empty() || text[open.back()] != '(') return context;
  std::size_t end = open.back();
  while (end > 0 && (text[end - 1] == ' ' || text[end - 1] == '\t')) --end;
  std::size_t begin = end;
  while (begin > 0 && is_name_char(text[begin - 1])) --begin;
  context.callee = text.substr(begin, end - begin);
  // `name: <prefix>` right before the cursor.
  std::size_t i = std::min<std::size_t>(offset, text.size());
  while (i > 0 && is_name_char(text[i - 1])) --i;
  while (i > 0 && (text[i - 1] == ' ' || text[i - 1] == '\t')) --i;
  if (i > 0 && text[i - 1] == ':') {
    std::size_t name_end = i - 1;
    while (name_end > 0 && text[name_end - 1] == ' ') --name_end;
    std::size_t name_begin = name_end;
    while (name_begin > 0 && is_name_char(text[name_begin - 1])) --name_begin;
    context.argument_name = text.substr(name_begin, name_end - name_begin);
  }
  return context;
}

// The kind of op a parameter takes, when it takes one.
std::optional<OpKind> op_kind_for(ParamType type) {
  switch (type) {
    case ParamType::Loss: return OpKind::Loss;
    case ParamType::Optimizer: return OpKind::Optimizer;
    case ParamType::Schedule: return OpKind::Schedule;
    case ParamType::MetricList: return OpKind::Metric;
    default: return std::nullopt;
  }
}

void add_declared(const std::vector<Declaration>& declarations, std::set<std::string>& seen,
                  json& items) {
  for (const auto& d : declarations) {
    if (d.kind != Declaration::Kind::Sweep && d.kind != Declaration::Kind::Pipeline &&
        seen.insert(d.name).second)
      items.push_back({{"label", d.name},
                       {"kind", 6},  // Variable
                       {"detail", declaration_keyword(d.kind)},
                       {"sortText", "2" + d.name}});
    add_declared(d.children, seen, items);
  }
}

}  // namespace

json completion(const DocumentAnalysis& analysis, std::uint32_t offset) {
  const Catalogue& ops = catalogue();
  CallContext context = call_context(analysis.main().file->text(), offset);
  const OpSpec* callee = context.callee.empty() ? nullptr : ops.find(context.callee);
  std::optional<OpKind> wanted;
  json items = json::array();
  if (callee) {
    const ParamSpec* typing = context.argument_name.empty() ? nullptr : callee->param(context.argument_name);
    if (typing) wanted = op_kind_for(typing->type);
    if (!typing) {
      for (const auto& param : callee->params) {
        json item = {{"label", param.name},
                     {"kind", 5},  // Field
                     {"detail", param_detail(param)},
                     {"insertText", param.name + ": "},
                     {"sortText", "0" + param.name}};
        if (!param.doc.empty()) item["documentation"] = param.doc;
        items.push_back(std::move(item));
      }
    }
  }
  for (const auto& [name, op] : ops.ops()) {
    bool fits = wanted && op.kind == *wanted;
    items.push_back({{"label", name},
                     {"kind", 3},  // Function
                     {"detail", std::string(op_kind_name(op.kind)) + (op.summary.empty() ? "" : ": " + op.summary)},
                     {"documentation", {{"kind", "markdown"}, {"value", op_markdown(op)}}},
                     {"sortText", (fits ? "0" : "1") + name}});
  }
  std::set<std::string> seen;
  for (const auto& parsed : analysis.modules) add_declared(parsed.declarations, seen, items);
  return {{"isIncomplete", false}, {"items", items}};
}

}  // namespace mlf::lsp
