// The plan's layers as a torch::nn module, weights in canonical form, argument parsing and
// thread settings for the LibTorch backend.

#include "runtime/backend/torch/model_builder.h"

#include <dlfcn.h>

#include <ATen/Parallel.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <numeric>
#include <sstream>
#include <system_error>

namespace mlf::torch_backend {

using runtime::BackendOp;
using runtime::BackendTensor;
using runtime::NamedTensor;

namespace {

std::string trim(const std::string& text) {
  auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return {};
  auto end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

[[noreturn]] void bad_argument(const BackendOp& op, const std::string& name,
                               const std::string& value, const std::string& expected) {
  throw BackendError("`" + op.name + "` argument `" + name + "`: expected " + expected +
                     ", found `" + value + "`");
}

// TOML allows `_` between digits of a number.
std::string without_underscores(std::string text) {
  text.erase(std::remove(text.begin(), text.end(), '_'), text.end());
  return text;
}

bool parse_integer(const std::string& raw, std::int64_t& out) {
  std::string text = without_underscores(trim(raw));
  if (text.empty()) return false;
  bool negative = false;
  std::size_t pos = 0;
  if (text[0] == '+' || text[0] == '-') {
    negative = text[0] == '-';
    pos = 1;
  }
  int base = 10;
  if (text.size() > pos + 2 && text[pos] == '0') {
    char prefix = text[pos + 1];
    if (prefix == 'x' || prefix == 'X') base = 16;
    if (prefix == 'o' || prefix == 'O') base = 8;
    if (prefix == 'b' || prefix == 'B') base = 2;
    if (base != 10) pos += 2;
  }
  const char* first = text.data() + pos;
  const char* last = text.data() + text.size();
  if (first == last) return false;
  std::uint64_t magnitude = 0;
  auto [end, error] = std::from_chars(first, last, magnitude, base);
  if (error != std::errc() || end != last) return false;
  if (magnitude > static_cast<std::uint64_t>(INT64_MAX)) return false;
  out = negative ? -static_cast<std::int64_t>(magnitude) : static_cast<std::int64_t>(magnitude);
  return true;
}

bool parse_double(const std::string& raw, double& out) {
  std::string text = without_underscores(trim(raw));
  if (text.empty()) return false;
  std::int64_t integer = 0;
  if (parse_integer(text, integer)) {  // also covers 0x / 0o / 0b forms
    out = static_cast<double>(integer);
    return true;
  }
  bool negative = false;
  std::size_t pos = 0;
  if (text[0] == '+' || text[0] == '-') {
    negative = text[0] == '-';
    pos = 1;
  }
  const char* first = text.data() + pos;
  const char* last = text.data() + text.size();
  if (first == last || *first == '+' || *first == '-') return false;
  double value = 0;
  auto [end, error] = std::from_chars(first, last, value, std::chars_format::general);
  if (error != std::errc() || end != last) return false;
  out = negative ? -value : value;
  return true;
}

const std::string* find_arg(const BackendOp& op, const std::string& name) {
  auto it = op.args.find(name);
  if (it == op.args.end()) return nullptr;
  return &it->second;
}

std::int64_t product(const std::vector<std::int64_t>& dims) {
  return std::accumulate(dims.begin(), dims.end(), std::int64_t{1}, std::multiplies<>());
}

std::string shape_string(const std::vector<std::int64_t>& dims) {
  std::string text = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) text += (i ? ", " : "") + std::to_string(dims[i]);
  return text + "]";
}

// An inferred size the plan may state: when it does, it must agree with the shapes.
void check_inferred(const BackendOp& op, const std::string& name, std::int64_t computed) {
  if (!has_arg(op, name)) return;
  std::int64_t stated = arg_int(op, name, computed);
  if (stated != computed)
    throw BackendError("`" + op.name + "` states " + name + " = " + std::to_string(stated) +
                       " but its input gives " + std::to_string(computed));
}

void require_rank(const BackendOp& op, const std::vector<std::int64_t>& shape,
                  std::size_t rank, const char* form) {
  if (shape.size() != rank)
    throw BackendError("`" + op.name + "` expects a " + form + " input, found " +
                       shape_string(shape));
}

std::int64_t window_side(const BackendOp& op, std::int64_t size, std::int64_t kernel,
                         std::int64_t stride, std::int64_t padding) {
  if (kernel < 1 || stride < 1 || padding < 0)
    throw BackendError("`" + op.name + "` needs kernel ≥ 1, stride ≥ 1 and padding ≥ 0");
  std::int64_t padded = size + 2 * padding;
  if (kernel > padded)
    throw BackendError("`" + op.name + "` kernel " + std::to_string(kernel) +
                       " is larger than its padded input " + std::to_string(padded));
  return (padded - kernel) / stride + 1;
}

void append_layers(torch::nn::Sequential& net, const std::vector<BackendOp>& layers,
                   std::vector<std::int64_t>& shape);

void append_layer(torch::nn::Sequential& net, const BackendOp& op,
                  std::vector<std::int64_t>& shape) {
  namespace nn = torch::nn;
  const std::string& kind = op.name;
  if (kind == "linear") {
    require_rank(op, shape, 1, "[features]");
    check_inferred(op, "in", shape[0]);
    std::int64_t out = arg_int(op, "out", 0);
    if (out < 1) throw BackendError("`linear` needs `out` ≥ 1");
    net->push_back(nn::Linear(nn::LinearOptions(shape[0], out).bias(arg_bool(op, "bias", true))));
    shape = {out};
  } else if (kind == "conv2d") {
    require_rank(op, shape, 3, "[channels, height, width]");
    check_inferred(op, "in_channels", shape[0]);
    std::int64_t out = arg_int(op, "out", 0);
    if (out < 1) throw BackendError("`conv2d` needs `out` ≥ 1");
    bool has_kernel = false;
    auto kernel = arg_pair(op, "kernel", {1, 1}, &has_kernel);
    if (!has_kernel) throw BackendError("`conv2d` needs `kernel`");
    auto stride = arg_pair(op, "stride", {1, 1});
    auto padding = arg_pair(op, "padding", {0, 0});
    std::int64_t height = window_side(op, shape[1], kernel.first, stride.first, padding.first);
    std::int64_t width = window_side(op, shape[2], kernel.second, stride.second, padding.second);
    net->push_back(nn::Conv2d(nn::Conv2dOptions(shape[0], out, {kernel.first, kernel.second})
                                        .stride({stride.first, stride.second})
                                        .padding({padding.first, padding.second})
                                        .bias(arg_bool(op, "bias", true))));
    shape = {out, height, width};
  } else if (kind == "max_pool" || kind == "avg_pool") {
    require_rank(op, shape, 3, "[channels, height, width]");
    bool has_kernel = false;
    auto kernel = arg_pair(op, "kernel", {1, 1}, &has_kernel);
    if (!has_kernel) throw BackendError("`" + kind + "` needs `kernel`");
    auto stride = arg_pair(op, "stride", kernel);
    std::int64_t height = window_side(op, shape[1], kernel.first, stride.first, 0);
    std::int64_t width = window_side(op, shape[2], kernel.second, stride.second, 0);
    if (kind == "max_pool")
      net->push_back(nn::MaxPool2d(nn::MaxPool2dOptions({kernel.first, kernel.second})
                                             .stride({stride.first, stride.second})));
    else
      net->push_back(nn::AvgPool2d(nn::AvgPool2dOptions({kernel.first, kernel.second})
                                             .stride({stride.first, stride.second})));
    shape = {shape[0], height, width};
  } else if (kind == "batch_norm") {
    if (shape.size() != 1 && shape.size() != 3)
      throw BackendError("`batch_norm` expects a [features] or [channels, height, width] input, found " +
                         shape_string(shape));
    check_inferred(op, "features", shape[0]);
    double momentum = arg_number(op, "momentum", 0.1);
    double eps = arg_number(op, "eps", 1e-5);
    if (shape.size() == 1)
      net->push_back(nn::BatchNorm1d(nn::BatchNorm1dOptions(shape[0]).momentum(momentum).eps(eps)));
    else
      net->push_back(nn::BatchNorm2d(nn::BatchNorm2dOptions(shape[0]).momentum(momentum).eps(eps)));
  } else if (kind == "dropout") {
    double p = arg_number(op, "p", 0.5);
    if (!(p >= 0 && p < 1)) throw BackendError("`dropout` needs 0 ≤ p < 1");
    net->push_back(nn::Dropout(nn::DropoutOptions(p)));
  } else if (kind == "relu") {
    net->push_back(nn::ReLU());
  } else if (kind == "gelu") {
    net->push_back(nn::GELU(nn::GELUOptions().approximate("none")));
  } else if (kind == "tanh") {
    net->push_back(nn::Tanh());
  } else if (kind == "sigmoid") {
    net->push_back(nn::Sigmoid());
  } else if (kind == "flatten") {
    if (shape.empty()) throw BackendError("`flatten` expects an input with at least one dimension");
    net->push_back(nn::Flatten(nn::FlattenOptions().start_dim(1)));
    shape = {product(shape)};
  } else if (kind == "residual") {
    nn::Sequential body;
    std::vector<std::int64_t> inner = shape;
    append_layers(body, op.children, inner);
    if (inner != shape)
      throw BackendError("`residual` layers must keep the input's shape " + shape_string(shape) +
                         ", they give " + shape_string(inner));
    net->push_back(Residual(body));
  } else if (kind == "sequential") {  // a nested sequential block is its layers in place
    append_layers(net, op.children, shape);
  } else {
    throw BackendError("the LibTorch backend has no layer `" + kind + "`");
  }
}

void append_layers(torch::nn::Sequential& net, const std::vector<BackendOp>& layers,
                   std::vector<std::int64_t>& shape) {
  for (const BackendOp& op : layers) append_layer(net, op, shape);
}

}  // namespace

// --- Arguments

bool has_arg(const BackendOp& op, const std::string& name) {
  const std::string* value = find_arg(op, name);
  return value && !trim(*value).empty();
}

double arg_number(const BackendOp& op, const std::string& name, double fallback) {
  const std::string* value = find_arg(op, name);
  if (!value || trim(*value).empty()) return fallback;
  double out = 0;
  std::string text = trim(*value);
  if (text == "inf" || text == "+inf") return INFINITY;
  if (text == "-inf") return -INFINITY;
  if (!parse_double(text, out)) bad_argument(op, name, *value, "a number");
  return out;
}

std::int64_t arg_int(const BackendOp& op, const std::string& name, std::int64_t fallback) {
  const std::string* value = find_arg(op, name);
  if (!value || trim(*value).empty()) return fallback;
  std::int64_t out = 0;
  if (parse_integer(*value, out)) return out;
  double real = 0;  // "3.0" written for an int
  if (parse_double(*value, real) && std::isfinite(real) && real == std::floor(real) &&
      std::fabs(real) < 9.0e15)
    return static_cast<std::int64_t>(real);
  bad_argument(op, name, *value, "an integer");
}

bool arg_bool(const BackendOp& op, const std::string& name, bool fallback) {
  const std::string* value = find_arg(op, name);
  if (!value || trim(*value).empty()) return fallback;
  std::string text = trim(*value);
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"')
    text = text.substr(1, text.size() - 2);
  if (text == "true" || text == "1") return true;
  if (text == "false" || text == "0") return false;
  bad_argument(op, name, *value, "true or false");
}

std::pair<std::int64_t, std::int64_t> arg_pair(const BackendOp& op, const std::string& name,
                                               std::pair<std::int64_t, std::int64_t> fallback,
                                               bool* present) {
  const std::string* value = find_arg(op, name);
  if (present) *present = false;
  if (!value || trim(*value).empty()) return fallback;
  std::string text = trim(*value);
  if (text.front() != '[') {
    std::int64_t n = arg_int(op, name, 0);
    if (present) *present = true;
    return {n, n};
  }
  if (text.back() != ']') bad_argument(op, name, *value, "n or [height, width]");
  std::vector<std::int64_t> items;
  std::stringstream inner(text.substr(1, text.size() - 2));
  std::string item;
  while (std::getline(inner, item, ',')) {
    if (trim(item).empty()) continue;  // a trailing comma
    std::int64_t n = 0;
    if (!parse_integer(item, n)) bad_argument(op, name, *value, "n or [height, width]");
    items.push_back(n);
  }
  if (items.size() == 1) items.push_back(items[0]);
  if (items.size() != 2) bad_argument(op, name, *value, "n or [height, width]");
  if (present) *present = true;
  return {items[0], items[1]};
}

// --- Model

ResidualImpl::ResidualImpl(torch::nn::Sequential inner) : body(register_module("body", inner)) {}

torch::Tensor ResidualImpl::forward(torch::Tensor x) { return x + body->forward(x); }

BuiltModel build_model(const std::vector<BackendOp>& layers,
                       const std::vector<std::int64_t>& input_shape) {
  if (layers.empty()) throw BackendError("the model has no layers");
  for (std::int64_t d : input_shape)
    if (d < 1) throw BackendError("the input shape " + shape_string(input_shape) + " has an empty dimension");
  BuiltModel model;
  model.output_shape = input_shape;
  append_layers(model.net, layers, model.output_shape);
  return model;
}

// --- Weights

std::vector<NamedTensor> extract_weights(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  std::vector<NamedTensor> weights;
  auto add = [&](const std::string& prefix, const std::string& key, const torch::Tensor& t) {
    NamedTensor named;
    named.name = prefix.empty() ? key : prefix + "." + key;
    torch::Tensor values = t.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    named.shape.assign(values.sizes().begin(), values.sizes().end());
    named.values.resize(static_cast<std::size_t>(values.numel()));
    if (values.numel() > 0)
      std::memcpy(named.values.data(), values.data_ptr<float>(), named.values.size() * sizeof(float));
    weights.push_back(std::move(named));
  };
  for (const auto& item : module.named_modules("", /*include_self=*/true)) {
    for (const auto& parameter : item.value()->named_parameters(/*recurse=*/false))
      add(item.key(), parameter.key(), parameter.value());
    for (const auto& buffer : item.value()->named_buffers(/*recurse=*/false))
      add(item.key(), buffer.key(), buffer.value());
  }
  return weights;
}

void load_weights(torch::nn::Module& module, const std::vector<NamedTensor>& weights) {
  torch::NoGradGuard no_grad;
  std::map<std::string, torch::Tensor> targets;
  for (const auto& item : module.named_modules("", true)) {
    std::string prefix = item.key().empty() ? "" : item.key() + ".";
    for (const auto& parameter : item.value()->named_parameters(false))
      targets[prefix + parameter.key()] = parameter.value();
    for (const auto& buffer : item.value()->named_buffers(false))
      targets[prefix + buffer.key()] = buffer.value();
  }
  if (weights.size() != targets.size())
    throw BackendError("the weights hold " + std::to_string(weights.size()) +
                       " tensors but the model has " + std::to_string(targets.size()));
  for (const NamedTensor& named : weights) {
    auto it = targets.find(named.name);
    if (it == targets.end()) throw BackendError("the model has no tensor `" + named.name + "`");
    torch::Tensor& target = it->second;
    std::vector<std::int64_t> shape(target.sizes().begin(), target.sizes().end());
    if (shape != named.shape)
      throw BackendError("`" + named.name + "` has shape " + shape_string(named.shape) +
                         " but the model expects " + shape_string(shape));
    if (static_cast<std::int64_t>(named.values.size()) != target.numel())
      throw BackendError("`" + named.name + "` holds " + std::to_string(named.values.size()) +
                         " values for shape " + shape_string(named.shape));
    torch::Tensor source = torch::from_blob(const_cast<float*>(named.values.data()), named.shape,
                                            torch::kFloat32);
    target.copy_(source);
    targets.erase(it);
  }
}

// --- Threads

void configure_threads(int threads) {
  threads = std::max(1, threads);
  static std::once_flag interop_once;
  std::call_once(interop_once, [] {
    // Allowed once per process and only before the inter-op pool started; nothing here uses
    // inter-op parallelism, so one thread whatever happens.
    try {
      at::set_num_interop_threads(1);
    } catch (const std::exception&) {
    }
  });
  // Always set: OpenMP's thread count is per calling thread, and LibTorch re-applies its own
  // stored value in each new thread, so a call from another thread must store ours.
  at::set_num_threads(threads);
  // OpenBLAS keeps its own pool; LibTorch does not size it. The library is already loaded (a
  // dependency of LibTorch), but in this module's local scope: look it up by name.
  using SetThreads = void (*)(int);
  static SetThreads set_blas_threads = [] () -> SetThreads {
    for (const char* library : {"libopenblas.so.0", "libblas.so.3"}) {
      if (void* handle = dlopen(library, RTLD_NOW | RTLD_NOLOAD))
        if (void* symbol = dlsym(handle, "openblas_set_num_threads"))
          return reinterpret_cast<SetThreads>(symbol);
    }
    return nullptr;
  }();
  if (set_blas_threads) set_blas_threads(threads);
}

torch::Tensor tensor_view(const BackendTensor& tensor, const std::vector<std::int64_t>& sample_shape,
                          const char* what) {
  if (tensor.shape.size() != sample_shape.size() + 1 ||
      !std::equal(sample_shape.begin(), sample_shape.end(), tensor.shape.begin() + 1))
    throw BackendError(std::string(what) + " has shape " + shape_string(tensor.shape) +
                       ", expected [N, " + shape_string(sample_shape).substr(1));
  if (tensor.shape[0] < 0 || product(tensor.shape) != static_cast<std::int64_t>(tensor.values.size()))
    throw BackendError(std::string(what) + " holds " + std::to_string(tensor.values.size()) +
                       " values for shape " + shape_string(tensor.shape));
  return torch::from_blob(const_cast<float*>(tensor.values.data()), tensor.shape, torch::kFloat32);
}

}  // namespace mlf::torch_backend
