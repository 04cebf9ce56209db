#include "compiler/hash/content_hash.h"

#include <algorithm>
#include <stdexcept>
#include <tuple>

#include "compiler/hash/canonical.h"
#include "stdlib/catalogue.h"

namespace mlf {
namespace {

constexpr std::string_view kNodeDomain = "mlf/node/v1";
constexpr std::string_view kSeedDomain = "mlf/seed/v1";
constexpr std::string_view kStreamDomain = "mlf/stream/v1";

[[noreturn]] void internal_error(const std::string& message) {
  throw std::logic_error("internal error in content hashing: " + message +
                         " (please report this as a bug in mlf)");
}

void encode_count(std::string& out, char tag, std::size_t count) {
  out += tag;
  out += std::to_string(count);
  out += ':';
}

// Looks up hashes of nodes that precede `current`; anything else is a checker bug.
NodeHashLookup lookup_before(const Graph& graph, std::size_t current) {
  return [&graph, current](NodeId id) -> Digest {
    if (id >= graph.nodes.size() || id >= current)
      internal_error("node " + std::to_string(current) + " refers to node " + std::to_string(id) +
                     ", which does not precede it");
    return graph.nodes[id].hash;
  };
}

std::size_t index_of(const Graph& graph, const Node& node) {
  if (graph.nodes.empty() || &node < graph.nodes.data() ||
      &node >= graph.nodes.data() + graph.nodes.size())
    internal_error("node_identity was given a node outside the graph");
  return static_cast<std::size_t>(&node - graph.nodes.data());
}

// The node's parts with a zero seed. Uses the steps' current occurrence and stream.
NodeHashParts parts_of(const Graph& graph, std::size_t index) {
  const Node& node = graph.nodes[index];
  NodeHashLookup nodes = lookup_before(graph, index);
  NodeHashParts parts;
  parts.kind = node_kind_name(node.kind);
  if (node.call) parts.call = canonical_call(*node.call, nodes);
  for (NodeId input : node.inputs) parts.inputs.push_back(nodes(input));
  for (const auto& file : node.files)
    parts.files.push_back({file.argument, file.directory, file.digest});
  for (const auto& step : node.chain) {
    if (!step.op) internal_error("an augment step has no op");
    parts.steps.push_back(
        encode_step(canonical_call(*step.op, nodes), step.occurrence, step.stream));
  }
  for (const auto& layer : node.layers) parts.layers.push_back(canonical_layer(layer, nodes));
  return parts;
}

// Occurrences and streams of an augment node's steps; its input must already be hashed.
void derive_streams(Graph& graph, std::size_t index) {
  Node& node = graph.nodes[index];
  if (node.chain.empty()) return;
  NodeHashLookup nodes = lookup_before(graph, index);
  Digest source = node.inputs.empty() ? Digest{} : nodes(node.inputs.front());
  std::vector<std::string> seen;
  for (auto& step : node.chain) {
    if (!step.op) internal_error("an augment step has no op");
    std::string call = canonical_call(*step.op, nodes);
    step.occurrence = static_cast<int>(std::count(seen.begin(), seen.end(), call));
    bool random = step.op->op && step.op->op->random;
    step.stream = random ? derive_stream(graph.root_seed, source, call, step.occurrence) : Digest{};
    seen.push_back(std::move(call));
  }
}

}  // namespace

std::string encode_step(std::string_view step_call, int occurrence, const Digest& stream) {
  std::string out = "S:";
  out += step_call;
  out += '#';
  out += std::to_string(occurrence);
  out += ';';
  encode_digest(out, stream);
  return out;
}

Digest hash_node_parts(const NodeHashParts& parts) {
  std::string out;
  encode_text(out, kNodeDomain);
  encode_text(out, parts.kind);
  if (parts.call.empty()) {
    out += '-';
  } else {
    out += parts.call;
  }
  encode_count(out, 'I', parts.inputs.size());
  for (const auto& input : parts.inputs) encode_digest(out, input);

  auto files = parts.files;
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) {
    return std::tie(a.argument, a.directory, a.digest) <
           std::tie(b.argument, b.directory, b.digest);
  });
  encode_count(out, 'F', files.size());
  for (const auto& file : files) {
    encode_text(out, file.argument);
    encode_bool(out, file.directory);
    encode_digest(out, file.digest);
  }

  out += "R:";
  encode_digest(out, parts.seed);
  encode_count(out, 'C', parts.steps.size());
  for (const auto& step : parts.steps) out += step;
  encode_count(out, 'M', parts.layers.size());
  for (const auto& layer : parts.layers) out += layer;
  return Sha256::of(out);
}

Digest derive_seed(std::int64_t root_seed, const Digest& identity) {
  std::string out;
  encode_text(out, kSeedDomain);
  encode_int(out, root_seed);
  encode_digest(out, identity);
  return Sha256::of(out);
}

Digest derive_stream(std::int64_t root_seed, const Digest& source, std::string_view step_call,
                     int occurrence) {
  std::string out;
  encode_text(out, kStreamDomain);
  encode_int(out, root_seed);
  encode_digest(out, source);
  out += step_call;
  out += '#';
  out += std::to_string(occurrence);
  out += ';';
  return Sha256::of(out);
}

Digest node_identity(const Graph& graph, const Node& node) {
  return hash_node_parts(parts_of(graph, index_of(graph, node)));
}

void hash_graph(Graph& graph) {
  for (std::size_t i = 0; i < graph.nodes.size(); ++i) {
    derive_streams(graph, i);
    Node& node = graph.nodes[i];
    NodeHashParts parts = parts_of(graph, i);
    node.seed = node.random ? derive_seed(graph.root_seed, hash_node_parts(parts)) : Digest{};
    parts.seed = node.seed;
    node.hash = hash_node_parts(parts);
  }
}

}  // namespace mlf
