// Plan file → Plan: what the runtime executes and `mlf replay` re-executes.
//
// Takes: the text of a plan file (body + labels, as plan_file_text writes it).
// Promises: a Plan only when the file is exactly what the writer produces: a known format
// tag, every field present and well typed, the body byte-identical to the canonical
// rendering of what was read, the id (SHA-256 of the body) equal to the one the labels
// record and to `expected_id` when given, and every node's id, seed and random streams equal
// to the ones recomputed from its content (compiler/hash/content_hash.h), inputs before
// consumers. Otherwise `errors` names each problem (lower-case, no trailing period).
// Never throws to the caller.
// Does not: look ops up in the catalogue (an op's name and version are taken as written;
// the runtime decides whether it implements them) or read any data file.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/hash/sha256.h"
#include "compiler/plan/plan.h"

namespace mlf {

struct PlanReadResult {
  Plan plan;
  std::vector<std::string> errors;
  bool ok() const { return errors.empty(); }
};

PlanReadResult read_plan(std::string_view text,
                         const std::optional<Digest>& expected_id = std::nullopt);

// Recomputes every node's id, seed and streams from its content; one message per mismatch,
// and for inputs, node arguments, gates and exports naming nodes the plan does not hold.
std::vector<std::string> verify_plan_ids(const Plan& plan);

// The canonical encodings (compiler/hash/canonical.h) of a plan's ops and layers: the same
// bytes as those of the OpCall and ModelLayer they were written from.
std::string canonical_call(const PlanOp& op);
std::string canonical_layer(const PlanLayer& layer);

}  // namespace mlf
