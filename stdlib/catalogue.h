// The op catalogue: the one list of every op the language knows.
//
// Each op has a name, a kind, a semantic version (it enters every hash of a node that uses
// the op: bump it whenever the op's results change), typed parameters with defaults and
// ranges, and the rule that gives its output type from its input type. The checker, the
// hasher, the plan, the runtime, docs/ops.md and editor completion all read this; nothing
// else lists ops.
//
// Does not: execute anything. Runtime implementations are looked up by op name and version.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "compiler/diagnostics/diagnostic.h"
#include "compiler/sema/types.h"
#include "compiler/sema/value.h"

namespace mlf {

enum class OpKind {
  Reader,     // a dataset from files: idx, csv, npy, image_folder
  DatasetOp,  // a dataset from datasets: split, take, shuffle, concat
  Augment,    // a per-sample data transform: to_float, random_hflip, ...
  Layer,      // a network layer: linear, conv2d, relu, ...
  Block,      // a layer made of layers: sequential, residual
  Loss,
  Optimizer,
  Schedule,   // learning-rate schedule
  Metric,
  Stage,      // a unit of execution: train, evaluate
};

const char* op_kind_name(OpKind kind);  // "reader", "augment op", ...

enum class ParamType {
  Int, Float, Bool, String, Path,
  Enum,        // a string out of ParamSpec::choices
  IntPair,     // an int, or [int, int]; an int n means [n, n]
  FloatList,   // a float, or a list of floats (one per channel)
  FloatRange,  // [low, high]
  Dataset, DatasetList, Model, TrainedModel,
  Loss, Optimizer, Schedule, MetricList,
};

const char* param_type_name(ParamType type);  // "int", "float or [float]", "loss", ...

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::Int;
  std::optional<Value> default_value;  // absent: required (unless `optional`)
  bool optional = false;               // may be absent with no default (Value::none())
  bool positional = false;             // may be written first without its name
  std::optional<double> min, max;      // bounds on numbers (each element of lists)
  bool min_exclusive = false;          // inclusive unless set: `fraction` is in (0, 1)
  bool max_exclusive = false;          // `dropout(p)` is in [0, 1)
  std::vector<std::string> choices;    // Enum
  std::string doc;
};

// A problem a rule finds; the checker turns it into a diagnostic at the op, or at the
// argument named by `argument` when there is one.
struct RuleError {
  DiagnosticKind kind = DiagnosticKind::TypeMismatch;
  std::string message;
  std::string content_free;  // `message` without bytes of a file, when it quotes some (ProbeError)
  std::string argument;
  std::vector<std::string> notes;
  std::string help;
};

template <class T>
using RuleResult = std::variant<T, RuleError>;

struct ReaderOutput {
  DatasetType type;
  std::vector<std::string> file_args;  // the Path arguments this reader reads (digested)
};

struct LayerShape {
  TensorType out;
  // Sizes taken from the input, recorded as arguments of the layer in the plan and its hash
  // (e.g. {"in", 784} for linear, {"in_channels", 1} for conv2d).
  std::vector<std::pair<std::string, std::int64_t>> inferred;
};

// What a metric adds to an evaluation's result record.
struct MetricField {
  std::string name;   // "accuracy"
  bool scalar = true; // scalars can be compared in `expect`
  std::string type;   // "float", "i64[K,K]" (K = classes)
};

struct OpSpec {
  std::string name;
  OpKind kind = OpKind::Layer;
  std::string version = "1.0.0";
  std::string summary;  // one line, for docs and hover
  std::vector<ParamSpec> params;
  bool random = false;  // draws random numbers: gets a derived seed

  std::function<RuleResult<ReaderOutput>(const OpCall&)> reader_rule;
  std::function<RuleResult<DatasetType>(const std::vector<DatasetType>&, const OpCall&)>
      dataset_rule;
  std::function<RuleResult<SampleType>(const SampleType&, const OpCall&)> augment_rule;
  std::function<RuleResult<LayerShape>(const TensorType&, const OpCall&)> layer_rule;
  std::function<RuleResult<std::monostate>(const TensorType& output, const LabelType& label,
                                            const OpCall&)>
      loss_rule;
  std::optional<MetricField> metric_field;

  const ParamSpec* param(const std::string& name) const;
  const ParamSpec* positional_param() const;
};

class Catalogue {
 public:
  void add(OpSpec op);
  const OpSpec* find(const std::string& name) const;
  std::vector<std::string> names() const;                // sorted
  std::vector<std::string> names_of(OpKind kind) const;  // sorted
  const std::map<std::string, OpSpec>& ops() const { return ops_; }

 private:
  std::map<std::string, OpSpec> ops_;
};

// The catalogue of this build, assembled once from the stdlib/*.cpp files.
const Catalogue& catalogue();

// Each stdlib file registers its ops.
void register_readers(Catalogue& catalogue);
void register_dataset_ops(Catalogue& catalogue);
void register_augment_ops(Catalogue& catalogue);
void register_layers(Catalogue& catalogue);
void register_losses(Catalogue& catalogue);
void register_optimizers(Catalogue& catalogue);
void register_schedules(Catalogue& catalogue);
void register_metrics(Catalogue& catalogue);
void register_stages(Catalogue& catalogue);

}  // namespace mlf
