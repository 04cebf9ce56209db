#include "runtime/exec/node_identity.h"

#include "compiler/plan/plan_reader.h"
#include "compiler/sema/value.h"
#include "runtime/exec/executor.h"

namespace mlf::runtime {

namespace {

std::string value_text(const PlanValue& v) {
  switch (v.kind) {
    case PlanValue::Kind::Int: return std::to_string(v.integer);
    case PlanValue::Kind::Float: return canonical_float(v.real);
    case PlanValue::Kind::Bool: return v.boolean ? "true" : "false";
    case PlanValue::Kind::String: return "\"" + v.text + "\"";
    case PlanValue::Kind::Path: return v.text;
    case PlanValue::Kind::List: {
      std::string out = "[";
      for (std::size_t i = 0; i < v.items.size(); ++i) out += (i ? ", " : "") + value_text(v.items[i]);
      return out + "]";
    }
    case PlanValue::Kind::Op:
    case PlanValue::Kind::Chain:
    case PlanValue::Kind::Model: {
      std::string out;
      for (const auto& op : v.ops) out += (out.empty() ? "" : " + ") + canonical_call(op);
      return out;
    }
    case PlanValue::Kind::Node:
    case PlanValue::Kind::Field: return v.node.short_hex();
  }
  return "";
}

void flatten_op(const PlanOp& op, const std::string& prefix, std::map<std::string, std::string>& out) {
  for (const auto& arg : op.args) {
    if (arg.value.kind == PlanValue::Kind::Op && arg.value.ops.size() == 1) {
      out[prefix + arg.name] = arg.value.ops.front().name;
      flatten_op(arg.value.ops.front(), prefix + arg.name + ".", out);
    } else if (arg.value.kind != PlanValue::Kind::Node && arg.value.kind != PlanValue::Kind::Model) {
      out[prefix + arg.name] = value_text(arg.value);
    }
  }
}

}  // namespace

std::map<std::string, std::string> node_identity_map(const Plan& plan, const PlanNode& node) {
  std::map<std::string, std::string> out;
  if (node.call) {
    out["op"] = node.call->name + "@" + node.call->version;
    flatten_op(*node.call, "arg.", out);
  }
  for (std::size_t i = 0; i < node.inputs.size(); ++i) {
    std::string label = node_label(plan, node.inputs[i]);
    out["input." + std::to_string(i)] = (label.empty() ? "" : label + " ") + node.inputs[i].hex();
  }
  for (const auto& file : node.files) out["file." + file.argument] = file.sha256.hex();
  for (std::size_t i = 0; i < node.chain.size(); ++i)
    out["step." + std::to_string(i)] = canonical_call(node.chain[i].op);
  for (std::size_t i = 0; i < node.layers.size(); ++i)
    out["layer." + std::to_string(i)] = canonical_layer(node.layers[i]);
  if (node.seed) out["seed"] = node.seed->hex();
  return out;
}

std::string explain_rerun(const NodeRecord& node, const RunRecord* previous, bool read_cache) {
  if (!read_cache) return "replay: no cache reads";
  if (!previous) return "first run of this pipeline";
  const NodeRecord* before = nullptr;
  for (const auto& n : previous->nodes)
    if (n.label == node.label && n.kind == node.kind) before = &n;
  if (!before) return "new stage";
  if (before->id == node.id) return "its result is missing from the store";
  std::vector<std::string> changes;
  bool seed_changed = false;
  auto short_text = [](const std::string& s) { return s.size() > 40 ? s.substr(0, 37) + "..." : s; };
  for (const auto& [key, value] : node.identity) {
    auto it = before->identity.find(key);
    std::string old = it == before->identity.end() ? "(none)" : it->second;
    if (old == value) continue;
    if (key.rfind("arg.", 0) == 0) {
      changes.push_back("argument `" + key.substr(4) + "` " + short_text(old) + " → " + short_text(value));
    } else if (key.rfind("file.", 0) == 0) {
      changes.push_back("file `" + key.substr(5) + "` changed");
    } else if (key.rfind("input.", 0) == 0) {
      auto space = value.find(' ');
      changes.push_back("input `" + (space == std::string::npos ? key : value.substr(0, space)) + "` changed");
    } else if (key == "seed") {
      seed_changed = true;  // reported only when nothing else explains it (see below)
    } else {
      changes.push_back(key + " changed");
    }
  }
  for (const auto& [key, value] : before->identity)
    if (!node.identity.count(key)) changes.push_back(key + " removed");
  // A derived seed covers the node's other identity parts, so it changes whenever they do;
  // naming it then would suggest the user changed the seed.
  if (changes.empty() && seed_changed) return "seed changed";
  if (changes.empty()) return "op version or encoding changed";
  std::string out;
  for (std::size_t i = 0; i < changes.size() && i < 3; ++i) out += (i ? "; " : "") + changes[i];
  if (changes.size() > 3) out += "; +" + std::to_string(changes.size() - 3) + " more";
  return out;
}

}  // namespace mlf::runtime
