// Executes a plan: each node in plan order, each result cached in the store by the node's
// content hash, a run record written last.
//
// Takes: a plan (compiler/plan), an open store, options. Promises:
// - a node whose result record and objects are in the store is not executed ("cached");
//   one that runs says why (what in its identity changed since the previous run of the
//   pipeline, or that there was none);
// - datasets are materialised only when deterministic; an augment chain with random ops is
//   applied per epoch inside training, keyed by (op stream, epoch, sample index);
// - the training backend (LibTorch) is loaded only when a train or evaluate node executes,
//   so a fully cached run never loads it;
// - a corrupt object is reported, quarantined by the store, and its producer re-executed;
// - Ctrl-C (cancel()) stops after the current batch; finished nodes keep their results;
// - with read_cache = false (replay) nothing is read from earlier results: every node runs.
// Does not: parse sources or plans, or print tables (the driver does).
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "compiler/plan/plan.h"
#include "runtime/backend/training_backend.h"
#include "runtime/record/run_record.h"
#include "runtime/store/object_store.h"

namespace mlf::runtime {

struct ExecOptions {
  int threads = 2;          // intra-op threads of training and of the data pipeline
  bool read_cache = true;   // false: replay from scratch
  std::string source;       // the .mlflow file, for the record
  std::vector<std::pair<std::string, std::string>> params;  // for the record
  std::function<void(const std::string&)> say;               // one line of progress
  bool progress_on_tty = false;
  std::atomic<bool>* cancelled = nullptr;
};

struct ExecOutcome {
  RunRecord record;
  int exit_code = 0;  // 0 ok, 1 a gate failed or a node failed, 130 cancelled
  std::string error;  // the first failure, for the summary
};

ExecOutcome execute_plan(const Plan& plan, ObjectStore& store, const ExecOptions& options,
                         const RunRecord* previous);

// The model of a train node as the training backend takes it (layers with inferred sizes).
std::vector<BackendOp> backend_layers_of(const PlanNode& node);

// Label of a node in the plan's labels section ("" when it has none).
std::string node_label(const Plan& plan, const Digest& id);

}  // namespace mlf::runtime
