// Trained weights as canonical bytes: for each tensor in module order its name, rank, dims
// and float32 values (little-endian). The digest of these bytes identifies a trained model
// whatever library version or file format would serialise it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "runtime/backend/training_backend.h"

namespace mlf::runtime {

std::string encode_weights(const std::vector<NamedTensor>& weights);
bool decode_weights(std::string_view bytes, std::vector<NamedTensor>& out, std::string& error);

// Per-sample evaluation results: predictions, losses and logits [N, K].
struct Predictions {
  std::vector<std::int32_t> labels, predicted;
  std::vector<float> losses;
  BackendTensor logits;
};
std::string encode_predictions(const Predictions& predictions);
bool decode_predictions(std::string_view bytes, Predictions& out, std::string& error);

}  // namespace mlf::runtime
