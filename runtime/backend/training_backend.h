// The boundary between the runtime and the training library.
//
// The runtime never links LibTorch: the backend lives in a module (mlf_torch_backend.so,
// built from runtime/backend/torch/) that is loaded with dlopen the first time a stage must
// train or evaluate (backend_loader.h). Everything that crosses this boundary is plain data:
// header-only structs of standard types, so the module needs no symbol of the runtime.
//
// Promises of a backend: the same request on the same environment gives bit-identical
// results (seeded from the request, intra-op threads fixed to `threads`); weights come back
// in a canonical byte form (named tensors in parameter order, each dtype + shape + bytes),
// never a serialisation format whose bytes could change between versions.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mlf::runtime {

// One op with its arguments, as the plan states them; values are in TOML inline form
// (e.g. "0.001", "[3, 3]", "true", "\"hash\""), the layer's inferred sizes included.
struct BackendOp {
  std::string name;
  std::map<std::string, std::string> args;
  std::vector<BackendOp> children;  // residual blocks
};

struct BackendTensor {  // float32 unless stated; row-major
  std::vector<std::int64_t> shape;
  std::vector<float> values;
};

struct NamedTensor {
  std::string name;
  std::vector<std::int64_t> shape;
  std::vector<float> values;
};

// Gives the training samples of one epoch, augmented; x is [N, ...sample shape] f32,
// labels are class indices (or soft rows in `soft`, [N, K]).
struct EpochData {
  BackendTensor x;
  std::vector<std::int32_t> labels;
  BackendTensor soft;  // empty unless labels are soft (mixup)
};

// Reported after every batch of training (cheap: the receiver decides what to show when).
struct Progress {
  int epoch = 0, epochs = 0;
  std::int64_t batch = 0, batches = 0;
  double loss = 0.0;
  double samples_per_second = 0.0;
};

struct TrainRequest {
  std::vector<BackendOp> layers;     // the model, with inferred sizes
  std::vector<std::int64_t> input_shape;  // per sample
  BackendOp loss, optimizer;
  bool has_schedule = false;
  BackendOp schedule;
  int epochs = 1;
  int batch = 64;
  bool shuffle = true;
  std::uint64_t seed = 0;  // from the plan's derived seed
  int threads = 1;         // intra-op threads
  std::function<EpochData(int epoch)> epoch_data;
  std::function<void(const Progress&)> progress;   // may be empty
  std::function<bool()> cancelled;                 // may be empty; true stops training
};

struct EpochLog {
  int epoch = 0;
  double loss = 0.0;
  double seconds = 0.0;
  double learning_rate = 0.0;
};

struct TrainResult {
  bool ok = false;
  std::string error;
  std::vector<NamedTensor> weights;  // parameters and buffers, in module order
  std::vector<EpochLog> log;
};

struct EvaluateRequest {
  std::vector<BackendOp> layers;
  std::vector<std::int64_t> input_shape;
  std::vector<NamedTensor> weights;
  BackendTensor x;                  // [N, ...]
  std::vector<std::int32_t> labels;
  std::int64_t classes = 0;
  BackendOp loss;                   // for per-sample losses and the `loss` metric
  int batch = 256;
  int threads = 1;
};

struct EvaluateResult {
  bool ok = false;
  std::string error;
  BackendTensor logits;                  // [N, K]
  std::vector<std::int32_t> predictions;  // argmax per sample
  std::vector<float> losses;              // per sample
};

struct BackendEnvironment {
  // The fact every backend records, its version: an environment holding it holds the
  // backend's facts (runtime/record/environment_diff.h).
  static constexpr std::string_view kVersionFact = "libtorch";
  std::map<std::string, std::string> facts;  // libtorch version, BLAS library, CPU capability, threads
};

class TrainingBackend {
 public:
  virtual ~TrainingBackend() = default;
  virtual BackendEnvironment environment(int threads) = 0;
  virtual TrainResult train(const TrainRequest& request) = 0;
  virtual EvaluateResult evaluate(const EvaluateRequest& request) = 0;
  // Writes weights as a TorchScript-loadable file (torch::save of the module).
  virtual bool export_model(const std::vector<BackendOp>& layers,
                            const std::vector<std::int64_t>& input_shape,
                            const std::vector<NamedTensor>& weights, const std::string& path,
                            std::string& error) = 0;
};

}  // namespace mlf::runtime

// The module's one exported symbol.
extern "C" mlf::runtime::TrainingBackend* mlf_create_training_backend();
