// The pipeline of a run as an inline SVG: nodes in columns by topological depth (longest
// path from a node without inputs), edges from each input to the node that reads it, each
// box coloured by what happened to the node in the run (ran, cached, failed, on demand).
// Laid out here, deterministically (depth, then record order); needs no Graphviz.
#pragma once

#include <string>

#include "runtime/record/run_record.h"

namespace mlf::runtime {

std::string pipeline_graph_svg(const RunRecord& record);

}  // namespace mlf::runtime
