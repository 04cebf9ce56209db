// One sample of a dataset tensor as people look at it: an image (a PNG data URI) when the
// sample is shaped like one — [H, W], [1, H, W] or [3, H, W] with H, W ≥ 4 — else its first
// values. Float samples (normalised, augmented) are stretched to their own min–max range.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/data/tensor.h"

namespace mlf::runtime {

// "data:image/png;base64,…", or "" when the sample is not image-shaped.
std::string sample_image_uri(const Tensor& x, std::int64_t index);

// Up to `limit` values of sample `index`, as doubles.
std::vector<double> sample_values(const Tensor& x, std::int64_t index, std::size_t limit);

}  // namespace mlf::runtime
