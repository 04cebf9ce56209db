// The seal that ends every text record of a store (results/, runs/, plans/, memo/,
// kernels/, exports/, pins/): proof that a record is whole and as mlf wrote it.
//
// Takes: a record's bytes as written, in parts (RecordSealer), or as read (unseal()).
// Promises: a sealed record is its bytes followed by one line
//   # mlf-seal sha256:<hex of every byte before this line>
// — a TOML comment, so a sealed record still parses as TOML and reads well. When the bytes
// do not end with a newline, one is added before the seal line and the line says
// ` newline-added`, so unseal() gives back exactly the bytes that were written. unseal()
// fails with Corrupt, naming the record and the reason, when the seal is missing (a
// truncated record, or one written before records were sealed), malformed, or does not
// match (an edited or damaged record).
// Does not: read or write files (object_store.h does).
#pragma once

#include <string>
#include <string_view>

#include "compiler/hash/sha256.h"
#include "runtime/store/store_error.h"

namespace mlf::runtime {

// Hashes a record while its parts are written; seal_line() is the line to write last.
class RecordSealer {
 public:
  void update(std::string_view part);
  // The seal line (with the newline before it when the record lacks one). Call once.
  std::string seal_line();

 private:
  Sha256 hasher_;
  char last_ = '\n';  // an empty record needs no newline before its seal
};

// The record's bytes without their seal. `path` names the record in the error.
StoreResult<std::string_view> unseal(std::string_view sealed, const std::string& path);

}  // namespace mlf::runtime
