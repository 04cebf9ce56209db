// How `mlf replay` ends, once the plan has been executed again: what the replay proves about
// the run it replayed, its record, the summary.
#pragma once

#include "runtime/exec/executor.h"
#include "runtime/record/run_record.h"
#include "runtime/store/object_store.h"

namespace mlf::driver {

// Prints how the environment differs from the recorded one (runtime/record/environment_diff.h),
// then every value that differs from the record (runtime/record/replay_check.h: digests,
// metrics, gates; the first in detail); names a data file that changed since the run with
// both digests; writes the replay record (`diverged` when a value differs) and reports it
// when that fails. Returns the exit code: 0 when every recorded value was reproduced and
// the record written, 130 when cancelled, 1 otherwise.
int finish_replay(runtime::ObjectStore& store, const runtime::RunRecord& original, runtime::ExecOutcome& outcome);

}  // namespace mlf::driver
