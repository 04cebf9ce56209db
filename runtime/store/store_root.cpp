#include "runtime/store/store_root.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/store/atomic_file.h"

namespace mlf::runtime {
namespace {

// Folders of a store are never wider than this, whatever the umask.
constexpr mode_t kFolderMode = 0755;

// Set once a kernel answers ENOSYS: later opens go component by component at once.
bool g_no_openat2 = false;

// `relative` without the component-wise walk: one openat2 that refuses links and "..".
int open_with_openat2(int root, const std::string& relative, int flags, mode_t mode) {
  struct open_how how {};
  how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
  how.mode = (flags & O_CREAT) ? mode : 0;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  for (;;) {
    long fd = ::syscall(SYS_openat2, root, relative.c_str(), &how, sizeof how);
    if (fd >= 0) return static_cast<int>(fd);
    // EAGAIN: a concurrent rename somewhere made the kernel unsure; simply try again.
    if (errno != EINTR && errno != EAGAIN) return -1;
  }
}

// The same for kernels without openat2: each folder opened with O_NOFOLLOW from the last.
int open_component_wise(int root, const std::string& relative, int flags, mode_t mode) {
  int dir = ::dup(root);
  if (dir < 0) return -1;
  std::size_t start = 0;
  for (;;) {
    std::size_t slash = relative.find('/', start);
    std::string part = relative.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part == "..") {
      ::close(dir);
      errno = EXDEV;
      return -1;
    }
    if (slash == std::string::npos) {
      int fd = ::openat(dir, part.empty() ? "." : part.c_str(), flags | O_NOFOLLOW | O_CLOEXEC, mode);
      int saved = errno;
      ::close(dir);
      errno = saved;
      return fd;
    }
    if (!part.empty() && part != ".") {
      int next = ::openat(dir, part.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      int saved = errno;
      ::close(dir);
      if (next < 0) {
        errno = saved;
        return -1;
      }
      dir = next;
    }
    start = slash + 1;
  }
}

void close_keeping_errno(int fd) {
  int saved = errno;
  ::close(fd);
  errno = saved;
}

}  // namespace

StoreResult<StoreRoot> StoreRoot::open_root(const std::string& path, bool create) {
  if (create) {
    if (auto made = ensure_directory(path); !made.ok()) return made.error();
  }
  // The root itself may be reached through a link: O_DIRECTORY only.
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return system_error(errno, "open the store folder", path);
  return StoreRoot(std::shared_ptr<const int>(new int(fd), [](const int* p) {
                     ::close(*p);
                     delete p;
                   }),
                   path);
}

std::string StoreRoot::full(std::string_view relative) const {
  std::string out;
  out.reserve(path_.size() + 1 + relative.size());
  out += path_;
  if (!relative.empty()) {
    out += '/';
    out += relative;
  }
  return out;
}

int StoreRoot::open(std::string_view relative, int flags, mode_t mode) const {
  std::string text = relative.empty() ? std::string(".") : std::string(relative);
  if (!g_no_openat2) {
    int fd = open_with_openat2(*fd_, text, flags, mode);
    if (fd >= 0 || errno != ENOSYS) return fd;
    g_no_openat2 = true;
  }
  return open_component_wise(*fd_, text, flags, mode);
}

int StoreRoot::open_parent(std::string_view relative, std::string& name) const {
  std::size_t slash = relative.rfind('/');
  name = std::string(slash == std::string_view::npos ? relative : relative.substr(slash + 1));
  return open(slash == std::string_view::npos ? std::string_view() : relative.substr(0, slash),
              O_PATH | O_DIRECTORY);
}

int StoreRoot::stat(std::string_view relative, struct stat& info) const {
  std::string name;
  int parent = open_parent(relative, name);
  if (parent < 0) return -1;
  int result = ::fstatat(parent, name.c_str(), &info, AT_SYMLINK_NOFOLLOW);
  close_keeping_errno(parent);
  return result;
}

int StoreRoot::make_folder(std::string_view relative) const {
  std::string name;
  int parent = open_parent(relative, name);
  if (parent < 0) return -1;
  int result = ::mkdirat(parent, name.c_str(), kFolderMode);
  close_keeping_errno(parent);
  return result;
}

int StoreRoot::rename(std::string_view from, std::string_view to) const {
  std::string from_name, to_name;
  int from_parent = open_parent(from, from_name);
  if (from_parent < 0) return -1;
  int to_parent = open_parent(to, to_name);
  if (to_parent < 0) {
    close_keeping_errno(from_parent);
    return -1;
  }
  // renameat never follows the final components: a link there is replaced, not followed.
  int result = ::renameat(from_parent, from_name.c_str(), to_parent, to_name.c_str());
  close_keeping_errno(from_parent);
  close_keeping_errno(to_parent);
  return result;
}

int StoreRoot::unlink(std::string_view relative) const {
  std::string name;
  int parent = open_parent(relative, name);
  if (parent < 0) return -1;
  int result = ::unlinkat(parent, name.c_str(), 0);
  close_keeping_errno(parent);
  return result;
}

int StoreRoot::remove_folder(std::string_view relative) const {
  std::string name;
  int parent = open_parent(relative, name);
  if (parent < 0) return -1;
  int result = ::unlinkat(parent, name.c_str(), AT_REMOVEDIR);
  close_keeping_errno(parent);
  return result;
}

int StoreRoot::list(std::string_view relative, std::vector<FolderEntry>& out) const {
  int fd = open(relative, O_RDONLY | O_DIRECTORY);
  if (fd < 0) return -1;
  DIR* dir = ::fdopendir(fd);
  if (!dir) {
    close_keeping_errno(fd);
    return -1;
  }
  while (struct dirent* entry = ::readdir(dir)) {
    std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    FolderEntry e;
    e.name = std::string(name);
    unsigned char type = entry->d_type;
    if (type == DT_UNKNOWN) {
      struct stat info {};
      if (::fstatat(fd, entry->d_name, &info, AT_SYMLINK_NOFOLLOW) == 0)
        type = S_ISDIR(info.st_mode) ? DT_DIR : S_ISREG(info.st_mode) ? DT_REG : DT_LNK;
    }
    e.is_folder = type == DT_DIR;
    e.is_file = type == DT_REG;
    out.push_back(std::move(e));
  }
  ::closedir(dir);
  return 0;
}

StoreResult<void> StoreRoot::ensure_folder(std::string_view relative) const {
  struct stat info {};
  if (stat(relative, info) == 0) {
    if (S_ISDIR(info.st_mode)) return {};
    return error(S_ISLNK(info.st_mode) ? ELOOP : ENOTDIR, "use the folder", relative);
  }
  if (errno != ENOENT) return error(errno, "use the folder", relative);
  std::size_t slash = relative.rfind('/');
  std::string_view parent = slash == std::string_view::npos ? std::string_view() : relative.substr(0, slash);
  if (!parent.empty()) {
    if (auto made = ensure_folder(parent); !made.ok()) return made;
  }
  if (make_folder(relative) != 0) {
    if (errno == EEXIST) return ensure_folder(relative);  // another writer made it first (or a link)
    return error(errno, "create the folder", relative);
  }
  return sync_folder(parent);
}

StoreResult<void> StoreRoot::sync_folder(std::string_view relative) const {
  int fd = open(relative, O_RDONLY | O_DIRECTORY);
  if (fd < 0) return error(errno, "open the folder", relative);
  int result = ::fsync(fd);
  // Some file systems refuse fsync on a folder (EINVAL); their renames are as durable as they get.
  if (result != 0 && errno != EINVAL && errno != EROFS) {
    int saved = errno;
    ::close(fd);
    return error(saved, "fsync the folder", relative);
  }
  ::close(fd);
  return {};
}

StoreError StoreRoot::error(int errno_value, std::string_view action, std::string_view relative) const {
  std::string path = full(relative);
  if (errno_value == ELOOP || errno_value == EXDEV) {
    return StoreError{StoreError::Kind::Io,
                      "cannot " + std::string(action) + " " + backticked(path) +
                          ": it is or passes through a symbolic link inside the store, which mlf never "
                          "follows; replace the link with a real folder or file (or move the store)",
                      path};
  }
  return system_error(errno_value, action, path);
}

}  // namespace mlf::runtime
