#include "runtime/exec/executor.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "compiler/plan/plan_reader.h"
#include "compiler/sema/value.h"
#include "runtime/backend/backend_loader.h"
#include "runtime/data/augment_interpreter.h"
#include "runtime/data/dataset_ops.h"
#include "runtime/data/readers.h"
#include "runtime/exec/metrics.h"
#include "runtime/exec/node_identity.h"
#include "runtime/exec/plan_arguments.h"
#include "runtime/exec/stage_scheduler.h"
#include "runtime/exec/epoch_prefetch.h"
#include "runtime/exec/training_progress.h"
#include "runtime/exec/weights_codec.h"
#include "runtime/record/build_info.h"
#include "runtime/record/gate_check.h"
#include "runtime/fuse/fused_chain.h"

namespace mlf::runtime {

namespace fs = std::filesystem;

std::string node_label(const Plan& plan, const Digest& id) {
  for (const auto& label : plan.labels)
    if (label.node == id) return label.label;
  return "";
}

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::uint64_t seed_of(const std::optional<Digest>& digest) {
  std::uint64_t seed = 0;
  if (digest)
    for (int i = 0; i < 8; ++i) seed |= std::uint64_t(digest->bytes[i]) << (8 * i);
  return seed & 0x7fffffffffffffffull;  // torch::manual_seed takes a signed-safe value
}

BackendTensor to_backend(const Tensor& t) {
  BackendTensor out;
  out.shape = t.shape;
  std::int64_t n = t.elements();
  out.values.resize(static_cast<std::size_t>(n));
  if (t.dtype == DType::F32) {
    const float* src = t.data<float>();
    std::copy(src, src + n, out.values.begin());
  } else if (t.dtype == DType::U8) {
    const std::uint8_t* src = t.data<std::uint8_t>();
    for (std::int64_t i = 0; i < n; ++i) out.values[i] = static_cast<float>(src[i]);
  } else if (t.dtype == DType::F64) {
    const double* src = t.data<double>();
    for (std::int64_t i = 0; i < n; ++i) out.values[i] = static_cast<float>(src[i]);
  } else {
    for (std::int64_t i = 0; i < n; ++i) {
      std::int64_t v = 0;
      switch (t.dtype) {
        case DType::I8: v = t.data<std::int8_t>()[i]; break;
        case DType::I16: v = t.data<std::int16_t>()[i]; break;
        case DType::I32: v = t.data<std::int32_t>()[i]; break;
        case DType::I64: v = t.data<std::int64_t>()[i]; break;
        default: break;
      }
      out.values[i] = static_cast<float>(v);
    }
  }
  return out;
}

// The per-run state: datasets loaded once, results of nodes that ran.
}  // namespace

std::vector<BackendOp> backend_layers_of(const PlanNode& node);

namespace {

class Execution {
 public:
  Execution(const Plan& plan, ObjectStore& store, const ExecOptions& options,
            const RunRecord* previous)
      : plan_(plan), store_(store), options_(options), previous_(previous) {}

  ExecOutcome run();

 private:
  struct Result {
    std::map<std::string, std::string> outputs;
    std::map<std::string, double> metrics;
  };

  // Workers share the output: one line at a time, never interleaved mid-line.
  void say(const std::string& line) {
    std::lock_guard lock(say_mutex_);
    if (options_.say) options_.say(line);
  }
  // The status line belongs to the stage that drew it last; "" from another stage (one that
  // just finished while this one trains) leaves it alone.
  void status(const std::string& stage, const std::string& line) {
    std::lock_guard lock(say_mutex_);
    if (line.empty() && stage != status_owner_) return;
    status_owner_ = line.empty() ? "" : stage;
    if (options_.status) options_.status(line);
  }

