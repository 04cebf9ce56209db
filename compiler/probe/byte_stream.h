// Sequential, bounded reading of one data file, gunzipped on the fly when it is gzip.
//
// Takes: a path.
// Promises: open() succeeds only for a regular file (a missing path is NotFound, a
// directory, FIFO or unreadable file is Unreadable, never a hang); read() hands back the
// file's content (decompressed when the file starts with the gzip magic 1f 8b) in the
// pieces asked for, buffering at most one zlib window, so a probe that reads a header reads
// only the first few kilobytes of even a huge .gz file; a truncated or corrupt gzip stream
// is BadFormat with a message naming the file. Never throws.
// Does not: seek in decompressed content, mmap, or guess formats beyond the gzip magic.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "compiler/probe/probe_result.h"

struct gzFile_s;  // zlib's handle, kept opaque so zlib.h stays out of users

namespace mlf::probe {

class ByteStream {
 public:
  enum class Gzip { Auto, Never };

  static ProbeResult<ByteStream> open(const std::string& path, Gzip gzip = Gzip::Auto);

  ByteStream(ByteStream&& other) noexcept;
  ByteStream& operator=(ByteStream&& other) noexcept;
  ByteStream(const ByteStream&) = delete;
  ByteStream& operator=(const ByteStream&) = delete;
  ~ByteStream();

  const std::string& path() const { return path_; }
  bool gzipped() const { return gz_ != nullptr; }
  // Bytes on disk (compressed size for a gzip file).
  std::uint64_t file_size() const { return file_size_; }
  // Bytes of content handed out by read() so far.
  std::uint64_t position() const { return position_; }

  // Reads up to `size` bytes of content into `out`; fewer only at the end of the content.
  ProbeResult<std::size_t> read(void* out, std::size_t size);

  // For a gzip file: ISIZE from the last 8 bytes of the file, i.e. the uncompressed size
  // modulo 2^32 of the last gzip member. Empty when the file is not gzip or too short.
  std::optional<std::uint32_t> gzip_size_trailer() const;

  // Reads up to `size` raw bytes at `offset` of the file on disk (no decompression, does not
  // move the stream).
  ProbeResult<std::size_t> read_raw_at(std::uint64_t offset, void* out, std::size_t size) const;

 private:
  ByteStream() = default;
  void close();

  std::string path_;
  int fd_ = -1;
  gzFile_s* gz_ = nullptr;
  std::uint64_t file_size_ = 0;
  std::uint64_t position_ = 0;
};

// "1f 8b 08 00": bytes as lower-case hex pairs separated by spaces.
std::string hex_bytes(const void* data, std::size_t size);

// The error for a failed open(2)/stat(2) of `path` with `errno_value`.
ProbeError open_error(const std::string& path, int errno_value);

}  // namespace mlf::probe
