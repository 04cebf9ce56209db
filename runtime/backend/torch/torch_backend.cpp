// The LibTorch implementation of TrainingBackend (runtime/backend/training_backend.h).
//
// Determinism: everything random is seeded from the request — parameter initialisation and
// dropout from LibTorch's global generator seeded with `seed` before the model is built, the
// order of each epoch's samples from a generator seeded with (seed, epoch) — and the intra-op
// thread count (LibTorch's and OpenBLAS's) is set to `threads`. The global generator and the
// thread settings belong to the process, so calls into the backend are serialised.
//
// Semantics the backend fixes (stdlib/ states only the parameters):
//   - losses: the batch loss is the mean of the per-sample losses. cross_entropy takes class
//     indices or, when EpochData::soft is non-empty, probability rows; label_smoothing mixes
//     the target with the uniform distribution. mse compares the K outputs with the one-hot
//     row of the class (or the soft row), per sample the mean over the K outputs.
//   - schedules set the learning rate once per epoch e (0-based) of E:
//       step(every, gamma): lr · gamma^floor(e / every)
//       cosine(min_lr, warmup W): lr · (e + 1) / (W + 1) while e < W, then
//         min_lr + (lr − min_lr) · (1 + cos(π · (e − W) / (E − 1 − W))) / 2, which is lr at
//         e = W and min_lr at the last epoch (lr throughout when E − 1 − W ≤ 0).
//   - the last partial batch of an epoch is a batch of its own.

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <dlfcn.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <chrono>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>

#include "runtime/backend/torch/model_builder.h"
#include "runtime/backend/training_backend.h"

