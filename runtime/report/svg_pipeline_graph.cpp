#include "runtime/report/svg_pipeline_graph.h"

#include <algorithm>
#include <vector>

#include "runtime/report/html_text.h"
#include "runtime/report/run_report_data.h"

namespace mlf::runtime {

namespace {

constexpr int kBoxWidth = 180, kBoxHeight = 48, kColumnGap = 60, kRowGap = 18, kMargin = 12;

const char* fill_of(const std::string& status) {
  if (status == "ran") return "#cfe3fb";
  if (status == "cached") return "#d4efd4";
  if (status == "failed") return "#f6c9c9";
  if (status == "skipped") return "#eeeeee";
  return "#f4f1e6";  // data computed on demand
}

std::string shorten(const std::string& text, std::size_t limit) {
  return text.size() <= limit ? text : text.substr(0, limit - 1) + "…";
}

}  // namespace

std::string pipeline_graph_svg(const RunRecord& record) {
  auto inputs = record_inputs(record);
  std::size_t n = record.nodes.size();
  // Depth by longest path; inputs precede their readers in the record (plan order), but
  // iterate to a fixed point so an unexpected order still terminates with right depths.
  std::vector<int> depth(n, 0);
  for (std::size_t round = 0; round < n; ++round) {
    bool changed = false;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t input : inputs[i])
        if (depth[i] < depth[input] + 1 && depth[input] + 1 <= static_cast<int>(n)) {
          depth[i] = depth[input] + 1;
          changed = true;
        }
    if (!changed) break;
  }
  int columns = n ? *std::max_element(depth.begin(), depth.end()) + 1 : 0;
  std::vector<int> row(n, 0), rows_in(columns, 0);
  for (std::size_t i = 0; i < n; ++i) row[i] = rows_in[depth[i]]++;
  int max_rows = rows_in.empty() ? 0 : *std::max_element(rows_in.begin(), rows_in.end());
  int width = kMargin * 2 + columns * kBoxWidth + std::max(0, columns - 1) * kColumnGap;
  int height = kMargin * 2 + max_rows * kBoxHeight + std::max(0, max_rows - 1) * kRowGap;
  auto x_of = [&](std::size_t i) { return kMargin + depth[i] * (kBoxWidth + kColumnGap); };
  auto y_of = [&](std::size_t i) { return kMargin + row[i] * (kBoxHeight + kRowGap); };

  std::string svg = "<svg class=\"graph\" viewBox=\"0 0 " + std::to_string(width) + " " +
                    std::to_string(height) + "\" width=\"" + std::to_string(width) +
                    "\" height=\"" + std::to_string(height) + "\" role=\"img\" aria-label=\"pipeline graph\">\n";
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t input : inputs[i]) {
      int x1 = x_of(input) + kBoxWidth, y1 = y_of(input) + kBoxHeight / 2;
      int x2 = x_of(i), y2 = y_of(i) + kBoxHeight / 2;
      int mid = (x1 + x2) / 2;
      svg += "<path d=\"M" + std::to_string(x1) + "," + std::to_string(y1) + " C" +
             std::to_string(mid) + "," + std::to_string(y1) + " " + std::to_string(mid) + "," +
             std::to_string(y2) + " " + std::to_string(x2 - 4) + "," + std::to_string(y2) +
             "\" fill=\"none\" stroke=\"#888\" stroke-width=\"1.3\"/>\n";
      svg += "<path d=\"M" + std::to_string(x2 - 6) + "," + std::to_string(y2 - 4) + " L" +
             std::to_string(x2) + "," + std::to_string(y2) + " L" + std::to_string(x2 - 6) + "," +
             std::to_string(y2 + 4) + "Z\" fill=\"#888\"/>\n";
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    const NodeRecord& node = record.nodes[i];
    std::string name = node.label.empty() ? node.kind + " " + node.id.substr(0, 8) : node.label;
    std::string second = node.kind + " · " + (node.status.empty() ? "?" : node.status);
    if (node.status == "ran" || node.status == "cached") second += " · " + format_number("%.2f s", node.seconds);
    int x = x_of(i), y = y_of(i);
    svg += "<g><title>" + html_escape(name + " (" + node.id + ")") + "</title>";
    svg += "<rect x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(y) + "\" width=\"" +
           std::to_string(kBoxWidth) + "\" height=\"" + std::to_string(kBoxHeight) +
           "\" rx=\"6\" fill=\"" + fill_of(node.status) + "\" stroke=\"#556\"/>";
    svg += "<text x=\"" + std::to_string(x + 8) + "\" y=\"" + std::to_string(y + 20) +
           "\" font-size=\"13\" font-weight=\"600\">" + html_escape(shorten(name, 24)) + "</text>";
    svg += "<text x=\"" + std::to_string(x + 8) + "\" y=\"" + std::to_string(y + 38) +
           "\" font-size=\"11\" fill=\"#444\">" + html_escape(shorten(second, 30)) + "</text></g>\n";
  }
  return svg + "</svg>\n";
}

}  // namespace mlf::runtime
