// A line chart as inline SVG: one or more series over a shared x axis (epochs), with nice
// round ticks on both axes and a legend. Non-finite points are left out.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace mlf::runtime {

struct ChartSeries {
  std::string name;
  std::string colour;  // CSS colour
  std::vector<std::pair<double, double>> points;  // (x, y)
};

std::string line_chart_svg(const std::string& title, const std::string& x_label,
                           const std::vector<ChartSeries>& series);

}  // namespace mlf::runtime
