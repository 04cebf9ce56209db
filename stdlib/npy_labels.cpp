#include "stdlib/npy_labels.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "compiler/probe/byte_stream.h"
#include "compiler/probe/npy_probe.h"
#include "compiler/probe/shape_size.h"

namespace mlf {
namespace {

probe::ProbeError bad_format(const std::string& path, const std::string& detail) {
  return probe::ProbeError{probe::ProbeError::Kind::BadFormat,
                           probe::in_backticks(path) + " " + detail};
}

// One little-endian integer element (the only byte order probe_npy accepts).
std::int64_t read_element(const unsigned char* bytes, probe::ElementType type) {
  switch (type) {
    case probe::ElementType::U8: return bytes[0];
    case probe::ElementType::I8: return static_cast<std::int8_t>(bytes[0]);
    case probe::ElementType::I16:
      return static_cast<std::int16_t>(static_cast<std::uint16_t>(bytes[0] | bytes[1] << 8));
    case probe::ElementType::I32: {
      std::uint32_t v = 0;
      for (int i = 3; i >= 0; --i) v = v << 8 | bytes[i];
      return static_cast<std::int32_t>(v);
    }
    case probe::ElementType::I64: {
      std::uint64_t v = 0;
      for (int i = 7; i >= 0; --i) v = v << 8 | bytes[i];
      return static_cast<std::int64_t>(v);
    }
    case probe::ElementType::F32:
    case probe::ElementType::F64: return 0;
  }
  return 0;
}

// Far above any real class count, and low enough that K stays a sane tensor dimension.
constexpr std::int64_t kMaxLabel = (1 << 24) - 1;

bool is_integer(probe::ElementType type) {
  return type != probe::ElementType::F32 && type != probe::ElementType::F64;
}

}  // namespace

probe::ProbeResult<NpyLabelSummary> read_npy_labels(const std::string& path) {
  auto header_result = probe::probe_npy(path);
  if (!probe::ok(header_result)) return probe::error(header_result);
  const probe::NpyHeader& header = std::get<probe::NpyHeader>(header_result);
  if (header.shape.size() != 1)
    return bad_format(path, "holds an array of shape " + probe::format_dims(header.shape) +
                                "; labels must be one class id per sample, of shape [N]");
  if (!is_integer(header.type))
    return bad_format(path, std::string("holds ") + probe::element_type_name(header.type) +
                                " labels; class ids must be integers");

  auto stream_result = probe::ByteStream::open(path, probe::ByteStream::Gzip::Never);
  if (!probe::ok(stream_result)) return probe::error(stream_result);
  probe::ByteStream stream = std::move(std::get<probe::ByteStream>(stream_result));

  const std::size_t element = probe::element_size(header.type);
  constexpr std::size_t kChunk = 64 * 1024;  // a multiple of every element size
  std::vector<unsigned char> buffer(kChunk);
  std::uint64_t to_skip = header.data_offset;
  while (to_skip > 0) {
    auto got = stream.read(
        buffer.data(), static_cast<std::size_t>(std::min<std::uint64_t>(to_skip, buffer.size())));
    if (!probe::ok(got)) return probe::error(got);
    if (std::get<std::size_t>(got) == 0) return bad_format(path, "ends inside its header");
    to_skip -= std::get<std::size_t>(got);
  }

  NpyLabelSummary summary;
  summary.count = header.shape[0];
  std::int64_t remaining = summary.count;
  std::int64_t index = 0;
  std::int64_t max_label = -1;
  while (remaining > 0) {
    std::size_t want = static_cast<std::size_t>(
        std::min<std::int64_t>(remaining, static_cast<std::int64_t>(kChunk / element)));
    auto got = stream.read(buffer.data(), want * element);
    if (!probe::ok(got)) return probe::error(got);
    if (std::get<std::size_t>(got) != want * element)
      return bad_format(path, "ends before its " + std::to_string(summary.count) + " labels");
    for (std::size_t i = 0; i < want; ++i, ++index) {
      std::int64_t label = read_element(buffer.data() + i * element, header.type);
      if (label < 0)
        return bad_format(path, "holds the negative label " + std::to_string(label) + " at index " +
                                    std::to_string(index) + "; class ids start at 0");
      if (label > kMaxLabel)
        return bad_format(path, "holds the label " + std::to_string(label) + " at index " +
                                    std::to_string(index) + "; class ids above " +
                                    std::to_string(kMaxLabel) + " are not supported");
      max_label = std::max(max_label, label);
    }
    remaining -= static_cast<std::int64_t>(want);
  }
  summary.num_classes = max_label + 1;
  return summary;
}

}  // namespace mlf
