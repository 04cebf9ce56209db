// The canonical order of a graph's nodes, shared by the plan and `mlf graph`.
//
// Takes: a Graph, normally after hash_graph.
// Promises: nodes grouped by content hash (a group is one unit of work: sweep points that
// share upstream work make one group), groups sorted by depth — the longest path from a
// source node — then by hash, then by first position. Neither the order of declarations nor
// the order of `Graph::nodes` among independent nodes changes the result, once hashed.
// A node whose hash is still zero (unhashed) forms a group of its own.
// Does not: hash anything.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "compiler/graph/graph.h"

namespace mlf {

struct NodeGroup {
  // Graph nodes with this hash; never empty. The first is the representative: of members
  // that differ only in file paths (same contents elsewhere), the one whose paths sort first.
  std::vector<NodeId> members;
  std::size_t depth = 0;
  NodeId representative() const { return members.front(); }
};

// Longest path from a source node, per node (Boost.Graph topological sort).
// Throws std::logic_error (an internal error) when the graph has a cycle or a bad input id.
std::vector<std::size_t> node_depths(const Graph& graph);

std::vector<NodeGroup> node_groups(const Graph& graph);

}  // namespace mlf