namespace mlf::torch_backend {
namespace {

using runtime::BackendEnvironment;
using runtime::BackendOp;
using runtime::EpochData;
using runtime::EpochLog;
using runtime::EvaluateRequest;
using runtime::EvaluateResult;
using runtime::NamedTensor;
using runtime::Progress;
using runtime::TrainRequest;
using runtime::TrainResult;

std::mutex& backend_mutex() {
  static std::mutex mutex;
  return mutex;
}

// --- Losses

struct LossSpec {
  enum class Kind { CrossEntropy, Mse } kind = Kind::CrossEntropy;
  double label_smoothing = 0.0;
};

LossSpec parse_loss(const BackendOp& op) {
  LossSpec loss;
  if (op.name == "cross_entropy") {
    loss.kind = LossSpec::Kind::CrossEntropy;
    loss.label_smoothing = arg_number(op, "label_smoothing", 0.0);
    if (!(loss.label_smoothing >= 0 && loss.label_smoothing < 1))
      throw BackendError("`cross_entropy` needs 0 ≤ label_smoothing < 1");
  } else if (op.name == "mse") {
    loss.kind = LossSpec::Kind::Mse;
  } else {
    throw BackendError("the LibTorch backend has no loss `" + op.name + "`");
  }
  return loss;
}

// Per-sample losses [B] of outputs [B, K] against class indices [B] (int64) or, when `soft`
// is defined, probability rows [B, K].
torch::Tensor per_sample_loss(const LossSpec& loss, const torch::Tensor& outputs,
                              const torch::Tensor& labels, const torch::Tensor& soft) {
  namespace F = torch::nn::functional;
  const std::int64_t classes = outputs.size(1);
  if (loss.kind == LossSpec::Kind::CrossEntropy) {
    auto options = F::CrossEntropyFuncOptions()
                       .reduction(torch::kNone)
                       .label_smoothing(loss.label_smoothing);
    return F::cross_entropy(outputs, soft.defined() ? soft : labels, options);
  }
  torch::Tensor target =
      soft.defined() ? soft : F::one_hot(labels, classes).to(torch::kFloat32);
  return (outputs - target).pow(2).mean(1);
}

void check_output(const std::vector<std::int64_t>& output_shape) {
  if (output_shape.size() != 1)
    throw BackendError("the model must end in [classes] outputs for this loss");
}

torch::Tensor label_tensor(const std::vector<std::int32_t>& labels, std::int64_t classes,
                           const char* what) {
  for (std::int32_t label : labels)
    if (label < 0 || label >= classes)
      throw BackendError(std::string(what) + ": label " + std::to_string(label) +
                         " is outside [0, " + std::to_string(classes) + ")");
  return torch::from_blob(const_cast<std::int32_t*>(labels.data()),
                          {static_cast<std::int64_t>(labels.size())}, torch::kInt32)
      .to(torch::kInt64);
}

// --- Optimizers and schedules

struct OptimizerSpec {
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  double lr = 0.0;
};

OptimizerSpec make_optimizer(const BackendOp& op, const std::vector<torch::Tensor>& parameters) {
  OptimizerSpec spec;
  if (op.name == "sgd") {
    if (!has_arg(op, "lr")) throw BackendError("`sgd` needs `lr`");
    spec.lr = arg_number(op, "lr", 0.01);
    double momentum = arg_number(op, "momentum", 0.0);
    bool nesterov = arg_bool(op, "nesterov", false);
    if (nesterov && momentum <= 0)
      throw BackendError("`sgd` with nesterov: true needs momentum > 0");
    spec.optimizer = std::make_unique<torch::optim::SGD>(
        parameters, torch::optim::SGDOptions(spec.lr)
                        .momentum(momentum)
                        .weight_decay(arg_number(op, "weight_decay", 0.0))
                        .nesterov(nesterov));
  } else if (op.name == "adam") {
    spec.lr = arg_number(op, "lr", 1e-3);
    spec.optimizer = std::make_unique<torch::optim::Adam>(
        parameters, torch::optim::AdamOptions(spec.lr)
                        .betas({arg_number(op, "beta1", 0.9), arg_number(op, "beta2", 0.999)})
                        .eps(arg_number(op, "eps", 1e-8))
                        .weight_decay(arg_number(op, "weight_decay", 0.0)));
  } else if (op.name == "adamw") {
    spec.lr = arg_number(op, "lr", 1e-3);
    spec.optimizer = std::make_unique<torch::optim::AdamW>(
        parameters, torch::optim::AdamWOptions(spec.lr)
                        .betas({arg_number(op, "beta1", 0.9), arg_number(op, "beta2", 0.999)})
                        .eps(arg_number(op, "eps", 1e-8))
                        .weight_decay(arg_number(op, "weight_decay", 0.01)));
  } else {
    throw BackendError("the LibTorch backend has no optimizer `" + op.name + "`");
  }
  if (!(spec.lr > 0)) throw BackendError("`" + op.name + "` needs lr > 0");
  return spec;
}

double scheduled_lr(const TrainRequest& request, double base, int epoch) {
  if (!request.has_schedule) return base;
  const BackendOp& schedule = request.schedule;
  if (schedule.name == "step") {
    std::int64_t every = arg_int(schedule, "every", 0);
    if (every < 1) throw BackendError("`step` needs every ≥ 1");
    double gamma = arg_number(schedule, "gamma", 0.1);
    return base * std::pow(gamma, static_cast<double>(epoch / every));
  }
  if (schedule.name == "cosine") {
    double min_lr = arg_number(schedule, "min_lr", 0.0);
    std::int64_t warmup = std::max<std::int64_t>(0, arg_int(schedule, "warmup", 0));
    if (epoch < warmup) return base * static_cast<double>(epoch + 1) / static_cast<double>(warmup + 1);
    std::int64_t span = static_cast<std::int64_t>(request.epochs) - 1 - warmup;
    if (span <= 0) return base;
    double t = static_cast<double>(epoch - warmup) / static_cast<double>(span);
    return min_lr + (base - min_lr) * 0.5 * (1.0 + std::cos(M_PI * t));
  }
  throw BackendError("the LibTorch backend has no schedule `" + schedule.name + "`");
}

void set_lr(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
}

// The generator of epoch `epoch`'s sample order: splitmix64 of the seed and the epoch.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

torch::Tensor epoch_order(const TrainRequest& request, int epoch, std::int64_t n) {
  if (!request.shuffle) return torch::arange(n, torch::kInt64);
  std::uint64_t seed = mix(request.seed ^ mix(0x53485546464c45ULL /* "SHUFFLE" */ +
                                              static_cast<std::uint64_t>(epoch)));
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  return torch::randperm(n, generator, torch::TensorOptions().dtype(torch::kInt64));
}

// --- Train

TrainResult train_locked(const TrainRequest& request) {
  using Clock = std::chrono::steady_clock;
  TrainResult result;
  if (request.epochs < 0) throw BackendError("epochs must be ≥ 0");
  if (request.batch < 1) throw BackendError("batch must be ≥ 1");
  if (!request.epoch_data) throw BackendError("the request gives no training data");
  configure_threads(request.threads);
  torch::manual_seed(request.seed);
  BuiltModel model = build_model(request.layers, request.input_shape);
  check_output(model.output_shape);
  const std::int64_t classes = model.output_shape[0];
  LossSpec loss = parse_loss(request.loss);
  torch::nn::Sequential net = model.net;
  net->train();
  OptimizerSpec optimizer = make_optimizer(request.optimizer, net->parameters());

  for (int epoch = 0; epoch < request.epochs; ++epoch) {
    if (request.cancelled && request.cancelled()) throw BackendError("cancelled");
    const auto epoch_start = Clock::now();
    const double lr = scheduled_lr(request, optimizer.lr, epoch);
    set_lr(*optimizer.optimizer, lr);

    EpochData data = request.epoch_data(epoch);
    torch::Tensor x = tensor_view(data.x, request.input_shape, "the epoch's samples");
    const std::int64_t n = x.size(0);
    if (n == 0) throw BackendError("epoch " + std::to_string(epoch) + " has no samples");
    torch::Tensor labels, soft;
    if (!data.soft.values.empty() || !data.soft.shape.empty()) {
      soft = tensor_view(data.soft, {classes}, "the epoch's soft labels");
      if (soft.size(0) != n)
        throw BackendError("the epoch has " + std::to_string(n) + " samples but " +
                           std::to_string(soft.size(0)) + " soft label rows");
    } else {
      if (static_cast<std::int64_t>(data.labels.size()) != n)
        throw BackendError("the epoch has " + std::to_string(n) + " samples but " +
                           std::to_string(data.labels.size()) + " labels");
      labels = label_tensor(data.labels, classes, "the epoch's labels");
    }

    torch::Tensor order = epoch_order(request, epoch, n);
    const std::int64_t batches = (n + request.batch - 1) / request.batch;
    double loss_sum = 0.0;
    for (std::int64_t b = 0; b < batches; ++b) {
      if (request.cancelled && request.cancelled()) throw BackendError("cancelled");
      const std::int64_t start = b * request.batch;
      const std::int64_t end = std::min(n, start + request.batch);
      torch::Tensor index = order.slice(0, start, end);
      torch::Tensor xb = x.index_select(0, index);
      torch::Tensor lb = labels.defined() ? labels.index_select(0, index) : torch::Tensor();
      torch::Tensor sb = soft.defined() ? soft.index_select(0, index) : torch::Tensor();

      optimizer.optimizer->zero_grad();
      torch::Tensor outputs = net->forward(xb);
      torch::Tensor batch_loss = per_sample_loss(loss, outputs, lb, sb).mean();
      batch_loss.backward();
      optimizer.optimizer->step();

      const double value = batch_loss.item<double>();
      if (!std::isfinite(value))
        throw BackendError("the loss became " + std::to_string(value) + " in epoch " +
                           std::to_string(epoch) + ", batch " + std::to_string(b));
      loss_sum += value * static_cast<double>(end - start);
      if (request.progress) {  // after every batch: the receiver decides how often to show it
        Progress progress;
        progress.epoch = epoch;
        progress.epochs = request.epochs;
        progress.batch = b + 1;
        progress.batches = batches;
        progress.loss = loss_sum / static_cast<double>(end);
        double seconds = std::chrono::duration<double>(Clock::now() - epoch_start).count();
        progress.samples_per_second = seconds > 0 ? static_cast<double>(end) / seconds : 0.0;
        request.progress(progress);
      }
    }
    EpochLog log;
    log.epoch = epoch;
    log.loss = loss_sum / static_cast<double>(n);
    log.seconds = std::chrono::duration<double>(Clock::now() - epoch_start).count();
    log.learning_rate = lr;
    result.log.push_back(log);
  }
  net->eval();
  result.weights = extract_weights(*net);
  result.ok = true;
  return result;
}

// --- Evaluate

EvaluateResult evaluate_locked(const EvaluateRequest& request) {
  EvaluateResult result;
  if (request.batch < 1) throw BackendError("batch must be ≥ 1");
  configure_threads(request.threads);
  torch::manual_seed(0);  // the initial values are overwritten; keep the generator's use fixed
  BuiltModel model = build_model(request.layers, request.input_shape);
  check_output(model.output_shape);
  const std::int64_t classes = model.output_shape[0];
  if (request.classes > 0 && request.classes != classes)
    throw BackendError("the model gives " + std::to_string(classes) + " outputs but the data has " +
                       std::to_string(request.classes) + " classes");
  load_weights(*model.net, request.weights);
  LossSpec loss = parse_loss(request.loss);
  torch::nn::Sequential net = model.net;
  net->eval();
  torch::NoGradGuard no_grad;

  torch::Tensor x = tensor_view(request.x, request.input_shape, "the evaluation samples");
  const std::int64_t n = x.size(0);
  const bool has_labels = !request.labels.empty();
  torch::Tensor labels;
  if (has_labels) {
    if (static_cast<std::int64_t>(request.labels.size()) != n)
      throw BackendError("the evaluation has " + std::to_string(n) + " samples but " +
                         std::to_string(request.labels.size()) + " labels");
    labels = label_tensor(request.labels, classes, "the evaluation labels");
  }

  result.logits.shape = {n, classes};
  result.logits.values.resize(static_cast<std::size_t>(n * classes));
  result.predictions.resize(static_cast<std::size_t>(n));
  if (has_labels) result.losses.resize(static_cast<std::size_t>(n));
  for (std::int64_t start = 0; start < n; start += request.batch) {
    const std::int64_t end = std::min(n, start + static_cast<std::int64_t>(request.batch));
    torch::Tensor outputs = net->forward(x.slice(0, start, end)).contiguous();
    std::memcpy(result.logits.values.data() + start * classes, outputs.data_ptr<float>(),
                static_cast<std::size_t>((end - start) * classes) * sizeof(float));
    torch::Tensor predicted = outputs.argmax(1).to(torch::kInt32).contiguous();
    std::memcpy(result.predictions.data() + start, predicted.data_ptr<std::int32_t>(),
                static_cast<std::size_t>(end - start) * sizeof(std::int32_t));
    if (has_labels) {
      torch::Tensor losses =
          per_sample_loss(loss, outputs, labels.slice(0, start, end), torch::Tensor())
              .to(torch::kFloat32)
              .contiguous();
      std::memcpy(result.losses.data() + start, losses.data_ptr<float>(),
                  static_cast<std::size_t>(end - start) * sizeof(float));
    }
  }
  result.ok = true;
  return result;
}

// --- Environment

std::string realpath_of(const std::string& path) {
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved)) return resolved;
  return path;
}

