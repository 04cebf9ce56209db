#include "compiler/plan/node_order.h"

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/topological_sort.hpp>
#include <iterator>
#include <map>
#include <stdexcept>
#include <tuple>

namespace mlf {

std::vector<std::size_t> node_depths(const Graph& graph) {
  using Dependencies = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
  const std::size_t count = graph.nodes.size();
  Dependencies dependencies(count);
  for (std::size_t consumer = 0; consumer < count; ++consumer)
    for (NodeId input : graph.nodes[consumer].inputs) {
      if (input >= count)
        throw std::logic_error("internal error: node " + std::to_string(consumer) +
                               " has an input outside the graph (please report this as a bug "
                               "in mlf)");
      boost::add_edge(input, consumer, dependencies);
    }

  std::vector<Dependencies::vertex_descriptor> reversed;
  try {
    boost::topological_sort(dependencies, std::back_inserter(reversed));
  } catch (const boost::not_a_dag&) {
    throw std::logic_error(
        "internal error: the pipeline graph has a cycle (please report this as a bug in mlf)");
  }

  std::vector<std::size_t> depth(count, 0);
  for (auto it = reversed.rbegin(); it != reversed.rend(); ++it) {
    auto [edge, end] = boost::out_edges(*it, dependencies);
    for (; edge != end; ++edge) {
      auto consumer = boost::target(*edge, dependencies);
      depth[consumer] = std::max(depth[consumer], depth[*it] + 1);
    }
  }
  return depth;
}

std::vector<NodeGroup> node_groups(const Graph& graph) {
  std::vector<std::size_t> depth = node_depths(graph);
  std::vector<NodeGroup> groups;
  std::map<Digest, std::size_t> by_hash;
  for (std::size_t i = 0; i < graph.nodes.size(); ++i) {
    const Digest& hash = graph.nodes[i].hash;
    bool hashed = hash != Digest{};
    if (hashed) {
      auto found = by_hash.find(hash);
      if (found != by_hash.end()) {
        groups[found->second].members.push_back(static_cast<NodeId>(i));
        continue;
      }
      by_hash.emplace(hash, groups.size());
    }
    groups.push_back(NodeGroup{{static_cast<NodeId>(i)}, depth[i]});
  }
  // Members of a group differ only in what the hash leaves out; of those, the plan shows file
  // paths, so the representative is the member whose paths sort first, not the first declared.
  auto paths = [&](NodeId id) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& file : graph.nodes[id].files) out.emplace_back(file.argument, file.path);
    std::sort(out.begin(), out.end());
    return out;
  };
  for (auto& group : groups)
    if (group.members.size() > 1)
      std::stable_sort(group.members.begin(), group.members.end(),
                       [&](NodeId a, NodeId b) { return paths(a) < paths(b); });
  std::stable_sort(groups.begin(), groups.end(), [&](const NodeGroup& a, const NodeGroup& b) {
    const Digest& ha = graph.nodes[a.representative()].hash;
    const Digest& hb = graph.nodes[b.representative()].hash;
    return std::tie(a.depth, ha) < std::tie(b.depth, hb);
  });
  return groups;
}

}  // namespace mlf
