#include "compiler/plan/plan_writer.h"

#include <algorithm>
#include <stdexcept>
#include <tuple>

#include "compiler/plan/node_order.h"
#include "stdlib/catalogue.h"

namespace mlf {
namespace {

[[noreturn]] void internal_error(const std::string& message) {
  throw std::logic_error("internal error in the plan writer: " + message +
                         " (please report this as a bug in mlf)");
}

class PlanBuilder {
 public:
  explicit PlanBuilder(const Graph& graph) : graph_(graph) {}

  Plan build() {
    for (std::size_t i = 0; i < graph_.nodes.size(); ++i)
      if (graph_.nodes[i].hash == Digest{})
        internal_error("node " + std::to_string(i) + " has no hash; run hash_graph first");

    Plan plan;
    plan.root_seed = graph_.root_seed;
    plan.pipeline = graph_.pipeline;
    plan.project_root = graph_.project_root;
    for (const auto& group : node_groups(graph_)) {
      plan.nodes.push_back(node(graph_.nodes[group.representative()]));
      std::vector<PlanLabel> labels;
      for (NodeId member : group.members) {
        const Node& n = graph_.nodes[member];
        labels.push_back(PlanLabel{n.hash, n.label, n.sweep_values});
      }
      std::sort(labels.begin(), labels.end(), [](const PlanLabel& a, const PlanLabel& b) {
        return std::tie(a.label, a.sweep_values) < std::tie(b.label, b.sweep_values);
      });
      for (auto& label : labels)
        if (plan.labels.empty() || plan.labels.back().node != label.node ||
            plan.labels.back().label != label.label ||
            plan.labels.back().sweep_values != label.sweep_values)
          plan.labels.push_back(std::move(label));
    }
    gates(plan);
    exports(plan);
    return plan;  // without its id: the caller renders the body once and hashes that
  }

 private:
  const Digest& hash_of(NodeId id) const {
    if (id >= graph_.nodes.size()) internal_error("a node id is outside the graph");
    return graph_.nodes[id].hash;
  }

  PlanValue value(const Value& v) const {
    PlanValue out;
    switch (v.kind) {
      case Value::Kind::None:
        internal_error("an absent argument inside a value");
      case Value::Kind::Int:
        out.kind = PlanValue::Kind::Int;
        out.integer = v.integer;
        break;
      case Value::Kind::Float:
        out.kind = PlanValue::Kind::Float;
        out.real = v.real;
        break;
      case Value::Kind::Bool:
        out.kind = PlanValue::Kind::Bool;
        out.boolean = v.boolean;
        break;
      case Value::Kind::String:
        out.kind = PlanValue::Kind::String;
        out.text = v.text;
        break;
      case Value::Kind::Path:
        out.kind = PlanValue::Kind::Path;
        out.text = plan_relative_path(v.text, graph_.project_root);
        break;
      case Value::Kind::List:
        out.kind = PlanValue::Kind::List;
        for (const auto& item : v.items) out.items.push_back(value(item));
        break;
      case Value::Kind::Op:
        out.kind = PlanValue::Kind::Op;
        if (!v.op) internal_error("an op value without an op");
        out.ops.push_back(op(*v.op));
        break;
      case Value::Kind::Chain:
      case Value::Kind::Model:
        out.kind = v.kind == Value::Kind::Chain ? PlanValue::Kind::Chain : PlanValue::Kind::Model;
        for (const auto& call : v.ops) {
          if (!call) internal_error("a chain or model with an empty op");
          out.ops.push_back(op(*call));
        }
        break;
      case Value::Kind::Node:
        out.kind = PlanValue::Kind::Node;
        out.node = hash_of(v.node);
        break;
      case Value::Kind::Field:
        out.kind = PlanValue::Kind::Field;
        out.node = hash_of(v.node);
        out.text = v.text;
        break;
    }
    return out;
  }

  PlanOp op(const OpCall& call) const {
    if (!call.op) internal_error("an op call without its catalogue entry");
    PlanOp out;
    out.name = call.op->name;
    out.version = call.op->version;
    for (const auto& arg : call.args)
      if (arg.value.kind != Value::Kind::None) out.args.push_back({arg.name, value(arg.value)});
    for (const auto& child : call.children) {
      if (!child) internal_error("a block with an empty layer");
      out.children.push_back(op(*child));
    }
    return out;
  }

  PlanLayer layer(const ModelLayer& l) const {
    if (!l.op) internal_error("a model layer without an op");
    PlanLayer out;
    out.op = op(*l.op);
    out.inferred = l.inferred;
    out.in = l.in;
    out.out = l.out;
    for (const auto& child : l.children) out.sublayers.push_back(layer(child));
    return out;
  }

