// The class count of a .npy label file, for the `npy` reader.
//
// Takes: a path to a .npy file that should hold one integer class id per sample.
// Promises: checks the header with probe_npy(), then streams through the data (64 KiB at a
// time, constant memory) to find the largest label, so `npy` can type its labels class<K>
// with K = max label + 1 as `idx` and `csv` do. A shape other than [N], a float or other
// non-integer dtype, a negative label or one above 2^24 − 1 is BadFormat naming the file. Never
// throws. Does not: keep the labels.
#pragma once

#include <cstdint>
#include <string>

#include "compiler/probe/probe_result.h"

namespace mlf {

struct NpyLabelSummary {
  std::int64_t count = 0;        // number of labels
  std::int64_t num_classes = 0;  // max label + 1; 0 for an empty file
};

probe::ProbeResult<NpyLabelSummary> read_npy_labels(const std::string& path);

}  // namespace mlf
