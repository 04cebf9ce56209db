// The compiled plan as data: what `mlf build` writes and what the runtime executes.
//
// A plan file is canonical TOML in two parts:
//   body    header (`format`, `root_seed`), then `[[node]]` tables in plan order, then
//           `[[gate]]` and `[[export]]` tables. Everything needed to execute; no names.
//   labels  starts with the marker line kLabelsMarker, then `[labels]`: the pipeline name,
//           each node's binding label and sweep values, gate texts. For people only.
// The plan id is the SHA-256 of the body's bytes exactly, so renaming a binding or moving
// the project changes the labels and nothing else. The file is body + "\n" + labels
// (plan_file_text); plan_id_of_file recovers the body and recomputes the id.
//
// Node order: by depth (longest path from a source node), then by id; equal ids (work shared
// between sweep points) appear once. A node's id is its content hash (compiler/hash).
//
// Argument values are written in catalogue order: int, float (always with `.`, `e`, `inf` or
// `nan`), bool, string as themselves; the rest as one-key inline tables:
//   path  { path = "data/x.gz" }  (relative to the project root when inside it)
//   op    { op = "adam", version = "1.0.0", args = { lr = 0.001 } }  (+ children = [ops])
//   chain { chain = [ops] }       model { model = [ops] }
//   node  { node = "<id>" }       field { node = "<id>", field = "accuracy" }
// An absent optional argument is left out.
//
// Does not: build plans from graphs (plan_writer.h) or parse files (plan_reader.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "compiler/hash/sha256.h"
#include "compiler/sema/types.h"

namespace mlf {

inline constexpr std::string_view kPlanFormat = "mlf-plan/1";
inline constexpr std::string_view kLabelsMarker = "# ---- labels (not part of the plan id) ----";

struct PlanOp;

struct PlanValue {
  enum class Kind { Int, Float, Bool, String, Path, List, Op, Chain, Model, Node, Field };
  Kind kind = Kind::Int;
  std::int64_t integer = 0;
  double real = 0.0;
  bool boolean = false;
  std::string text;              // String; Path as written in the plan; Field: field name
  Digest node;                   // Node, Field: the node's id
  std::vector<PlanValue> items;  // List
  std::vector<PlanOp> ops;       // Op: exactly one; Chain, Model: in order
};

struct PlanArgument {
  std::string name;
  PlanValue value;
};

struct PlanOp {
  std::string name;
  std::string version;
  std::vector<PlanArgument> args;  // catalogue order; absent optionals left out
  std::vector<PlanOp> children;    // layers of a block op

  const PlanValue* arg(std::string_view name) const;  // nullptr when absent
};

struct PlanFileInput {
  std::string argument;
  std::string path;  // relative to the project root when inside it, else absolute
  bool directory = false;
  Digest sha256;
};

struct PlanStep {
  PlanOp op;
  int occurrence = 0;
  std::optional<Digest> stream;  // random steps only
  SampleType in, out;
};

struct PlanLayer {
  PlanOp op;
  std::vector<std::pair<std::string, std::int64_t>> inferred;
  TensorType in, out;
  std::vector<PlanLayer> sublayers;  // a block's layers with their own inferred sizes
};

struct PlanMetricField {
  std::string name;
  std::string type;
  bool scalar = true;
};

struct PlanNode {
  Digest id;
  std::string kind;            // "read", "dataset", "augment", "train", "evaluate"
  std::optional<PlanOp> call;  // absent for augment nodes (the chain is the work)
  std::vector<Digest> inputs;
  std::optional<Digest> seed;  // random nodes only
  // read, dataset, augment: the samples it yields
  std::optional<SampleType> sample;
  std::int64_t count = 0;
  // train: per-sample model input and output
  std::optional<TensorType> model_input, model_output;
  std::vector<PlanFileInput> files;
  std::vector<PlanStep> chain;
  std::vector<PlanLayer> layers;
  std::vector<PlanMetricField> fields;
};

struct PlanGate {
  Digest node;
  std::string field;
  std::string comparison;  // "<", "<=", ">", ">=", "==", "!="
  double threshold = 0.0;
};

struct PlanExport {
  Digest node;
  std::string path;  // relative to the project root
};

// --- labels: not part of the id
struct PlanLabel {
  Digest node;
  std::string label;
  std::vector<std::pair<std::string, std::string>> sweep_values;
};

struct PlanGateText {
  std::size_t gate = 0;  // index into Plan::gates
  std::string text;
};

struct Plan {
  std::string format = std::string(kPlanFormat);
  std::int64_t root_seed = 0;
  std::vector<PlanNode> nodes;
  std::vector<PlanGate> gates;
  std::vector<PlanExport> exports;

  // Labels section.
  std::string pipeline;
  std::string project_root;  // where the plan was built; relative paths resolve against it
  std::vector<PlanLabel> labels;
  std::vector<PlanGateText> gate_texts;

  Digest id;  // SHA-256 of the rendered body

  const PlanNode* find(const Digest& id) const;
};

// The canonical texts. render_plan_labels writes `plan = "<id>"` from `id`.
std::string render_plan_body(const Plan& plan);
std::string render_plan_labels(const Plan& plan, const Digest& id);

// The whole file: body + "\n" + labels.
std::string plan_file_text(std::string_view body, std::string_view labels);
// The body part of a plan file's text: everything before the labels marker line, less the
// blank separator line. The whole text when there is no marker.
std::string_view plan_body_of_file(std::string_view text);
Digest plan_id_of_file(std::string_view text);

// A path as the plan writes it: relative to `project_root` when inside it, else as given.
std::string plan_relative_path(const std::string& path, const std::string& project_root);
// A plan path made usable: absolute paths as they are, others joined to `project_root`.
std::string resolve_plan_path(const std::string& path, const std::string& project_root);

// Inverses of TensorType::str, LabelType::str and SampleType::str.
std::optional<TensorType> parse_tensor_type(std::string_view text);
std::optional<LabelType> parse_label_type(std::string_view text);
std::optional<SampleType> parse_sample_type(std::string_view text);

}  // namespace mlf
