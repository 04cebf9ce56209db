#include "runtime/data/npy_reader.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string_view>

#include "runtime/data/file_bytes.h"

namespace mlf::runtime {
namespace {

constexpr std::int64_t kMaxLabel = (1 << 24) - 1;

struct NpyArray {
  DType dtype = DType::F32;
  std::vector<std::int64_t> shape;
  std::size_t data_offset = 0;
};

// The dict numpy writes, read with the probe's grammar (compiler/probe/npy_probe.cpp).
class HeaderReader {
 public:
  explicit HeaderReader(std::string_view text) : text_(text) {}

  bool read(std::string& descr, bool& fortran, std::vector<std::int64_t>& shape) {
    bool seen_descr = false, seen_order = false, seen_shape = false;
    skip_space();
    if (!consume('{')) return false;
    while (true) {
      skip_space();
      if (consume('}')) break;
      std::string key;
      if (!read_string(key)) return false;
      skip_space();
      if (!consume(':')) return false;
      skip_space();
      if (key == "descr") {
        if (!read_string(descr)) return false;
        seen_descr = true;
      } else if (key == "fortran_order") {
        if (consume_word("True")) fortran = true;
        else if (consume_word("False")) fortran = false;
        else return false;
        seen_order = true;
      } else if (key == "shape") {
        if (!read_shape(shape)) return false;
        seen_shape = true;
      } else {
        return false;
      }
      skip_space();
      if (consume(',')) continue;
      skip_space();
      if (consume('}')) break;
      return false;
    }
    return seen_descr && seen_order && seen_shape;
  }

 private:
  char peek() const { return at_ < text_.size() ? text_[at_] : '\0'; }
  bool consume(char c) {
    if (peek() != c) return false;
    ++at_;
    return true;
  }
  bool consume_word(std::string_view word) {
    if (text_.substr(at_, word.size()) != word) return false;
    at_ += word.size();
    return true;
  }
  void skip_space() {
    while (at_ < text_.size() &&
           (text_[at_] == ' ' || text_[at_] == '\t' || text_[at_] == '\n' || text_[at_] == '\r'))
      ++at_;
  }
  bool read_string(std::string& out) {
    char quote = peek();
    if (quote != '\'' && quote != '"') return false;
    std::size_t end = text_.find(quote, at_ + 1);
    if (end == std::string_view::npos) return false;
    out.assign(text_.substr(at_ + 1, end - at_ - 1));
    at_ = end + 1;
    return true;
  }
  bool read_shape(std::vector<std::int64_t>& shape) {
    if (!consume('(')) return false;
    while (true) {
      skip_space();
      if (consume(')')) return true;
      std::size_t start = at_;
      std::int64_t value = 0;
      while (at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9') {
        int digit = text_[at_] - '0';
        if (value > (std::numeric_limits<std::int64_t>::max() - digit) / 10) return false;
        value = value * 10 + digit;
        ++at_;
      }
      if (at_ == start) return false;
      consume('L');
      shape.push_back(value);
      if (shape.size() > 64) return false;
      skip_space();
      if (consume(',')) continue;
      skip_space();
      if (consume(')')) return true;
      return false;
    }
  }

