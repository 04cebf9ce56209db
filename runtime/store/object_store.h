// The content-addressed store under a project's `.mlf/` (compiler/sema/project.h finds it):
// immutable objects keyed by the SHA-256 of their uncompressed bytes, plus small mutable
// text records (results/<node>.toml, runs/<id>.toml, plans/<id>.toml, memo/, kernels/,
// exports/, pins/<id>), each sealed (record_seal.h).
//
// Layout under the root:
//   objects/ab/cdef…   one zstd frame (object_codec.h) per object, named by its digest's hex
//   tmp/               temp files of writes in progress (same file system, so rename is atomic)
//   quarantine/        objects found corrupt, kept for inspection as <hex>.<UTC time>.<pid>-<n>,
//                      and records found damaged by verify, as <folder>-<name>.<UTC time>.<pid>-<n>
//   results/ runs/ plans/ memo/ kernels/ exports/ pins/   text records
//   lock               the file store_lock.h locks
//
// Takes: a root folder and options; OpenMode::Create creates it and its folders when
// missing, OpenMode::Existing creates nothing (for the commands that only read).
// Safety: open() refuses, with an error naming the folder and the fix, a store whose root
// or folders are group- or world-writable or owned by another user, or whose folders are
// symbolic links. Folders are created 0755 and files 0444 (objects) or 0644 (records)
// whatever the umask. Everything inside the root is reached relative to one descriptor of
// it without following links (store_root.h); the root itself may be a link.
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
// Records: write_text() seals every record (record_seal.h) as it streams it; read_text()
// verifies and strips the seal, and a record whose seal is missing or does not match is
// Corrupt, naming the record and the reason. What a caller does with a damaged record is
// the caller's: it is never read as if it were whole.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/hash/sha256.h"
#include "runtime/store/atomic_file.h"
#include "runtime/store/store_error.h"
#include "runtime/store/store_root.h"

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
  // Told of each corrupt object that put() finds in place of the one it writes, quarantines
  // and writes again — no caller sees an error for it, so this is how it gets reported.
  std::function<void(const StoreError&)> replaced_corrupt;
};

enum class OpenMode {
  Create,    // create the store and its folders when missing
  Existing,  // create nothing: a missing store is NotFound
};

struct ObjectListing {
  std::vector<Digest> objects;                // sorted
  std::vector<std::filesystem::path> stray;   // files under objects/ not named by a digest
};

class ObjectStore {
 public:
  // Opens the store at `root` (see OpenMode), checking it is safe to use (see above).
  static StoreResult<ObjectStore> open(const std::filesystem::path& root, StoreOptions options = {},
                                       OpenMode mode = OpenMode::Create);

  const std::filesystem::path& root() const { return root_; }
  const StoreOptions& options() const { return options_; }
  std::filesystem::path objects_dir() const { return root_ / "objects"; }
  std::filesystem::path temp_dir() const { return root_ / "tmp"; }
  std::filesystem::path quarantine_dir() const { return root_ / "quarantine"; }
  // The open root, for reaching files inside the store without following links.
  const StoreRoot& folder() const { return dir_; }

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

  // A small record at `relative` (e.g. "runs/<id>.toml"), written atomically and sealed;
  // parent folders are created. `relative` must stay inside the root.
  StoreResult<void> write_text(const std::string& relative, std::string_view text);
  // The same for a record given in parts, written one after another (no joined copy).
  StoreResult<void> write_text_parts(const std::string& relative, std::initializer_list<std::string_view> parts);
  // The record's text without its seal; Corrupt when the seal is missing or wrong.
  StoreResult<std::string> read_text(const std::string& relative) const;
  // Moves a damaged record to quarantine/; returns where it went.
  StoreResult<std::string> quarantine_text(const std::string& relative);
  // Every record of the store (paths relative to the root, sorted): the regular files
  // outside objects/, tmp/ and quarantine/, but for the lock and the front end's
  // digests.toml cache. Links and other odd entries are listed in `odd`.
  std::vector<std::string> list_records(std::vector<std::string>* odd = nullptr) const;
  StoreResult<void> remove_text(const std::string& relative);
  // Whether a record exists at `relative` (a stat; nothing is read).
  bool contains_text(const std::string& relative) const;
  // Names of the regular files directly in folder `relative` (e.g. "pins"), sorted.
  StoreResult<std::vector<std::string>> list_text(const std::string& relative) const;

 private:
  ObjectStore(std::filesystem::path root, StoreRoot dir, StoreOptions options);
  StoreResult<std::uint64_t> read_object(const Digest& digest, std::string* out);
  // `relative` checked to be a record's path inside the root.
  StoreResult<std::string> resolve_record(const std::string& relative) const;
  // objects/ab/cdef…, relative to the root.
  static std::string object_relative(const Digest& digest);

  std::filesystem::path root_;
  StoreRoot dir_;
  StoreOptions options_;
};

}  // namespace mlf::runtime
