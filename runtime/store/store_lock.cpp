#include "runtime/store/store_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "runtime/store/atomic_file.h"

namespace mlf::runtime {

StoreResult<std::optional<StoreLock>> StoreLock::lock(const std::filesystem::path& root, Mode mode, bool wait) {
  if (auto made = ensure_directory(root); !made.ok()) return made.error();
  const std::filesystem::path path = root / "lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return system_error(errno, "open the lock file", path.string());
  int operation = (mode == Mode::Exclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB);
  for (;;) {
    if (::flock(fd, operation) == 0) return std::optional<StoreLock>(StoreLock(fd, mode));
    int saved = errno;
    if (saved == EINTR) continue;
    ::close(fd);
    if (saved == EWOULDBLOCK && !wait) return std::optional<StoreLock>();
    return system_error(saved, "lock", path.string());
  }
}

StoreResult<StoreLock> StoreLock::acquire(const std::filesystem::path& root, Mode mode) {
  auto held = lock(root, mode, true);
  if (!held.ok()) return held.error();
  return std::move(*held.value());
}

StoreResult<std::optional<StoreLock>> StoreLock::try_acquire(const std::filesystem::path& root, Mode mode) {
  return lock(root, mode, false);
}

StoreLock::StoreLock(StoreLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)), mode_(other.mode_) {}

StoreLock& StoreLock::operator=(StoreLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    mode_ = other.mode_;
  }
  return *this;
}

StoreLock::~StoreLock() {
  // Closing the last descriptor of the open file releases the lock.
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace mlf::runtime
