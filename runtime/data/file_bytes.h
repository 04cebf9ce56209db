// The bytes of a plan's data file, checked against the digest the plan recorded.
//
// Takes: a path (already resolved against the project root) and the SHA-256 from the plan's
// `files` table.
// Promises: read_verified_file() reads the whole file into memory and hashes exactly those
// bytes, so the data a reader decodes is the data whose digest matched — never a file that
// changed after it was checked. A missing file, an unreadable one or a digest mismatch is a
// DataError naming the file (a mismatch also gives both digests and says to rebuild, and is ChangedData).
// file_content() is the content a compile-time probe saw: gunzipped in memory when the bytes
// start with the gzip magic 1f 8b (as probe::ByteStream does: concatenated members are read
// one after another; bytes after the last member that do not start another member are
// ignored, like zlib's gzread), else the bytes as they are.
// Does not: memoise digests (the executor hashes each input once per run), or mmap.
#pragma once

#include <string>

#include "compiler/hash/sha256.h"
#include "runtime/data/data_result.h"

namespace mlf::runtime {

DataResult<std::string> read_whole_file(const std::string& path);
DataResult<std::string> read_verified_file(const std::string& path, const Digest& expected);
DataResult<std::string> file_content(const std::string& path, std::string bytes);

// "`path`": how every message names a file (the probes' style).
std::string quoted_path(const std::string& path);

}  // namespace mlf::runtime
