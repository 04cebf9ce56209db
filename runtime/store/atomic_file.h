// Writing a file so that no reader, crash or full disk ever sees a partial one in its place.
//
// Takes: an open store root (store_root.h), the file's final path and a temp folder on the
// same file system (the store's tmp/), both relative to the root, and the bytes, in as many
// write() calls as the caller likes.
// Promises: git's protocol — a fresh temp file (O_EXCL, unique name) in the temp folder,
// write, fsync, rename over the target, fsync of the target's folder. Until commit()
// succeeds the target is untouched; a reader sees the old file or the whole new one. An
// AtomicFile destroyed without a successful commit() closes and removes its temp file, so a
// failure at any step (ENOSPC included) leaves neither a partial target nor a temp file.
// Every path is resolved beneath the root without following a link (store_root.h).
// Every step first asks the FileSystemFaults hook, so tests can fail any step with any
// errno exactly as if the system call had failed.
// Does not: lock. Two writers of one target both succeed and the last rename wins — harmless
// for content-addressed objects (equal bytes), last-writer-wins for records. If only the
// final fsync of the folder fails, commit() reports it although the target is complete.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <string_view>

#include "runtime/store/store_error.h"
#include "runtime/store/store_root.h"

namespace mlf::runtime {

enum class WriteStep { Create, Write, Sync, Rename, SyncDirectory };

// "create", "write", "fsync", "rename", "fsync the folder of".
const char* write_step_name(WriteStep step);

// Test hook, asked before every step of an atomic write with the write's final path: 0 lets
// the step run; any other value is an errno the step then fails with (ENOSPC, EIO, ...).
using FileSystemFaults = std::function<int(WriteStep step, const std::filesystem::path& target)>;

class AtomicFile {
 public:
  // Creates the temp file for `target` in `temp_dir` (both relative to `root`). `mode` is
  // the permission the file keeps once in place (the fd is writable whatever it is).
  static StoreResult<AtomicFile> create(const StoreRoot& root, std::string target, const std::string& temp_dir,
                                        mode_t mode, FileSystemFaults faults = {});

  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&& other) noexcept;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();

  // Appends `bytes` to the temp file (short writes and EINTR are retried).
  StoreResult<void> write(std::string_view bytes);

  // fsync, rename into place, fsync of the target's folder. Call once.
  StoreResult<void> commit();

  // Relative to the root.
  const std::string& target() const { return target_; }
  const std::string& temp_path() const { return temp_path_; }

 private:
  AtomicFile(StoreRoot root, std::string target, std::string temp_path, int fd, FileSystemFaults faults);
  // Closes and removes the temp file unless it has been renamed into place.
  void discard();
  int fault(WriteStep step) const;

  StoreRoot root_;
  std::string target_;
  std::string temp_path_;
  int fd_ = -1;
  bool committed_ = false;
  FileSystemFaults faults_;
};

// fsync of a folder, so that creations and renames inside it survive a crash.
StoreResult<void> sync_directory(const std::filesystem::path& dir);

// Creates `dir` and any missing parents (0755 whatever the umask); each new folder's parent
// is fsynced so the new entry survives a crash. An existing folder is success. For the
// store's root and what lies outside it: inside a store, StoreRoot::ensure_folder.
StoreResult<void> ensure_directory(const std::filesystem::path& dir);

}  // namespace mlf::runtime
