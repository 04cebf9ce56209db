#include "runtime/record/run_record.h"

#include <chrono>
#include <ctime>
#include <random>
#include <sstream>
#include <toml++/toml.h>

namespace mlf::runtime {

namespace {

toml::table string_map(const std::map<std::string, std::string>& map) {
  toml::table table;
  for (const auto& [k, v] : map) table.insert(k, v);
  return table;
}

toml::table number_map(const std::map<std::string, double>& map) {
  toml::table table;
  for (const auto& [k, v] : map) table.insert(k, v);
  return table;
}

std::map<std::string, std::string> read_string_map(const toml::node* node) {
  std::map<std::string, std::string> out;
  if (const auto* table = node ? node->as_table() : nullptr)
    for (const auto& [k, v] : *table)
      if (auto s = v.value<std::string>()) out[std::string(k.str())] = *s;
  return out;
}

}  // namespace

std::string render_run_record(const RunRecord& r) {
  toml::table root;
  root.insert("format", "mlf-run/1");
  root.insert("id", r.id);
  root.insert("kind", r.kind);
  root.insert("plan", r.plan_id);
  root.insert("pipeline", r.pipeline);
  root.insert("source", r.source);
  if (!r.replay_of.empty()) root.insert("replay_of", r.replay_of);
  root.insert("started", r.started);
  root.insert("finished", r.finished);
  root.insert("status", r.status);
  toml::array params;
  for (const auto& [k, v] : r.params) params.push_back(toml::array{k, v});
  root.insert("params", params);
  root.insert("options", toml::table{{"fuse", r.options.fuse}});
  root.insert("environment", string_map(r.environment));
  toml::array nodes;
  for (const auto& n : r.nodes) {
    toml::table t;
    t.insert("id", n.id);
    t.insert("label", n.label);
    t.insert("kind", n.kind);
    t.insert("status", n.status);
    if (!n.why.empty()) t.insert("why", n.why);
    t.insert("seconds", n.seconds);
    t.insert("outputs", string_map(n.outputs));
    if (!n.metrics.empty()) t.insert("metrics", number_map(n.metrics));
    t.insert("identity", string_map(n.identity));
    nodes.push_back(std::move(t));
  }
  root.insert("node", nodes);
  toml::array gates;
  for (const auto& g : r.gates) {
    toml::table t;
    t.insert("text", g.text);
    t.insert("node", g.node);
    t.insert("field", g.field);
    t.insert("comparison", g.comparison);
    t.insert("threshold", g.threshold);
    if (g.value) t.insert("value", *g.value);
    t.insert("passed", g.passed);
    gates.push_back(std::move(t));
  }
  root.insert("gate", gates);
  std::ostringstream out;
  out << root << "\n";
  return out.str();
}

bool parse_run_record(const std::string& text, RunRecord& r, std::string& error) {
  toml::table root;
  try {
    root = toml::parse(text);
  } catch (const toml::parse_error& e) {
    error = std::string("not valid TOML: ") + std::string(e.description());
    return false;
  }
  if (root["format"].value_or(std::string()) != "mlf-run/1") {
    error = "not an mlf run record (format is not mlf-run/1)";
    return false;
  }
  r.id = root["id"].value_or(std::string());
  r.kind = root["kind"].value_or(std::string("run"));
  r.plan_id = root["plan"].value_or(std::string());
  r.pipeline = root["pipeline"].value_or(std::string());
  r.source = root["source"].value_or(std::string());
  r.replay_of = root["replay_of"].value_or(std::string());
  r.started = root["started"].value_or(std::string());
  r.finished = root["finished"].value_or(std::string());
  r.status = root["status"].value_or(std::string());
  if (const auto* params = root["params"].as_array())
    for (const auto& p : *params)
      if (const auto* pair = p.as_array(); pair && pair->size() == 2)
        r.params.emplace_back((*pair)[0].value_or(std::string()), (*pair)[1].value_or(std::string()));
  r.options.fuse = root["options"]["fuse"].value_or(true);
  r.environment = read_string_map(root["environment"].node());
  if (const auto* nodes = root["node"].as_array()) {
    for (const auto& node : *nodes) {
      const auto* t = node.as_table();
      if (!t) continue;
      NodeRecord n;
      toml::node_view<const toml::node> v{*t};
      n.id = v["id"].value_or(std::string());
      n.label = v["label"].value_or(std::string());
      n.kind = v["kind"].value_or(std::string());
      n.status = v["status"].value_or(std::string());
      n.why = v["why"].value_or(std::string());
      n.seconds = v["seconds"].value_or(0.0);
      n.outputs = read_string_map(v["outputs"].node());
      n.identity = read_string_map(v["identity"].node());
      if (const auto* metrics = v["metrics"].as_table())
        for (const auto& [k, value] : *metrics)
          if (auto d = value.value<double>()) n.metrics[std::string(k.str())] = *d;
      r.nodes.push_back(std::move(n));
    }
  }
  if (const auto* gates = root["gate"].as_array()) {
    for (const auto& gate : *gates) {
      const auto* t = gate.as_table();
      if (!t) continue;
      toml::node_view<const toml::node> v{*t};
      GateRecord g;
      g.text = v["text"].value_or(std::string());
      g.node = v["node"].value_or(std::string());
      g.field = v["field"].value_or(std::string());
      g.comparison = v["comparison"].value_or(std::string());
      g.threshold = v["threshold"].value_or(0.0);
      if (auto value = v["value"].value<double>()) g.value = *value;
      g.passed = v["passed"].value_or(false);
      r.gates.push_back(std::move(g));
    }
  }
  if (r.id.empty() || r.plan_id.empty()) {
    error = "the run record has no id or no plan";
    return false;
  }
  return true;
}

std::string utc_now_iso8601() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

std::string new_run_id() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y%m%dT%H%M%SZ", &tm);
  // The suffix only separates runs started in the same second; it is not part of any result.
  std::random_device device;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string suffix;
  for (int i = 0; i < 6; ++i) suffix += kHex[device() & 15];
  return std::string(buffer) + "-" + suffix;
}

}  // namespace mlf::runtime
