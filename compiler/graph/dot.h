// `mlf graph`: the resolved graph as Graphviz DOT.
//
// Takes: a Graph, normally after hash_graph (unhashed nodes are drawn one by one).
// Promises: deterministic text in the plan's node order (compiler/plan/node_order.h); one
// box per unit of work labelled with its binding label(s), kind (and op, when it differs
// from the kind) and short hash (12 hex); augment nodes list their chain's op names; edges
// run input → consumer; gates are diamonds and exports are notes, each joined to its node
// by a dashed edge. Node names are `n_<16 hex>`, `gate_<i>` and `export_<i>`, so the text
// does not depend on declaration order.
// Does not: lay anything out or run Graphviz.
#pragma once

#include <string>

#include "compiler/graph/graph.h"

namespace mlf {

std::string to_dot(const Graph& graph);

}  // namespace mlf
