// Test helpers shared by the end-to-end invariant tests: compile .mlflow text through the
// real checker, hash the graph and write the plan, and make small data files in a private
// temporary folder. Header-only: tests/CMakeLists.txt compiles only tests/unit/*_test.cpp.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "compiler/diagnostics/diagnostic_engine.h"
#include "compiler/diagnostics/text_renderer.h"
#include "compiler/graph/graph.h"
#include "compiler/hash/content_hash.h"
#include "compiler/hash/sha256.h"
#include "compiler/plan/plan_writer.h"
#include "compiler/sema/checker.h"

namespace mlf::fixture {

using Overrides = std::vector<std::pair<std::string, std::string>>;

// One compilation: text → checked graph → hashed graph → plan.
struct Compiled {
  bool ok = false;       // the checker returned a graph and reported no error
  std::string messages;  // every diagnostic, rendered as text (errors and warnings)
  Graph graph;           // hashed when ok
  PlanText plan;         // written when ok
};

inline Compiled compile_options(const CheckOptions& options) {
  Compiled out;
  SourceMap sources;
  DiagnosticEngine diagnostics(1000);
  std::optional<Graph> graph = check_pipeline(options, sources, diagnostics);
  out.messages = render_text(diagnostics.sorted(), sources, false);
  if (!graph || diagnostics.has_errors()) return out;
  out.graph = std::move(*graph);
  hash_graph(out.graph);
  out.plan = write_plan(out.graph);
  out.ok = true;
  return out;
}

// Checks `text` as if it were the content of `main_file` (relative paths resolve against its
// folder; the file need not exist). No mlflow.toml is read and no digest cache is written.
inline Compiled compile_text(const std::string& text, const std::string& main_file,
                             const Overrides& overrides = {}) {
  CheckOptions options;
  options.main_file = main_file;
  options.main_text = text;
  options.has_main_text = true;
  options.overrides = overrides;
  options.read_config = false;
  options.cache_digests = false;
  return compile_options(options);
}

// Checks the file on disk, in the same way.
inline Compiled compile_file(const std::string& main_file, const Overrides& overrides = {}) {
  CheckOptions options;
  options.main_file = main_file;
  options.overrides = overrides;
  options.read_config = false;
  options.cache_digests = false;
  return compile_options(options);
}

// Every node hash of the graph, as hex, sorted (a multiset: shared work may repeat).
inline std::vector<std::string> sorted_hashes(const Graph& graph) {
  std::vector<std::string> out;
  for (const auto& node : graph.nodes) out.push_back(node.hash.hex());
  std::sort(out.begin(), out.end());
  return out;
}

// Node hash by binding label. Every node must carry a distinct, non-empty label (the tests
// that use this name every node), else the current test fails.
inline std::map<std::string, Digest> hashes_by_label(const Graph& graph) {
  std::map<std::string, Digest> out;
  for (const auto& node : graph.nodes) {
    EXPECT_FALSE(node.label.empty()) << "a " << node_kind_name(node.kind) << " node has no label";
    bool inserted = out.emplace(node.label, node.hash).second;
    EXPECT_TRUE(inserted) << "two nodes are labelled `" << node.label << "`";
  }
  return out;
}

// The nodes `node` depends on, transitively (not itself), in increasing order.
inline std::vector<NodeId> ancestors(const Graph& graph, NodeId node) {
  std::set<NodeId> seen;
  std::vector<NodeId> todo = graph.nodes.at(node).inputs;
  while (!todo.empty()) {
    NodeId id = todo.back();
    todo.pop_back();
    if (!seen.insert(id).second) continue;
    for (NodeId input : graph.nodes.at(id).inputs) todo.push_back(input);
  }
  return {seen.begin(), seen.end()};
}

// A fresh, empty folder under the system's temporary folder, removed on destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& tag) {
    static std::atomic<int> counter{0};
    std::filesystem::path base = std::filesystem::temp_directory_path();
    path_ = (base / ("mlf-" + tag + "-" + std::to_string(getpid()) + "-" +
                     std::to_string(counter++)))
                .string();
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  out.close();
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

inline std::string source_path(const std::string& relative) {
  return std::string(MLF_SOURCE_DIR) + "/" + relative;
}

// Copies tests/golden/data/{images3.idx, labels3.idx, labels2.idx, small.csv} into `dir`.
inline void copy_golden_data(const std::string& dir) {
  for (const char* name : {"images3.idx", "labels3.idx", "labels2.idx", "small.csv"})
    write_bytes(dir + "/" + name, read_text(source_path(std::string("tests/golden/data/") + name)));
}

inline std::string big_endian32(std::uint32_t value) {
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((value >> (8 * (3 - i))) & 0xff);
  return out;
}

// An IDX file of u8 elements with the given dims, filled with (i * 7 + 3) % 256.
inline void write_idx_u8(const std::string& path, const std::vector<std::uint32_t>& dims) {
  std::string bytes{'\0', '\0', '\x08', static_cast<char>(dims.size())};
  std::size_t count = 1;
  for (auto d : dims) {
    bytes += big_endian32(d);
    count *= d;
  }
  for (std::size_t i = 0; i < count; ++i) bytes += static_cast<char>((i * 7 + 3) % 256);
  write_bytes(path, bytes);
}

// A 1-d IDX label file of `count` u8 labels i % classes.
inline void write_idx_labels(const std::string& path, std::uint32_t count, std::uint32_t classes) {
  std::string bytes{'\0', '\0', '\x08', '\x01'};
  bytes += big_endian32(count);
  for (std::uint32_t i = 0; i < count; ++i) bytes += static_cast<char>(i % classes);
  write_bytes(path, bytes);
}

// A version 1.0 .npy file: `descr` ("|u1", "<i8", ...), C order, raw little-endian data.
inline void write_npy(const std::string& path, const std::string& descr,
                      const std::vector<std::uint64_t>& shape, const std::string& data) {
  std::string dims;
  for (auto d : shape) dims += std::to_string(d) + ", ";
  if (shape.size() > 1) dims.erase(dims.size() - 2);  // "(3, 4)"; a 1-d shape keeps "(3, )"
  if (shape.size() == 1) dims = std::to_string(shape[0]) + ",";
  std::string header =
      "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims + "), }";
  std::size_t total = 10 + header.size() + 1;
  header += std::string((64 - total % 64) % 64, ' ') + "\n";
  std::string bytes = "\x93NUMPY";
  bytes += '\x01';
  bytes += '\x00';
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>((header.size() >> 8) & 0xff);
  write_bytes(path, bytes + header + data);
}

// All `#` comments of .mlflow text (outside string literals), without trailing white space,
// in source order.
inline std::vector<std::string> comment_texts(const std::string& text) {
  std::vector<std::string> out;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"' || c == '\n') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '#') {
      std::size_t end = text.find('\n', i);
      if (end == std::string::npos) end = text.size();
      std::string comment = text.substr(i, end - i);
      while (!comment.empty() && (comment.back() == ' ' || comment.back() == '\t' ||
                                  comment.back() == '\r'))
        comment.pop_back();
      out.push_back(comment);
      i = end;
    }
  }
  return out;
}

}  // namespace mlf::fixture
