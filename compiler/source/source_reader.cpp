#include "compiler/source/source_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>

namespace mlf {

namespace {

// What a file that is not a regular file is, for messages.
std::string file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

SourceReadError from_errno(int error) {
  SourceReadError out;
  out.kind = error == ENOENT || error == ENOTDIR ? SourceReadError::Kind::NotFound
                                                 : SourceReadError::Kind::Unreadable;
  out.reason = error == ENOENT || error == ENOTDIR ? "no such file" : std::strerror(error);
  if (!out.reason.empty()) out.reason[0] = static_cast<char>(std::tolower(out.reason[0]));
  return out;
}

// Refuses anything but a regular file within the limit.
std::optional<SourceReadError> refuse(const struct stat& info, std::uint64_t max_bytes) {
  if (!S_ISREG(info.st_mode))
    return SourceReadError{SourceReadError::Kind::NotRegular, file_kind(info.st_mode), 0};
  auto size = static_cast<std::uint64_t>(info.st_size);
  if (size > max_bytes) return SourceReadError{SourceReadError::Kind::TooLarge, "", size};
  return std::nullopt;
}

}  // namespace

SourceRead read_source_file(const std::string& path, std::uint64_t max_bytes) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return from_errno(errno);
  if (auto refused = refuse(info, max_bytes)) return *refused;

  // O_NONBLOCK: a FIFO put in the file's place after the stat must not block open().
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return from_errno(errno);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  if (::fstat(fd, &info) != 0) return from_errno(errno);
  if (auto refused = refuse(info, max_bytes)) return *refused;
  // A regular file never blocks, but reads should not see EAGAIN either way.
  int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) (void)::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);

  // Read at most one byte past the limit: a file that grew is refused, not read whole.
  std::string text;
  std::uint64_t cap = max_bytes < UINT64_MAX ? max_bytes + 1 : max_bytes;
  std::uint64_t expected = static_cast<std::uint64_t>(info.st_size);
  text.resize(static_cast<std::size_t>(std::min<std::uint64_t>(cap, expected + 1)));
  std::size_t done = 0;
  for (;;) {
    if (done == text.size()) {
      if (text.size() >= cap) break;
      text.resize(static_cast<std::size_t>(std::min<std::uint64_t>(cap, text.size() * 2 + 4096)));
    }
    ssize_t got = ::read(fd, text.data() + done, text.size() - done);
    if (got < 0) {
      if (errno == EINTR) continue;
      return from_errno(errno);
    }
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  text.resize(done);
  if (done > max_bytes)
    return SourceReadError{SourceReadError::Kind::TooLarge, "it grew while it was read", done};
  return text;
}

}  // namespace mlf
