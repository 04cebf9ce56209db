// Executes a plan: its stages (train, evaluate) in dependency order, up to `jobs` at once,
// each result cached in the store by the node's content hash, a run record written last.
//
// Takes: a plan (compiler/plan), an open store, options. Promises:
// - a node whose result record and objects are in the store is not executed ("cached");
//   one that runs says why (what in its identity changed since the previous run of the
//   pipeline, or that there was none);
// - stages that do not depend on one another may run at the same time (jobs > 1); a stage
//   starts only after the stages it needs. Results, the record's nodes (in plan order) and
//   every digest are the same for any `jobs`; only the order of the progress lines differs.
//   Training and evaluation still take turns inside the backend (LibTorch's generator and
//   thread settings belong to the process), so jobs overlap data preparation with them;
// - datasets are materialised only when deterministic, each once per run however many
//   stages need it; an augment chain with random ops is applied per epoch inside training,
//   keyed by (op stream, epoch, sample index);
// - the training backend (LibTorch) is loaded only when a train or evaluate node executes,
//   so a fully cached run never loads it;
// - a corrupt object is reported, quarantined by the store, and its producer re-executed;
// - Ctrl-C (cancel()) stops after the current batch; finished nodes keep their results;
// - with read_cache = false (replay) nothing is read from earlier results: every node runs;
// - progress of training: with `status` set (a terminal), a status line redrawn at most ten
//   times a second; otherwise plain `say` lines every few seconds, at the end of an epoch
//   when no epoch line came for as long, and at the end of training (a line per epoch would
//   flood a log when epochs take milliseconds). `say` and `status` are called by one thread
//   at a time.
// Does not: parse sources or plans, or print tables (the driver does).
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "compiler/plan/plan.h"
#include "runtime/backend/training_backend.h"
#include "runtime/data/data_result.h"
#include "runtime/record/run_record.h"
#include "runtime/store/object_store.h"

namespace mlf::runtime {

struct ExecOptions {
  int threads = 2;          // intra-op threads of training and of the data pipeline
  int jobs = 1;             // stages run at once (`-j`); results do not depend on it
  bool read_cache = true;   // false: replay from scratch
  bool fuse = true;         // augment chains as fused kernels (false: the interpreter); recorded
  bool prefetch = true;     // make epoch e+1's data while epoch e trains; results do not depend on it
  std::string source;       // the .mlflow file, for the record
  std::vector<std::pair<std::string, std::string>> params;  // for the record
  std::function<void(const std::string&)> say;     // one finished line
  std::function<void(const std::string&)> status;  // a line redrawn in place; "" clears it
  std::atomic<bool>* cancelled = nullptr;
};

struct ExecOutcome {
  RunRecord record;
  int exit_code = 0;  // 0 ok, 1 a gate failed or a node failed, 130 cancelled
  std::string error;  // the first failure, for the summary
  // When the first failure is a data file whose digest is not the plan's: which, and both
  // digests (the message in `error` says to rebuild the plan, which a replay cannot do).
  std::optional<ChangedData> changed_data;
};

ExecOutcome execute_plan(const Plan& plan, ObjectStore& store, const ExecOptions& options,
                         const RunRecord* previous);

// The model of a train node as the training backend takes it (layers with inferred sizes).
std::vector<BackendOp> backend_layers_of(const PlanNode& node);

// Label of a node in the plan's labels section ("" when it has none).
std::string node_label(const Plan& plan, const Digest& id);

}  // namespace mlf::runtime