// The first mapped file of this process whose name contains `part` (after a matmul, BLAS is
// loaded for sure), resolved through symbolic links.
std::string mapped_library(const std::string& part) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    std::string path = line.substr(slash);
    std::string base = path.substr(path.rfind('/') + 1);
    if (base.find(part) != std::string::npos) return realpath_of(path);
  }
  return "";
}

std::string cpu_capability() {
  // The capability the dispatcher uses (ATEN_CPU_CAPABILITY in the environment included).
  std::istringstream config(at::show_config());
  std::string line;
  const std::string key = "CPU capability usage:";
  while (std::getline(config, line)) {
    auto pos = line.find(key);
    if (pos == std::string::npos) continue;
    std::string value = line.substr(pos + key.size());
    value.erase(0, value.find_first_not_of(' '));
    return value;
  }
  return "unknown";
}

template <typename Fn>
Fn library_symbol(std::initializer_list<const char*> libraries, const char* name) {
  for (const char* library : libraries)
    if (void* handle = dlopen(library, RTLD_NOW | RTLD_NOLOAD))
      if (void* symbol = dlsym(handle, name)) return reinterpret_cast<Fn>(symbol);
  return nullptr;
}

BackendEnvironment environment_locked(int threads) {
  configure_threads(threads);
  {
    torch::NoGradGuard no_grad;
    torch::Tensor a = torch::ones({64, 64});
    (void)a.mm(a).sum().item<float>();
  }
  BackendEnvironment env;
  auto& facts = env.facts;
  facts[std::string(BackendEnvironment::kVersionFact)] = TORCH_VERSION;
  facts["libtorch_library"] = mapped_library("libtorch_cpu.so");
  std::string blas = mapped_library("libblas");
  if (blas.empty()) blas = mapped_library("blas");
  facts["blas"] = blas.empty() ? "none" : blas;
  using GetString = char* (*)();
  using GetInt = int (*)();
  if (auto corename = library_symbol<GetString>({"libopenblas.so.0", "libblas.so.3"},
                                                "openblas_get_corename"))
    facts["blas_core"] = corename();
  if (auto config = library_symbol<GetString>({"libopenblas.so.0", "libblas.so.3"},
                                              "openblas_get_config"))
    facts["blas_config"] = config();
  if (auto blas_threads = library_symbol<GetInt>({"libopenblas.so.0", "libblas.so.3"},
                                                 "openblas_get_num_threads"))
    facts["blas_threads"] = std::to_string(blas_threads());
  facts["cpu_capability"] = cpu_capability();
  facts["mkldnn"] = at::get_mkldnn_version();
  if (auto isa = library_symbol<GetInt>({"libdnnl.so.2"}, "dnnl_get_effective_cpu_isa")) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%x", static_cast<unsigned>(isa()));
    facts["mkldnn_isa"] = hex;
  }
  facts["openmp"] = at::get_openmp_version();
  facts["intra_op_threads"] = std::to_string(at::get_num_threads());
  facts["inter_op_threads"] = std::to_string(at::get_num_interop_threads());
  return env;
}

