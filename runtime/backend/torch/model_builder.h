// Internal to the LibTorch backend module: turns the plan's layer list into a torch::nn
// module, converts weights between LibTorch and the canonical NamedTensor form, and reads
// op arguments written in TOML inline form.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "runtime/backend/training_backend.h"

namespace mlf::torch_backend {

// Every failure of the backend is reported as this exception and turned into an error
// message at the interface.
struct BackendError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// --- Arguments in TOML inline form ("0.001", "1e-3", "1_000", "[3, 3]", "true", "\"x\"").
// A missing argument gives the fallback (the stdlib default); a malformed one throws.
double arg_number(const runtime::BackendOp& op, const std::string& name, double fallback);
std::int64_t arg_int(const runtime::BackendOp& op, const std::string& name,
                     std::int64_t fallback);
bool arg_bool(const runtime::BackendOp& op, const std::string& name, bool fallback);
// An int pair: "3" means [3, 3]. `present` (when given) tells whether the argument was there.
std::pair<std::int64_t, std::int64_t> arg_pair(const runtime::BackendOp& op,
                                               const std::string& name,
                                               std::pair<std::int64_t, std::int64_t> fallback,
                                               bool* present = nullptr);
bool has_arg(const runtime::BackendOp& op, const std::string& name);

// y = x + body(x); the body must keep the shape of its input.
struct ResidualImpl : torch::nn::Module {
  explicit ResidualImpl(torch::nn::Sequential inner);
  torch::Tensor forward(torch::Tensor x);
  torch::nn::Sequential body;
};
TORCH_MODULE(Residual);

struct BuiltModel {
  torch::nn::Sequential net;
  std::vector<std::int64_t> output_shape;  // per sample
};

// Builds the network for per-sample input `input_shape`. Sizes a layer infers (linear `in`,
// conv2d `in_channels`, batch_norm `features`) are computed from the shapes flowing through
// the layers and checked against the plan's values when the plan states them. Parameters are
// initialised from LibTorch's global generator: seed it first for a deterministic model.
BuiltModel build_model(const std::vector<runtime::BackendOp>& layers,
                       const std::vector<std::int64_t>& input_shape);

// Parameters and buffers of every module in preorder, each module's own parameters before its
// buffers (the order of PyTorch's state_dict), as float32 contiguous copies; integer buffers
// (batch_norm's num_batches_tracked) are converted to float.
std::vector<runtime::NamedTensor> extract_weights(torch::nn::Module& module);

// Copies `weights` into `module`; names, count and shapes must match exactly.
void load_weights(torch::nn::Module& module, const std::vector<runtime::NamedTensor>& weights);

// Intra-op threads of LibTorch (and of OpenBLAS when it is the loaded BLAS) set to `threads`;
// inter-op threads set to 1 once per process.
void configure_threads(int threads);

// A [N, ...] float tensor viewing (not copying) the values; throws when the shape does not
// match the values or the per-sample shape.
torch::Tensor tensor_view(const runtime::BackendTensor& tensor,
                          const std::vector<std::int64_t>& sample_shape, const char* what);

}  // namespace mlf::torch_backend
