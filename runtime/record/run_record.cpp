#include "runtime/record/run_record.h"

#include <chrono>
#include <ctime>
#include <random>
#include <sstream>
#include <toml++/toml.h>

#include "compiler/plan/toml_text.h"

namespace mlf::runtime {

namespace {

std::map<std::string, std::string> read_string_map(const toml::node* node) {
  std::map<std::string, std::string> out;
  if (const auto* table = node ? node->as_table() : nullptr)
    for (const auto& [k, v] : *table)
      if (auto s = v.value<std::string>()) out[std::string(k.str())] = *s;
  return out;
}

}  // namespace

namespace {

using namespace toml_text;

// `{ key = value, … }` in key order; `value` appends one value.
template <typename Map, typename AppendValue>
void append_inline_table(std::string& out, const Map& map, AppendValue value) {
  out += '{';
  bool first = true;
  for (const auto& [k, v] : map) {
    out += first ? " " : ", ";
    first = false;
    append_key(out, k);
    out += " = ";
    value(out, v);
  }
  out += first ? "}" : " }";
}

void append_string_table(std::string& out, const std::map<std::string, std::string>& map) {
  append_inline_table(out, map, [](std::string& o, const std::string& v) { append_string(o, v); });
}

void append_number_table(std::string& out, const std::map<std::string, double>& map) {
  append_inline_table(out, map, [](std::string& o, double v) { o += real(v); });
}

auto text(std::string_view value) {
  return [value](std::string& out) { append_string(out, value); };
}

}  // namespace

// Written by hand with the plan's TOML emitter rather than built as a toml++ table: a fully
// cached run of a 200-stage pipeline renders a 200 kB record, and building it node by node
// cost more than the rest of that run.
std::string render_node_records(const std::vector<NodeRecord>& nodes) {
  Writer w;
  w.reserve(nodes.size() * 1024);
  for (const auto& n : nodes) {
    w.array_table("node");
    w.entry_with("id", text(n.id));
    w.entry_with("label", text(n.label));
    w.entry_with("kind", text(n.kind));
    w.entry_with("status", text(n.status));
    if (!n.why.empty()) w.entry_with("why", text(n.why));
    w.entry("seconds", real(n.seconds));
    w.entry_with("outputs", [&](std::string& out) { append_string_table(out, n.outputs); });
    if (!n.metrics.empty())
      w.entry_with("metrics", [&](std::string& out) { append_number_table(out, n.metrics); });
    w.entry_with("identity", [&](std::string& out) { append_string_table(out, n.identity); });
  }
  // A blank line before the first table too, as before every later one.
  return nodes.empty() ? std::string() : "\n" + w.text();
}

std::string render_run_record(const RunRecord& r) {
  return render_run_record_head(r) + render_node_records(r.nodes) + render_gate_records(r.gates);
}

std::string render_run_record_head(const RunRecord& r) {
  Writer w;
  w.reserve(4096);
  w.entry("format", string("mlf-run/1"));
  w.entry_with("id", text(r.id));
  w.entry_with("kind", text(r.kind));
  w.entry_with("plan", text(r.plan_id));
  w.entry_with("pipeline", text(r.pipeline));
  w.entry_with("source", text(r.source));
  if (!r.replay_of.empty()) w.entry_with("replay_of", text(r.replay_of));
  w.entry_with("started", text(r.started));
  w.entry_with("finished", text(r.finished));
  w.entry_with("status", text(r.status));
  w.entry_with("params", [&](std::string& out) {
    out += '[';
    for (std::size_t i = 0; i < r.params.size(); ++i) {
      out += i ? ", [" : "[";
      append_string(out, r.params[i].first);
      out += ", ";
      append_string(out, r.params[i].second);
      out += ']';
    }
    out += ']';
  });
  w.table("options");
  w.entry("fuse", boolean(r.options.fuse));
  w.table("environment");
  for (const auto& [k, v] : r.environment) w.entry_with(k, text(v));
  return w.take();
}

std::string render_gate_records(const std::vector<GateRecord>& gate_records) {
  Writer gates;
  for (const auto& g : gate_records) {
    gates.array_table("gate");
    gates.entry_with("text", text(g.text));
    gates.entry_with("node", text(g.node));
    gates.entry_with("field", text(g.field));
    gates.entry_with("comparison", text(g.comparison));
    gates.entry("threshold", real(g.threshold));
    if (g.value) gates.entry("value", real(*g.value));
    gates.entry("passed", boolean(g.passed));
  }
  return gate_records.empty() ? std::string() : "\n" + gates.text();
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
