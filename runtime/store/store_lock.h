// The store-wide reader/writer lock: flock(2) on `<root>/lock`.
//
// Takes: the store's root folder and a mode.
// Promises: `mlf run` holds it Shared for as long as it reads and writes the store, so any
// number of runs proceed together; `mlf gc` holds it Exclusive while it reads the run
// records and deletes objects, so no run can reference an object gc is about to remove.
// The lock is released when the StoreLock is destroyed or the process dies (the kernel
// drops flock locks with the last open descriptor), so a crashed run never wedges a store.
// Does not: guard object writes — content-addressed files renamed atomically need no lock
// (object_store.h). flock locks belong to an open file: two StoreLocks in one process
// exclude each other like two processes do, so never take Exclusive while this process
// already holds Shared (that waits forever). A child made by fork() shares its parent's
// lock; the descriptor is close-on-exec.
#pragma once

#include <filesystem>
#include <optional>

#include "runtime/store/store_error.h"

namespace mlf::runtime {

class StoreLock {
 public:
  enum class Mode { Shared, Exclusive };

  // Waits until the lock is granted.
  static StoreResult<StoreLock> acquire(const std::filesystem::path& root, Mode mode);
  // Returns std::nullopt at once when another holder's mode conflicts.
  static StoreResult<std::optional<StoreLock>> try_acquire(const std::filesystem::path& root, Mode mode);

  StoreLock(StoreLock&& other) noexcept;
  StoreLock& operator=(StoreLock&& other) noexcept;
  StoreLock(const StoreLock&) = delete;
  StoreLock& operator=(const StoreLock&) = delete;
  ~StoreLock();

  Mode mode() const { return mode_; }

 private:
  StoreLock(int fd, Mode mode) : fd_(fd), mode_(mode) {}
  static StoreResult<std::optional<StoreLock>> lock(const std::filesystem::path& root, Mode mode, bool wait);

  int fd_ = -1;
  Mode mode_ = Mode::Shared;
};

}  // namespace mlf::runtime
