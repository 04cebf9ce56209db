#include "compiler/probe/npy_probe.h"

#include <cstring>
#include <exception>
#include <optional>
#include <string_view>

#include "compiler/probe/byte_stream.h"
#include "compiler/probe/shape_size.h"

namespace mlf::probe {
namespace {

constexpr std::uint64_t kMaxHeaderLength = 1 << 20;

// `content_free` is `detail` without the file's bytes, when `detail` quotes some.
ProbeError bad_format(const std::string& path, const std::string& detail,
                      const std::string& content_free = "") {
  return ProbeError{ProbeError::Kind::BadFormat, in_backticks(path) + " " + detail,
                    content_free.empty() ? "" : in_backticks(path) + " " + content_free};
}

struct DescrMatch {
  std::string_view descr;
  ElementType type;
};

constexpr DescrMatch kDescrs[] = {
    {"|u1", ElementType::U8},  {"<u1", ElementType::U8},  {"|i1", ElementType::I8},
    {"<i1", ElementType::I8},  {"<i2", ElementType::I16}, {"<i4", ElementType::I32},
    {"<i8", ElementType::I64}, {"<f4", ElementType::F32}, {"<f8", ElementType::F64},
};

// The dict numpy writes: {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
// followed by spaces and a newline. A small recursive-descent reader over exactly that.
class HeaderReader {
 public:
  HeaderReader(std::string_view text, const std::string& path) : text_(text), path_(path) {}

