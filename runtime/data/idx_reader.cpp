#include "runtime/data/idx_reader.h"

#include <algorithm>
#include <limits>
#include <optional>

#include "runtime/data/file_bytes.h"

namespace mlf::runtime {
namespace {

struct IdxArray {
  DType dtype = DType::U8;
  std::vector<std::int64_t> dims;
  std::size_t data_offset = 0;
};

std::optional<DType> idx_type(unsigned char code) {
  switch (code) {
    case 0x08: return DType::U8;
    case 0x09: return DType::I8;
    case 0x0b: return DType::I16;
    case 0x0c: return DType::I32;
    case 0x0d: return DType::F32;
    case 0x0e: return DType::F64;
    default: return std::nullopt;
  }
}

std::uint32_t big_endian_u32(const unsigned char* bytes) {
  return static_cast<std::uint32_t>(bytes[0]) << 24 | static_cast<std::uint32_t>(bytes[1]) << 16 |
         static_cast<std::uint32_t>(bytes[2]) << 8 | static_cast<std::uint32_t>(bytes[3]);
}

DataResult<IdxArray> parse(const std::string& path, const std::string& content) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(content.data());
  if (content.size() < 4 || bytes[0] != 0 || bytes[1] != 0)
    return DataError{quoted_path(path) + " is not an IDX file"};
  std::optional<DType> type = idx_type(bytes[2]);
  unsigned rank = bytes[3];
  if (!type || rank == 0)
    return DataError{quoted_path(path) + " is not an IDX file: bad type code or rank"};
  IdxArray array;
  array.dtype = *type;
  array.data_offset = 4 + 4 * static_cast<std::size_t>(rank);
  if (content.size() < array.data_offset)
    return DataError{quoted_path(path) + " is truncated inside its IDX header"};
  std::uint64_t elements = 1;
  for (unsigned i = 0; i < rank; ++i) {
    std::uint32_t dim = big_endian_u32(bytes + 4 + 4 * i);
    if (dim != 0 && elements > std::numeric_limits<std::uint64_t>::max() / 16 / dim)
      return DataError{quoted_path(path) + " declares dimensions whose size overflows"};
    elements *= dim;
    array.dims.push_back(dim);
  }
  std::uint64_t needed = elements * dtype_size(*type);
  std::uint64_t held = content.size() - array.data_offset;
  if (held != needed)
    return DataError{quoted_path(path) + " holds " + std::to_string(held) +
                     " bytes of data but its header declares " + std::to_string(needed)};
  return array;
}

}  // namespace

DataResult<Dataset> decode_idx(const std::string& images_path, const std::string& images,
                               const std::string& labels_path, const std::string& labels) {
  auto image_array = parse(images_path, images);
  if (!ok(image_array)) return error(image_array);
  auto label_array = parse(labels_path, labels);
  if (!ok(label_array)) return error(label_array);
  const IdxArray& x = value(image_array);
  const IdxArray& y = value(label_array);

  if (x.dims.size() < 2 || x.dims.size() > 4)
    return DataError{quoted_path(images_path) +
                     " holds an array of rank " + std::to_string(x.dims.size()) +
                     "; samples must be [N, F], [N, H, W] or [N, C, H, W]"};
  if (y.dims.size() != 1)
    return DataError{quoted_path(labels_path) + " is not a label file: it has " +
                     std::to_string(y.dims.size()) + " dimensions"};
  if (y.dtype == DType::F32 || y.dtype == DType::F64)
    return DataError{quoted_path(labels_path) + " holds float values; labels must be integers"};
  if (x.dims[0] != y.dims[0])
    return DataError{quoted_path(images_path) + " holds " + std::to_string(x.dims[0]) +
                     " samples but " + quoted_path(labels_path) + " holds " +
                     std::to_string(y.dims[0]) + " labels"};

  Dataset out;
  std::vector<std::int64_t> shape = x.dims;
  if (shape.size() == 3) shape.insert(shape.begin() + 1, 1);
  out.x = Tensor::zeros(x.dtype, shape);
  const std::size_t size = dtype_size(x.dtype);
  const auto* source = reinterpret_cast<const unsigned char*>(images.data()) + x.data_offset;
  std::uint8_t* target = out.x.bytes.data();
  const std::size_t total = out.x.bytes.size();
  if (size == 1) {
    std::copy(source, source + total, target);
  } else {
    for (std::size_t at = 0; at < total; at += size)
      for (std::size_t b = 0; b < size; ++b) target[at + b] = source[at + size - 1 - b];
  }

  const std::int64_t n = y.dims[0];
  const auto* label_bytes = reinterpret_cast<const unsigned char*>(labels.data()) + y.data_offset;
  const std::size_t label_size = dtype_size(y.dtype);
  out.y.resize(static_cast<std::size_t>(n));
  std::int64_t max_label = -1;
  for (std::int64_t i = 0; i < n; ++i) {
    const unsigned char* b = label_bytes + i * label_size;
    std::int64_t label = 0;
    switch (y.dtype) {
      case DType::U8: label = b[0]; break;
      case DType::I8: label = static_cast<std::int8_t>(b[0]); break;
      case DType::I16: label = static_cast<std::int16_t>(static_cast<std::uint16_t>(b[0] << 8 | b[1])); break;
      default: label = static_cast<std::int32_t>(big_endian_u32(b)); break;
    }
    if (label < 0)
      return DataError{quoted_path(labels_path) + " holds a negative label " +
                       std::to_string(label) + " at index " + std::to_string(i)};
    max_label = std::max(max_label, label);
    out.y[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(label);
  }
  out.classes = max_label + 1;
  out.source_index.resize(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) out.source_index[static_cast<std::size_t>(i)] = i;
  return out;
}

}  // namespace mlf::runtime