// --- Export

void export_locked(const std::vector<BackendOp>& layers, const std::vector<std::int64_t>& input_shape,
                   const std::vector<NamedTensor>& weights, const std::string& path) {
  torch::manual_seed(0);
  BuiltModel model = build_model(layers, input_shape);
  load_weights(*model.net, weights);
  model.net->eval();
  torch::save(model.net, path);
  // Read it back into a fresh model: the file must give exactly these weights.
  BuiltModel check = build_model(layers, input_shape);
  torch::load(check.net, path);
  std::vector<NamedTensor> loaded = extract_weights(*check.net);
  bool same = loaded.size() == weights.size();
  for (std::size_t i = 0; same && i < loaded.size(); ++i)
    same = loaded[i].name == weights[i].name && loaded[i].shape == weights[i].shape &&
           loaded[i].values.size() == weights[i].values.size() &&
           std::memcmp(loaded[i].values.data(), weights[i].values.data(),
                       loaded[i].values.size() * sizeof(float)) == 0;
  if (!same) throw BackendError("the exported file " + path + " does not read back as the weights");
}

// LibTorch's own errors carry a C++ backtrace: keep their message only.
std::string message_of(const std::exception& error) {
  if (auto* torch_error = dynamic_cast<const c10::Error*>(&error))
    return torch_error->what_without_backtrace();
  return error.what();
}

