#include "compiler/probe/idx_probe.h"

#include <algorithm>
#include <exception>
#include <optional>

#include "compiler/probe/byte_stream.h"
#include "compiler/probe/shape_size.h"

namespace mlf::probe {
namespace {

constexpr std::size_t kChunkSize = 64 * 1024;

// `content_free` is `detail` without the file's bytes, when `detail` quotes some.
ProbeError bad_format(const std::string& path, const std::string& detail,
                      const std::string& content_free = "") {
  return ProbeError{ProbeError::Kind::BadFormat, in_backticks(path) + " " + detail,
                    content_free.empty() ? "" : in_backticks(path) + " " + content_free};
}

ProbeError internal_failure(const std::string& path, const std::exception& e) {
  return ProbeError{ProbeError::Kind::Unreadable,
                    in_backticks(path) + " could not be probed: " + e.what()};
}

std::optional<ElementType> idx_type(unsigned char code) {
  switch (code) {
    case 0x08: return ElementType::U8;
    case 0x09: return ElementType::I8;
    case 0x0b: return ElementType::I16;
    case 0x0c: return ElementType::I32;
    case 0x0d: return ElementType::F32;
    case 0x0e: return ElementType::F64;
    default: return std::nullopt;
  }
}

std::uint32_t big_endian_u32(const unsigned char* bytes) {
  return static_cast<std::uint32_t>(bytes[0]) << 24 | static_cast<std::uint32_t>(bytes[1]) << 16 |
         static_cast<std::uint32_t>(bytes[2]) << 8 | static_cast<std::uint32_t>(bytes[3]);
}

struct ParsedHeader {
  IdxHeader header;
  std::uint64_t data_bytes = 0;
};

// Reads and validates the header; for a raw file also checks the file size exactly.
ProbeResult<ParsedHeader> read_header(ByteStream& stream) {
  const std::string& path = stream.path();
  const char* after = stream.gzipped() ? " after decompression" : "";

  unsigned char magic[4];
  auto got = stream.read(magic, 4);
  if (!ok(got)) return error(got);
  std::size_t magic_size = std::get<std::size_t>(got);
  if (magic_size < 4) {
    if (magic_size >= 2 && (magic[0] != 0 || magic[1] != 0))
      return bad_format(path, "is not an IDX file: magic bytes " + hex_bytes(magic, magic_size) + after,
                        std::string("is not an IDX file: it does not start with an IDX magic number") + after);
    return bad_format(path, "is truncated: an IDX file starts with a 4-byte magic number, but it holds only " +
                                std::to_string(magic_size) + " bytes" + after);
  }
  if (magic[0] != 0 || magic[1] != 0)
    return bad_format(path, "is not an IDX file: magic bytes " + hex_bytes(magic, 4) + after,
                      std::string("is not an IDX file: it does not start with an IDX magic number") + after);
  std::optional<ElementType> type = idx_type(magic[2]);
  if (!type)
    return bad_format(path, "is not an IDX file: unknown element type code 0x" + hex_bytes(magic + 2, 1) +
                                " (expected 08, 09, 0b, 0c, 0d or 0e)",
                      "is not an IDX file: its element type code is not one of 08, 09, 0b, 0c, 0d or 0e");
  unsigned ndims = magic[3];
  if (ndims == 0) return bad_format(path, "is not an IDX file: its header declares 0 dimensions");

  unsigned char dim_bytes[4 * 255];
  got = stream.read(dim_bytes, 4 * ndims);
  if (!ok(got)) return error(got);
  if (std::get<std::size_t>(got) < 4 * ndims)
    return bad_format(path, "is truncated: its IDX header declares " + std::to_string(ndims) +
                                " dimensions but the file ends after " +
                                std::to_string(4 + std::get<std::size_t>(got)) + " bytes" + after);

  ParsedHeader parsed;
  parsed.header.type = *type;
  parsed.header.gzipped = stream.gzipped();
  parsed.header.data_offset = 4 + 4 * static_cast<std::uint64_t>(ndims);
  for (unsigned i = 0; i < ndims; ++i) parsed.header.dims.push_back(big_endian_u32(dim_bytes + 4 * i));

  std::optional<std::uint64_t> data_bytes = checked_byte_count(parsed.header.dims, element_size(*type));
  if (!data_bytes)
    return bad_format(path, "declares dimensions " + format_dims(parsed.header.dims) + " of " +
                                element_type_name(*type) + " whose size overflows a 64-bit count");
  parsed.data_bytes = *data_bytes;

  if (!stream.gzipped()) {
    std::uint64_t held = stream.file_size() - parsed.header.data_offset;
    if (held != parsed.data_bytes)
      return bad_format(path, "holds " + std::to_string(held) + " bytes of data but its header declares " +
                                  format_dims(parsed.header.dims) + " of " + element_type_name(*type) +
                                  ", which needs " + std::to_string(parsed.data_bytes) + " bytes");
  }
  return parsed;
}

// For a gzip file: does the decompressed data length match the header? Trusts the gzip
// size trailer when it agrees; otherwise counts, reading at most data_bytes + 1 bytes.
std::optional<ProbeError> check_gzip_length(ByteStream& stream, const ParsedHeader& parsed) {
  std::uint64_t total = parsed.header.data_offset + parsed.data_bytes;
  std::optional<std::uint32_t> trailer = stream.gzip_size_trailer();
  if (trailer && *trailer == static_cast<std::uint32_t>(total)) return std::nullopt;

  std::vector<unsigned char> chunk(kChunkSize);
  std::uint64_t held = 0;
  while (held <= parsed.data_bytes) {
    auto got = stream.read(chunk.data(), chunk.size());
    if (!ok(got)) return error(got);
    std::size_t n = std::get<std::size_t>(got);
    if (n == 0) break;
    held += n;
  }
  if (held == parsed.data_bytes) return std::nullopt;
  const IdxHeader& header = parsed.header;
  std::string amount = held > parsed.data_bytes ? "more than " + std::to_string(parsed.data_bytes)
                                                : std::to_string(held);
  return bad_format(stream.path(), "holds " + amount + " bytes of data after decompression but its header declares " +
                                       format_dims(header.dims) + " of " + element_type_name(header.type) +
                                       ", which needs " + std::to_string(parsed.data_bytes) + " bytes");
}

std::int64_t decode_label(const unsigned char* bytes, ElementType type) {
  switch (type) {
    case ElementType::U8: return bytes[0];
    case ElementType::I8: return static_cast<std::int8_t>(bytes[0]);
    case ElementType::I16: return static_cast<std::int16_t>(static_cast<std::uint16_t>(bytes[0] << 8 | bytes[1]));
    case ElementType::I32: return static_cast<std::int32_t>(big_endian_u32(bytes));
    default: return 0;
  }
}

}  // namespace

ProbeResult<IdxHeader> probe_idx(const std::string& path) {
  try {
    auto opened = ByteStream::open(path);
    if (!ok(opened)) return error(opened);
    ByteStream& stream = std::get<ByteStream>(opened);
    auto parsed = read_header(stream);
    if (!ok(parsed)) return error(parsed);
    if (stream.gzipped()) {
      if (auto failure = check_gzip_length(stream, std::get<ParsedHeader>(parsed))) return *failure;
    }
    return std::get<ParsedHeader>(parsed).header;
  } catch (const std::exception& e) {
    return internal_failure(path, e);
  }
}

ProbeResult<LabelSummary> probe_idx_labels(const std::string& path) {
  try {
    auto opened = ByteStream::open(path);
    if (!ok(opened)) return error(opened);
    ByteStream& stream = std::get<ByteStream>(opened);
    auto read = read_header(stream);
    if (!ok(read)) return error(read);
    const ParsedHeader& parsed = std::get<ParsedHeader>(read);
    const IdxHeader& header = parsed.header;

    if (header.dims.size() != 1)
      return bad_format(path, "is not a label file: labels have 1 dimension, its header declares " +
                                  format_dims(header.dims));
    if (header.type == ElementType::F32 || header.type == ElementType::F64)
      return bad_format(path, std::string("holds ") + element_type_name(header.type) +
                                  " values; labels must be integers");

    const std::size_t size = element_size(header.type);
    const std::int64_t count = header.dims[0];
    std::vector<unsigned char> chunk(kChunkSize);  // a multiple of every element size
    std::int64_t seen = 0;
    std::int64_t max_label = -1;
    while (seen < count) {
      std::uint64_t want = std::min<std::uint64_t>(chunk.size(), static_cast<std::uint64_t>(count - seen) * size);
      auto got = stream.read(chunk.data(), want);
      if (!ok(got)) return error(got);
      std::size_t n = std::get<std::size_t>(got);
      for (std::size_t i = 0; i + size <= n; i += size) {
        std::int64_t label = decode_label(chunk.data() + i, header.type);
        if (label < 0)
          return bad_format(path, "holds a negative label " + std::to_string(label) + " at index " +
                                      std::to_string(seen + static_cast<std::int64_t>(i / size)));
        max_label = std::max(max_label, label);
      }
      seen += static_cast<std::int64_t>(n / size);
      if (n < want) break;
    }
    if (seen < count)
      return bad_format(path, "is truncated: its header declares " + std::to_string(count) +
                                  " labels but it holds only " + std::to_string(seen));
    unsigned char extra;
    auto got = stream.read(&extra, 1);
    if (!ok(got)) return error(got);
    if (std::get<std::size_t>(got) != 0)
      return bad_format(path, "holds more data than its header declares (" + std::to_string(count) + " labels)");
    return LabelSummary{count, max_label + 1};
  } catch (const std::exception& e) {
    return internal_failure(path, e);
  }
}

}  // namespace mlf::probe
