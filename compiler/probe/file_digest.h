// Content digests of data files, memoised across runs.
//
// Takes: paths of files (digest) or directories (digest_tree) that a pipeline reads, and
// the path of a cache file ("" = keep nothing between runs).
// Promises: digest() is the SHA-256 of the file's bytes as stored (a .gz file's compressed
// bytes), the same as `sha256sum`, hashed in 1 MiB chunks. A digest is memoised under the
// file's absolute path and identity (size, mtime in ns, inode): when all four match a
// remembered entry, no byte of the file is read. A file whose mtime is within 2 seconds of
// the moment it was hashed, or that changed while it was hashed, is not memoised, so a write
// landing in the same mtime tick cannot leave a stale digest behind. digest_tree() is the
// SHA-256 over "mlf-tree-v1\n" followed, for every regular file below root in byte order
// of its relative path (with '/' separators), by that path, a NUL byte and the file's
// 32-byte digest; symlinks are followed, symlink cycles are BadFormat. The cache file is
// TOML, loaded by the constructor and written by save() atomically (a temporary file in the
// same directory, then rename); a cache file that is missing, unreadable, corrupt or of
// another version is treated as empty, since it is only a cache. Never throws.
// Does not: lock the cache file (save() merges what is on disk, then the last rename wins;
// the file is always whole); detect a change that preserves size, mtime and inode (the price
// of not reading); prune entries of files that no longer exist; or synchronise threads (use
// one object per thread).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "compiler/hash/sha256.h"
#include "compiler/probe/probe_result.h"

namespace mlf::probe {

class FileDigestCache {
 public:
  explicit FileDigestCache(std::string cache_file_path);

  ProbeResult<Digest> digest(const std::string& path);
  ProbeResult<Digest> digest_tree(const std::string& root);

  // Writes the cache file if anything was added since it was loaded. False when it could not
  // be written (the digests returned so far are still right). True with no cache file path.
  bool save();

  // Files whose bytes were read by this object, and lookups answered from memory; for tests
  // and for `mlf run` to say what it hashed.
  std::int64_t files_hashed() const { return files_hashed_; }
  std::int64_t cache_hits() const { return cache_hits_; }

 private:
  struct Identity {
    std::uint64_t size = 0;
    std::int64_t mtime_ns = 0;
    std::uint64_t inode = 0;
    friend bool operator==(const Identity&, const Identity&) = default;
  };
  struct Entry {
    Identity identity;
    Digest digest;
  };

  void load();
  ProbeResult<Digest> hash_file(const std::string& path, const std::string& key, const Identity& before);

  std::string cache_file_path_;
  std::map<std::string, Entry> entries_;  // by absolute path
  bool dirty_ = false;
  std::vector<char> buffer_;
  std::int64_t files_hashed_ = 0;
  std::int64_t cache_hits_ = 0;
};

}  // namespace mlf::probe
