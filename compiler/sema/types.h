// The types the checker knows about data: element types, tensor types with static shapes,
// label types and dataset sample types.
//
// Promises: value types with a canonical text form (`u8[1,28,28]`, `class<10>`,
// `{x: f32[1,28,28], y: class<10>}`) used in diagnostics, the plan and hashes.
// Does not: know about ops (stdlib/catalogue.h) or about source syntax.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlf {

enum class DType { U8, I8, I16, I32, I64, F32, F64 };

const char* dtype_name(DType type);  // "u8", "f32", ...
std::optional<DType> dtype_from_name(const std::string& name);
bool is_float(DType type);
std::size_t dtype_size(DType type);

struct TensorType {
  DType dtype = DType::F32;
  std::vector<std::int64_t> dims;

  std::int64_t elements() const;
  std::string str() const;  // "f32[1,28,28]"; a scalar is "f32[]"
  friend bool operator==(const TensorType&, const TensorType&) = default;
};

// What a sample's label is: a class index out of `classes`, a probability vector over
// `classes` (after mixup or label smoothing of the data), or a real-valued target tensor.
struct LabelType {
  enum class Kind { Class, Soft, Target };
  Kind kind = Kind::Class;
  std::int64_t classes = 0;  // Class and Soft
  TensorType target;         // Target

  std::string str() const;  // "class<10>", "soft<10>", "f32[3]"
  friend bool operator==(const LabelType&, const LabelType&) = default;
};

struct SampleType {
  TensorType x;
  LabelType y;

  std::string str() const;  // "{x: f32[1,28,28], y: class<10>}"
  friend bool operator==(const SampleType&, const SampleType&) = default;
};

struct DatasetType {
  SampleType sample;
  std::int64_t count = 0;  // samples

  std::string str() const;  // "60000 × {x: ..., y: ...}"
};

}  // namespace mlf
