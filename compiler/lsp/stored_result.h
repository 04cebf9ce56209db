// Whether a node's result is in the project's store, as `mlf run` would find it: the
// result record results/<node>.toml exists and every object it names is present. Read only:
// a project without a store is simply "not run yet".
#pragma once

#include <map>
#include <optional>
#include <string>

#include "compiler/hash/sha256.h"

namespace mlf::lsp {

struct StoredResult {
  double seconds = 0.0;                    // what producing it took
  std::map<std::string, double> metrics;   // evaluate nodes
};

std::optional<StoredResult> stored_result(const std::string& store_path, const Digest& node);

}  // namespace mlf::lsp
