// Shared by the backend tests and the determinism helper: loads the backend module the way
// the runtime does (dlopen), builds requests from plain ops, and makes synthetic data from a
// counter-based generator so every process sees the same samples.
#pragma once

#include <dlfcn.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "runtime/backend/training_backend.h"

namespace mlf::torch_test {

using runtime::BackendOp;
using runtime::BackendTensor;
using runtime::EpochData;
using runtime::NamedTensor;
using runtime::TrainRequest;
using runtime::TrainingBackend;

// The module is opened once and never closed (LibTorch does not support being unloaded).
inline TrainingBackend& backend() {
  static TrainingBackend* instance = [] {
    void* handle = dlopen(MLF_TORCH_BACKEND_MODULE, RTLD_NOW | RTLD_LOCAL);
    if (!handle) throw std::runtime_error(std::string("dlopen: ") + dlerror());
    using Create = TrainingBackend* (*)();
    auto create = reinterpret_cast<Create>(dlsym(handle, "mlf_create_training_backend"));
    if (!create) throw std::runtime_error("the module exports no mlf_create_training_backend");
    return create();
  }();
  return *instance;
}

inline BackendOp op(std::string name, std::map<std::string, std::string> args = {},
                    std::vector<BackendOp> children = {}) {
  return BackendOp{std::move(name), std::move(args), std::move(children)};
}

// The brief's CNN for [1, 28, 28] inputs, with the sizes the compiler infers.
inline std::vector<BackendOp> cnn_layers() {
  return {
      op("conv2d", {{"out", "32"}, {"kernel", "3"}, {"padding", "1"}, {"in_channels", "1"}}),
      op("relu"),
      op("max_pool", {{"kernel", "2"}}),
      op("conv2d", {{"out", "64"}, {"kernel", "[3, 3]"}, {"padding", "1"}, {"in_channels", "32"}}),
      op("relu"),
      op("max_pool", {{"kernel", "2"}}),
      op("flatten"),
      op("linear", {{"out", "128"}, {"in", "3136"}}),
      op("relu"),
      op("dropout", {{"p", "0.25"}}),
      op("linear", {{"out", "10"}, {"in", "128"}}),
  };
}

// splitmix64: the value of counter `i` of stream `stream`.
inline std::uint64_t bits(std::uint64_t stream, std::uint64_t i) {
  std::uint64_t x = stream * 0x9e3779b97f4a7c15ULL + i;
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

inline float uniform(std::uint64_t stream, std::uint64_t i) {  // [0, 1)
  return static_cast<float>(bits(stream, i) >> 40) / static_cast<float>(1ULL << 24);
}

inline float normal(std::uint64_t stream, std::uint64_t i) {
  double u1 = (static_cast<double>(bits(stream, 2 * i) >> 11) + 1.0) / 9007199254740993.0;
  double u2 = static_cast<double>(bits(stream, 2 * i + 1) >> 11) / 9007199254740992.0;
  return static_cast<float>(std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2));
}

// Two classes in `features` dimensions: class c is a unit-variance cloud centred on
// ±`separation`/2 along every axis, so the classes are separable with a wide margin.
inline EpochData two_clouds(std::int64_t n, std::int64_t features, std::uint64_t stream,
                            float separation = 2.0f) {
  EpochData data;
  data.x.shape = {n, features};
  data.x.values.resize(static_cast<std::size_t>(n * features));
  data.labels.resize(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    int label = static_cast<int>(bits(stream + 1, static_cast<std::uint64_t>(i)) & 1);
    data.labels[static_cast<std::size_t>(i)] = label;
    float centre = (label ? 0.5f : -0.5f) * separation;
    for (std::int64_t f = 0; f < features; ++f)
      data.x.values[static_cast<std::size_t>(i * features + f)] =
          centre + normal(stream, static_cast<std::uint64_t>(i * features + f));
  }
  return data;
}

// `n` images of `shape` with uniform pixels and labels in [0, classes).
inline EpochData random_images(std::int64_t n, const std::vector<std::int64_t>& shape,
                               int classes, std::uint64_t stream) {
  EpochData data;
  std::int64_t size = 1;
  for (auto d : shape) size *= d;
  data.x.shape = {n};
  data.x.shape.insert(data.x.shape.end(), shape.begin(), shape.end());
  data.x.values.resize(static_cast<std::size_t>(n * size));
  for (std::size_t i = 0; i < data.x.values.size(); ++i) data.x.values[i] = uniform(stream, i);
  data.labels.resize(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i)
    data.labels[static_cast<std::size_t>(i)] =
        static_cast<int>(bits(stream + 7, static_cast<std::uint64_t>(i)) % static_cast<std::uint64_t>(classes));
  return data;
}

// A small model that touches every source of nondeterminism the backend must control:
// convolution, batch norm buffers, dropout, shuffling, Adam state, BLAS matmuls. The data of
// epoch e differs from epoch to epoch, as augmented data would.
inline TrainRequest mixed_request(int threads, std::uint64_t seed = 1234) {
  TrainRequest request;
  request.layers = {
      op("conv2d", {{"out", "6"}, {"kernel", "3"}, {"padding", "1"}}),
      op("batch_norm", {{"momentum", "0.1"}, {"eps", "1e-5"}}),
      op("relu"),
      op("max_pool", {{"kernel", "2"}}),
      op("flatten"),
      op("linear", {{"out", "32"}}),
      op("gelu"),
      op("dropout", {{"p", "0.25"}}),
      op("linear", {{"out", "3"}}),
  };
  request.input_shape = {2, 12, 12};
  request.loss = op("cross_entropy", {{"label_smoothing", "0.1"}});
  request.optimizer = op("adam", {{"lr", "0.003"}});
  request.epochs = 2;
  request.batch = 24;  // 200 samples: the last batch is partial
  request.seed = seed;
  request.threads = threads;
  request.epoch_data = [](int epoch) {
    return random_images(200, {2, 12, 12}, 3, 1000 + static_cast<std::uint64_t>(epoch));
  };
  return request;
}

// The canonical weights as bytes: name, rank, dims, values — for comparing bit for bit.
inline std::string weight_bytes(const std::vector<NamedTensor>& weights) {
  std::string bytes;
  auto put = [&](const void* data, std::size_t size) {
    bytes.append(static_cast<const char*>(data), size);
  };
  for (const NamedTensor& tensor : weights) {
    std::uint64_t length = tensor.name.size(), rank = tensor.shape.size();
    put(&length, sizeof length);
    put(tensor.name.data(), tensor.name.size());
    put(&rank, sizeof rank);
    put(tensor.shape.data(), tensor.shape.size() * sizeof(std::int64_t));
    put(tensor.values.data(), tensor.values.size() * sizeof(float));
  }
  return bytes;
}

}  // namespace mlf::torch_test
