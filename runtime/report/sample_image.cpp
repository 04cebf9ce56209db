#include "runtime/report/sample_image.h"

#include <algorithm>
#include <cstring>

#include "runtime/report/png_encoder.h"

namespace mlf::runtime {

namespace {

double element(const Tensor& x, std::int64_t flat) {
  const std::uint8_t* at = x.bytes.data() + flat * dtype_size(x.dtype);
  switch (x.dtype) {
    case DType::U8: return *at;
    case DType::I8: return static_cast<std::int8_t>(*at);
    case DType::I16: { std::int16_t v; std::memcpy(&v, at, 2); return v; }
    case DType::I32: { std::int32_t v; std::memcpy(&v, at, 4); return v; }
    case DType::I64: { std::int64_t v; std::memcpy(&v, at, 8); return static_cast<double>(v); }
    case DType::F32: { float v; std::memcpy(&v, at, 4); return v; }
    case DType::F64: { double v; std::memcpy(&v, at, 8); return v; }
  }
  return 0.0;
}

bool sample_in_range(const Tensor& x, std::int64_t index) {
  std::int64_t per = x.sample_elements();
  return index >= 0 && !x.shape.empty() && index < x.shape[0] && per > 0 &&
         static_cast<std::size_t>((index + 1) * per) * dtype_size(x.dtype) <= x.bytes.size();
}

}  // namespace

std::string sample_image_uri(const Tensor& x, std::int64_t index) {
  if (!sample_in_range(x, index)) return "";
  std::int64_t channels = 1, height = 0, width = 0;
  if (x.shape.size() == 3) {
    height = x.shape[1];
    width = x.shape[2];
  } else if (x.shape.size() == 4 && (x.shape[1] == 1 || x.shape[1] == 3)) {
    channels = x.shape[1];
    height = x.shape[2];
    width = x.shape[3];
  } else {
    return "";
  }
  if (height < 4 || width < 4 || height > 1024 || width > 1024) return "";
  std::int64_t per = x.sample_elements();
  std::int64_t base = index * per;
  double low = element(x, base), high = low;
  for (std::int64_t i = 0; i < per; ++i) {
    double v = element(x, base + i);
    low = std::min(low, v);
    high = std::max(high, v);
  }
  bool bytes_already = x.dtype == DType::U8;
  double scale = high > low ? 255.0 / (high - low) : 0.0;
  // Planar [C, H, W] → interleaved rows.
  std::vector<std::uint8_t> pixels(static_cast<std::size_t>(per));
  for (std::int64_t c = 0; c < channels; ++c)
    for (std::int64_t y = 0; y < height; ++y)
      for (std::int64_t w = 0; w < width; ++w) {
        double v = element(x, base + (c * height + y) * width + w);
        double byte = bytes_already ? v : (v - low) * scale;
        pixels[(y * width + w) * channels + c] =
            static_cast<std::uint8_t>(std::clamp(byte + 0.5, 0.0, 255.0));
      }
  std::string png = encode_png(pixels.data(), static_cast<int>(width), static_cast<int>(height),
                               static_cast<int>(channels));
  if (png.empty()) return "";
  return "data:image/png;base64," + base64(png);
}

std::vector<double> sample_values(const Tensor& x, std::int64_t index, std::size_t limit) {
  std::vector<double> out;
  if (!sample_in_range(x, index)) return out;
  std::int64_t per = x.sample_elements();
  for (std::int64_t i = 0; i < per && out.size() < limit; ++i) out.push_back(element(x, index * per + i));
  return out;
}

}  // namespace mlf::runtime
