#include "runtime/data/file_bytes.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace mlf::runtime {

std::string quoted_path(const std::string& path) { return "`" + path + "`"; }

DataResult<std::string> read_whole_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    int code = errno;
    if (code == ENOENT || code == ENOTDIR) return DataError{quoted_path(path) + " does not exist"};
    return DataError{quoted_path(path) + " cannot be read: " + std::strerror(code)};
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    return DataError{quoted_path(path) + " is not a regular file"};
  }
  std::string bytes;
  bytes.reserve(static_cast<std::size_t>(info.st_size));
  char buffer[1 << 16];
  while (true) {
    ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0) {
      if (errno == EINTR) continue;
      int code = errno;
      ::close(fd);
      return DataError{quoted_path(path) + " cannot be read: " + std::strerror(code)};
    }
    if (got == 0) break;
    bytes.append(buffer, static_cast<std::size_t>(got));
  }
  ::close(fd);
  return bytes;
}

DataResult<std::string> read_verified_file(const std::string& path, const Digest& expected) {
  auto read = read_whole_file(path);
  if (!ok(read)) return read;
  Digest actual = Sha256::of(value(read));
  if (actual != expected)
    return DataError{quoted_path(path) + " has changed since the plan was built: its SHA-256 is " +
                         actual.hex() + " but the plan expects " + expected.hex() +
                         "; rebuild the plan (`mlf build`) to use the new data",
                     ChangedData{path, actual, expected}};
  return read;
}

DataResult<std::string> file_content(const std::string& path, std::string bytes) {
  auto is_gzip = [](std::string_view data) {
    return data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1f &&
           static_cast<unsigned char>(data[1]) == 0x8b;
  };
  if (!is_gzip(bytes)) return bytes;

  z_stream stream{};
  if (inflateInit2(&stream, 15 + 16) != Z_OK)
    return DataError{quoted_path(path) + " cannot be decompressed: zlib could not start"};
  std::string out;
  // The last member's size trailer is a hint for the first allocation (capped: it is
  // untrusted and only modulo 2^32).
  if (bytes.size() >= 18) {
    const auto* tail = reinterpret_cast<const unsigned char*>(bytes.data() + bytes.size() - 4);
    std::uint32_t hint = tail[0] | tail[1] << 8 | tail[2] << 16 | static_cast<std::uint32_t>(tail[3]) << 24;
    out.reserve(std::min<std::uint32_t>(hint, 1u << 30));
  }
  std::size_t at = 0;
  char buffer[1 << 16];
  std::string failure;
  while (true) {
    std::size_t left = bytes.size() - at;
    stream.next_in = reinterpret_cast<Bytef*>(bytes.data() + at);
    stream.avail_in = static_cast<uInt>(std::min<std::size_t>(left, 1u << 30));
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof buffer;
    int code = inflate(&stream, Z_NO_FLUSH);
    at = static_cast<std::size_t>(reinterpret_cast<char*>(stream.next_in) - bytes.data());
    out.append(buffer, sizeof buffer - stream.avail_out);
    if (code == Z_STREAM_END) {
      // Another member follows only when the next bytes are the gzip magic (zlib's gzread).
      if (!is_gzip(std::string_view(bytes).substr(at))) break;
      inflateReset(&stream);
      continue;
    }
    if (code == Z_OK) continue;
    if (code == Z_BUF_ERROR && at == bytes.size()) {
      failure = quoted_path(path) + " is a truncated gzip stream: it ends before its data does";
    } else if (code == Z_MEM_ERROR) {
      failure = quoted_path(path) + " cannot be decompressed: out of memory";
    } else {
      failure = quoted_path(path) + " is a corrupt gzip stream: " +
                (stream.msg ? stream.msg : "unknown error");
    }
    break;
  }
  inflateEnd(&stream);
  if (!failure.empty()) return DataError{failure};
  return out;
}

}  // namespace mlf::runtime
