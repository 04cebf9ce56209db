// Decoding one PNG image held in memory into planar u8 [channels, height, width], with libpng.
//
// Takes: the file's path (for messages) and its bytes.
// Promises: 8-bit gray (1 channel), gray+alpha (2), RGB (3) or RGBA (4) images, interlaced
// or not, decoded without any transform (no gamma, no tRNS expansion, no stripping), the
// channels of each pixel moved to planes: out[c][y][x] = pixel (x, y) channel c. Palette,
// 16-bit and sub-byte images, and any libpng error, are a DataError naming the file. Never
// throws; libpng's longjmp never crosses a C++ object with a destructor.
// Does not: read files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/data/data_result.h"

namespace mlf::runtime {

struct PngImage {
  std::int64_t channels = 0, height = 0, width = 0;
  std::vector<std::uint8_t> planes;  // [channels, height, width]
};

DataResult<PngImage> decode_png(const std::string& path, const std::string& bytes);

}  // namespace mlf::runtime
