#include "runtime/record/replay_check.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <tuple>

#include "compiler/plan/toml_text.h"

namespace mlf::runtime {

namespace {

const char* const kNotRecorded = "(not recorded)";
const char* const kNotProduced = "(not produced)";

std::string value_text(const std::optional<double>& value, const char* absent) {
  return value ? recorded_double_text(*value) : std::string(absent);
}

std::string gate_text(const GateRecord& g, const char* absent) {
  return value_text(g.value, absent) + (g.passed ? ", passed" : ", failed");
}

// What identifies a gate across two records of one plan: its text is only a label.
using GateKey = std::tuple<std::string, std::string, std::string, std::uint64_t>;
GateKey key_of(const GateRecord& g) {
  return {g.node, g.field, g.comparison, std::bit_cast<std::uint64_t>(g.threshold)};
}

class Comparison {
 public:
  Comparison(const RunRecord& recorded, const RunRecord& replayed)
      : recorded_(recorded),
        replayed_(replayed),
        recorded_complete_(finished_every_node(recorded)),
        replayed_complete_(finished_every_node(replayed)) {}

  ReplayCheck run() {
    std::map<std::string, const NodeRecord*> recorded_nodes;
    for (const auto& n : recorded_.nodes) recorded_nodes.emplace(n.id, &n);
    std::map<std::string, const NodeRecord*> replayed_nodes;
    for (const auto& n : replayed_.nodes) replayed_nodes.emplace(n.id, &n);

    for (const auto& after : replayed_.nodes) {
      auto before = recorded_nodes.find(after.id);
      node(before == recorded_nodes.end() ? nullptr : before->second, &after);
    }
    // Nodes the record has and the plan does not: nothing of theirs was produced.
    for (const auto& before : recorded_.nodes)
      if (!replayed_nodes.count(before.id)) node(&before, nullptr);
    gates(replayed_nodes);
    return std::move(out_);
  }

 private:
  void add(ReplayDivergence::What what, const NodeRecord& n, const std::string& name, std::string recorded,
           std::string replayed) {
    out_.divergences.push_back({what, n.label, n.kind, n.id, name, std::move(recorded), std::move(replayed)});
  }

  void node(const NodeRecord* before, const NodeRecord* after) {
    const NodeRecord& named = after ? *after : *before;
    if (before && (!after || after->status != "not needed")) {
      for (const auto& [name, digest] : before->outputs) {
        const std::string* produced = nullptr;
        if (after)
          if (auto it = after->outputs.find(name); it != after->outputs.end()) produced = &it->second;
        if (!produced) {
          if (replayed_complete_) add(ReplayDivergence::What::Output, named, name, digest, kNotProduced);
          continue;
        }
        ++out_.outputs;
        if (*produced != digest) add(ReplayDivergence::What::Output, named, name, digest, *produced);
      }
    }
    metrics(named, before ? before->metrics : kNone, after ? after->metrics : kNone);
  }

  void metrics(const NodeRecord& named, const std::map<std::string, double>& before,
               const std::map<std::string, double>& after) {
    // Both maps are sorted by name: one merge walk visits every name once, in order.
    auto b = before.begin(), a = after.begin();
    while (b != before.end() || a != after.end()) {
      if (a == after.end() || (b != before.end() && b->first < a->first)) {
        if (replayed_complete_)
          add(ReplayDivergence::What::Metric, named, b->first, recorded_double_text(b->second), kNotProduced);
        ++b;
      } else if (b == before.end() || a->first < b->first) {
        if (recorded_complete_)
          add(ReplayDivergence::What::Metric, named, a->first, kNotRecorded, recorded_double_text(a->second));
        ++a;
      } else {
        ++out_.metrics;
        if (!same_recorded_double(b->second, a->second))
          add(ReplayDivergence::What::Metric, named, b->first, recorded_double_text(b->second),
              recorded_double_text(a->second));
        ++b;
        ++a;
      }
    }
  }

  void gates(const std::map<std::string, const NodeRecord*>& replayed_nodes) {
    std::map<GateKey, const GateRecord*> recorded_gates;
    for (const auto& g : recorded_.gates) recorded_gates.emplace(key_of(g), &g);
    std::map<GateKey, const GateRecord*> replayed_gates;
    for (const auto& g : replayed_.gates) replayed_gates.emplace(key_of(g), &g);

    for (const auto& after : replayed_.gates) {
      auto found = recorded_gates.find(key_of(after));
      const GateRecord* before = found == recorded_gates.end() ? nullptr : found->second;
      if (!before) {
        if (recorded_complete_) add_gate(after, replayed_nodes, kNotRecorded, gate_text(after, kNotProduced));
        continue;
      }
      ++out_.gates;
      bool differ;
      if (before->value && after.value)
        differ = !same_recorded_double(*before->value, *after.value) || before->passed != after.passed;
      else if (before->value)  // recorded, not produced
        differ = replayed_complete_;
      else if (after.value)  // produced, not recorded
        differ = recorded_complete_;
      else
        differ = before->passed != after.passed;
      if (differ) add_gate(after, replayed_nodes, gate_text(*before, kNotRecorded), gate_text(after, kNotProduced));
    }
    for (const auto& before : recorded_.gates)
      if (!replayed_gates.count(key_of(before)))
        add_gate(before, replayed_nodes, gate_text(before, kNotRecorded), kNotProduced);
  }

  void add_gate(const GateRecord& g, const std::map<std::string, const NodeRecord*>& replayed_nodes,
                std::string recorded, std::string replayed) {
    ReplayDivergence d;
    d.what = ReplayDivergence::What::Gate;
    d.node = g.node;
    if (auto it = replayed_nodes.find(g.node); it != replayed_nodes.end()) {
      d.label = it->second->label;
      d.kind = it->second->kind;
    }
    d.name = g.text;
    d.recorded = std::move(recorded);
    d.replayed = std::move(replayed);
    out_.divergences.push_back(std::move(d));
  }

  inline static const std::map<std::string, double> kNone{};
  const RunRecord& recorded_;
  const RunRecord& replayed_;
  bool recorded_complete_, replayed_complete_;
  ReplayCheck out_;
};

}  // namespace

bool same_recorded_double(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

std::string recorded_double_text(double value) { return toml_text::real(value); }

bool finished_every_node(const RunRecord& run) { return run.status == "ok" || run.status == "gate-failed"; }

ReplayCheck check_replay(const RunRecord& recorded, const RunRecord& replayed) {
  return Comparison(recorded, replayed).run();
}

const char* divergence_kind_name(ReplayDivergence::What what) {
  switch (what) {
    case ReplayDivergence::What::Output: return "output";
    case ReplayDivergence::What::Metric: return "metric";
    case ReplayDivergence::What::Gate: return "gate";
  }
  return "value";
}

}  // namespace mlf::runtime