  PlanNode node(const Node& n) const {
    PlanNode out;
    out.id = n.hash;
    out.kind = node_kind_name(n.kind);
    if (n.call) out.call = op(*n.call);
    for (NodeId input : n.inputs) out.inputs.push_back(hash_of(input));
    if (n.random) out.seed = n.seed;
    if (n.kind == NodeKind::Read || n.kind == NodeKind::DatasetOp || n.kind == NodeKind::Augment) {
      out.sample = n.dataset.sample;
      out.count = n.dataset.count;
    }
    if (n.kind == NodeKind::Train) {
      out.model_input = n.model_input;
      out.model_output = n.model_output;
    }
    for (const auto& file : n.files)
      out.files.push_back(PlanFileInput{file.argument,
                                        plan_relative_path(file.path, graph_.project_root),
                                        file.directory, file.digest});
    std::sort(out.files.begin(), out.files.end(), [](const auto& a, const auto& b) {
      return std::tie(a.argument, a.sha256, a.directory, a.path) <
             std::tie(b.argument, b.sha256, b.directory, b.path);
    });
    for (const auto& step : n.chain) {
      if (!step.op) internal_error("an augment step without an op");
      PlanStep s;
      s.op = op(*step.op);
      s.occurrence = step.occurrence;
      if (step.op->op && step.op->op->random) s.stream = step.stream;
      s.in = step.in;
      s.out = step.out;
      out.chain.push_back(std::move(s));
    }
    for (const auto& l : n.layers) out.layers.push_back(layer(l));
    for (const auto& field : n.fields)
      out.fields.push_back(PlanMetricField{field.name, field.type, field.scalar});
    return out;
  }

  void gates(Plan& plan) const {
    auto key = [](const PlanGate& g) {
      return std::tie(g.node, g.field, g.comparison, g.threshold);
    };
    std::vector<PlanGate> all;
    for (const auto& gate : graph_.gates)
      all.push_back(PlanGate{hash_of(gate.node), gate.field, gate.comparison, gate.threshold});
    std::vector<PlanGate> sorted = all;
    std::sort(sorted.begin(), sorted.end(),
              [&](const PlanGate& a, const PlanGate& b) { return key(a) < key(b); });
    for (auto& gate : sorted)
      if (plan.gates.empty() || key(plan.gates.back()) != key(gate))
        plan.gates.push_back(std::move(gate));
    for (std::size_t i = 0; i < all.size(); ++i) {
      auto at =
          std::lower_bound(plan.gates.begin(), plan.gates.end(), all[i],
                           [&](const PlanGate& a, const PlanGate& b) { return key(a) < key(b); });
      plan.gate_texts.push_back(
          PlanGateText{static_cast<std::size_t>(at - plan.gates.begin()), graph_.gates[i].text});
    }
    std::sort(plan.gate_texts.begin(), plan.gate_texts.end(), [](const auto& a, const auto& b) {
      return std::tie(a.gate, a.text) < std::tie(b.gate, b.text);
    });
    plan.gate_texts.erase(std::unique(plan.gate_texts.begin(), plan.gate_texts.end(),
                                      [](const auto& a, const auto& b) {
                                        return a.gate == b.gate && a.text == b.text;
                                      }),
                          plan.gate_texts.end());
  }

  void exports(Plan& plan) const {
    for (const auto& exported : graph_.exports)
      plan.exports.push_back(PlanExport{hash_of(exported.node), exported.path});
    auto key = [](const PlanExport& e) { return std::tie(e.node, e.path); };
    std::sort(plan.exports.begin(), plan.exports.end(),
              [&](const auto& a, const auto& b) { return key(a) < key(b); });
    plan.exports.erase(std::unique(plan.exports.begin(), plan.exports.end(),
                                   [&](const auto& a, const auto& b) { return key(a) == key(b); }),
                       plan.exports.end());
  }

  const Graph& graph_;
};

}  // namespace

Plan build_plan(const Graph& graph) {
  Plan plan = PlanBuilder(graph).build();
  plan.id = Sha256::of(render_plan_body(plan));
  return plan;
}

PlanText write_plan(const Graph& graph) {
  Plan plan = PlanBuilder(graph).build();
  PlanText out;
  out.body = render_plan_body(plan);
  out.id = Sha256::of(out.body);
  plan.id = out.id;
  out.labels = render_plan_labels(plan, out.id);
  return out;
}

}  // namespace mlf
