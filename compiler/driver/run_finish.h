// How `mlf run` ends, whichever way it got its results (by executing the plan, or from the
// memo of an unchanged invocation, cached_run.h): exports, the run record, the summary.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "compiler/driver/compilation.h"
#include "compiler/plan/plan.h"
#include "runtime/exec/executor.h"
#include "runtime/record/run_record.h"
#include "runtime/store/object_store.h"

namespace mlf::driver {

// Writes an evaluation's metrics as TOML to `target`. False (after saying why) on failure.
bool write_metrics_export(const runtime::NodeRecord& node, const std::string& run_id,
                          const std::filesystem::path& target);

// Whether `target` already holds the weights `digest_hex`, as recorded by the last export to
// it: a cached run must not load LibTorch to write the same file again.
bool weights_export_is_current(runtime::ObjectStore& store, const std::filesystem::path& target,
                               const std::string& digest_hex);

// Copies the plan's exports out of the store: weights as a LibTorch-loadable file (loads
// the backend when the file is not current), evaluations as TOML, each written by
// runtime/exec/export_file.h (atomic, modes 0755/0644, never through a symbolic link).
// False when one failed.
bool run_exports(const Plan& plan, runtime::ObjectStore& store, const runtime::RunRecord& record);

// Writes the record (a run without its record did not happen: exit 1 when that fails),
// prints the error, the metrics, the gates and the summary to stderr and the run id to
// stdout. `note` ends the summary line's parenthesis; `node_records`, when given, are the
// record's `[[node]]` tables already rendered (runtime/record/run_record.h). Returns the
// process exit code.
int finish_run(runtime::ObjectStore& store, runtime::ExecOutcome& outcome, const OutputStyle& style,
               const std::string& note = "",
               std::optional<std::string_view> node_records = std::nullopt);

}  // namespace mlf::driver
