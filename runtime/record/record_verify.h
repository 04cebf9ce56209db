// The record half of `mlf verify`: every text record of a store checked for its seal, its
// syntax, and — for result records — that the objects it names are present and intact.
//
// Takes: an open store and the objects that verify() (store_maintenance.h) just found intact
// (a sorted list), so no object is decoded twice.
// Promises: each record is read through ObjectStore::read_text (seal checked); a damaged one
// is moved to quarantine/ and listed with the reason and where it went. A record whose seal
// holds but whose content does not parse as its kind (results/ and runs/ TOML, plans/ as a
// plan whose id is its name, memo/ as a cached-run memo) is listed as invalid and left in
// place. A result record naming an object that is absent or was found corrupt (what a
// quarantine or a lost object leaves) is removed and listed as stale: a run could not use
// it anyway, and its node runs again; the corrupt object itself is what fails the check.
// Links and other entries that are neither files nor folders are listed as odd.
// Does not: lock (the caller holds at most StoreLock Shared), or judge kernels/, exports/
// and pins/ beyond their seals (their owners check their content when they use it).
#pragma once

#include <string>
#include <vector>

#include "compiler/hash/sha256.h"
#include "runtime/store/object_store.h"

namespace mlf::runtime {

struct RecordsReport {
  std::size_t records_checked = 0;
  std::vector<StoreError> damaged;      // seal missing or wrong; now in quarantine/
  std::vector<std::string> invalid;     // sealed but wrong inside, one message each
  std::vector<std::string> stale;       // results naming absent or corrupt objects; removed
  std::vector<StoreError> unreadable;   // the system would not let us read them
  std::vector<std::string> odd;         // links and other entries where records live

  bool clean() const { return damaged.empty() && invalid.empty() && unreadable.empty() && odd.empty(); }
};

RecordsReport verify_records(ObjectStore& store, const std::vector<Digest>& intact_objects);

}  // namespace mlf::runtime
