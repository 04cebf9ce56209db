// `mlf lineage`: what produced an artifact — the plan nodes it came from, back to the data
// files, with everything their content hashes are made of.
//
// Takes: the runs of a store (to find the artifact), then the plan of the run that made it.
// An artifact is an object digest or a node id (whole or a unique prefix of at least 4 hex
// digits), or `RUN:stage` (a run id or unique prefix, and a binding label; `fit` finds
// `fit[lr=0.01]` when it is the only point of its sweep).
// Promises:
// - find_artifact prefers records of runs over replays and newer over older; an unknown or
//   ambiguous artifact is a message naming the candidates, never a guess;
// - lineage_of lists the artifact's node first, then every node it depends on, each once,
//   in reverse plan order (so every node comes before its inputs); for each: its ops with
//   versions (the node's own, op arguments such as the optimizer, augment steps, model
//   layers), its derived seed and the streams of its random steps, the data files it reads
//   with their SHA-256, its inputs and the outputs the run recorded; and for the whole: the
//   plan id, the root seed, and the mlf version and commit the run recorded.
// Does not: read the store (the driver passes runs and the plan in) or check that the data
// files still have the recorded digests.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "compiler/plan/plan.h"
#include "runtime/record/run_record.h"

namespace mlf::runtime {

struct ArtifactMatch {
  const RunRecord* run = nullptr;
  std::string node;    // node id (hex)
  std::string output;  // artifact name (`weights`) when the match is an object; else empty
  std::string object;  // the object digest (hex) when it is one
};

// False with `error` set when the artifact is unknown or ambiguous.
bool find_artifact(const std::vector<RunRecord>& runs, const std::string& artifact,
                   ArtifactMatch& match, std::string& error);

struct LineageNode {
  std::string id, label, kind;
  std::vector<std::string> ops;     // `name@version`: the node's op and its op arguments
  std::vector<std::string> steps;   // augment steps, `name@version`
  std::vector<std::string> layers;  // model layers, `name@version`
  std::string seed;                 // derived seed (hex) of a random node, else empty
  std::vector<std::pair<std::string, std::string>> streams;  // random step → stream (hex)
  std::vector<PlanFileInput> files;
  std::vector<std::pair<std::string, std::string>> inputs;  // label → node id
  std::map<std::string, std::string> outputs;              // as recorded by the run
};

struct Lineage {
  std::string run, plan;
  std::int64_t root_seed = 0;
  std::string mlf_version, mlf_commit;  // empty when the run did not record them
  std::vector<LineageNode> nodes;
};

Lineage lineage_of(const Plan& plan, const Digest& node, const RunRecord& run);

std::string lineage_text(const Lineage& lineage, const ArtifactMatch& match);

}  // namespace mlf::runtime
