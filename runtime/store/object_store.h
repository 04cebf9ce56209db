// The content-addressed store under a project's `.mlf/` (compiler/sema/project.h finds it):
// immutable objects keyed by the SHA-256 of their uncompressed bytes, plus small mutable
// text records (results/<node>.toml, runs/<id>.toml, pins/<id>).
//
// Layout under the root:
//   objects/ab/cdef…   one zstd frame (object_codec.h) per object, named by its digest's hex
//   tmp/               temp files of writes in progress (same file system, so rename is atomic)
//   quarantine/        objects found corrupt, kept for inspection as <hex>.<UTC time>.<pid>-<n>
//   results/ runs/ pins/   text records
//   lock               the file store_lock.h locks
//
// Takes: a root folder (created if missing) and options.
// Promises: put() returns the digest of the uncompressed bytes and writes with the atomic
// protocol of atomic_file.h; an object already present is re-verified and never rewritten
// unless it is corrupt. get() verifies the frame (object_codec.h) and the SHA-256 on every
// read; a corrupt object is moved to quarantine/ and reported as Corrupt naming the object
// and the reason — contains() is then false, so the executor re-runs its producer and a
// later put() of the right bytes restores it. A failed write (ENOSPC at any step included)
// leaves no partial object or record and no temp file. Any number of threads and processes
// may put and get concurrently on one root: objects are content-addressed, temp names are
// unique and the final rename is atomic, so no object is lost or torn.
// Does not: lock (store_lock.h), decide what to keep (store_maintenance.h), or order
// records: a caller writes a record that references objects only after every put() it
// references has returned ok — the record is written last.
#pragma once

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/hash/sha256.h"
#include "runtime/store/atomic_file.h"
#include "runtime/store/store_error.h"

namespace mlf::runtime {

struct StoreOptions {
  // Largest object put() accepts and get() will decode: the memory cap for a frame's
  // declared content size.
  std::uint64_t max_object_bytes = std::uint64_t{4} << 30;
  // Largest record read_text() reads.
  std::uint64_t max_record_bytes = std::uint64_t{64} << 20;
  int compression_level = 3;
  // Test hook: fail any step of any write (atomic_file.h).
  FileSystemFaults faults;
};

struct ObjectListing {
  std::vector<Digest> objects;                // sorted
  std::vector<std::filesystem::path> stray;   // files under objects/ not named by a digest
};

class ObjectStore {
 public:
  // Opens (creating as needed) the store at `root` and its folders.
  static StoreResult<ObjectStore> open(const std::filesystem::path& root, StoreOptions options = {});

  const std::filesystem::path& root() const { return root_; }
  const StoreOptions& options() const { return options_; }
  std::filesystem::path objects_dir() const { return root_ / "objects"; }
  std::filesystem::path temp_dir() const { return root_ / "tmp"; }
  std::filesystem::path quarantine_dir() const { return root_ / "quarantine"; }

  // objects/ab/cdef… for `digest`, whether or not it exists.
  std::filesystem::path object_path(const Digest& digest) const;

  // Stores `bytes`; returns their SHA-256.
  StoreResult<Digest> put(std::string_view bytes);

  // The object's bytes, verified. NotFound when absent; Corrupt (and quarantined) when its
  // frame or digest is wrong.
  StoreResult<std::string> get(const Digest& digest);

  // Verifies the object like get() without keeping its bytes (memory stays bounded);
  // returns its size. Quarantines it on corruption.
  StoreResult<std::uint64_t> check(const Digest& digest);

  // Whether an object file exists; no verification (a stat).
  bool contains(const Digest& digest) const;

  // Every object file under objects/, without reading them.
  ObjectListing list_objects() const;

  // A small record at `relative` (e.g. "runs/<id>.toml"), written atomically; parent
  // folders are created. `relative` must stay inside the root.
  StoreResult<void> write_text(const std::string& relative, std::string_view text);
  // The same for a record given in parts, written one after another (no joined copy).
  StoreResult<void> write_text_parts(const std::string& relative, std::initializer_list<std::string_view> parts);
  StoreResult<std::string> read_text(const std::string& relative) const;
  StoreResult<void> remove_text(const std::string& relative);
  // Whether a record exists at `relative` (a stat; nothing is read).
  bool contains_text(const std::string& relative) const;
  // Names of the regular files directly in folder `relative` (e.g. "pins"), sorted.
  StoreResult<std::vector<std::string>> list_text(const std::string& relative) const;

 private:
  ObjectStore(std::filesystem::path root, StoreOptions options);
  StoreResult<std::uint64_t> read_object(const Digest& digest, std::string* out);
  StoreResult<std::filesystem::path> resolve_record(const std::string& relative) const;
  std::string object_path_text(const Digest& digest) const;

  std::filesystem::path root_;
  StoreOptions options_;
};

}  // namespace mlf::runtime
