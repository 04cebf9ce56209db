// The record of one `mlf run` (or replay): what was run, what each node produced, the
// metrics, the gates, the environment the results depend on, and how it ended.
//
// Promises: records are TOML, written atomically into the store's runs/ folder as the last
// act of a run (objects first, then the record that references them), and read back
// without loss. A record written by a run that was killed is simply absent.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mlf::runtime {

struct NodeRecord {
  std::string id;      // node content hash (hex)
  std::string label;   // binding name, e.g. `fit[lr=0.001]`
  std::string kind;    // read, dataset, augment, train, evaluate
  std::string status;  // "ran", "cached", "failed", "skipped"
  std::string why;     // why it ran: what changed since the last run of the pipeline
  double seconds = 0.0;
  std::map<std::string, std::string> outputs;  // artifact name → object digest (hex)
  std::map<std::string, double> metrics;       // evaluate nodes
  // What the node's identity is made of, for explaining the next run's cache misses:
  // "arg.lr" → "0.001", "input.data" → node id, "file.images" → digest.
  std::map<std::string, std::string> identity;
};

struct GateRecord {
  std::string text;  // `score.accuracy >= 0.9`
  std::string node, field, comparison;
  double threshold = 0.0;
  std::optional<double> value;
  bool passed = false;
};

// How the run was asked to execute, where that selects a code path. Results do not depend on
// it (a fused kernel must match the reference interpreter bit for bit), so replay may differ.
struct RunOptions {
  bool fuse = true;  // false: `--no-fuse`, augment chains by the reference interpreter only
};

struct RunRecord {
  std::string id;
  std::string plan_id;
  std::string pipeline;
  std::string source;   // the .mlflow file, as given
  std::string kind = "run";  // "run" or "replay"
  std::string replay_of;     // for replays: the run id replayed
  std::string started, finished;  // ISO 8601 UTC
  std::string status;   // "ok", "gate-failed", "failed", "cancelled", "diverged"
  std::vector<std::pair<std::string, std::string>> params;  // swept/overridden values, for compare
  RunOptions options;
  std::vector<NodeRecord> nodes;
  std::vector<GateRecord> gates;
  // What results depend on: mlf version and commit, thread counts, and once LibTorch is
  // loaded its version, BLAS library, CPU capability (runtime/backend/training_backend.h).
  std::map<std::string, std::string> environment;
};

std::string render_run_record(const RunRecord& record);
// Its three parts, in file order: everything but nodes and gates, the `[[node]]` tables, the
// `[[gate]]` tables. A run answered from a memo (compiler/driver/cached_run.h) writes node
// tables rendered when the memo was made.
std::string render_run_record_head(const RunRecord& record);
std::string render_node_records(const std::vector<NodeRecord>& nodes);
std::string render_gate_records(const std::vector<GateRecord>& gates);
// Returns false with a reason when the text is not a run record.
bool parse_run_record(const std::string& text, RunRecord& out, std::string& error);

// A new, unique, sortable run id: UTC time + random suffix, e.g. 20261124T075012Z-3f9a1c.
std::string new_run_id();
std::string utc_now_iso8601();

}  // namespace mlf::runtime
