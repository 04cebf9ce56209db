// How the environment of a replay differs from the one its run recorded (RunRecord::
// environment: mlf version and commit, thread counts, LibTorch version, BLAS library, CPU
// capability): the facts that explain why bit-identical results might not be.
//
// Promises: one change per key whose value differs, keys in sorted order; a key on one side
// only shows as "(not recorded)" on the other. Equal environments give no changes.
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

}  // namespace mlf::runtime