template <typename Result, typename Fn>
Result guarded(Fn&& fn) {
  try {
    return fn();
  } catch (const std::exception& error) {
    Result result;
    result.ok = false;
    result.error = message_of(error);
    return result;
  }
}

class TorchBackend final : public runtime::TrainingBackend {
 public:
  BackendEnvironment environment(int threads) override {
    std::lock_guard lock(backend_mutex());
    try {
      return environment_locked(threads);
    } catch (const std::exception& error) {
      BackendEnvironment env;
      env.facts["error"] = message_of(error);
      return env;
    }
  }

  TrainResult train(const TrainRequest& request) override {
    std::lock_guard lock(backend_mutex());
    return guarded<TrainResult>([&] { return train_locked(request); });
  }

  EvaluateResult evaluate(const EvaluateRequest& request) override {
    std::lock_guard lock(backend_mutex());
    return guarded<EvaluateResult>([&] { return evaluate_locked(request); });
  }

  bool export_model(const std::vector<BackendOp>& layers, const std::vector<std::int64_t>& input_shape,
                    const std::vector<NamedTensor>& weights, const std::string& path,
                    std::string& error) override {
    std::lock_guard lock(backend_mutex());
    try {
      export_locked(layers, input_shape, weights, path);
      return true;
    } catch (const std::exception& failure) {
      error = message_of(failure);
      return false;
    }
  }
};

}  // namespace
}  // namespace mlf::torch_backend

extern "C" __attribute__((visibility("default"))) mlf::runtime::TrainingBackend*
mlf_create_training_backend() {
  return new mlf::torch_backend::TorchBackend();
}
