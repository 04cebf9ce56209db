#include "runtime/data/tensor.h"

#include <cstring>
#include <limits>

namespace mlf::runtime {
namespace {

// Stable one-byte codes of the element types in serialised datasets (not the enum's order).
std::uint8_t dtype_code(DType type) {
  switch (type) {
    case DType::U8: return 1;
    case DType::I8: return 2;
    case DType::I16: return 3;
    case DType::I32: return 4;
    case DType::I64: return 5;
    case DType::F32: return 6;
    case DType::F64: return 7;
  }
  return 0;
}

bool dtype_from_code(std::uint8_t code, DType& out) {
  switch (code) {
    case 1: out = DType::U8; return true;
    case 2: out = DType::I8; return true;
    case 3: out = DType::I16; return true;
    case 4: out = DType::I32; return true;
    case 5: out = DType::I64; return true;
    case 6: out = DType::F32; return true;
    case 7: out = DType::F64; return true;
    default: return false;
  }
}

constexpr std::string_view kMagic = "MLFDATA1";
constexpr std::uint32_t kMaxRank = 64;

void put_u64(std::string& out, std::uint64_t value) {
  for (int i = 0; i < 8; ++i) out += static_cast<char>(value >> (8 * i));
}

void put_tensor(std::string& out, const Tensor& tensor) {
  out += static_cast<char>(dtype_code(tensor.dtype));
  put_u64(out, tensor.shape.size());
  for (std::int64_t dim : tensor.shape) put_u64(out, static_cast<std::uint64_t>(dim));
  put_u64(out, tensor.bytes.size());
  out.append(reinterpret_cast<const char*>(tensor.bytes.data()), tensor.bytes.size());
}

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  bool u8(std::uint8_t& out, const char* what) {
    if (!need(1, what)) return false;
    out = static_cast<std::uint8_t>(bytes_[at_++]);
    return true;
  }
  bool u64(std::uint64_t& out, const char* what) {
    if (!need(8, what)) return false;
    out = 0;
    for (int i = 0; i < 8; ++i)
      out |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(bytes_[at_ + i])) << (8 * i);
    at_ += 8;
    return true;
  }
  bool raw(void* out, std::uint64_t size, const char* what) {
    if (!need(size, what)) return false;
    if (size) std::memcpy(out, bytes_.data() + at_, size);
    at_ += size;
    return true;
  }
  // A count of items of `item_size` bytes that must still fit in what is left.
  bool count(std::uint64_t& out, std::uint64_t item_size, const char* what) {
    if (!u64(out, what)) return false;
    if (item_size != 0 && out > remaining() / item_size) {
      error = std::string(what) + " declares " + std::to_string(out) +
              " entries, more than the remaining " + std::to_string(remaining()) + " bytes hold";
      return false;
    }
    return true;
  }

  bool tensor(Tensor& out, const char* what) {
    std::uint8_t code = 0;
    if (!u8(code, what)) return false;
    if (!dtype_from_code(code, out.dtype)) {
      error = std::string(what) + " has the unknown element type code " + std::to_string(code);
      return false;
    }
    std::uint64_t rank = 0;
    if (!u64(rank, what)) return false;
    if (rank > kMaxRank) {
      error = std::string(what) + " declares rank " + std::to_string(rank) + ", more than " +
              std::to_string(kMaxRank);
      return false;
    }
    out.shape.assign(rank, 0);
    std::uint64_t elements = 1;
    for (std::uint64_t i = 0; i < rank; ++i) {
      std::uint64_t dim = 0;
      if (!u64(dim, what)) return false;
      if (dim > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
          (dim != 0 && elements > std::numeric_limits<std::uint64_t>::max() / dim)) {
        error = std::string(what) + " declares a shape whose size overflows";
        return false;
      }
      elements *= dim;
      out.shape[i] = static_cast<std::int64_t>(dim);
    }
    std::uint64_t size = 0;
    if (!u64(size, what)) return false;
    std::uint64_t element_size = dtype_size(out.dtype);
    bool absent = rank == 0 && size == 0;  // an empty tensor (e.g. no y_values)
    if (!absent && (elements > std::numeric_limits<std::uint64_t>::max() / element_size ||
                    elements * element_size != size)) {
      error = std::string(what) + " holds " + std::to_string(size) +
              " bytes but its shape needs " + std::to_string(elements) + " elements of " +
              std::to_string(element_size) + " bytes";
      return false;
    }
    if (size > remaining()) {
      error = std::string(what) + " declares " + std::to_string(size) + " bytes but only " +
              std::to_string(remaining()) + " remain";
      return false;
    }
    out.bytes.resize(size);
    return raw(out.bytes.data(), size, what);
  }

  std::uint64_t remaining() const { return bytes_.size() - at_; }
  std::string error;

 private:
  bool need(std::uint64_t size, const char* what) {
    if (size <= remaining()) return true;
    error = std::string("truncated inside ") + what;
    return false;
  }

  std::string_view bytes_;
  std::uint64_t at_ = 0;
};

}  // namespace

std::int64_t Tensor::elements() const {
  std::int64_t n = 1;
  for (std::int64_t dim : shape) n *= dim;
  return n;
}

