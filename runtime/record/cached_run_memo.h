// What a fully cached `mlf run` needs, kept from the last run of the same invocation, so
// that the next one can answer without compiling the source or reading the plan.
//
// A memo lists the run's inputs (source files with the SHA-256 of their text, the
// mlflow.toml that was found, data files and folders with their digests) and its outcome
// (every node's outputs, metrics and identity; the gates; the exports). The driver
// (compiler/driver/cached_run.h) decides when a memo may be used: every input unchanged and
// every output still in the store. A memo is a cache: one that is missing, damaged, or of
// another version is ignored, and the run takes the ordinary path.
//
// The text is line-based (a field per tab, `%` escapes for tab, newline, return and `%`)
// rather than TOML: parsing it is part of the time budget of a no-op run. Floats are
// written in hexadecimal so they read back bit for bit. The node records come last, raw,
// after a line giving their length; then a line `end`, so a truncated memo is refused.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/record/run_record.h"

namespace mlf::runtime {

struct MemoSource {
  std::string path;    // absolute
  std::string sha256;  // of the text that was compiled (hex)
};

struct MemoDataFile {
  std::string path;  // absolute
  bool directory = false;
  std::string sha256;  // the plan's digest of the file or folder (hex)
};

struct MemoExport {
  std::string node;  // node id (hex)
  std::string kind;  // the node's kind: "train" (weights) or "evaluate" (metrics)
  std::string path;  // absolute target path
};

struct CachedRunMemo {
  std::string plan_id;
  std::string pipeline;
  std::string config_path;  // the mlflow.toml found for the source, "" for none
  std::vector<MemoSource> sources;
  std::vector<MemoDataFile> files;
  std::vector<std::pair<std::string, std::string>> sweep_params;  // from the plan's labels
  // In plan order: id, label, kind, outputs and metrics (not identity). Status, why and
  // seconds are the next run's to set.
  std::vector<NodeRecord> nodes;
  // The record's `[[node]]` tables for a run in which every stage is cached, identities
  // included, as render_node_records wrote them: copied into the record as they are, since
  // parsing and rendering them again was most of a no-op run's work.
  std::string node_records;
  std::vector<GateRecord> gates;  // text, node, field, comparison, threshold
  std::vector<MemoExport> exports;
};

std::string render_cached_run_memo(const CachedRunMemo& memo);
// nullopt when the text is not a whole memo of this version.
// Takes the text: the node records are kept in its buffer rather than copied.
std::optional<CachedRunMemo> parse_cached_run_memo(std::string text);

}  // namespace mlf::runtime
