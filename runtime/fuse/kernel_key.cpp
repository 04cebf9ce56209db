#include "runtime/fuse/kernel_key.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "compiler/hash/hmac_sha256.h"

namespace mlf::runtime {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kKeyBytes = 32;

std::string octal_mode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

std::string why(int error) { return std::strerror(error); }

// The folder holding the key must be this user's alone to change: whoever can write it
// can replace the key with one they know.
bool usable_folder(const fs::path& dir, std::string& problem) {
  struct stat info {};
  if (::lstat(dir.c_str(), &info) != 0) {
    problem = "cannot inspect the kernel key folder " + dir.string() + ": " + why(errno);
    return false;
  }
  if (!S_ISDIR(info.st_mode)) {
    problem = "the kernel key folder " + dir.string() + " is not a folder";
    return false;
  }
  if (info.st_uid != ::geteuid()) {
    problem = "the kernel key folder " + dir.string() + " belongs to another user";
    return false;
  }
  if ((info.st_mode & 022) != 0) {
    problem = "the kernel key folder " + dir.string() + " is writable by other users (mode " +
              octal_mode(info.st_mode) + "; `chmod 700` it)";
    return false;
  }
  return true;
}

enum class Read { Ok, Missing, Refused };

Read read_key(const fs::path& path, std::string& bytes, std::string& problem) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Read::Missing;
    problem = errno == ELOOP ? "kernel key " + path.string() + " is a symbolic link"
                             : "cannot open kernel key " + path.string() + ": " + why(errno);
    return Read::Refused;
  }
  struct stat info {};
  std::string refused;
  if (::fstat(fd, &info) != 0) refused = "cannot inspect it: " + why(errno);
  else if (!S_ISREG(info.st_mode)) refused = "is not a regular file";
  else if (info.st_uid != ::geteuid()) refused = "belongs to another user";
  else if ((info.st_mode & 077) != 0)
    refused = "is readable or writable by other users (mode " + octal_mode(info.st_mode) + "; `chmod 600` it)";
  else if (static_cast<std::size_t>(info.st_size) != kKeyBytes)
    refused = "is " + std::to_string(info.st_size) + " bytes, not " + std::to_string(kKeyBytes);
  if (refused.empty()) {
    bytes.assign(kKeyBytes, '\0');
    std::size_t got = 0;
    while (got < kKeyBytes) {
      const ssize_t n = ::read(fd, bytes.data() + got, kKeyBytes - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        refused = n < 0 ? "cannot be read: " + why(errno) : "is shorter than it said";
        break;
      }
      got += static_cast<std::size_t>(n);
    }
  }
  ::close(fd);
  if (refused.empty()) return Read::Ok;
  problem = "kernel key " + path.string() + " " + refused;
  return Read::Refused;
}

// A fresh key in a temp file, linked (not renamed) into place: link() never replaces an
// existing file, so when two processes race, both then read the one that landed first.
bool create_key(const fs::path& path, std::string& problem) {
  static std::atomic<unsigned> counter{0};
  const fs::path temp = path.parent_path() / (".kernel-key." + std::to_string(::getpid()) + "." +
                                              std::to_string(counter.fetch_add(1)) + ".tmp");
  std::string key(kKeyBytes, '\0');
  std::size_t got = 0;
  while (got < kKeyBytes) {
    const ssize_t n = ::getrandom(key.data() + got, kKeyBytes - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      problem = "cannot draw a kernel key from the system's random source: " + why(errno);
      return false;
    }
    got += static_cast<std::size_t>(n);
  }
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    problem = "cannot create kernel key " + path.string() + ": " + why(errno);
    return false;
  }
  bool written = ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) && ::fsync(fd) == 0;
  const int write_error = errno;
  ::close(fd);
  if (written && ::link(temp.c_str(), path.c_str()) != 0 && errno != EEXIST) {
    written = false;
    problem = "cannot create kernel key " + path.string() + ": " + why(errno);
  } else if (!written) {
    problem = "cannot write kernel key " + path.string() + ": " + why(write_error);
  }
  ::unlink(temp.c_str());
  if (const int dir = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return written;
}

std::mutex g_mutex;
bool g_resolved = false;
std::optional<KernelKey> g_key;
std::string g_problem;

}  // namespace

fs::path kernel_key_path() {
  const char* state = std::getenv("XDG_STATE_HOME");
  if (state && state[0] == '/') return fs::path(state) / "mlf" / "kernel-key";
  const char* home = std::getenv("HOME");
  if (home && home[0] == '/') return fs::path(home) / ".local" / "state" / "mlf" / "kernel-key";
  return {};
}

std::optional<KernelKey> load_or_create_kernel_key(const fs::path& path, std::string& problem) {
  const fs::path dir = path.parent_path();
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    fs::create_directories(dir.parent_path(), ec);
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      problem = "cannot create the kernel key folder " + dir.string() + ": " + why(errno);
      return std::nullopt;
    }
  }
  if (!usable_folder(dir, problem)) return std::nullopt;
  std::string bytes;
  Read read = read_key(path, bytes, problem);
  if (read == Read::Missing) {
    if (!create_key(path, problem)) return std::nullopt;
    read = read_key(path, bytes, problem);
    if (read == Read::Missing) problem = "kernel key " + path.string() + " vanished as it was created";
  }
  if (read != Read::Ok) return std::nullopt;
  KernelKey key;
  key.id = hmac_sha256(bytes, "mlf kernel key id").hex().substr(0, 16);
  key.bytes = std::move(bytes);
  return key;
}

const KernelKey* process_kernel_key(std::string& problem) {
  std::lock_guard<std::mutex> hold(g_mutex);
  if (!g_resolved) {
    g_resolved = true;
    const fs::path path = kernel_key_path();
    if (path.empty()) g_problem = "neither XDG_STATE_HOME nor HOME names a folder for the kernel key";
    else g_key = load_or_create_kernel_key(path, g_problem);
  }
  problem = g_problem;
  return g_key ? &*g_key : nullptr;
}

void forget_process_kernel_key() {
  std::lock_guard<std::mutex> hold(g_mutex);
  g_resolved = false;
  g_key.reset();
  g_problem.clear();
}

}  // namespace mlf::runtime
