// `mlf verify` and `mlf gc` over an ObjectStore.
//
// Takes: an open store; for gc, the set of digests to keep, which the caller derives from
// the run records it keeps (recent and pinned runs) — gc itself reads no records.
// Promises: verify() decodes and re-hashes every object (bounded memory, object by object),
// quarantines each corrupt one and lists it; clean() is false whenever anything was wrong,
// so the command exits non-zero. Records are checked by verify_records (runtime/record/
// record_verify.h), which takes the intact objects listed here. gc() removes exactly the objects not in `keep`, temp files
// older than `temp_age` (writes that died), and fan-out folders left empty; it reports the
// bytes freed (on-disk, compressed) and the kept digests that are absent.
// Does not: lock. The caller holds StoreLock Exclusive across reading the run records,
// computing `keep` and gc(), so no run adds a reference in between; verify needs at most
// Shared. Neither touches quarantine/ (kept for inspection) or the records.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <set>
#include <vector>

#include "compiler/hash/sha256.h"
#include "runtime/store/object_store.h"
#include "runtime/store/store_error.h"

namespace mlf::runtime {

struct VerifyReport {
  std::size_t objects_checked = 0;
  std::uint64_t content_bytes = 0;                // uncompressed bytes of the intact objects
  std::vector<StoreError> corrupt;                // each one now in quarantine/
  std::vector<StoreError> unreadable;             // objects the system would not let us read
  std::vector<std::filesystem::path> stray;       // files under objects/ not named by a digest
  std::vector<Digest> intact;                     // sorted: what records may name (record_verify.h)

  bool clean() const { return corrupt.empty() && unreadable.empty() && stray.empty(); }
};

VerifyReport verify(ObjectStore& store);

struct GcOptions {
  // Temp files younger than this may belong to a write in progress (writers take no lock).
  std::chrono::seconds temp_age = std::chrono::hours(1);
};

struct GcReport {
  std::size_t objects_kept = 0;
  std::size_t objects_removed = 0;
  std::size_t temp_files_removed = 0;
  std::uint64_t bytes_freed = 0;
  std::vector<Digest> missing;       // in `keep` but not in the store
  std::vector<StoreError> errors;    // files that could not be removed
};

GcReport gc(ObjectStore& store, const std::set<Digest>& keep, const GcOptions& options = {});

}  // namespace mlf::runtime
