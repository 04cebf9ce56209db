// The folder of a store, held open: everything inside it is reached relative to one
// descriptor of the root and never through a symbolic link.
//
// Takes: the root's path (which may itself be, or pass through, a symbolic link: where a
// user keeps a store is the user's choice) and paths relative to it ("objects/ab/cdef…").
// Promises: open() resolves a relative path with Linux openat2(RESOLVE_BENEATH |
// RESOLVE_NO_SYMLINKS) — or, on kernels without it, component by component with
// O_NOFOLLOW — so a link anywhere inside the store, a folder or a file, fails with ELOOP
// (or EXDEV) instead of leading outside; rename, unlink, mkdir and stat work on the
// descriptor of the parent folder reached the same way, with the final component never
// followed. Folders are created 0755 whatever the umask (mkdir never grants more than it is
// asked). Copies share one descriptor, closed with the last copy.
// Does not: check ownership or modes (object_store.cpp does, when it opens a store).
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/store/store_error.h"

namespace mlf::runtime {

struct FolderEntry {
  std::string name;
  bool is_folder = false;
  bool is_file = false;  // a regular file; links and everything else are neither
};

class StoreRoot {
 public:
  // The open root folder; `create` makes it (and missing parents, 0755) first.
  static StoreResult<StoreRoot> open_root(const std::string& path, bool create);

  int fd() const { return *fd_; }
  // The absolute path of the root as given (for messages) and of something inside it.
  const std::string& path() const { return path_; }
  std::string full(std::string_view relative) const;

  // A descriptor of `relative` (flags as for open(2); "" is the root); -1 with errno set.
  int open(std::string_view relative, int flags, mode_t mode = 0) const;
  // lstat of `relative`; -1 with errno (ELOOP when a folder on the way is a link).
  int stat(std::string_view relative, struct stat& info) const;
  int make_folder(std::string_view relative) const;  // mkdirat, mode 0755
  int rename(std::string_view from, std::string_view to) const;
  int unlink(std::string_view relative) const;
  int remove_folder(std::string_view relative) const;
  // Entries of the folder `relative`, unsorted, without "." and ".."; -1 with errno.
  int list(std::string_view relative, std::vector<FolderEntry>& out) const;

  // Creates the folder `relative` and its missing parents inside the store; each new
  // folder's parent is fsynced so the entry survives a crash. An existing folder is success.
  StoreResult<void> ensure_folder(std::string_view relative) const;
  // fsync of the folder `relative`.
  StoreResult<void> sync_folder(std::string_view relative) const;

  // The error for a failed call on `relative`, saying so plainly when the cause is a
  // symbolic link inside the store.
  StoreError error(int errno_value, std::string_view action, std::string_view relative) const;

 private:
  StoreRoot(std::shared_ptr<const int> fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
  // The parent folder of `relative` (O_PATH) and the final component; -1 with errno.
  int open_parent(std::string_view relative, std::string& name) const;

  std::shared_ptr<const int> fd_;
  std::string path_;
};

}  // namespace mlf::runtime
