// The shortcut of a fully cached `mlf run`: when the same invocation (this mlf binary, the
// same file, params and config switch) ran before, and none of its inputs changed since, and
// every result it produced is still in the store, the run is answered from the memo that
// invocation left (runtime/record/cached_run_memo.h) without compiling the source or reading
// the plan. The record, the output and the exit code are those the full path would give,
// except that the summary line ends with "no input changed, nothing compiled".
//
// Inputs are checked as the front end would see them: source files (main, imports,
// mlflow.toml) by the SHA-256 of their bytes; which mlflow.toml applies, by looking it up
// again; data files and folders through the project's file-digest cache (size, mtime in
// ns and inode, as the front end itself does). Outputs: every object and result record the
// memo names must exist; the plan file must be in the store; a weights export must be
// current (writing it would load LibTorch, so the full path does that).
//
// A memo is written after a run whose compilation printed no diagnostics (a warning must
// show on every run) and that ended "ok" or "gate-failed" with every stage cached or run.
#pragma once

#include <optional>
#include <string>

#include "compiler/driver/command_line.h"
#include "compiler/driver/compilation.h"
#include "compiler/plan/plan.h"
#include "runtime/exec/executor.h"
#include "runtime/exec/progress_console.h"
#include "runtime/store/object_store.h"

namespace mlf::driver {

// Where the memo of this invocation lives in the store ("memo/<sha256>.txt"). The key
// covers the mlf executable (path, size, mtime, inode), the file's absolute path, the `-p`
// overrides in order, `--no-config`, `--max-source-bytes` and `--allow-export-dir`.
std::string cached_run_memo_path(const std::string& file, const ParsedArgs& args);

// Answers the run from its memo when every check passes: prints what the full path would
// (a `cached` line per stage, metrics, gates, summary, run id), writes metric exports and the
// record. nullopt when the memo is missing or any check fails; nothing has been written then.
std::optional<int> run_from_memo(const std::string& file, const ParsedArgs& args,
                                 const std::string& store_root, const runtime::ExecOptions& options,
                                 runtime::ProgressConsole& console, const OutputStyle& style);

// Keeps the memo of a run that qualifies (see above); a failure to write it only costs the
// next run its shortcut.
void remember_run(const std::string& file, const ParsedArgs& args, runtime::ObjectStore& store,
                  const Plan& plan, const CompiledInputs& inputs, const runtime::ExecOutcome& outcome);

}  // namespace mlf::driver
