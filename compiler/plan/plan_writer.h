// Graph → plan: the canonical, self-contained description of a hashed graph.
//
// Takes: a Graph after hash_graph (compiler/hash/content_hash.h).
// Promises: the same graph always gives the same bytes; the body depends only on what the
// nodes' hashes cover plus what execution needs (file paths relative to the project root,
// types, gates, exports), never on binding names, spans, sweep values or declaration order;
// those go to the labels text. `id` is the SHA-256 of `body` exactly. Write files as
// plan_file_text(body, labels) (compiler/plan/plan.h); the id covers the body only.
// Does not: write files or check anything the checker already checked. Throws
// std::logic_error (an internal error) if the graph was not hashed.
#pragma once

#include <string>

#include "compiler/graph/graph.h"
#include "compiler/hash/sha256.h"
#include "compiler/plan/plan.h"

namespace mlf {

struct PlanText {
  std::string body;
  std::string labels;  // starts with the kLabelsMarker line
  Digest id;           // SHA-256 of body
};

PlanText write_plan(const Graph& graph);

// The plan as data, id included (what write_plan renders).
Plan build_plan(const Graph& graph);

}  // namespace mlf