  // An augment chain over `source`: its fused kernel by default (runtime/fuse/), the
  // reference interpreter with --no-fuse. Both give the same bytes.
  DataResult<Dataset> augment(const std::vector<PlanStep>& chain, const Dataset& source, int epoch) {
    if (!options_.fuse) return run_chain(chain, source, epoch, options_.threads);
    return run_chain_fused(chain, source, epoch, options_.threads, &store_,
                           [this](const std::string& line) { say(line); });
  }
  // The same into `out`, whose memory is reused when its shapes fit (fused_chain.h).
  std::optional<DataError> augment_into(const std::vector<PlanStep>& chain, const Dataset& source,
                                        int epoch, Dataset& out) {
    if (options_.fuse)
      return run_chain_fused_into(chain, source, epoch, options_.threads, &store_,
                                  [this](const std::string& line) { say(line); }, out);
    auto interpreted = run_chain(chain, source, epoch, options_.threads);
    if (!ok(interpreted)) return error(interpreted);
    out = std::move(value(interpreted));
    return std::nullopt;
  }
  bool cancelled() const { return options_.cancelled && options_.cancelled->load(); }

  std::optional<Result> cached_result(const PlanNode& node);
  bool write_result(const PlanNode& node, const Result& result, double seconds);
  bool execute(const PlanNode& node, NodeRecord& record);
  void run_stage(const PlanNode& node, NodeRecord& record);
  // For each stage (index into plan_.nodes), the stages it needs, through any data nodes.
  std::vector<std::vector<std::size_t>> stage_dependencies(const std::vector<std::size_t>& stages) const;
  const Dataset* dataset(const Digest& id);  // materialised dataset of a data node, once per run
  std::unique_ptr<Dataset> compute_dataset(const PlanNode& node);  // null when it fails
  bool is_lazy(const PlanNode& node) const;  // an augment node with random steps
  TrainingBackend* backend();
  bool train(const PlanNode& node, Result& result);
  // Trains `node` again because its stored weights `damaged` cannot be used; once, however
  // many evaluations find the damage.
  bool train_again(const PlanNode& node, const Digest& damaged);
  bool evaluate(const PlanNode& node, Result& result);
  void fail(const std::string& message) {
    std::lock_guard lock(state_mutex_);
    if (error_.empty()) error_ = message;
  }
  void fail(const DataError& data_error) {
    std::lock_guard lock(state_mutex_);
    if (!error_.empty()) return;
    error_ = data_error.message;
    changed_data_ = data_error.changed;
  }
  bool failed() {
    std::lock_guard lock(state_mutex_);
    return !error_.empty();
  }
  std::optional<Result> result_of(const Digest& id) {
    std::lock_guard lock(state_mutex_);
    auto it = results_.find(id);
    return it == results_.end() ? std::nullopt : std::optional<Result>(it->second);
  }
  void keep_result(const Digest& id, const Result& result) {
    std::lock_guard lock(state_mutex_);
    results_[id] = result;
  }

  // A dataset node's value, computed by the first stage that needs it while others wait.
  struct DatasetSlot {
    std::mutex computing;
    bool done = false;
    std::unique_ptr<Dataset> data;  // null when it failed
  };
  DatasetSlot& slot_of(const Digest& id) {
    std::lock_guard lock(state_mutex_);
    auto& slot = datasets_[id];
    if (!slot) slot = std::make_unique<DatasetSlot>();
    return *slot;
  }
  bool materialised(const Digest& id) {
    std::lock_guard lock(state_mutex_);
    auto it = datasets_.find(id);
    return it != datasets_.end() && it->second->data;
  }

