// Text for HTML and inline SVG: escaping and number formatting shared by the report's parts.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace mlf::runtime {

inline std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// printf-style formatting of one number ("%.4g", "%.2f").
inline std::string format_number(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

}  // namespace mlf::runtime
