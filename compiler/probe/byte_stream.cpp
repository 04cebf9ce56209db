#include "compiler/probe/byte_stream.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <utility>

namespace mlf::probe {
namespace {

constexpr unsigned kGzipBufferSize = 64 * 1024;

ProbeError unreadable(const std::string& path, int errno_value) {
  return ProbeError{ProbeError::Kind::Unreadable,
                    in_backticks(path) + " cannot be read: " + std::strerror(errno_value)};
}

}  // namespace

ProbeError open_error(const std::string& path, int errno_value) {
  if (errno_value == ENOENT || errno_value == ENOTDIR)
    return ProbeError{ProbeError::Kind::NotFound, in_backticks(path) + " does not exist"};
  if (errno_value == EACCES || errno_value == EPERM)
    return ProbeError{ProbeError::Kind::Unreadable,
                      in_backticks(path) + " cannot be read: permission denied"};
  return unreadable(path, errno_value);
}

std::string hex_bytes(const void* data, std::size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto* bytes = static_cast<const unsigned char*>(data);
  std::string out;
  for (std::size_t i = 0; i < size; ++i) {
    if (i) out += ' ';
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 15];
  }
  return out;
}

ProbeResult<ByteStream> ByteStream::open(const std::string& path, Gzip gzip) {
  // O_NONBLOCK so that opening a FIFO cannot hang; it changes nothing for regular files.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return open_error(path, errno);
  ByteStream stream;
  stream.path_ = path;
  stream.fd_ = fd;

  struct stat info {};
  if (::fstat(fd, &info) != 0) return unreadable(path, errno);
  if (S_ISDIR(info.st_mode))
    return ProbeError{ProbeError::Kind::Unreadable, in_backticks(path) + " is a directory, not a file"};
  if (!S_ISREG(info.st_mode))
    return ProbeError{ProbeError::Kind::Unreadable, in_backticks(path) + " is not a regular file"};
  stream.file_size_ = static_cast<std::uint64_t>(info.st_size);

  if (gzip == Gzip::Auto) {
    unsigned char magic[2] = {0, 0};
    auto got = stream.read_raw_at(0, magic, 2);
    if (!ok(got)) return error(got);
    if (std::get<std::size_t>(got) == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
      int gz_fd = ::dup(fd);
      if (gz_fd < 0) return unreadable(path, errno);
      stream.gz_ = ::gzdopen(gz_fd, "rb");
      if (!stream.gz_) {
        ::close(gz_fd);
        return ProbeError{ProbeError::Kind::Unreadable,
                          in_backticks(path) + " cannot be read: zlib could not open it"};
      }
      ::gzbuffer(stream.gz_, kGzipBufferSize);
    }
  }
  return ProbeResult<ByteStream>(std::in_place_index<0>, std::move(stream));
}

ByteStream::ByteStream(ByteStream&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(std::exchange(other.fd_, -1)),
      gz_(std::exchange(other.gz_, nullptr)),
      file_size_(other.file_size_),
      position_(other.position_) {}

ByteStream& ByteStream::operator=(ByteStream&& other) noexcept {
  if (this != &other) {
    close();
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
    gz_ = std::exchange(other.gz_, nullptr);
    file_size_ = other.file_size_;
    position_ = other.position_;
  }
  return *this;
}

ByteStream::~ByteStream() { close(); }

void ByteStream::close() {
  if (gz_) ::gzclose(gz_);
  if (fd_ >= 0) ::close(fd_);
  gz_ = nullptr;
  fd_ = -1;
}

ProbeResult<std::size_t> ByteStream::read(void* out, std::size_t size) {
  auto* cursor = static_cast<unsigned char*>(out);
  std::size_t total = 0;
  while (total < size) {
    std::size_t want = size - total;
    if (gz_) {
      unsigned piece = want > INT_MAX ? INT_MAX : static_cast<unsigned>(want);
      int got = ::gzread(gz_, cursor + total, piece);
      int code = Z_OK;
      const char* text = ::gzerror(gz_, &code);
      if (got < 0 || (code != Z_OK && code != Z_STREAM_END)) {
        if (code == Z_ERRNO) return unreadable(path_, errno);
        if (code == Z_BUF_ERROR)
          return ProbeError{ProbeError::Kind::BadFormat,
                            in_backticks(path_) + " is a truncated gzip stream: it ends before its data does"};
        if (code == Z_MEM_ERROR)
          return ProbeError{ProbeError::Kind::Unreadable,
                            in_backticks(path_) + " cannot be decompressed: out of memory"};
        return ProbeError{ProbeError::Kind::BadFormat,
                          in_backticks(path_) + " is a corrupt gzip stream: " + (text ? text : "unknown error")};
      }
      if (got == 0) break;
      total += static_cast<std::size_t>(got);
    } else {
      if (want > (1u << 30)) want = 1u << 30;
      ssize_t got = ::read(fd_, cursor + total, want);
      if (got < 0) {
        if (errno == EINTR) continue;
        return unreadable(path_, errno);
      }
      if (got == 0) break;
      total += static_cast<std::size_t>(got);
    }
  }
  position_ += total;
  return total;
}

ProbeResult<std::size_t> ByteStream::read_raw_at(std::uint64_t offset, void* out,
                                                 std::size_t size) const {
  auto* cursor = static_cast<unsigned char*>(out);
  std::size_t total = 0;
  while (total < size) {
    ssize_t got = ::pread(fd_, cursor + total, size - total, static_cast<off_t>(offset + total));
    if (got < 0) {
      if (errno == EINTR) continue;
      return unreadable(path_, errno);
    }
    if (got == 0) break;
    total += static_cast<std::size_t>(got);
  }
  return total;
}

std::optional<std::uint32_t> ByteStream::gzip_size_trailer() const {
  // The smallest gzip member is 18 bytes: 10 header + 2 empty deflate + 8 trailer.
  if (!gz_ || file_size_ < 18) return std::nullopt;
  unsigned char trailer[4];
  auto got = read_raw_at(file_size_ - 4, trailer, 4);
  if (!ok(got) || std::get<std::size_t>(got) != 4) return std::nullopt;
  return static_cast<std::uint32_t>(trailer[0]) | static_cast<std::uint32_t>(trailer[1]) << 8 |
         static_cast<std::uint32_t>(trailer[2]) << 16 | static_cast<std::uint32_t>(trailer[3]) << 24;
}

}  // namespace mlf::probe
