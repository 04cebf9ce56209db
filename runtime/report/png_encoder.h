// In-memory PNG encoding (libpng) and base64, for images embedded in a report as data URIs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mlf::runtime {

// 8-bit gray (channels 1) or RGB (channels 3) pixels, interleaved, row-major. Returns "" when
// libpng fails (never throws; libpng's longjmp crosses no C++ object with a destructor).
std::string encode_png(const std::uint8_t* pixels, int width, int height, int channels);

std::string base64(std::string_view bytes);

}  // namespace mlf::runtime
