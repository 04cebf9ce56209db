#include "runtime/record/cached_run_memo.h"

#include <charconv>
#include <cstdio>
#include <cstdlib>

namespace mlf::runtime {

namespace {

constexpr std::string_view kHeader = "mlf-cached-run-memo 1";

void append_field(std::string& out, std::string_view field) {
  for (char c : field) {
    switch (c) {
      case '%': out += "%25"; break;
      case '\t': out += "%09"; break;
      case '\n': out += "%0A"; break;
      case '\r': out += "%0D"; break;
      default: out += c;
    }
  }
}

void append_line(std::string& out, std::initializer_list<std::string_view> fields) {
  bool first = true;
  for (std::string_view f : fields) {
    if (!first) out += '\t';
    first = false;
    append_field(out, f);
  }
  out += '\n';
}

std::string hex_float(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%a", value);
  return buffer;
}

std::optional<double> read_hex_float(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return std::nullopt;
  return value;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// A field as it is stored: `%` escapes undone. False on a malformed escape.
bool unescape(std::string_view field, std::string& out) {
  out.clear();
  std::size_t percent = field.find('%');
  if (percent == std::string_view::npos) {
    out.assign(field);
    return true;
  }
  out.reserve(field.size());
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] != '%') {
      out += field[i];
      continue;
    }
    if (i + 2 >= field.size()) return false;
    int high = hex_digit(field[i + 1]), low = hex_digit(field[i + 2]);
    if (high < 0 || low < 0) return false;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return true;
}

// Splits `line` at tabs into at most kMaxFields raw (still escaped) fields; returns how
// many, or 0 when there are more. Views into the line: a memo holds thousands of lines,
// and a vector of strings per line cost more than the rest of reading it.
constexpr std::size_t kMaxFields = 6;
std::size_t split_fields(std::string_view line, std::string_view (&fields)[kMaxFields]) {
  std::size_t n = 0;
  while (true) {
    if (n == kMaxFields) return 0;
    std::size_t tab = line.find('\t');
    fields[n++] = line.substr(0, tab);
    if (tab == std::string_view::npos) return n;
    line.remove_prefix(tab + 1);
  }
}

}  // namespace

std::string render_cached_run_memo(const CachedRunMemo& m) {
  std::string out;
  out.reserve(4096 + m.nodes.size() * 1024);
  out += kHeader;
  out += '\n';
  append_line(out, {"plan", m.plan_id});
  append_line(out, {"pipeline", m.pipeline});
  append_line(out, {"config", m.config_path});
  for (const auto& s : m.sources) append_line(out, {"source", s.path, s.sha256});
  for (const auto& f : m.files) append_line(out, {"file", f.path, f.directory ? "dir" : "file", f.sha256});
  for (const auto& [name, value] : m.sweep_params) append_line(out, {"param", name, value});
  for (const auto& n : m.nodes) {
    append_line(out, {"node", n.id, n.kind, n.label});
    for (const auto& [k, v] : n.outputs) append_line(out, {"out", k, v});
    for (const auto& [k, v] : n.metrics) append_line(out, {"metric", k, hex_float(v)});
  }
  for (const auto& g : m.gates)
    append_line(out, {"gate", g.node, g.field, g.comparison, hex_float(g.threshold), g.text});
  for (const auto& e : m.exports) append_line(out, {"export", e.node, e.kind, e.path});
  append_line(out, {"records", std::to_string(m.node_records.size())});
  out += m.node_records;
  out += "end\n";
  return out;
}

std::optional<CachedRunMemo> parse_cached_run_memo(std::string owned) {
  const std::string_view text = owned;
  CachedRunMemo m;
  std::size_t node_lines = 0;
  for (std::size_t at = text.find("\nnode\t"); at != std::string_view::npos; at = text.find("\nnode\t", at + 1))
    ++node_lines;
  m.nodes.reserve(node_lines);
  std::size_t records_begin = 0, records_size = 0;
  bool has_records = false;
  std::size_t pos = 0;
  bool header = false, ended = false;
  std::string_view raw[kMaxFields];
  std::string f[kMaxFields];
  while (pos < text.size()) {
    std::size_t newline = text.find('\n', pos);
    if (newline == std::string_view::npos) return std::nullopt;  // every line ends in \n
    std::string_view line = text.substr(pos, newline - pos);
    pos = newline + 1;
    if (ended) return std::nullopt;  // nothing may follow `end`
    if (!header) {
      if (line != kHeader) return std::nullopt;
      header = true;
      continue;
    }
    if (line == "end") {
      ended = true;
      continue;
    }
    std::size_t n = split_fields(line, raw);
    if (n == 0) return std::nullopt;
    for (std::size_t i = 1; i < n; ++i)
      if (!unescape(raw[i], f[i])) return std::nullopt;
    const std::string_view tag = raw[0];
    // Maps were written in key order, so each entry goes at the end.
    auto put = [&](auto& map, auto value) { map.emplace_hint(map.end(), std::move(f[1]), std::move(value)); };
    if (tag == "out" && n == 3 && !m.nodes.empty()) {
      put(m.nodes.back().outputs, std::move(f[2]));
    } else if (tag == "metric" && n == 3 && !m.nodes.empty()) {
      auto value = read_hex_float(f[2]);
      if (!value) return std::nullopt;
      put(m.nodes.back().metrics, *value);
    } else if (tag == "node" && n == 4) {
      NodeRecord& node = m.nodes.emplace_back();
      node.id = std::move(f[1]);
      node.kind = std::move(f[2]);
      node.label = std::move(f[3]);
    } else if (tag == "plan" && n == 2) {
      m.plan_id = std::move(f[1]);
    } else if (tag == "pipeline" && n == 2) {
      m.pipeline = std::move(f[1]);
    } else if (tag == "config" && n == 2) {
      m.config_path = std::move(f[1]);
    } else if (tag == "source" && n == 3) {
      m.sources.push_back({std::move(f[1]), std::move(f[2])});
    } else if (tag == "file" && n == 4 && (f[2] == "dir" || f[2] == "file")) {
      m.files.push_back({std::move(f[1]), f[2] == "dir", std::move(f[3])});
    } else if (tag == "param" && n == 3) {
      m.sweep_params.emplace_back(std::move(f[1]), std::move(f[2]));
    } else if (tag == "gate" && n == 6) {
      auto threshold = read_hex_float(f[4]);
      if (!threshold) return std::nullopt;
      GateRecord g;
      g.node = std::move(f[1]);
      g.field = std::move(f[2]);
      g.comparison = std::move(f[3]);
      g.threshold = *threshold;
      g.text = std::move(f[5]);
      m.gates.push_back(std::move(g));
    } else if (tag == "records" && n == 2) {
      std::size_t size = 0;
      auto [end, error] = std::from_chars(f[1].data(), f[1].data() + f[1].size(), size);
      if (error != std::errc() || end != f[1].data() + f[1].size() || size > text.size() - pos)
        return std::nullopt;
      records_begin = pos;
      records_size = size;
      has_records = true;
      pos += size;
    } else if (tag == "export" && n == 4) {
      m.exports.push_back({std::move(f[1]), std::move(f[2]), std::move(f[3])});
    } else {
      return std::nullopt;
    }
  }
  if (!ended || !has_records || m.plan_id.empty()) return std::nullopt;
  owned.resize(records_begin + records_size);
  owned.erase(0, records_begin);
  m.node_records = std::move(owned);
  return m;
}

}  // namespace mlf::runtime
