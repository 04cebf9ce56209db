// The record `kernels/<hash>` that names a cached kernel's shared object, and the proof
// that this user's mlf wrote it.
//
// A record is a small TOML file:
//   kernel  = "<kernel hash>"            the record's own name (kernel_cache.h)
//   object  = "<SHA-256 of the .so>"     the shared object in the store
//   inputs  = "<SHA-256 of LoopProgram::text()>"   the exact codegen input
//   codegen = "mlf-fuse-codegen-5"       kCodegenVersion
//   target  = "<SHA-256 of target_identity()>"
//   build   = "0.1.0 98208c0a1b2c"       the mlf that compiled it (build_info.h)
//   key     = "<key id>"                 which kernel key signed it (kernel_key.h)
//   mac     = "<HMAC-SHA256>"            over every field above, in this order
// Takes: a record's fields, or its text; a kernel key.
// Promises: sign_kernel_record() sets `key` and `mac`; kernel_record_refusal() returns ""
// only when the record was signed with this key and not changed since, else why not, in
// words a warning can quote ("was signed with another kernel key ...", "does not
// authenticate ..."). The MAC covers every byte of every field, so no field can be
// altered, and no record forged, without the key. parse_kernel_record() refuses any text
// that is not exactly these fields, each once, with the values' spelling checked.
// check_kernel_records() is `mlf verify`'s look at every record in a store.
// Does not: read or write the store for the kernel cache (kernel_cache.h does), or decide
// whether a record fits a program (the caller compares the fields it expects).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/hash/sha256.h"
#include "runtime/fuse/kernel_key.h"
#include "runtime/store/object_store.h"

namespace mlf::runtime {

struct KernelRecord {
  Digest kernel;
  Digest object;
  Digest inputs;
  std::string codegen;
  Digest target;
  std::string build;
  std::string key;  // set by sign_kernel_record()
  Digest mac;       // set by sign_kernel_record()
};

std::string kernel_record_text(const KernelRecord& record);
// nullopt with `problem` set when `text` is not a well-formed kernel record.
std::optional<KernelRecord> parse_kernel_record(std::string_view text, std::string& problem);

void sign_kernel_record(KernelRecord& record, const KernelKey& key);
// "" when `record` authenticates under `key`; else the reason.
std::string kernel_record_refusal(const KernelRecord& record, const KernelKey& key);

// "kernels/<hash hex>".
std::string kernel_record_name(const Digest& kernel);

struct KernelRecordCheck {
  std::size_t records_checked = 0;
  std::vector<std::string> refused;  // "kernels/<hash>: <why>", in name order
  std::string key_problem;           // set when there is no usable key: nothing was checked
};

// Reads and authenticates every record under kernels/ with this user's key.
KernelRecordCheck check_kernel_records(ObjectStore& store);

}  // namespace mlf::runtime