  std::optional<ProbeError> read(std::string& descr, bool& fortran_order, std::vector<std::int64_t>& shape) {
    bool seen_descr = false, seen_order = false, seen_shape = false;
    skip_space();
    if (!consume('{')) return malformed("expected `{`");
    while (true) {
      skip_space();
      if (consume('}')) break;
      std::string key;
      if (!read_string(key)) return malformed("expected a quoted key");
      skip_space();
      if (!consume(':')) return malformed("expected `:` after '" + key + "'");
      skip_space();
      if (key == "descr") {
        if (peek() == '[') return bad_format(path_, "holds a structured dtype, which is not supported");
        if (!read_string(descr)) return malformed("expected a quoted string for 'descr'");
        seen_descr = true;
      } else if (key == "fortran_order") {
        if (consume_word("True")) fortran_order = true;
        else if (consume_word("False")) fortran_order = false;
        else return malformed("expected True or False for 'fortran_order'");
        seen_order = true;
      } else if (key == "shape") {
        if (auto failure = read_shape(shape)) return failure;
        seen_shape = true;
      } else {
        return malformed("unexpected key '" + key + "'");
      }
      skip_space();
      if (consume(',')) continue;
      skip_space();
      if (consume('}')) break;
      return malformed("expected `,` or `}`");
    }
    if (!seen_descr) return malformed("the key 'descr' is missing");
    if (!seen_order) return malformed("the key 'fortran_order' is missing");
    if (!seen_shape) return malformed("the key 'shape' is missing");
    return std::nullopt;
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
    while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\t' || text_[at_] == '\n' || text_[at_] == '\r'))
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
  std::optional<ProbeError> read_shape(std::vector<std::int64_t>& shape) {
    if (!consume('(')) return malformed("expected a tuple for 'shape'");
    while (true) {
      skip_space();
      if (consume(')')) return std::nullopt;
      std::size_t start = at_;
      std::int64_t value = 0;
      while (at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9') {
        int digit = text_[at_] - '0';
        if (value > (INT64_MAX - digit) / 10) return bad_format(path_, "declares a dimension too large for a 64-bit count");
        value = value * 10 + digit;
        ++at_;
      }
      if (at_ == start) return malformed("expected a non-negative integer in 'shape'");
      consume('L');  // written by Python 2
      shape.push_back(value);
      if (shape.size() > 64) return bad_format(path_, "declares more than 64 dimensions");
      skip_space();
      if (consume(',')) continue;
      skip_space();
      if (consume(')')) return std::nullopt;
      return malformed("expected `,` or `)` in 'shape'");
    }
  }
  ProbeError malformed(const std::string& detail) const {
    return bad_format(path_, "has a malformed NPY header: " + detail + " at offset " + std::to_string(at_) +
                                 " of the header dict");
  }

  std::string_view text_;
  const std::string& path_;
  std::size_t at_ = 0;
};

ProbeResult<NpyHeader> probe(const std::string& path) {
  auto opened = ByteStream::open(path, ByteStream::Gzip::Never);
  if (!ok(opened)) return error(opened);
  ByteStream& stream = std::get<ByteStream>(opened);

  unsigned char prelude[12];
  auto got = stream.read_raw_at(0, prelude, 8);
  if (!ok(got)) return error(got);
  std::size_t have = std::get<std::size_t>(got);
  if (have < 6 || std::memcmp(prelude, "\x93NUMPY", 6) != 0) {
    if (have >= 2 && prelude[0] == 0x1f && prelude[1] == 0x8b)
      return bad_format(path, "is gzip-compressed; .npy files must be stored uncompressed");
    if (have == 0) return bad_format(path, "is empty, not an NPY file");
    return bad_format(path, "is not an NPY file: magic bytes " + hex_bytes(prelude, have < 6 ? have : 6),
                      "is not an NPY file: it does not start with the NPY magic string");
  }
  if (have < 8) return bad_format(path, "is truncated: it ends inside the NPY version bytes");
  unsigned major = prelude[6], minor = prelude[7];
  if (major < 1 || major > 3)
    return bad_format(path, "has NPY format version " + std::to_string(major) + "." + std::to_string(minor) +
                                ", which is not supported (1.0, 2.0 and 3.0 are)");
  std::size_t length_bytes = major == 1 ? 2 : 4;
  got = stream.read_raw_at(8, prelude + 8, length_bytes);
  if (!ok(got)) return error(got);
  if (std::get<std::size_t>(got) < length_bytes)
    return bad_format(path, "is truncated: it ends inside the NPY header length");
  std::uint64_t header_length = prelude[8] | static_cast<std::uint64_t>(prelude[9]) << 8;
  if (length_bytes == 4)
    header_length |= static_cast<std::uint64_t>(prelude[10]) << 16 | static_cast<std::uint64_t>(prelude[11]) << 24;
  std::uint64_t header_start = 8 + length_bytes;
  if (header_length > kMaxHeaderLength)
    return bad_format(path, "declares an NPY header of " + std::to_string(header_length) +
                                " bytes, more than the 1 MiB this probe reads");
  if (header_start + header_length > stream.file_size())
    return bad_format(path, "is truncated: its NPY header declares " + std::to_string(header_length) +
                                " bytes but the file has only " + std::to_string(stream.file_size()) + " bytes");

  std::string text(header_length, '\0');
  got = stream.read_raw_at(header_start, text.data(), header_length);
  if (!ok(got)) return error(got);
  if (std::get<std::size_t>(got) < header_length)
    return bad_format(path, "is truncated: it ends inside the NPY header");

  std::string descr;
  bool fortran_order = false;
  NpyHeader header;
  if (auto failure = HeaderReader(text, path).read(descr, fortran_order, header.shape)) return *failure;

  bool matched = false;
  for (const DescrMatch& match : kDescrs) {
    if (match.descr == descr) {
      header.type = match.type;
      matched = true;
    }
  }
  if (!matched) {
    if (!descr.empty() && descr[0] == '>')
      return bad_format(path, "has dtype '" + descr + "': big-endian arrays are not supported",
                        "has a big-endian dtype, which is not supported");
    return bad_format(path, "has dtype '" + descr +
                                "', which is not supported (supported: '|u1', '|i1', '<i2', '<i4', '<i8', "
                                "'<f4', '<f8')",
                      "has a dtype that is not supported (supported: '|u1', '|i1', '<i2', '<i4', '<i8', "
                      "'<f4', '<f8')");
  }
  if (fortran_order)
    return bad_format(path, "is stored in Fortran order (fortran_order: True); only C-order arrays are supported");

  header.data_offset = header_start + header_length;
  std::optional<std::uint64_t> data_bytes = checked_byte_count(header.shape, element_size(header.type));
  if (!data_bytes)
    return bad_format(path, "declares shape " + format_dims(header.shape) + " of " + element_type_name(header.type) +
                                " whose size overflows a 64-bit count");
  std::uint64_t held = stream.file_size() - header.data_offset;
  if (held != *data_bytes)
    return bad_format(path, "holds " + std::to_string(held) + " bytes of data but its header declares shape " +
                                format_dims(header.shape) + " of " + element_type_name(header.type) +
                                ", which needs " + std::to_string(*data_bytes) + " bytes");
  return header;
}

}  // namespace

ProbeResult<NpyHeader> probe_npy(const std::string& path) {
  try {
    return probe(path);
  } catch (const std::exception& e) {
    return ProbeError{ProbeError::Kind::Unreadable, in_backticks(path) + " could not be probed: " + e.what()};
  }
}

}  // namespace mlf::probe
