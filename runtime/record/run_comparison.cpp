#include "runtime/record/run_comparison.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <optional>
#include <set>

#include "compiler/diagnostics/json_renderer.h"

namespace mlf::runtime {

namespace {

using Sweep = std::vector<std::pair<std::string, std::string>>;

std::optional<double> as_number(const std::string& text) {
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Sweep points in the order people expect: 0.001 before 0.01, "a" before "b".
bool sweep_before(const Sweep& a, const Sweep& b) {
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i].first != b[i].first) return a[i].first < b[i].first;
    auto x = as_number(a[i].second), y = as_number(b[i].second);
    if (x && y && *x != *y) return *x < *y;
    if (!(x && y) && a[i].second != b[i].second) return a[i].second < b[i].second;
  }
  return a.size() < b.size();
}

std::string number_text(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", value);
  return text;
}

// The shortest text that reads back as the same double.
std::string json_number(double value) {
  if (value != value || value - value != 0) return "null";  // NaN or infinite: not JSON
  char text[40];
  auto [end, error] = std::to_chars(text, text + sizeof text, value);
  return error == std::errc() ? std::string(text, end) : "null";
}

// Columns padded to their widest cell; the first left-aligned, the others right-aligned.
std::string table_text(const std::vector<std::vector<std::string>>& cells, std::size_t left_columns) {
  std::vector<std::size_t> width;
  auto columns_of = [](const std::string& s) {
    std::size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
  };
  for (const auto& row : cells)
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (width.size() <= c) width.push_back(0);
      width[c] = std::max(width[c], columns_of(row[c]));
    }
  std::string out;
  for (const auto& row : cells) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      std::string pad(width[c] - columns_of(row[c]), ' ');
      if (c) line += "  ";
      line += c < left_columns ? row[c] + pad : pad + row[c];
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

}  // namespace

std::pair<std::string, Sweep> split_sweep_label(const std::string& label) {
  auto open = label.find('[');
  if (open == std::string::npos || label.back() != ']') return {label, {}};
  Sweep sweep;
  std::string inner = label.substr(open + 1, label.size() - open - 2);
  std::string part;
  bool quoted = false;
  auto flush = [&] {
    auto eq = part.find('=');
    if (eq != std::string::npos) sweep.emplace_back(part.substr(0, eq), part.substr(eq + 1));
    part.clear();
  };
  for (std::size_t i = 0; i < inner.size(); ++i) {
    char c = inner[i];
    if (c == '"' && (i == 0 || inner[i - 1] != '\\')) quoted = !quoted;
    if (c == ',' && !quoted) flush();
    else part += c;
  }
  flush();
  return {label.substr(0, open), sweep};
}

Comparison compare_runs(const std::vector<ComparedRun>& runs) {
  Comparison out;
  std::set<std::string> metric_names;
  for (const auto& run : runs) {
    if (!run.record) continue;
    out.runs.push_back(run.record->id);
    // Each (node, label) of the run: from the plan when given, else from the record.
    struct Named {
      const NodeRecord* node;
      std::string stage;
      Sweep sweep;
    };
    std::vector<Named> named;
    std::map<std::string, const NodeRecord*> by_id;
    for (const auto& node : run.record->nodes) by_id[node.id] = &node;
    if (!run.labels.empty()) {
      for (const auto& label : run.labels)
        if (auto it = by_id.find(label.node.hex()); it != by_id.end())
          named.push_back({it->second, split_sweep_label(label.label).first, label.sweep_values});
    } else {
      for (const auto& node : run.record->nodes) {
        auto [stage, sweep] = split_sweep_label(node.label);
        named.push_back({&node, stage, sweep});
      }
    }
    std::vector<ComparisonRow> rows;
    for (const auto& n : named) {
      if (n.node->metrics.empty()) continue;
      auto row = std::find_if(rows.begin(), rows.end(), [&](const ComparisonRow& r) { return r.sweep == n.sweep; });
      if (row == rows.end()) {
        rows.push_back(ComparisonRow{run.record->id, n.sweep, {}});
        row = rows.end() - 1;
      }
      for (const auto& [metric, value] : n.node->metrics) {
        std::string name = (n.stage.empty() ? n.node->id.substr(0, 12) : n.stage) + "." + metric;
        row->metrics[name] = value;
        metric_names.insert(name);
      }
      for (const auto& [swept, value] : n.sweep)
        if (std::find(out.swept.begin(), out.swept.end(), swept) == out.swept.end())
          out.swept.push_back(swept);
    }
    if (rows.empty()) rows.push_back(ComparisonRow{run.record->id, {}, {}});
    std::stable_sort(rows.begin(), rows.end(),
                     [](const ComparisonRow& a, const ComparisonRow& b) { return sweep_before(a.sweep, b.sweep); });
    out.rows.insert(out.rows.end(), rows.begin(), rows.end());
  }
  out.metrics.assign(metric_names.begin(), metric_names.end());
  return out;
}

std::string comparison_text(const Comparison& c) {
  std::vector<std::vector<std::string>> cells;
  auto metric_cell = [](const ComparisonRow& row, const std::string& metric) {
    auto it = row.metrics.find(metric);
    return it == row.metrics.end() ? std::string("-") : number_text(it->second);
  };
  if (!c.has_sweeps()) {
    std::vector<std::string> header{"metric"};
    for (const auto& row : c.rows) header.push_back(row.run);
    cells.push_back(header);
    for (const auto& metric : c.metrics) {
      std::vector<std::string> line{metric};
      for (const auto& row : c.rows) line.push_back(metric_cell(row, metric));
      cells.push_back(line);
    }
    return table_text(cells, 1);
  }
  bool several_runs = c.runs.size() > 1;
  std::vector<std::string> header;
  if (several_runs) header.push_back("run");
  header.insert(header.end(), c.swept.begin(), c.swept.end());
  header.insert(header.end(), c.metrics.begin(), c.metrics.end());
  cells.push_back(header);
  for (const auto& row : c.rows) {
    std::vector<std::string> line;
    if (several_runs) line.push_back(row.run);
    for (const auto& name : c.swept) {
      auto it = std::find_if(row.sweep.begin(), row.sweep.end(), [&](const auto& p) { return p.first == name; });
      line.push_back(it == row.sweep.end() ? "-" : it->second);
    }
    for (const auto& metric : c.metrics) line.push_back(metric_cell(row, metric));
    cells.push_back(line);
  }
  return table_text(cells, several_runs ? 1 : 0);
}

std::string comparison_json(const Comparison& c) {
  auto string_list = [](const std::vector<std::string>& items) {
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + ("\"" + json_escape(items[i]) + "\"");
    return out + "]";
  };
  std::string out = "{\"runs\":" + string_list(c.runs) + ",\"swept\":" + string_list(c.swept) +
                    ",\"metrics\":" + string_list(c.metrics) + ",\"rows\":[";
  for (std::size_t r = 0; r < c.rows.size(); ++r) {
    const auto& row = c.rows[r];
    out += (r ? "," : "") + std::string("{\"run\":\"") + json_escape(row.run) + "\",\"sweep\":{";
    for (std::size_t i = 0; i < row.sweep.size(); ++i)
      out += (i ? "," : "") + ("\"" + json_escape(row.sweep[i].first) + "\":\"" + json_escape(row.sweep[i].second) + "\"");
    out += "},\"metrics\":{";
    bool first = true;
    for (const auto& [name, value] : row.metrics) {
      out += (first ? "" : ",") + ("\"" + json_escape(name) + "\":" + json_number(value));
      first = false;
    }
    out += "}}";
  }
  return out + "]}\n";
}

}  // namespace mlf::runtime