  std::string_view text_;
  std::size_t at_ = 0;
};

bool dtype_of_descr(const std::string& descr, DType& out) {
  static const std::pair<std::string_view, DType> kDescrs[] = {
      {"|u1", DType::U8},  {"<u1", DType::U8},  {"|i1", DType::I8},  {"<i1", DType::I8},
      {"<i2", DType::I16}, {"<i4", DType::I32}, {"<i8", DType::I64}, {"<f4", DType::F32},
      {"<f8", DType::F64},
  };
  for (const auto& [name, type] : kDescrs) {
    if (name == descr) {
      out = type;
      return true;
    }
  }
  return false;
}

DataResult<NpyArray> parse(const std::string& path, const std::string& bytes) {
  const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
  if (bytes.size() < 8 || std::memcmp(b, "\x93NUMPY", 6) != 0)
    return DataError{quoted_path(path) + " is not an NPY file"};
  unsigned major = b[6];
  if (major < 1 || major > 3)
    return DataError{quoted_path(path) + " has an unsupported NPY format version " +
                     std::to_string(major)};
  std::size_t length_bytes = major == 1 ? 2 : 4;
  if (bytes.size() < 8 + length_bytes)
    return DataError{quoted_path(path) + " is truncated inside its NPY header"};
  std::uint64_t header_length = b[8] | static_cast<std::uint64_t>(b[9]) << 8;
  if (length_bytes == 4)
    header_length |= static_cast<std::uint64_t>(b[10]) << 16 | static_cast<std::uint64_t>(b[11]) << 24;
  std::uint64_t header_start = 8 + length_bytes;
  if (header_length > (1u << 20) || header_start + header_length > bytes.size())
    return DataError{quoted_path(path) + " is truncated inside its NPY header"};

  NpyArray array;
  std::string descr;
  bool fortran = false;
  std::string_view text(bytes.data() + header_start, header_length);
  if (!HeaderReader(text).read(descr, fortran, array.shape))
    return DataError{quoted_path(path) + " has a malformed NPY header"};
  if (!dtype_of_descr(descr, array.dtype))
    return DataError{quoted_path(path) + " has the unsupported dtype '" + descr + "'"};
  if (fortran) return DataError{quoted_path(path) + " is stored in Fortran order"};
  array.data_offset = header_start + header_length;
  std::uint64_t elements = 1;
  for (std::int64_t dim : array.shape) {
    if (dim != 0 && elements > std::numeric_limits<std::uint64_t>::max() / 16 /
                                   static_cast<std::uint64_t>(dim))
      return DataError{quoted_path(path) + " declares a shape whose size overflows"};
    elements *= static_cast<std::uint64_t>(dim);
  }
  std::uint64_t needed = elements * dtype_size(array.dtype);
  if (bytes.size() - array.data_offset != needed)
    return DataError{quoted_path(path) + " holds " +
                     std::to_string(bytes.size() - array.data_offset) +
                     " bytes of data but its header declares " + std::to_string(needed)};
  return array;
}

std::int64_t integer_at(const unsigned char* b, DType type) {
  switch (type) {
    case DType::U8: return b[0];
    case DType::I8: return static_cast<std::int8_t>(b[0]);
    case DType::I16: return static_cast<std::int16_t>(static_cast<std::uint16_t>(b[0] | b[1] << 8));
    case DType::I32: {
      std::int32_t v;
      std::memcpy(&v, b, 4);
      return v;
    }
    case DType::I64: {
      std::int64_t v;
      std::memcpy(&v, b, 8);
      return v;
    }
    default: return 0;
  }
}

}  // namespace

DataResult<Dataset> decode_npy(const std::string& x_path, const std::string& x_bytes,
                               const std::string& y_path, const std::string& y_bytes,
                               std::optional<std::int64_t> classes) {
  auto x_array = parse(x_path, x_bytes);
  if (!ok(x_array)) return error(x_array);
  auto y_array = parse(y_path, y_bytes);
  if (!ok(y_array)) return error(y_array);
  const NpyArray& x = value(x_array);
  const NpyArray& y = value(y_array);
  if (x.shape.empty())
    return DataError{quoted_path(x_path) + " holds a 0-d array; samples must be the entries "
                                           "of its first dimension"};
  if (y.shape.size() != 1)
    return DataError{quoted_path(y_path) + " must hold one class id per sample, of shape [N]"};
  if (y.dtype == DType::F32 || y.dtype == DType::F64)
    return DataError{quoted_path(y_path) + " holds float labels; class ids must be integers"};
  if (x.shape[0] != y.shape[0])
    return DataError{quoted_path(x_path) + " holds " + std::to_string(x.shape[0]) +
                     " samples but " + quoted_path(y_path) + " holds " +
                     std::to_string(y.shape[0]) + " labels"};

  Dataset out;
  out.x.dtype = x.dtype;
  out.x.shape = x.shape;
  out.x.bytes.assign(x_bytes.begin() + static_cast<std::ptrdiff_t>(x.data_offset), x_bytes.end());

  const std::int64_t n = y.shape[0];
  const std::size_t size = dtype_size(y.dtype);
  const auto* b = reinterpret_cast<const unsigned char*>(y_bytes.data()) + y.data_offset;
  out.y.resize(static_cast<std::size_t>(n));
  std::int64_t max_label = -1;
  for (std::int64_t i = 0; i < n; ++i) {
    std::int64_t label = integer_at(b + i * size, y.dtype);
    if (label < 0 || label > kMaxLabel)
      return DataError{quoted_path(y_path) + " holds the label " + std::to_string(label) +
                       " at index " + std::to_string(i) + "; class ids must be in [0, " +
                       std::to_string(kMaxLabel) + "]"};
    max_label = std::max(max_label, label);
    out.y[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(label);
  }
  out.classes = max_label + 1;
  if (classes) {
    if (*classes < out.classes)
      return DataError{"`classes` is " + std::to_string(*classes) + " but " +
                       quoted_path(y_path) + " holds the label " + std::to_string(max_label)};
    out.classes = *classes;
  }
  out.source_index.resize(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) out.source_index[static_cast<std::size_t>(i)] = i;
  return out;
}

}  // namespace mlf::runtime
