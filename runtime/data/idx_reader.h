// The `idx` reader's decoding: IDX image and label files (MNIST format) into a Dataset.
//
// Takes: each file's path (for messages) and its content, already gunzipped when the file
// was gzip (file_bytes.h): bytes 00 00, a type code (08 u8, 09 i8, 0b i16, 0c i32, 0d f32,
// 0e f64), the rank, one big-endian u32 per dimension, then big-endian elements.
// Promises: exactly the compile-time probe's shape rule (stdlib/readers.cpp, idx): images
// [N, F] give samples [F], [N, H, W] give [1, H, W] (a channel dimension is added),
// [N, C, H, W] give [C, H, W]; the element type is the file's; elements are converted to
// little-endian. Labels: a 1-d file of u8, i8, i16 or i32, non-negative; classes = the
// largest label + 1; source_index = 0..N-1. The content length must match the header
// exactly. Every problem is a DataError naming the file.
// Does not: read files or check digests (readers.h does).
#pragma once

#include <string>

#include "runtime/data/data_result.h"
#include "runtime/data/tensor.h"

namespace mlf::runtime {

DataResult<Dataset> decode_idx(const std::string& images_path, const std::string& images,
                               const std::string& labels_path, const std::string& labels);

}  // namespace mlf::runtime
