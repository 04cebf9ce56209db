// Why a node ran: each run records, per node, the parts its content hash is made of
// (arguments, inputs, files, steps, layers, seed) in a flat map; the next run compares a
// node that must run with the node of the same label in the previous run of the pipeline
// and names what changed ("param `lr` 0.001 → 0.0003", "file `images` changed").
#pragma once

#include <map>
#include <string>

#include "compiler/plan/plan.h"
#include "runtime/record/run_record.h"

namespace mlf::runtime {

std::map<std::string, std::string> node_identity_map(const Plan& plan, const PlanNode& node);

// A short reason for running `node`: what differs from the same-labelled node of
// `previous`, "first run of this pipeline", "new stage", or "replay" when not reading the cache.
std::string explain_rerun(const NodeRecord& node, const RunRecord* previous, bool read_cache);

}  // namespace mlf::runtime
