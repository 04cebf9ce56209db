#include "compiler/graph/dot.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "compiler/plan/node_order.h"
#include "stdlib/catalogue.h"

namespace mlf {
namespace {

// A DOT double-quoted string; `\n` in `text` becomes a centred line break.
std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

const char* shape_of(NodeKind kind) {
  switch (kind) {
    case NodeKind::Read:
      return "cylinder";
    case NodeKind::DatasetOp:
      return "box";
    case NodeKind::Augment:
      return "box";
    case NodeKind::Train:
      return "box3d";
    case NodeKind::Evaluate:
      return "component";
  }
  return "box";
}

}  // namespace

std::string to_dot(const Graph& graph) {
  std::vector<NodeGroup> groups = node_groups(graph);
  std::vector<std::string> name_of(graph.nodes.size());
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const Node& node = graph.nodes[groups[g].representative()];
    std::string name =
        node.hash == Digest{} ? "n_unhashed_" + std::to_string(g) : "n_" + node.hash.short_hex(16);
    for (NodeId member : groups[g].members) name_of[member] = name;
  }

  std::string out =
      "digraph " + quoted(graph.pipeline.empty() ? "pipeline" : graph.pipeline) + " {\n";
  out += "  graph [rankdir=TB, fontname=\"Helvetica\"];\n";
  out += "  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=10];\n";
  out += "  edge [fontname=\"Helvetica\", fontsize=9];\n";

  for (const auto& group : groups) {
    const Node& node = graph.nodes[group.representative()];
    std::set<std::string> labels;
    for (NodeId member : group.members)
      if (!graph.nodes[member].label.empty()) labels.insert(graph.nodes[member].label);
    std::string text;
    for (const auto& label : labels) text += label + "\n";
    text += node_kind_name(node.kind);
    if (node.call && node.call->op && node.call->op->name != node_kind_name(node.kind))
      text += " " + node.call->op->name;
    if (node.hash != Digest{}) text += " · " + node.hash.short_hex(12);
    if (node.kind == NodeKind::Augment && !node.chain.empty()) {
      std::string chain;
      for (const auto& step : node.chain) {
        if (!chain.empty()) chain += " → ";
        chain += step.op && step.op->op ? step.op->op->name : "?";
      }
      text += "\n" + chain;
    }
    out += "  " + name_of[group.representative()] + " [label=" + quoted(text) +
           ", shape=" + shape_of(node.kind) + "];\n";
  }

  std::set<std::pair<std::string, std::string>> edges_seen;
  for (const auto& group : groups) {
    const Node& node = graph.nodes[group.representative()];
    for (NodeId input : node.inputs) {
      if (input >= graph.nodes.size()) continue;
      auto edge = std::make_pair(name_of[input], name_of[group.representative()]);
      if (edges_seen.insert(edge).second) out += "  " + edge.first + " -> " + edge.second + ";\n";
    }
  }

  // Gates and exports in a canonical order, each once.
  std::set<std::tuple<std::string, std::string, std::string, double, std::string>> gates;
  for (const auto& gate : graph.gates)
    if (gate.node < graph.nodes.size())
      gates.emplace(name_of[gate.node], gate.field, gate.comparison, gate.threshold, gate.text);
  std::size_t index = 0;
  for (const auto& [node, field, comparison, threshold, text] : gates) {
    std::string name = "gate_" + std::to_string(index++);
    std::string label =
        "expect " +
        (text.empty() ? field + " " + comparison + " " + canonical_float(threshold) : text);
    out += "  " + name + " [label=" + quoted(label) +
           ", shape=diamond, style=filled, fillcolor=\"#fff3c4\"];\n";
    out += "  " + node + " -> " + name + " [style=dashed, arrowhead=none];\n";
  }
  std::set<std::pair<std::string, std::string>> exports;
  for (const auto& exported : graph.exports)
    if (exported.node < graph.nodes.size()) exports.emplace(name_of[exported.node], exported.path);
  index = 0;
  for (const auto& [node, path] : exports) {
    std::string name = "export_" + std::to_string(index++);
    out += "  " + name + " [label=" + quoted("export\n" + path) +
           ", shape=note, style=filled, fillcolor=\"#dff0d8\"];\n";
    out += "  " + node + " -> " + name + " [style=dashed];\n";
  }
  out += "}\n";
  return out;
}

}  // namespace mlf
