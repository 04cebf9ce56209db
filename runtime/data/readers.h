// Reading the dataset of a plan's `read` node from its files.
//
// Takes: a PlanNode whose call is one of the catalogue's readers (idx, csv, npy,
// image_folder; stdlib/readers.cpp) and the project root that relative plan paths resolve
// against (resolve_plan_path).
// Promises: every file the node reads is taken from the node's `files` table (path and
// SHA-256, matched by argument name) and verified before use: a file's bytes are hashed as
// read and decoded only when they match (file_bytes.h), a directory by its tree digest
// (image_folder_reader.h); a changed, missing or unreadable file is a DataError naming it.
// The decoded dataset agrees with the compile-time probe by construction (same syntax
// rules, same shape rule, same label numbering) and is then checked against the node's
// sample type and count; any disagreement is a DataError (a bug, never silent data).
// source_index is the sample's position in the reader's order.
// Does not: cache (the executor stores datasets by node id), or apply augment chains.
#pragma once

#include <string>

#include "compiler/plan/plan.h"
#include "runtime/data/data_result.h"
#include "runtime/data/tensor.h"

namespace mlf::runtime {

DataResult<Dataset> read_dataset(const PlanNode& node, const std::string& project_root);

}  // namespace mlf::runtime
