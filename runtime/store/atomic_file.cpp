#include "runtime/store/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <utility>

namespace mlf::runtime {
namespace {

namespace fs = std::filesystem;

// pid, a per-process counter and a random word: unique across threads, processes and
// machines sharing one store; O_EXCL catches whatever is left.
std::string temp_name(const fs::path& target) {
  static std::atomic<unsigned long long> counter{0};
  thread_local std::mt19937_64 random(std::random_device{}() ^
                                      static_cast<unsigned long long>(
                                          std::chrono::steady_clock::now().time_since_epoch().count()));
  char suffix[80];
  std::snprintf(suffix, sizeof suffix, ".%ld-%llu-%016llx.tmp", static_cast<long>(::getpid()),
                counter.fetch_add(1), static_cast<unsigned long long>(random()));
  // Names of objects are 62 hex digits; records are short. Keep temp names well under NAME_MAX.
  std::string stem = target.filename().string().substr(0, 120);
  return stem + suffix;
}

int close_keeping_errno(int fd) {
  int saved = errno;
  int result = ::close(fd);
  errno = saved;
  return result;
}

}  // namespace

const char* write_step_name(WriteStep step) {
  switch (step) {
    case WriteStep::Create: return "create";
    case WriteStep::Write: return "write";
    case WriteStep::Sync: return "fsync";
    case WriteStep::Rename: return "rename";
    case WriteStep::SyncDirectory: return "fsync the folder of";
  }
  return "write";
}

StoreResult<AtomicFile> AtomicFile::create(const StoreRoot& root, std::string target, const std::string& temp_dir,
                                           mode_t mode, FileSystemFaults faults) {
  if (faults) {
    if (int injected = faults(WriteStep::Create, root.full(target)))
      return system_error(injected, "create a temp file for", root.full(target));
  }
  for (int attempt = 0; attempt < 16; ++attempt) {
    std::string temp_path = temp_dir + "/" + temp_name(target);
    int fd = root.open(temp_path, O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd >= 0) return AtomicFile(root, std::move(target), std::move(temp_path), fd, std::move(faults));
    if (errno == EINTR || errno == EEXIST) continue;
    return root.error(errno, "create the temp file", temp_path);
  }
  return system_error(EEXIST, "create a temp file in", root.full(temp_dir));
}

AtomicFile::AtomicFile(StoreRoot root, std::string target, std::string temp_path, int fd, FileSystemFaults faults)
    : root_(std::move(root)),
      target_(std::move(target)),
      temp_path_(std::move(temp_path)),
      fd_(fd),
      faults_(std::move(faults)) {}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : root_(other.root_),
      target_(std::move(other.target_)),
      temp_path_(std::move(other.temp_path_)),
      fd_(std::exchange(other.fd_, -1)),
      committed_(std::exchange(other.committed_, true)),
      faults_(std::move(other.faults_)) {}

AtomicFile& AtomicFile::operator=(AtomicFile&& other) noexcept {
  if (this != &other) {
    discard();
    root_ = other.root_;
    target_ = std::move(other.target_);
    temp_path_ = std::move(other.temp_path_);
    fd_ = std::exchange(other.fd_, -1);
    committed_ = std::exchange(other.committed_, true);
    faults_ = std::move(other.faults_);
  }
  return *this;
}

AtomicFile::~AtomicFile() { discard(); }

void AtomicFile::discard() {
  if (fd_ >= 0) {
    close_keeping_errno(fd_);
    fd_ = -1;
  }
  if (!committed_) {
    int saved = errno;
    root_.unlink(temp_path_);
    errno = saved;
    committed_ = true;  // nothing left to clean up
  }
}

int AtomicFile::fault(WriteStep step) const { return faults_ ? faults_(step, root_.full(target_)) : 0; }

StoreResult<void> AtomicFile::write(std::string_view bytes) {
  const std::string temp = root_.full(temp_path_);
  if (fd_ < 0) return system_error(EBADF, "write", temp);
  if (int injected = fault(WriteStep::Write)) return system_error(injected, "write", temp);
  while (!bytes.empty()) {
    ssize_t written = ::write(fd_, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return system_error(errno, "write", temp);
    }
    if (written == 0) return system_error(EIO, "write", temp);
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
  return {};
}

StoreResult<void> AtomicFile::commit() {
  const std::string temp = root_.full(temp_path_);
  const std::string target = root_.full(target_);
  if (fd_ < 0) return system_error(EBADF, "commit", temp);
  if (int injected = fault(WriteStep::Sync)) return system_error(injected, "fsync", temp);
  if (::fsync(fd_) != 0) return system_error(errno, "fsync", temp);
  // close() can report a delayed write error (NFS); treat it like a failed write.
  int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0 && errno != EINTR) return system_error(errno, "close", temp);

  if (int injected = fault(WriteStep::Rename)) return system_error(injected, "rename into", target);
  if (root_.rename(temp_path_, target_) != 0) return root_.error(errno, "rename into", target_);
  committed_ = true;

  if (int injected = fault(WriteStep::SyncDirectory)) return system_error(injected, "fsync the folder of", target);
  std::size_t slash = target_.rfind('/');
  return root_.sync_folder(slash == std::string::npos ? std::string_view() : std::string_view(target_).substr(0, slash));
}

StoreResult<void> sync_directory(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return system_error(errno, "open the folder", dir.string());
  int result = ::fsync(fd);
  // Some file systems refuse fsync on a folder (EINVAL); their renames are as durable as they get.
  if (result != 0 && errno != EINVAL && errno != EROFS) {
    int saved = errno;
    ::close(fd);
    return system_error(saved, "fsync the folder", dir.string());
  }
  ::close(fd);
  return {};
}

StoreResult<void> ensure_directory(const fs::path& dir) {
  struct stat info {};
  if (::stat(dir.c_str(), &info) == 0) {
    if (S_ISDIR(info.st_mode)) return {};
    return system_error(ENOTDIR, "use the folder", dir.string());
  }
  if (errno != ENOENT) return system_error(errno, "use the folder", dir.string());
  fs::path parent = dir.parent_path();
  if (!parent.empty() && parent != dir) {
    if (auto made = ensure_directory(parent); !made.ok()) return made;
  }
  if (::mkdir(dir.c_str(), 0755) != 0) {
    if (errno == EEXIST) return {};  // another writer made it first
    return system_error(errno, "create the folder", dir.string());
  }
  if (!parent.empty()) return sync_directory(parent);
  return {};
}

}  // namespace mlf::runtime
