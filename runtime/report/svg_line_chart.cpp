#include "runtime/report/svg_line_chart.h"

#include <algorithm>
#include <cmath>

#include "runtime/report/html_text.h"

namespace mlf::runtime {

namespace {

constexpr double kWidth = 420, kHeight = 240, kLeft = 56, kRight = 14, kTop = 28, kBottom = 36;

// A step of 1, 2 or 5 × 10^k giving about `count` ticks over [low, high].
double tick_step(double low, double high, int count) {
  double raw = (high - low) / count;
  if (!(raw > 0)) return 1.0;
  double power = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * power >= raw) return m * power;
  return 10 * power;
}

}  // namespace

std::string line_chart_svg(const std::string& title, const std::string& x_label,
                           const std::vector<ChartSeries>& series) {
  double x_low = INFINITY, x_high = -INFINITY, y_low = INFINITY, y_high = -INFINITY;
  for (const auto& s : series)
    for (const auto& [x, y] : s.points) {
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      x_low = std::min(x_low, x);
      x_high = std::max(x_high, x);
      y_low = std::min(y_low, y);
      y_high = std::max(y_high, y);
    }
  std::string svg = "<svg class=\"chart\" viewBox=\"0 0 420 240\" width=\"420\" height=\"240\" "
                    "role=\"img\" aria-label=\"" + html_escape(title) + "\">\n";
  svg += "<text x=\"" + format_number("%.0f", kLeft) + "\" y=\"18\" font-size=\"13\" font-weight=\"600\">" +
         html_escape(title) + "</text>\n";
  if (!std::isfinite(x_low)) return svg + "<text x=\"60\" y=\"120\" font-size=\"12\">no data</text></svg>\n";
  if (x_high == x_low) x_high = x_low + 1;
  if (y_high == y_low) {
    y_high += std::abs(y_high) * 0.1 + 1e-6;
    y_low -= std::abs(y_low) * 0.1 + 1e-6;
  }
  double y_step = tick_step(y_low, y_high, 4);
  y_low = std::floor(y_low / y_step) * y_step;
  y_high = std::ceil(y_high / y_step) * y_step;
  double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  auto px = [&](double x) { return kLeft + (x - x_low) / (x_high - x_low) * plot_w; };
  auto py = [&](double y) { return kTop + (1 - (y - y_low) / (y_high - y_low)) * plot_h; };

  svg += "<rect x=\"" + format_number("%.1f", kLeft) + "\" y=\"" + format_number("%.1f", kTop) +
         "\" width=\"" + format_number("%.1f", plot_w) + "\" height=\"" + format_number("%.1f", plot_h) +
         "\" fill=\"#fbfbfd\" stroke=\"#ccc\"/>\n";
  for (double y = y_low; y <= y_high + y_step / 2; y += y_step) {
    svg += "<line x1=\"" + format_number("%.1f", kLeft) + "\" x2=\"" + format_number("%.1f", kLeft + plot_w) +
           "\" y1=\"" + format_number("%.1f", py(y)) + "\" y2=\"" + format_number("%.1f", py(y)) +
           "\" stroke=\"#e6e6ea\"/>";
    svg += "<text x=\"" + format_number("%.1f", kLeft - 6) + "\" y=\"" + format_number("%.1f", py(y) + 4) +
           "\" font-size=\"10\" text-anchor=\"end\">" + format_number("%.4g", std::abs(y) < y_step / 1e6 ? 0.0 : y) +
           "</text>\n";
  }
  double x_step = std::max(1.0, tick_step(x_low, x_high, 6));
  for (double x = std::ceil(x_low / x_step) * x_step; x <= x_high + 1e-9; x += x_step)
    svg += "<text x=\"" + format_number("%.1f", px(x)) + "\" y=\"" + format_number("%.1f", kTop + plot_h + 14) +
           "\" font-size=\"10\" text-anchor=\"middle\">" + format_number("%g", x) + "</text>\n";
  svg += "<text x=\"" + format_number("%.1f", kLeft + plot_w / 2) + "\" y=\"" + format_number("%.1f", kHeight - 4) +
         "\" font-size=\"11\" text-anchor=\"middle\" fill=\"#555\">" + html_escape(x_label) + "</text>\n";
  double legend_x = kLeft + plot_w;
  for (std::size_t s = 0; s < series.size(); ++s) {
    std::string points;
    for (const auto& [x, y] : series[s].points)
      if (std::isfinite(x) && std::isfinite(y))
        points += format_number("%.1f", px(x)) + "," + format_number("%.1f", py(y)) + " ";
    svg += "<polyline fill=\"none\" stroke=\"" + html_escape(series[s].colour) +
           "\" stroke-width=\"2\" points=\"" + points + "\"><title>" + html_escape(series[s].name) +
           "</title></polyline>\n";
    // Legend entries right-aligned on the title line, one after another leftwards.
    svg += "<text x=\"" + format_number("%.1f", legend_x - 100.0 * static_cast<double>(s)) +
           "\" y=\"18\" font-size=\"11\" text-anchor=\"end\" fill=\"" + html_escape(series[s].colour) +
           "\">" + html_escape(series[s].name) + "</text>\n";
  }
  return svg + "</svg>\n";
}

}  // namespace mlf::runtime
