// A full disk for one folder, injected with LD_PRELOAD: the tests run `mlf` with it to see
// what a store does when the file system runs out of space, without mounting anything.
//
// Environment:
//   MLF_FULL_DISK_DIR    an absolute folder (no trailing slash, symbolic links resolved);
//                        only files below it are affected
//   MLF_FULL_DISK_BYTES  how many bytes this process may still write below it (default 0)
//   MLF_FULL_DISK_LOG    optional: a file (outside the folder) to which every write() below
//                        the folder appends a line "<bytes written> <path>", so a test can learn
//                        where a run's writes fall and place the full disk inside any of them
// Once the budget is spent, write(), pwrite() and writev() to a file below the folder fail
// with ENOSPC — the write that crosses the limit is a short write, as on a real file system
// — and so does fsync()/fdatasync() of such a file (a delayed allocation failing at sync
// time). Everything else, the folder's own fsync and mkdir included, passes through.
// Each process has its own budget.
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

struct Budget {
  const char* dir = nullptr;
  std::size_t dir_length = 0;
  std::atomic<long long> bytes_left{0};
  int log_fd = -1;

  Budget() {
    dir = std::getenv("MLF_FULL_DISK_DIR");
    if (dir) dir_length = std::strlen(dir);
    if (const char* bytes = std::getenv("MLF_FULL_DISK_BYTES")) bytes_left = std::atoll(bytes);
    if (const char* log = std::getenv("MLF_FULL_DISK_LOG"))
      log_fd = ::open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  }
};

Budget& budget() {
  static Budget instance;
  return instance;
}

template <typename Fn>
Fn next(const char* name) {
  return reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, name));
}

// Whether `fd` is a regular file below the folder; its path in `path` when it is.
bool affected(int fd, char (&path)[4096]) {
  const Budget& b = budget();
  if (!b.dir || b.dir_length == 0) return false;
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) return false;
  char link[64];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = ::readlink(link, path, sizeof path - 1);
  if (n <= 0) return false;
  path[n] = '\0';
  return static_cast<std::size_t>(n) > b.dir_length && std::strncmp(path, b.dir, b.dir_length) == 0 &&
         path[b.dir_length] == '/';
}

bool affected(int fd) {
  char path[4096];
  return affected(fd, path);
}

// Appends "<bytes> <path>" to the log, when there is one.
void log_write(const char* path, ssize_t written) {
  static auto real_write = next<ssize_t (*)(int, const void*, std::size_t)>("write");
  const Budget& b = budget();
  if (b.log_fd < 0 || written <= 0) return;
  char line[4200];
  int n = std::snprintf(line, sizeof line, "%lld %s\n", static_cast<long long>(written), path);
  if (n > 0) real_write(b.log_fd, line, static_cast<std::size_t>(std::min<int>(n, sizeof line - 1)));
}

// How many of `wanted` bytes may be written (0: fail with ENOSPC); takes them from the budget.
std::size_t allowance(std::size_t wanted) {
  std::atomic<long long>& left = budget().bytes_left;
  long long now = left.load();
  for (;;) {
    long long granted = now < 0 ? 0 : (static_cast<long long>(wanted) < now ? static_cast<long long>(wanted) : now);
    if (left.compare_exchange_weak(now, now - granted)) return static_cast<std::size_t>(granted);
  }
}

}  // namespace

extern "C" {

ssize_t write(int fd, const void* data, std::size_t count) {
  static auto real = next<ssize_t (*)(int, const void*, std::size_t)>("write");
  char path[4096];
  if (count == 0 || !affected(fd, path)) return real(fd, data, count);
  std::size_t granted = allowance(count);
  if (granted == 0) {
    errno = ENOSPC;
    return -1;
  }
  ssize_t written = real(fd, data, granted);
  log_write(path, written);
  return written;
}

ssize_t pwrite(int fd, const void* data, std::size_t count, off_t offset) {
  static auto real = next<ssize_t (*)(int, const void*, std::size_t, off_t)>("pwrite");
  if (count == 0 || !affected(fd)) return real(fd, data, count, offset);
  std::size_t granted = allowance(count);
  if (granted == 0) {
    errno = ENOSPC;
    return -1;
  }
  return real(fd, data, granted, offset);
}

ssize_t pwrite64(int fd, const void* data, std::size_t count, off64_t offset) {
  static auto real = next<ssize_t (*)(int, const void*, std::size_t, off64_t)>("pwrite64");
  if (count == 0 || !affected(fd)) return real(fd, data, count, offset);
  std::size_t granted = allowance(count);
  if (granted == 0) {
    errno = ENOSPC;
    return -1;
  }
  return real(fd, data, granted, offset);
}

ssize_t writev(int fd, const struct iovec* parts, int count) {
  static auto real = next<ssize_t (*)(int, const struct iovec*, int)>("writev");
  if (count <= 0 || !affected(fd)) return real(fd, parts, count);
  // Only the first part, as much of it as the budget allows: a short write.
  std::size_t granted = allowance(parts[0].iov_len);
  if (granted == 0) {
    errno = ENOSPC;
    return -1;
  }
  struct iovec first = {parts[0].iov_base, granted};
  return real(fd, &first, 1);
}

int fsync(int fd) {
  static auto real = next<int (*)(int)>("fsync");
  if (affected(fd) && budget().bytes_left.load() <= 0) {
    errno = ENOSPC;
    return -1;
  }
  return real(fd);
}

int fdatasync(int fd) {
  static auto real = next<int (*)(int)>("fdatasync");
  if (affected(fd) && budget().bytes_left.load() <= 0) {
    errno = ENOSPC;
    return -1;
  }
  return real(fd);
}

}  // extern "C"
