// Finding a recorded run from what a user types: its whole id or any unique prefix of it.
//
// Takes: the runs of a store (any order) and the text given on the command line.
// Promises: an exact id wins; otherwise the one run whose id starts with the text; no match
// or several matches give nullptr and a message saying which (listing up to five
// candidates, newest first), never a guess.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "runtime/record/run_record.h"

namespace mlf::runtime {

const RunRecord* find_run(const std::vector<RunRecord>& runs, std::string_view id_or_prefix,
                          std::string& error);

// The run a replay by plan id re-executes: of the runs whose plan id is or starts with the
// text (all of one plan), the newest that recorded the training backend's facts, so the
// replay has an environment to compare its own with; the newest run of the plan when none
// did (a run answered from the cache records none). nullptr with `error` set when no run's
// plan id starts so, or when the text starts the ids of several plans (naming up to five).
const RunRecord* find_plan_run(const std::vector<RunRecord>& runs, std::string_view plan_id_or_prefix,
                               std::string& error);

// The same over bare ids (the names in the store's runs/ folder, without parsing a record):
// the index into `ids`, or -1 with `error` set.
long find_run_id(const std::vector<std::string>& ids, std::string_view id_or_prefix, std::string& error);

}  // namespace mlf::runtime