std::int64_t Tensor::sample_elements() const {
  std::int64_t n = 1;
  for (std::size_t i = 1; i < shape.size(); ++i) n *= shape[i];
  return n;
}

Tensor Tensor::zeros(DType dtype, std::vector<std::int64_t> shape) {
  Tensor out;
  out.dtype = dtype;
  out.shape = std::move(shape);
  out.bytes.assign(static_cast<std::size_t>(out.elements()) * dtype_size(dtype), 0);
  return out;
}

// Header: "mlf-tensor/1\n", the dtype name, "\n", the rank in decimal, then per dim ":"
// and its decimal value, then "\n"; then the bytes as they are.
Digest canonical_digest(const Tensor& tensor) {
  std::string header = "mlf-tensor/1\n";
  header += dtype_name(tensor.dtype);
  header += "\n" + std::to_string(tensor.shape.size());
  for (std::int64_t dim : tensor.shape) header += ":" + std::to_string(dim);
  header += "\n";
  Sha256 hasher;
  hasher.update(header);
  hasher.update(tensor.bytes.data(), tensor.bytes.size());
  return hasher.finish();
}

// Layout (all integers little-endian u64 unless stated):
//   "MLFDATA1"
//   x        tensor: dtype code (u8), rank, dims, byte count, bytes
//   y        count, then count i32 values
//   y_values tensor (rank 0 and 0 bytes when absent)
//   classes  i64 as u64
//   source_index count, then count i64 values
std::string serialize(const Dataset& dataset) {
  std::string out(kMagic);
  put_tensor(out, dataset.x);
  put_u64(out, dataset.y.size());
  for (std::int32_t label : dataset.y) {
    auto v = static_cast<std::uint32_t>(label);
    for (int i = 0; i < 4; ++i) out += static_cast<char>(v >> (8 * i));
  }
  put_tensor(out, dataset.y_values);
  put_u64(out, static_cast<std::uint64_t>(dataset.classes));
  put_u64(out, dataset.source_index.size());
  for (std::int64_t index : dataset.source_index) put_u64(out, static_cast<std::uint64_t>(index));
  return out;
}

bool deserialize(std::string_view bytes, Dataset& out, std::string& error) {
  out = Dataset{};
  if (bytes.substr(0, kMagic.size()) != kMagic) {
    error = "not a serialised dataset (bad magic)";
    return false;
  }
  Reader reader(bytes.substr(kMagic.size()));
  auto fail = [&]() {
    error = "malformed dataset: " + reader.error;
    out = Dataset{};
    return false;
  };
  Dataset result;
  if (!reader.tensor(result.x, "x")) return fail();
  std::uint64_t labels = 0;
  if (!reader.count(labels, 4, "y")) return fail();
  result.y.resize(labels);
  for (std::uint64_t i = 0; i < labels; ++i) {
    std::uint8_t b[4];
    if (!reader.raw(b, 4, "y")) return fail();
    result.y[i] = static_cast<std::int32_t>(static_cast<std::uint32_t>(b[0]) |
                                            static_cast<std::uint32_t>(b[1]) << 8 |
                                            static_cast<std::uint32_t>(b[2]) << 16 |
                                            static_cast<std::uint32_t>(b[3]) << 24);
  }
  if (!reader.tensor(result.y_values, "y_values")) return fail();
  std::uint64_t classes = 0;
  if (!reader.u64(classes, "classes")) return fail();
  result.classes = static_cast<std::int64_t>(classes);
  std::uint64_t indices = 0;
  if (!reader.count(indices, 8, "source_index")) return fail();
  result.source_index.resize(indices);
  for (std::uint64_t i = 0; i < indices; ++i) {
    std::uint64_t v = 0;
    if (!reader.u64(v, "source_index")) return fail();
    result.source_index[i] = static_cast<std::int64_t>(v);
  }
  if (reader.remaining() != 0) {
    reader.error = std::to_string(reader.remaining()) + " bytes after the end";
    return fail();
  }
  // Consistency: per-sample arrays match the sample count; labels are in range.
  const std::int64_t n = result.size();
  if (result.x.shape.empty() && !result.x.bytes.empty()) {
    reader.error = "x has no sample dimension";
    return fail();
  }
  if (!result.y.empty() && static_cast<std::int64_t>(result.y.size()) != n) {
    reader.error = "y holds " + std::to_string(result.y.size()) + " labels for " +
                   std::to_string(n) + " samples";
    return fail();
  }
  if (!result.y_values.shape.empty() && result.y_values.shape[0] != n) {
    reader.error = "y_values holds " + std::to_string(result.y_values.shape[0]) + " rows for " +
                   std::to_string(n) + " samples";
    return fail();
  }
  if (!result.source_index.empty() && static_cast<std::int64_t>(result.source_index.size()) != n) {
    reader.error = "source_index holds " + std::to_string(result.source_index.size()) +
                   " entries for " + std::to_string(n) + " samples";
    return fail();
  }
  if (result.classes < 0) {
    reader.error = "negative class count";
    return fail();
  }
  for (std::int32_t label : result.y) {
    if (label < 0 || label >= result.classes) {
      reader.error = "label " + std::to_string(label) + " outside [0, " +
                     std::to_string(result.classes) + ")";
      return fail();
    }
  }
  out = std::move(result);
  return true;
}

}  // namespace mlf::runtime