  const Plan& plan_;
  ObjectStore& store_;  // safe for concurrent use (object_store.h)
  const ExecOptions& options_;
  const RunRecord* previous_;
  std::mutex state_mutex_;  // guards the four members below
  std::map<Digest, std::unique_ptr<DatasetSlot>> datasets_;
  std::map<Digest, Result> results_;
  std::string error_;
  std::optional<ChangedData> changed_data_;  // of the failure in error_
  // Cached train stages trained again because their weights were damaged, with the seconds
  // it took: run() records them as ran. Guarded by state_mutex_; train_again_mutex_ makes
  // evaluations that find the same damage wait for one training.
  std::map<Digest, double> trained_again_;
  std::mutex train_again_mutex_;
  std::mutex say_mutex_;
  std::string status_owner_;  // guarded by say_mutex_
};

bool Execution::is_lazy(const PlanNode& node) const {
  if (node.kind != "augment") return false;
  for (const auto& step : node.chain)
    if (step.stream) return true;
  return false;
}

std::optional<Execution::Result> Execution::cached_result(const PlanNode& node) {
  if (!options_.read_cache) return std::nullopt;
  auto text = store_.read_text("results/" + node.id.hex() + ".toml");
  if (!text.ok()) {
    // A damaged record is no record: the node runs again and its new record replaces it.
    if (text.error().kind == StoreError::Kind::Corrupt)
      say("warning: " + text.error().message + "; running `" + node_label(plan_, node.id) + "` again");
    return std::nullopt;
  }
  toml::table table;
  try {
    table = toml::parse(text.value());
  } catch (const toml::parse_error&) {
    say("warning: result record of " + node.id.short_hex() + " is unreadable; running the node again");
    return std::nullopt;
  }
  Result result;
  if (const auto* outputs = table["outputs"].as_table())
    for (const auto& [k, v] : *outputs)
      if (auto s = v.value<std::string>()) result.outputs[std::string(k.str())] = *s;
  if (const auto* metrics = table["metrics"].as_table())
    for (const auto& [k, v] : *metrics)
      if (auto d = v.value<double>()) result.metrics[std::string(k.str())] = *d;
  for (const auto& [name, hex] : result.outputs) {
    Digest digest;
    if (!Digest::from_hex(hex, digest) || !store_.contains(digest)) return std::nullopt;
  }
  return result;
}

bool Execution::write_result(const PlanNode& node, const Result& result, double seconds) {
  toml::table table;
  table.insert("node", node.id.hex());
  table.insert("kind", node.kind);
  table.insert("seconds", seconds);
  toml::table outputs, metrics;
  for (const auto& [k, v] : result.outputs) outputs.insert(k, v);
  for (const auto& [k, v] : result.metrics) metrics.insert(k, v);
  table.insert("outputs", outputs);
  table.insert("metrics", metrics);
  std::ostringstream text;
  text << table << "\n";
  auto written = store_.write_text("results/" + node.id.hex() + ".toml", text.str());
  if (!written.ok()) {
    fail("cannot record the result of `" + node_label(plan_, node.id) + "`: " + written.error().message);
    return false;
  }
  return true;
}

const Dataset* Execution::dataset(const Digest& id) {
  DatasetSlot& slot = slot_of(id);
  // Held while computing: a stage needing the same dataset waits instead of computing it
  // twice. Inputs have their own slots and come earlier in the plan, so waits cannot cycle.
  std::lock_guard lock(slot.computing);
  if (slot.done) return slot.data.get();
  slot.done = true;
  const PlanNode* node = plan_.find(id);
  if (!node) {
    fail("the plan has no node " + id.short_hex());
    return nullptr;
  }
  slot.data = compute_dataset(*node);
  return slot.data.get();
}

std::unique_ptr<Dataset> Execution::compute_dataset(const PlanNode& plan_node) {
  const PlanNode* node = &plan_node;
  const Digest& id = node->id;
  // From the store, when a result is there and verifies.
  if (auto cached = cached_result(*node); cached && cached->outputs.count("data")) {
    Digest digest;
    Digest::from_hex(cached->outputs["data"], digest);
    auto bytes = store_.get(digest);
    auto data = std::make_unique<Dataset>();
    std::string error;
    if (bytes.ok() && deserialize(bytes.value(), *data, error)) return data;
    say("warning: " + (bytes.ok() ? error : bytes.error().message) + "; computing `" +
        node_label(plan_, id) + "` again");
  }
  auto start = std::chrono::steady_clock::now();
  auto data = std::make_unique<Dataset>();
  if (node->kind == "read") {
    auto read = read_dataset(*node, plan_.project_root);
    if (!ok(read)) {
      fail(error(read));
      return nullptr;
    }
    *data = std::move(value(read));
  } else if (node->kind == "dataset") {
    for (const auto& input : node->inputs)
      if (!dataset(input)) return nullptr;
    auto derived = run_dataset_op(*node, [this](const Digest& input) { return dataset(input); });
    if (!ok(derived)) {
      fail(error(derived).message);
      return nullptr;
    }
    *data = std::move(value(derived));
  } else if (node->kind == "augment") {
    const Dataset* source = dataset(node->inputs.at(0));
    if (!source) return nullptr;
    auto augmented = augment(node->chain, *source, 0);
    if (!ok(augmented)) {
      fail(error(augmented).message);
      return nullptr;
    }
    *data = std::move(value(augmented));
  } else {
    fail("node " + id.short_hex() + " of kind " + node->kind + " yields no dataset");
    return nullptr;
  }
  auto put = store_.put(serialize(*data));
  if (put.ok()) {
    Result result;
    result.outputs["data"] = put.value().hex();
    if (!write_result(*node, result, seconds_since(start))) return nullptr;  // the run has failed
  } else if (put.error().kind == StoreError::Kind::NoSpace) {
    // The stages' own outputs will not fit either: stop now, not after hours of training.
    fail("cannot store `" + node_label(plan_, id) + "`: " + put.error().message);
    return nullptr;
  } else {
    say("warning: cannot store `" + node_label(plan_, id) + "`: " + put.error().message);
  }
  return data;
}

TrainingBackend* Execution::backend() {
  std::string error;
  TrainingBackend* loaded = load_training_backend(error);
  if (!loaded) fail(error);
  return loaded;
}

std::string plan_value_text(const PlanValue& v);

std::string plan_list_text(const std::vector<PlanValue>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + plan_value_text(items[i]);
  return out + "]";
}

std::string plan_value_text(const PlanValue& v) {
  switch (v.kind) {
    case PlanValue::Kind::Int: return std::to_string(v.integer);
    case PlanValue::Kind::Float: return canonical_float(v.real);
    case PlanValue::Kind::Bool: return v.boolean ? "true" : "false";
    case PlanValue::Kind::String:
    case PlanValue::Kind::Path: return "\"" + v.text + "\"";
    case PlanValue::Kind::List: return plan_list_text(v.items);
    default: return "";
  }
}

BackendOp backend_op(const PlanOp& op) {
  BackendOp out;
  out.name = op.name;
  for (const auto& arg : op.args) out.args[arg.name] = plan_value_text(arg.value);
  for (const auto& child : op.children) out.children.push_back(backend_op(child));
  return out;
}

BackendOp backend_layer(const PlanLayer& layer) {
  BackendOp out = backend_op(layer.op);
  for (const auto& [name, size] : layer.inferred) out.args[name] = std::to_string(size);
  out.children.clear();
  for (const auto& sub : layer.sublayers) out.children.push_back(backend_layer(sub));
  return out;
}

const PlanOp* op_arg(const PlanNode& node, const std::string& name) {
  if (!node.call) return nullptr;
  const PlanValue* v = node.call->arg(name);
  return v && v->kind == PlanValue::Kind::Op && !v->ops.empty() ? &v->ops.front() : nullptr;
}

bool Execution::train(const PlanNode& node, Result& result) {
  // Refused rather than truncated: a plan need not come from the checker.
  auto epochs = int_argument(node, "epochs", 1);
  auto batch = int_argument(node, "batch", 64);
  for (const auto* argument : {&epochs, &batch}) {
    if (const auto* problem = std::get_if<std::string>(argument)) {
      fail("internal error while running `" + node_label(plan_, node.id) + "`: " + *problem);
      return false;
    }
  }
  const PlanNode* data_node = plan_.find(node.inputs.at(0));
  const Dataset* source = nullptr;
  const std::vector<PlanStep>* chain = nullptr;
  if (data_node && is_lazy(*data_node)) {
    source = dataset(data_node->inputs.at(0));
    chain = &data_node->chain;
  } else {
    source = dataset(node.inputs.at(0));
  }
  if (!source) return false;
  Dataset epoch_buffer;  // the augmented samples, reused epoch after epoch
  auto make_epoch = [&](int epoch) {
    EpochData out;
    const Dataset* samples = source;
    if (chain) {
      if (auto failed = augment_into(*chain, *source, epoch, epoch_buffer)) {
        fail(failed->message);
        return out;  // empty: the backend reports the failure
      }
      samples = &epoch_buffer;
    }
    out.x = to_backend(samples->x);
    out.labels = samples->y;
    if (!samples->y_values.bytes.empty()) out.soft = to_backend(samples->y_values);
    return out;
  };
  // Epoch e+1 is made while epoch e trains (epoch_prefetch.h), and epoch 0 while the backend
  // loads; the bytes do not depend on when.
  EpochPrefetch prefetch(make_epoch, std::get<int>(epochs), options_.prefetch);
  prefetch.start(0);
  TrainingBackend* engine = backend();
  if (!engine) return false;

  TrainRequest request;
  request.layers = backend_layers_of(node);
  if (node.model_input) request.input_shape = node.model_input->dims;
  if (const PlanOp* loss = op_arg(node, "loss")) request.loss = backend_op(*loss);
  if (const PlanOp* optimizer = op_arg(node, "optimizer")) request.optimizer = backend_op(*optimizer);
  if (const PlanOp* schedule = op_arg(node, "schedule")) {
    request.has_schedule = true;
    request.schedule = backend_op(*schedule);
  }
  request.epochs = std::get<int>(epochs);
  request.batch = std::get<int>(batch);
  const PlanValue* shuffle = node.call ? node.call->arg("shuffle") : nullptr;
  request.shuffle = !shuffle || shuffle->kind != PlanValue::Kind::Bool || shuffle->boolean;
  request.seed = seed_of(node.seed);
  request.threads = options_.threads;
  request.epoch_data = [&](int epoch) { return prefetch.take(epoch); };
  std::string label = node_label(plan_, node.id);
  // The stage's clock starts with its first epoch, not when it asks for the backend: with
  // -j the backend may be busy with another stage first.
  std::optional<std::chrono::steady_clock::time_point> began;
  auto epoch_data = std::move(request.epoch_data);
  request.epoch_data = [&, epoch_data](int epoch) {
    if (!began) began = std::chrono::steady_clock::now();
    return epoch_data(epoch);
  };
  // A terminal gets a status line redrawn up to ten times a second; logs get a line every
  // few seconds, the end of an epoch when the last epoch line is that old, and the end of
  // training — not a line per epoch, which floods a log when epochs take milliseconds.
  const bool terminal = static_cast<bool>(options_.status);
  const double interval = terminal ? 0.1 : 5.0;
  std::optional<std::chrono::steady_clock::time_point> last_shown, last_epoch_shown;
  request.progress = [&](const Progress& p) {
    auto now = std::chrono::steady_clock::now();
    auto older_than_interval = [&](const auto& when) {
      return !when || std::chrono::duration<double>(now - *when).count() >= interval;
    };
    bool end_of_epoch = p.batch == p.batches;
    bool end_of_training = end_of_epoch && p.epoch + 1 == p.epochs;
    bool show = older_than_interval(last_shown) || end_of_training ||
                (!terminal && end_of_epoch && older_than_interval(last_epoch_shown));
    if (!show) return;
    last_shown = now;
    if (end_of_epoch) last_epoch_shown = now;
    std::string text = progress_text(label, p, began ? seconds_since(*began) : 0.0);
    text += "  data wait " + std::to_string(prefetch.waited_seconds()).substr(0, 5) + " s";
    if (terminal) status(label, text);
    else say("  " + text);
  };
  request.cancelled = [this] { return cancelled(); };
  TrainResult trained = engine->train(request);
  if (terminal) status(label, "");
  if (!trained.ok) {
    fail("training `" + label + "` failed: " + trained.error);
    return false;
  }
  auto put = store_.put(encode_weights(trained.weights));
  if (!put.ok()) {
    fail("cannot store the weights of `" + label + "`: " + put.error().message);
    return false;
  }
  result.outputs["weights"] = put.value().hex();
  // Timings stay out of the log object: it is an output, and outputs must replay bit for bit.
  std::string log = "epoch,loss,learning_rate\n";
  for (const auto& e : trained.log) {
    char row[128];
    std::snprintf(row, sizeof row, "%d,%.9g,%.9g\n", e.epoch, e.loss, e.learning_rate);
    log += row;
  }
  auto log_put = store_.put(log);
  if (!log_put.ok()) {
    fail("cannot store the training log of `" + label + "`: " + log_put.error().message);
    return false;
  }
  result.outputs["log"] = log_put.value().hex();
  if (!trained.log.empty()) result.metrics["final_loss"] = trained.log.back().loss;
  return true;
}

bool Execution::train_again(const PlanNode& node, const Digest& damaged) {
  std::lock_guard lock(train_again_mutex_);
  if (auto known = result_of(node.id)) {
    Digest weights;
    auto it = known->outputs.find("weights");
    if (it != known->outputs.end() && Digest::from_hex(it->second, weights) && weights != damaged &&
        store_.contains(weights))
      return true;  // another evaluation has trained it again meanwhile
  }
  const std::string label = node_label(plan_, node.id);
  say("run     " + label + "  " + node.id.short_hex() + "  (its stored weights are damaged)");
  auto start = std::chrono::steady_clock::now();
  Result result;
  if (!train(node, result)) return false;
  double seconds = seconds_since(start);
  keep_result(node.id, result);
  if (!write_result(node, result, seconds)) return false;
  {
    std::lock_guard state(state_mutex_);
    trained_again_[node.id] = seconds;
  }
  say("done    " + label + "  " + std::to_string(seconds).substr(0, 6) + " s");
  return true;
}

bool Execution::evaluate(const PlanNode& node, Result& result) {
  const Digest& model_id = node.inputs.at(0);
  const PlanNode* model_node = plan_.find(model_id);
  std::optional<Result> model_result = result_of(model_id);
  if (!model_node || !model_result) {
    fail("the trained model of `" + node_label(plan_, node.id) + "` is not available");
    return false;
  }
  Digest weights_digest;
  Digest::from_hex(model_result->outputs["weights"], weights_digest);
  const std::string model_label = node_label(plan_, model_id);
  auto bytes = store_.get(weights_digest);
  EvaluateRequest request;
  std::string error;
  // Cached weights that are quarantined, gone, or not weights at all (a result record naming
  // an object of another kind) are no model: drop the record and train it again, once.
  std::string unusable;
  if (!bytes.ok() && (bytes.error().kind == StoreError::Kind::Corrupt ||
                      bytes.error().kind == StoreError::Kind::NotFound))
    unusable = bytes.error().message;
  else if (bytes.ok() && !decode_weights(bytes.value(), request.weights, error))
    unusable = "the stored weights of `" + model_label + "` (object `" + weights_digest.hex() +
               "`) are not weights: " + error;
  if (!unusable.empty()) {
    say("warning: " + unusable + "; training `" + model_label + "` again");
    (void)store_.remove_text("results/" + model_id.hex() + ".toml");
    if (!train_again(*model_node, weights_digest)) return false;
    model_result = result_of(model_id);
    Digest::from_hex(model_result->outputs["weights"], weights_digest);
    bytes = store_.get(weights_digest);
    request.weights.clear();
    if (bytes.ok() && !decode_weights(bytes.value(), request.weights, error)) {
      fail("weights of `" + model_label + "`: " + error);
      return false;
    }
  }
  if (!bytes.ok()) {
    fail(bytes.error().message);
    return false;
  }
  const Dataset* data = dataset(node.inputs.at(1));
  if (!data) return false;
  TrainingBackend* engine = backend();
  if (!engine) return false;
  request.layers = backend_layers_of(*model_node);
  if (model_node->model_input) request.input_shape = model_node->model_input->dims;
  request.x = to_backend(data->x);
  request.labels = data->y;
  request.classes = data->classes;
  if (const PlanOp* loss = op_arg(*model_node, "loss")) request.loss = backend_op(*loss);
  auto batch = int_argument(node, "batch", 256);
  if (const auto* problem = std::get_if<std::string>(&batch)) {
    fail("internal error while running `" + node_label(plan_, node.id) + "`: " + *problem);
    return false;
  }
  request.batch = std::get<int>(batch);
  request.threads = options_.threads;
  EvaluateResult evaluated = engine->evaluate(request);
  if (!evaluated.ok) {
    fail("evaluating `" + node_label(plan_, node.id) + "` failed: " + evaluated.error);
    return false;
  }
  Predictions predictions;
  predictions.labels = data->y;
  predictions.predicted = evaluated.predictions;
  predictions.losses = evaluated.losses;
  predictions.logits = evaluated.logits;
  auto put = store_.put(encode_predictions(predictions));
  if (!put.ok()) {
    fail("cannot store the predictions of `" + node_label(plan_, node.id) + "`: " + put.error().message);
    return false;
  }
  result.outputs["predictions"] = put.value().hex();
  for (const auto& field : node.fields) {
    if (field.name == "accuracy") result.metrics["accuracy"] = accuracy(data->y, evaluated.predictions);
    else if (field.name == "macro_f1")
      result.metrics["macro_f1"] = macro_f1(data->y, evaluated.predictions, data->classes);
    else if (field.name == "loss") result.metrics["loss"] = mean(evaluated.losses);
    else if (field.name == "confusion") {
      auto matrix = confusion(data->y, evaluated.predictions, data->classes);
      std::string csv;
      for (std::int64_t r = 0; r < data->classes; ++r) {
        for (std::int64_t c = 0; c < data->classes; ++c)
          csv += (c ? "," : "") + std::to_string(matrix[r * data->classes + c]);
        csv += "\n";
      }
      auto matrix_put = store_.put(csv);
      if (!matrix_put.ok()) {
        fail("cannot store the confusion matrix of `" + node_label(plan_, node.id) + "`: " +
             matrix_put.error().message);
        return false;
      }
      result.outputs["confusion"] = matrix_put.value().hex();
    }
  }
  return true;
}

bool Execution::execute(const PlanNode& node, NodeRecord& record) {
  Result result;
  bool ok = false;
  if (node.kind == "train") ok = train(node, result);
  else if (node.kind == "evaluate") ok = evaluate(node, result);
  if (!ok) return false;
  record.outputs = result.outputs;
  record.metrics = result.metrics;
  keep_result(node.id, result);
  return write_result(node, result, record.seconds);
}

void Execution::run_stage(const PlanNode& node, NodeRecord& n) {
  if (cancelled()) {
    n.status = "skipped";
    return;
  }
  if (auto cached = cached_result(node)) {
    n.status = "cached";
    n.outputs = cached->outputs;
    n.metrics = cached->metrics;
    keep_result(node.id, *cached);
    say("cached  " + n.label + "  " + node.id.short_hex());
    return;
  }
  if (failed()) {
    n.status = "skipped";  // an earlier failure: its inputs may be missing
    return;
  }
  n.why = explain_rerun(n, previous_, options_.read_cache);
  say("run     " + n.label + "  " + node.id.short_hex() + "  (" + n.why + ")");
  auto start = std::chrono::steady_clock::now();
  bool done = false;
  try {
    done = execute(node, n);
  } catch (const std::exception& error) {
    // Nothing below is meant to throw; if something does, this stage fails, not the process.
    fail("internal error while running `" + n.label + "`: " + error.what());
  }
  n.seconds = seconds_since(start);
  n.status = done ? "ran" : (cancelled() ? "cancelled" : "failed");
  if (done) say("done    " + n.label + "  " + std::to_string(n.seconds).substr(0, 6) + " s");
}

std::vector<std::vector<std::size_t>> Execution::stage_dependencies(
    const std::vector<std::size_t>& stages) const {
  // The stages each node needs, directly or through data nodes; inputs come first in a plan.
  std::map<Digest, std::set<std::size_t>> needs;  // node → indices into `stages`
  std::map<Digest, std::size_t> stage_index;
  for (std::size_t i = 0; i < stages.size(); ++i) stage_index[plan_.nodes[stages[i]].id] = i;
  for (const auto& node : plan_.nodes) {
    std::set<std::size_t>& mine = needs[node.id];
    for (const auto& input : node.inputs) {
      if (auto it = stage_index.find(input); it != stage_index.end()) mine.insert(it->second);
      else if (auto found = needs.find(input); found != needs.end())
        mine.insert(found->second.begin(), found->second.end());
    }
  }
  std::vector<std::vector<std::size_t>> waits_for(stages.size());
  for (std::size_t i = 0; i < stages.size(); ++i) {
    const auto& mine = needs[plan_.nodes[stages[i]].id];
    waits_for[i].assign(mine.begin(), mine.end());
  }
  return waits_for;
}

ExecOutcome Execution::run() {
  ExecOutcome outcome;
  RunRecord& record = outcome.record;
  record.id = new_run_id();
  record.plan_id = plan_.id.hex();
  record.pipeline = plan_.pipeline;
  record.source = options_.source;
  record.params = options_.params;
  record.options.fuse = options_.fuse;
  record.started = utc_now_iso8601();
  record.environment["threads"] = std::to_string(options_.threads);
  record.environment["mlf"] = mlf_version();
  if (std::string commit = mlf_commit(); !commit.empty()) record.environment["mlf_commit"] = commit;

  // One record per node in plan order, whatever order the stages finish in.
  std::vector<std::size_t> stages;  // indices into plan_.nodes
  for (std::size_t i = 0; i < plan_.nodes.size(); ++i) {
    const PlanNode& node = plan_.nodes[i];
    NodeRecord n;
    n.id = node.id.hex();
    n.label = node_label(plan_, node.id);
    n.kind = node.kind;
    n.identity = node_identity_map(plan_, node);
    if (node.kind == "train" || node.kind == "evaluate") {
      stages.push_back(i);
    } else {
      // Data nodes are computed on demand by the stages that need them.
      n.status = "on demand";
      if (auto cached = cached_result(node)) n.outputs = cached->outputs;
    }
    record.nodes.push_back(std::move(n));
  }
  run_scheduled(stages.size(), stage_dependencies(stages), options_.jobs, [&](std::size_t s) {
    run_stage(plan_.nodes[stages[s]], record.nodes[stages[s]]);
  });

  // Cached train stages that an evaluation had to train again ran after all.
  for (const auto& [id, seconds] : trained_again_) {
    for (auto& n : record.nodes) {
      if (n.id != id.hex()) continue;
      const Result& result = results_[id];
      n.status = "ran";
      n.why = "its stored weights were damaged";
      n.seconds = seconds;
      n.outputs = result.outputs;
      n.metrics = result.metrics;
    }
  }

  // Data nodes that were computed in this run: record their outputs.
  for (auto& n : record.nodes) {
    if (n.status != "on demand") continue;
    Digest id;
    Digest::from_hex(n.id, id);
    bool computed = materialised(id);
    if (n.outputs.empty() && computed) {
      if (auto text = store_.read_text("results/" + n.id + ".toml"); text.ok()) {
        try {
          toml::table t = toml::parse(text.value());
          if (auto data = t["outputs"]["data"].value<std::string>()) n.outputs["data"] = *data;
        } catch (const toml::parse_error&) {
          // Written by this run a moment ago; unreadable only if damaged since: leave it out.
        }
      }
    }
    n.status = computed ? "ran" : "not needed";
  }

  // Gates.
  bool gates_ok = true;
  for (std::size_t i = 0; i < plan_.gates.size(); ++i) {
    const PlanGate& gate = plan_.gates[i];
    GateRecord g;
    g.node = gate.node.hex();
    g.field = gate.field;
    g.comparison = gate.comparison;
    g.threshold = gate.threshold;
    for (const auto& text : plan_.gate_texts)
      if (text.gate == i) g.text = text.text;
    if (g.text.empty()) g.text = node_label(plan_, gate.node) + "." + gate.field + " " + gate.comparison;
    std::optional<Result> result = result_of(gate.node);
    settle_gate(g, result ? &result->metrics : nullptr);
    gates_ok = gates_ok && g.passed;
    record.gates.push_back(std::move(g));
  }
  if (training_backend_loaded()) {
    std::string ignored;
    for (const auto& [k, v] : load_training_backend(ignored)->environment(options_.threads).facts)
      record.environment[k] = v;
  }
  record.finished = utc_now_iso8601();
  if (cancelled()) {
    record.status = "cancelled";
    outcome.exit_code = 130;
  } else if (failed()) {
    record.status = "failed";
    outcome.exit_code = 1;
  } else if (!gates_ok) {
    record.status = "gate-failed";
    outcome.exit_code = 1;
  } else {
    record.status = "ok";
  }
  outcome.error = error_;
  outcome.changed_data = changed_data_;
  return outcome;
}

}  // namespace

std::vector<BackendOp> backend_layers_of(const PlanNode& node) {
  std::vector<BackendOp> layers;
  for (const auto& layer : node.layers) layers.push_back(backend_layer(layer));
  return layers;
}

ExecOutcome execute_plan(const Plan& plan, ObjectStore& store, const ExecOptions& options,
                         const RunRecord* previous) {
  Execution execution(plan, store, options, previous);
  return execution.run();
}

}  // namespace mlf::runtime
