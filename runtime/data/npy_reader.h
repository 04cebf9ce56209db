// The `npy` reader's decoding: a .npy array of samples and a .npy array of class ids.
//
// Takes: each file's path (for messages) and its bytes (uncompressed .npy, versions 1.0,
// 2.0, 3.0), and the `classes` argument when the plan gives one.
// Promises: the header grammar and dtypes of the compile-time probe (compiler/probe/
// npy_probe.h: '|u1' '<u1' '|i1' '<i1' '<i2' '<i4' '<i8' '<f4' '<f8', C order, the data
// exactly product(shape)·itemsize bytes); samples are the entries of the first dimension,
// with the file's element type, bytes copied as they are (already little-endian). Labels: a
// 1-d integer array, each in [0, 2^24 − 1] (stdlib/npy_labels.h); classes = the `classes`
// argument when given, else the largest label + 1; source_index = 0..N-1. Every problem is a
// DataError naming the file.
// Does not: read files or check digests (readers.h does), or open .npz.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "runtime/data/data_result.h"
#include "runtime/data/tensor.h"

namespace mlf::runtime {

DataResult<Dataset> decode_npy(const std::string& x_path, const std::string& x_bytes,
                               const std::string& y_path, const std::string& y_bytes,
                               std::optional<std::int64_t> classes);

}  // namespace mlf::runtime
