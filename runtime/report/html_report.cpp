#include "runtime/report/html_report.h"

#include <algorithm>
#include <map>
#include <set>

#include "runtime/report/html_text.h"
#include "runtime/report/svg_line_chart.h"
#include "runtime/report/svg_pipeline_graph.h"

namespace mlf::runtime {

namespace {

const char* kStyle = R"(
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px; color: #1d1d24; background: #fff; }
h1 { font-size: 22px; margin: 0 0 12px; }
h2 { font-size: 18px; margin: 0 0 8px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
table { border-collapse: collapse; margin: 4px 0 10px; }
th, td { border: 1px solid #d8d8e0; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f1f1f6; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font-size: 12px; }
.runs { display: grid; gap: 24px; align-items: start; }
.run { border: 1px solid #e2e2ea; border-radius: 8px; padding: 16px; overflow-x: auto; }
.status-ok, .status-ran, .status-pass { color: #1d6b2a; }
.status-cached { color: #3a6fb0; }
.status-failed, .status-gate-failed, .status-FAIL, .status-diverged { color: #a42020; font-weight: 600; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
.samples { display: flex; flex-wrap: wrap; gap: 10px; }
figure { margin: 0; padding: 6px; border: 1px solid #e2e2ea; border-radius: 6px; font-size: 12px; }
figure img { width: 84px; height: 84px; image-rendering: pixelated; display: block; background: #000; }
.confusion td { text-align: right; min-width: 28px; }
.note { color: #6a5a00; }
svg text { font-family: system-ui, sans-serif; }
svg.graph { max-width: 100%; height: auto; }
)";

std::string status_span(const std::string& status) {
  return "<span class=\"status-" + html_escape(status) + "\">" + html_escape(status) + "</span>";
}

std::string metric_text(double value) { return format_number("%.4f", value); }

std::string summary_table(const RunRecord& r) {
  std::string out = "<table class=\"summary\">";
  auto row = [&](const std::string& key, const std::string& value_html) {
    out += "<tr><th>" + html_escape(key) + "</th><td>" + value_html + "</td></tr>";
  };
  row("pipeline", html_escape(r.pipeline));
  row("status", status_span(r.status));
  row("kind", html_escape(r.kind) + (r.replay_of.empty() ? "" : " of " + html_escape(r.replay_of)));
  row("plan", "<code>" + html_escape(r.plan_id) + "</code>");
  row("source", html_escape(r.source));
  row("started", html_escape(r.started));
  row("finished", html_escape(r.finished));
  for (const auto& [name, value] : r.params) row("param " + name, html_escape(value));
  for (const auto& [name, value] : r.environment) row(name, html_escape(value));
  return out + "</table>\n";
}

std::string stages_table(const RunRecord& r) {
  std::string out = "<table class=\"stages\"><tr><th>node</th><th>kind</th><th>status</th>"
                    "<th>time</th><th>why it ran</th></tr>";
  for (const auto& n : r.nodes) {
    out += "<tr><td>" + html_escape(n.label.empty() ? n.id.substr(0, 12) : n.label) + "</td><td>" +
           html_escape(n.kind) + "</td><td>" + status_span(n.status) + "</td><td class=\"num\">" +
           (n.status == "ran" || n.status == "cached" ? format_number("%.2f s", n.seconds) : "") +
           "</td><td>" + html_escape(n.why) + "</td></tr>";
  }
  return out + "</table>\n";
}

std::string gates_table(const RunRecord& r) {
  if (r.gates.empty()) return "";
  std::string out = "<h3>Gates</h3><table class=\"gates\"><tr><th>expect</th><th>value</th><th></th></tr>";
  for (const auto& g : r.gates)
    out += "<tr><td><code>" + html_escape(g.text) + "</code></td><td class=\"num\">" +
           (g.value ? metric_text(*g.value) : "–") + "</td><td>" +
           status_span(g.passed ? "pass" : "FAIL") + "</td></tr>";
  return out + "</table>\n";
}

std::string metrics_table(const RunRecord& r) {
  std::string out;
  for (const auto& n : r.nodes) {
    if (n.metrics.empty()) continue;
    if (out.empty()) out = "<h3>Metrics</h3><table class=\"metrics\"><tr><th>stage</th><th>metric</th><th>value</th></tr>";
    for (const auto& [name, value] : n.metrics)
      out += "<tr><td>" + html_escape(n.label) + "</td><td>" + html_escape(name) +
             "</td><td class=\"num\">" + metric_text(value) + "</td></tr>";
  }
  return out.empty() ? "" : out + "</table>\n";
}

std::string curves(const ReportRun& run) {
  std::string out;
  for (const auto& stage : run.stages) {
    if (stage.log.empty()) continue;
    const NodeRecord& node = run.record.nodes[stage.node];
    ChartSeries loss{"loss", "#2f6fca", {}}, rate{"learning rate", "#c0662b", {}};
    for (const auto& row : stage.log) {
      loss.points.emplace_back(row.epoch + 1, row.loss);
      rate.points.emplace_back(row.epoch + 1, row.learning_rate);
    }
    out += "<h3>Training of " + html_escape(node.label) + "</h3><div class=\"charts\">" +
           line_chart_svg("loss per epoch", "epoch", {loss}) +
           line_chart_svg("learning rate per epoch", "epoch", {rate}) + "</div>\n";
  }
  return out;
}

std::string confusion_table(const std::vector<std::vector<std::int64_t>>& matrix) {
  std::int64_t largest = 1;
  for (const auto& row : matrix)
    for (auto v : row) largest = std::max(largest, v);
  std::string out = "<table class=\"confusion\"><tr><th>true \\ predicted</th>";
  for (std::size_t c = 0; c < matrix.size(); ++c) out += "<th>" + std::to_string(c) + "</th>";
  out += "</tr>";
  for (std::size_t r = 0; r < matrix.size(); ++r) {
    out += "<tr><th>" + std::to_string(r) + "</th>";
    for (std::size_t c = 0; c < matrix[r].size(); ++c) {
      double share = static_cast<double>(matrix[r][c]) / static_cast<double>(largest);
      // Diagonal (right) in green, mistakes in red, stronger with the count.
      std::string colour = r == c ? "rgba(46,139,87," : "rgba(200,40,40,";
      out += "<td style=\"background:" + colour + format_number("%.2f", 0.08 + 0.72 * share) +
             ")\">" + std::to_string(matrix[r][c]) + "</td>";
    }
    out += "</tr>";
  }
  return out + "</table>\n";
}

std::string evaluations(const ReportRun& run) {
  std::string out;
  for (const auto& stage : run.stages) {
    const NodeRecord& node = run.record.nodes[stage.node];
    if (node.kind != "evaluate") continue;
    // Past a few dozen classes a matrix is a wall of numbers; the metrics say more.
    if (stage.confusion.size() > 50)
      out += "<p class=\"note\">the confusion matrix of " + html_escape(node.label) + " has " +
             std::to_string(stage.confusion.size()) + " classes; not shown</p>\n";
    else if (!stage.confusion.empty())
      out += "<h3>Confusion matrix of " + html_escape(node.label) + "</h3>" + confusion_table(stage.confusion);
    if (!stage.worst.empty()) {
      out += "<h3>Highest-loss samples of " + html_escape(node.label) + "</h3><div class=\"samples\">";
      for (const auto& s : stage.worst) {
        out += "<figure>";
        if (!s.image_uri.empty()) {
          out += "<img alt=\"sample " + std::to_string(s.index) + "\" src=\"" + s.image_uri + "\">";
        } else if (!s.features.empty()) {
          out += "<code>";
          for (std::size_t i = 0; i < s.features.size(); ++i)
            out += (i ? ", " : "") + format_number("%.3g", s.features[i]);
          out += "</code><br>";
        }
        out += "<figcaption>#" + std::to_string(s.index) + " label " + std::to_string(s.label) +
               " → " + std::to_string(s.predicted) + "<br>loss " + format_number("%.3f", s.loss) +
               "</figcaption></figure>";
      }
      out += "</div>\n";
    }
  }
  for (const auto& stage : run.stages)
    for (const auto& note : stage.notes) out += "<p class=\"note\">" + html_escape(note) + "</p>\n";
  return out;
}

std::string run_section(const ReportRun& run) {
  const RunRecord& r = run.record;
  return "<section class=\"run\"><h2>Run <code>" + html_escape(r.id) + "</code></h2>\n" +
         summary_table(r) + "<h3>Pipeline</h3>" + pipeline_graph_svg(r) + "<h3>Stages</h3>" +
         stages_table(r) + gates_table(r) + metrics_table(r) + curves(run) + evaluations(run) +
         "</section>\n";
}

// Metrics and params of every run in one table, so differences read across a row.
std::string comparison(const std::vector<ReportRun>& runs) {
  std::set<std::pair<std::string, std::string>> metric_keys;  // (stage label, metric)
  std::set<std::string> param_keys;
  for (const auto& run : runs) {
    for (const auto& n : run.record.nodes)
      for (const auto& [name, value] : n.metrics) metric_keys.insert({n.label, name});
    for (const auto& [name, value] : run.record.params) param_keys.insert(name);
  }
  std::string out = "<h2>Comparison</h2><table class=\"comparison\"><tr><th></th>";
  for (const auto& run : runs) out += "<th><code>" + html_escape(run.record.id) + "</code></th>";
  out += "</tr><tr><th>status</th>";
  for (const auto& run : runs) out += "<td>" + status_span(run.record.status) + "</td>";
  out += "</tr>";
  for (const auto& key : param_keys) {
    out += "<tr><th>param " + html_escape(key) + "</th>";
    for (const auto& run : runs) {
      std::string value = "–";
      for (const auto& [name, v] : run.record.params)
        if (name == key) value = v;
      out += "<td>" + html_escape(value) + "</td>";
    }
    out += "</tr>";
  }
  for (const auto& [label, metric] : metric_keys) {
    out += "<tr><th>" + html_escape(label + "." + metric) + "</th>";
    for (const auto& run : runs) {
      std::string value = "–";
      for (const auto& n : run.record.nodes)
        if (n.label == label)
          if (auto it = n.metrics.find(metric); it != n.metrics.end()) value = metric_text(it->second);
      out += "<td class=\"num\">" + value + "</td>";
    }
    out += "</tr>";
  }
  return out + "</table>\n";
}

}  // namespace

std::string render_html_report(const std::vector<ReportRun>& runs) {
  std::string title = runs.size() == 1 ? "mlf run " + runs.front().record.id
                                       : "mlf: " + std::to_string(runs.size()) + " runs";
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>" +
                    html_escape(title) + "</title>\n<style>" + kStyle + "</style></head>\n<body>\n<h1>" +
                    html_escape(title) + "</h1>\n";
  if (runs.size() > 1) out += comparison(runs);
  out += "<div class=\"runs\" style=\"grid-template-columns: repeat(" + std::to_string(runs.size()) +
         ", minmax(460px, 1fr))\">\n";
  for (const auto& run : runs) out += run_section(run);
  return out + "</div>\n</body></html>\n";
}

}  // namespace mlf::runtime
