#include "compiler/sema/types.h"

namespace mlf {

const char* dtype_name(DType type) {
  switch (type) {
    case DType::U8: return "u8";
    case DType::I8: return "i8";
    case DType::I16: return "i16";
    case DType::I32: return "i32";
    case DType::I64: return "i64";
    case DType::F32: return "f32";
    case DType::F64: return "f64";
  }
  return "?";
}

std::optional<DType> dtype_from_name(const std::string& name) {
  for (DType t : {DType::U8, DType::I8, DType::I16, DType::I32, DType::I64, DType::F32, DType::F64})
    if (name == dtype_name(t)) return t;
  return std::nullopt;
}

bool is_float(DType type) { return type == DType::F32 || type == DType::F64; }

std::size_t dtype_size(DType type) {
  switch (type) {
    case DType::U8: case DType::I8: return 1;
    case DType::I16: return 2;
    case DType::I32: case DType::F32: return 4;
    case DType::I64: case DType::F64: return 8;
  }
  return 1;
}

std::int64_t TensorType::elements() const {
  std::int64_t n = 1;
  for (auto d : dims) n *= d;
  return n;
}

std::string TensorType::str() const {
  std::string out = dtype_name(dtype);
  out += '[';
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(dims[i]);
  }
  out += ']';
  return out;
}

std::string LabelType::str() const {
  switch (kind) {
    case Kind::Class: return "class<" + std::to_string(classes) + ">";
    case Kind::Soft: return "soft<" + std::to_string(classes) + ">";
    case Kind::Target: return target.str();
  }
  return "?";
}

std::string SampleType::str() const { return "{x: " + x.str() + ", y: " + y.str() + "}"; }

// A count below zero is known only at run time (`split(by: "hash")`).
std::string DatasetType::str() const {
  return (count < 0 ? std::string("?") : std::to_string(count)) + " × " + sample.str();
}

}  // namespace mlf
