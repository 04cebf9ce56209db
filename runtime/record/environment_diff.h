// How the environment of a replay differs from the one its run recorded (RunRecord::
// environment: mlf version and commit, thread counts, LibTorch version, BLAS library, CPU
// capability): the facts that explain why bit-identical results might not be.
//
// Promises: one change per fact both sides recorded whose value differs, keys in sorted
// order. A fact only one side recorded is not a change: the training backend's facts are
// recorded only by a process that loaded it (a run answered from the cache, or a replay that
// failed before training, has none), so their absence says nothing about the environment.
// Equal environments give no changes.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace mlf::runtime {

struct EnvironmentChange {
  std::string key, recorded, now;
};

std::vector<EnvironmentChange> environment_changes(const std::map<std::string, std::string>& recorded,
                                                   const std::map<std::string, std::string>& now);

// Whether `environment` holds the training backend's facts (its version among them,
// BackendEnvironment::kVersionFact).
bool records_backend_facts(const std::map<std::string, std::string>& environment);

}  // namespace mlf::runtime
