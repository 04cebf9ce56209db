// IDX files (the MNIST format), raw or gzipped, probed at compile time.
//
// Takes: a path to an IDX file: bytes 00 00, a type code (08 u8, 09 i8, 0b i16, 0c i32,
// 0d f32, 0e f64), the number of dimensions, one big-endian u32 per dimension, then the
// elements in big-endian order. A file that starts with the gzip magic is read through zlib.
// Promises: probe_idx() reads only the header (plus, for gzip, the 4-byte size trailer at the
// end of the file) and checks that the data length matches the declared dimensions: exactly
// for a raw file, by the gzip size trailer for a gzip file (falling back to a streaming count,
// in constant memory, only when the trailer disagrees, e.g. for a multi-member stream).
// probe_idx_labels() streams through a 1-D label file in constant memory. Neither throws,
// and a declared shape whose size overflows is BadFormat.
// Does not: decode images, or keep any sample data.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/probe/probe_result.h"

namespace mlf::probe {

struct IdxHeader {
  ElementType type = ElementType::U8;
  std::vector<std::int64_t> dims;  // dims[0] is the sample count
  bool gzipped = false;
  std::uint64_t data_offset = 0;   // 4 + 4 * dims.size(), in the decompressed bytes
};

ProbeResult<IdxHeader> probe_idx(const std::string& path);

struct LabelSummary {
  std::int64_t count = 0;        // number of labels (dims[0])
  std::int64_t num_classes = 0;  // max label + 1; 0 for an empty file
};

// A 1-D IDX file of non-negative integer labels (u8, i8, i16 or i32).
ProbeResult<LabelSummary> probe_idx_labels(const std::string& path);

}  // namespace mlf::probe
