// In-memory data of the runtime: dense tensors and datasets of samples.
//
// Promises: a Tensor is a dtype, a shape and its bytes, row-major, little-endian, with no
// padding; canonical_digest covers exactly (dtype, shape, bytes), so equal data has equal
// digests whatever produced or serialised it. A Dataset holds all its samples: x has shape
// [N, ...sample shape], labels are class indices (or soft/target rows in `y_values`).
// Does not: know LibTorch (the training backend converts at its boundary).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/hash/sha256.h"
#include "compiler/sema/types.h"

namespace mlf::runtime {

struct Tensor {
  DType dtype = DType::F32;
  std::vector<std::int64_t> shape;
  std::vector<std::uint8_t> bytes;

  std::int64_t elements() const;
  std::int64_t sample_elements() const;  // product of shape[1:]
  template <class T> T* data() { return reinterpret_cast<T*>(bytes.data()); }
  template <class T> const T* data() const { return reinterpret_cast<const T*>(bytes.data()); }
  static Tensor zeros(DType dtype, std::vector<std::int64_t> shape);
};

// SHA-256 over a canonical header (dtype name, rank, dims) followed by the bytes.
Digest canonical_digest(const Tensor& tensor);

struct Dataset {
  Tensor x;                       // [N, ...]
  std::vector<std::int32_t> y;    // class index per sample (LabelType::Kind::Class)
  Tensor y_values;                // [N, K] soft labels or [N, ...] targets; empty otherwise
  std::int64_t classes = 0;
  std::vector<std::int64_t> source_index;  // per sample: its index in the reader's order

  std::int64_t size() const { return x.shape.empty() ? 0 : x.shape[0]; }
};

// Canonical serialisation for the store: a small header, then x, y, y_values, source_index.
std::string serialize(const Dataset& dataset);
// Returns false (with a reason) on malformed bytes; never trusts declared sizes blindly.
bool deserialize(std::string_view bytes, Dataset& out, std::string& error);

}  // namespace mlf::runtime
