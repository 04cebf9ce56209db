#include "runtime/record/lineage.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "runtime/record/run_comparison.h"
#include "runtime/record/run_lookup.h"

namespace mlf::runtime {

namespace {

bool is_hex(const std::string& text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

std::string label_of(const Plan& plan, const Digest& id) {
  for (const auto& label : plan.labels)
    if (label.node == id) return label.label;
  return "";
}

std::string versioned(const PlanOp& op) { return op.name + "@" + op.version; }

// The op and every op among its arguments and children, in the order the plan writes them.
void collect_ops(const PlanOp& op, std::vector<std::string>& out) {
  out.push_back(versioned(op));
  for (const auto& arg : op.args) {
    const PlanValue& v = arg.value;
    // A model argument's ops are listed as the node's layers, with their inferred sizes' order.
    if (v.kind == PlanValue::Kind::Op || v.kind == PlanValue::Kind::Chain)
      for (const auto& inner : v.ops) collect_ops(inner, out);
    if (v.kind == PlanValue::Kind::List)
      for (const auto& item : v.items)
        for (const auto& inner : item.ops) collect_ops(inner, out);
  }
  for (const auto& child : op.children) collect_ops(child, out);
}

void collect_layers(const PlanLayer& layer, std::vector<std::string>& out) {
  out.push_back(versioned(layer.op));
  for (const auto& sub : layer.sublayers) collect_layers(sub, out);
}

bool find_stage(const RunRecord& run, const std::string& stage, ArtifactMatch& match, std::string& error) {
  std::vector<const NodeRecord*> candidates;
  for (const auto& node : run.nodes)
    if (node.label == stage) {
      candidates = {&node};
      break;
    } else if (split_sweep_label(node.label).first == stage) {
      candidates.push_back(&node);
    }
  if (candidates.size() == 1) {
    match.run = &run;
    match.node = candidates.front()->id;
    return true;
  }
  if (candidates.empty()) {
    error = "run " + run.id + " has no node labelled `" + stage + "`; its stages:";
    for (const auto& node : run.nodes)
      if (node.kind == "train" || node.kind == "evaluate") error += " " + node.label;
  } else {
    error = "`" + stage + "` is a sweep in run " + run.id + "; name one point:";
    for (const auto* node : candidates) error += " " + node->label;
  }
  return false;
}

}  // namespace

bool find_artifact(const std::vector<RunRecord>& runs, const std::string& artifact,
                   ArtifactMatch& match, std::string& error) {
  if (auto colon = artifact.find(':'); colon != std::string::npos) {
    const RunRecord* run = find_run(runs, artifact.substr(0, colon), error);
    return run && find_stage(*run, artifact.substr(colon + 1), match, error);
  }
  std::string prefix = artifact;
  std::transform(prefix.begin(), prefix.end(), prefix.begin(), [](unsigned char c) { return std::tolower(c); });
  if (!is_hex(prefix) || prefix.size() < 4 || prefix.size() > 64) {
    error = "`" + artifact + "` is not an artifact: give an object digest or node id (at least 4 hex "
            "digits) or RUN:stage";
    return false;
  }
  // Runs before replays, newer before older: the first record naming a digest describes it.
  std::vector<const RunRecord*> order;
  for (const auto& run : runs) order.push_back(&run);
  std::stable_sort(order.begin(), order.end(), [](const RunRecord* a, const RunRecord* b) {
    if ((a->kind == "run") != (b->kind == "run")) return a->kind == "run";
    return a->id > b->id;
  });
  std::map<std::string, ArtifactMatch> found;  // full hex → its first match
  auto starts = [&](const std::string& hex) { return hex.compare(0, prefix.size(), prefix) == 0; };
  for (const RunRecord* run : order)
    for (const auto& node : run->nodes) {
      if (starts(node.id) && !found.count(node.id)) found[node.id] = ArtifactMatch{run, node.id, "", ""};
      for (const auto& [name, digest] : node.outputs)
        if (starts(digest) && !found.count(digest)) found[digest] = ArtifactMatch{run, node.id, name, digest};
    }
  if (found.size() == 1) {
    match = found.begin()->second;
    return true;
  }
  if (found.empty()) {
    error = "no object or node `" + artifact + "` in the recorded runs";
  } else {
    error = "`" + artifact + "` is the start of " + std::to_string(found.size()) + " digests:";
    std::size_t shown = 0;
    for (const auto& [hex, m] : found)
      if (shown++ < 5) error += " " + hex.substr(0, 16) + (m.output.empty() ? " (node)" : " (" + m.output + ")");
    error += "; give more digits";
  }
  return false;
}

Lineage lineage_of(const Plan& plan, const Digest& start, const RunRecord& run) {
  Lineage out;
  out.run = run.id;
  out.plan = plan.id.hex();
  out.root_seed = plan.root_seed;
  if (auto it = run.environment.find("mlf"); it != run.environment.end()) out.mlf_version = it->second;
  if (auto it = run.environment.find("mlf_commit"); it != run.environment.end()) out.mlf_commit = it->second;

  std::set<Digest> needed{start};
  std::vector<Digest> work{start};
  while (!work.empty()) {
    Digest id = work.back();
    work.pop_back();
    if (const PlanNode* node = plan.find(id))
      for (const auto& input : node->inputs)
        if (needed.insert(input).second) work.push_back(input);
  }
  std::map<std::string, const NodeRecord*> recorded;
  for (const auto& node : run.nodes) recorded[node.id] = &node;
  for (auto node = plan.nodes.rbegin(); node != plan.nodes.rend(); ++node) {
    if (!needed.count(node->id)) continue;
    LineageNode entry;
    entry.id = node->id.hex();
    entry.label = label_of(plan, node->id);
    entry.kind = node->kind;
    if (node->call) collect_ops(*node->call, entry.ops);
    for (const auto& step : node->chain) {
      entry.steps.push_back(versioned(step.op));
      if (step.stream) entry.streams.emplace_back(step.op.name, step.stream->hex());
    }
    for (const auto& layer : node->layers) collect_layers(layer, entry.layers);
    if (node->seed) entry.seed = node->seed->hex();
    entry.files = node->files;
    for (const auto& input : node->inputs) entry.inputs.emplace_back(label_of(plan, input), input.hex());
    if (auto it = recorded.find(entry.id); it != recorded.end()) entry.outputs = it->second->outputs;
    out.nodes.push_back(std::move(entry));
  }
  return out;
}

std::string lineage_text(const Lineage& lineage, const ArtifactMatch& match) {
  auto join = [](const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
    return out;
  };
  std::string out;
  std::string label = lineage.nodes.empty() ? "" : lineage.nodes.front().label;
  if (!match.output.empty())
    out += "artifact  " + match.object + "\n          output `" + match.output + "` of `" + label + "`\n";
  else
    out += "artifact  node " + match.node + " `" + label + "`\n";
  out += "run       " + lineage.run + "\n";
  out += "plan      " + lineage.plan + "\n";
  out += "seed      root " + std::to_string(lineage.root_seed) + "\n";
  out += "mlf       " + (lineage.mlf_version.empty() ? std::string("(not recorded)") : lineage.mlf_version);
  if (!lineage.mlf_commit.empty()) out += " (commit " + lineage.mlf_commit + ")";
  out += "\n";
  for (const auto& node : lineage.nodes) {
    out += "\n" + (node.label.empty() ? std::string("(unlabelled)") : node.label) + "  " + node.kind +
           "  " + node.id + "\n";
    if (!node.ops.empty()) out += "  ops      " + join(node.ops) + "\n";
    if (!node.steps.empty()) out += "  steps    " + join(node.steps) + "\n";
    if (!node.layers.empty()) out += "  layers   " + join(node.layers) + "\n";
    if (!node.seed.empty()) out += "  seed     " + node.seed + "\n";
    for (const auto& [step, stream] : node.streams) out += "  stream   " + step + " " + stream + "\n";
    for (const auto& file : node.files)
      out += "  file     " + file.argument + " = " + file.path + (file.directory ? "/" : "") +
             "  sha256 " + file.sha256.hex() + "\n";
    for (const auto& [input_label, id] : node.inputs)
      out += "  input    " + (input_label.empty() ? std::string("(unlabelled)") : input_label) + "  " +
             id.substr(0, 12) + "\n";
    for (const auto& [name, digest] : node.outputs) out += "  output   " + name + " " + digest + "\n";
  }
  return out;
}

}  // namespace mlf::runtime
