// Content hashing of the resolved graph: every node's identity, derived seed and random
// streams.
//
// Takes: a Graph from the checker with nodes in dependency order (inputs first) and
// `seed`, `stream` and `hash` still zero.
// Promises, once hash_graph has run:
//  - `Node::hash` = SHA-256 over the domain tag "mlf/node/v1", the node kind, its op's name
//    and semantic version with its canonical arguments (compiler/hash/canonical.h), the
//    hashes of its inputs in order, each file's (argument, directory flag, content digest)
//    sorted by argument, the derived seed, the augment chain (each step's op, occurrence
//    and stream) and the model layers with their inferred sizes.
//  - a random node's `seed` = SHA-256("mlf/seed/v1", root seed, the node's identity), its
//    identity being its hash computed with a zero seed; other nodes keep a zero seed.
//  - a random augment step's `stream` = SHA-256("mlf/stream/v1", root seed, hash of the
//    chain's source dataset (the augment node's input), the step's canonical op, its
//    occurrence); never its position, so inserting, removing or reordering other steps
//    leaves it unchanged. Deterministic steps keep a zero stream.
//  - `AugmentStep::occurrence` is (re)computed here from its definition: how many earlier
//    steps of the same chain have the very same canonical op.
// Never covered: labels, spans, sweep values, file paths, binding names, declaration order,
// formatting. Gates and exports are not nodes and have no hash.
// Does not: order nodes for the plan (compiler/plan) or read files (digests come from the
// checker).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/graph/graph.h"
#include "compiler/hash/sha256.h"

namespace mlf {

// Fills every node's seed and hash and every augment step's occurrence and stream.
// Throws std::logic_error (an internal error) if a node's input does not precede it.
void hash_graph(Graph& graph);

// The node's hash as if its seed were zero: what its derived seed is computed from.
// Needs the hashes of the node's inputs (and of nodes its arguments name) to be set.
Digest node_identity(const Graph& graph, const Node& node);

// --- The pieces, shared with the plan reader, which recomputes ids from a plan file.

// Everything a node's hash covers, each part already canonically encoded.
struct NodeHashParts {
  struct File {
    std::string argument;
    bool directory = false;
    Digest digest;
  };
  std::string kind;                 // node_kind_name()
  std::string call;                 // encode_call() of the node's op call; empty when none
  std::vector<Digest> inputs;       // in order
  std::vector<File> files;          // any order: sorted before hashing
  Digest seed;                      // zero for the identity
  std::vector<std::string> steps;   // encode_step() of each augment step, in chain order
  std::vector<std::string> layers;  // encode_layer() of each model layer, in order
};

Digest hash_node_parts(const NodeHashParts& parts);
Digest derive_seed(std::int64_t root_seed, const Digest& identity);
Digest derive_stream(std::int64_t root_seed, const Digest& source, std::string_view step_call,
                     int occurrence);
// S:<call>#<occurrence>;<stream>;
std::string encode_step(std::string_view step_call, int occurrence, const Digest& stream);

}  // namespace mlf
