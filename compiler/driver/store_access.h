// What the commands that read the store share: finding and opening it, loading its run
// records, and finding one run from a whole id or a unique prefix (runtime/record/run_lookup.h).
// Errors are printed here, as `error: ...` on stderr.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compiler/driver/command_line.h"
#include "compiler/sema/project.h"
#include "runtime/record/run_record.h"
#include "runtime/store/object_store.h"

namespace mlf::driver {

// The project around `file_or_dir` (the current folder when empty): compiler/sema/project.h.
Project project_around(const std::string& file_or_dir);

// --store when given, else the store of the project around `file_or_dir` (the current
// folder when empty).
std::string store_root_for(const ParsedArgs& args, const std::string& file_or_dir);

// The store at `root`, created when missing; nullopt after printing why it cannot be used.
// Every object put() finds corrupt and replaces is reported on stderr as a warning.
std::optional<runtime::ObjectStore> open_store(const std::string& root);

// For the commands that only read: the store of --store or of the project around the
// current folder, opened without creating anything. nullopt after printing why — unless
// there is no store at all where none was named and `none_here` is given: then it is set
// and nothing is printed (`runs` says there are no runs).
std::optional<runtime::ObjectStore> open_store_to_read(const ParsedArgs& args, bool* none_here = nullptr);

// Every intact run record, oldest first (run ids sort by time); each damaged one is
// reported on stderr as a warning and left out.
std::vector<runtime::RunRecord> load_runs(runtime::ObjectStore& store);

// The record of the run whose id is or starts with `id_or_prefix`, parsing only that record;
// nullopt after printing why (unknown, a prefix of several ids, unreadable).
std::optional<runtime::RunRecord> load_run_or_say(runtime::ObjectStore& store,
                                                  const std::string& id_or_prefix);

}  // namespace mlf::driver
