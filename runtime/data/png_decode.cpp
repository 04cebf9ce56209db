#include "runtime/data/png_decode.h"

#include <png.h>

#include <csetjmp>
#include <cstring>

#include "runtime/data/file_bytes.h"

namespace mlf::runtime {
namespace {

struct MemoryReader {
  const unsigned char* data;
  std::size_t size;
  std::size_t at;
};

struct ErrorSink {
  char message[256];
};

void read_from_memory(png_structp png, png_bytep out, png_size_t length) {
  auto* reader = static_cast<MemoryReader*>(png_get_io_ptr(png));
  if (length > reader->size - reader->at) png_error(png, "the file ends inside the image data");
  std::memcpy(out, reader->data + reader->at, length);
  reader->at += length;
}

void on_error(png_structp png, png_const_charp message) {
  auto* sink = static_cast<ErrorSink*>(png_get_error_ptr(png));
  std::strncpy(sink->message, message ? message : "unknown error", sizeof sink->message - 1);
  sink->message[sizeof sink->message - 1] = '\0';
  png_longjmp(png, 1);
}

void on_warning(png_structp, png_const_charp) {}

// Plain C between setjmp and longjmp: every buffer is allocated by the caller. Returns 0 on
// success, 1 on a libpng error (sink holds it), 2 on an unsupported format.
// First pass: header only (rows == nullptr), fills the shape. Second pass: pixels.
int run_libpng(MemoryReader* reader, ErrorSink* sink, png_uint_32* width, png_uint_32* height,
               int* channels, png_bytep* rows) {
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, sink, on_error, on_warning);
  if (!png) return 1;
  png_infop info = png_create_info_struct(png);
  if (!info) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    return 1;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    return 1;
  }
  png_set_read_fn(png, reader, read_from_memory);
  png_read_info(png, info);
  int bit_depth = png_get_bit_depth(png, info);
  int colour = png_get_color_type(png, info);
  *width = png_get_image_width(png, info);
  *height = png_get_image_height(png, info);
  int result = 0;
  switch (colour) {
    case PNG_COLOR_TYPE_GRAY: *channels = 1; break;
    case PNG_COLOR_TYPE_GRAY_ALPHA: *channels = 2; break;
    case PNG_COLOR_TYPE_RGB: *channels = 3; break;
    case PNG_COLOR_TYPE_RGB_ALPHA: *channels = 4; break;
    default: result = 2; break;
  }
  if (bit_depth != 8) result = 2;
  if (result == 0 && rows) {
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    png_read_image(png, rows);
    png_read_end(png, nullptr);
  }
  png_destroy_read_struct(&png, &info, nullptr);
  return result;
}

}  // namespace

DataResult<PngImage> decode_png(const std::string& path, const std::string& bytes) {
  MemoryReader reader{reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), 0};
  ErrorSink sink{};
  png_uint_32 width = 0, height = 0;
  int channels = 0;
  int code = run_libpng(&reader, &sink, &width, &height, &channels, nullptr);
  if (code == 1) return DataError{quoted_path(path) + " is not a readable PNG: " + sink.message};
  if (code == 2)
    return DataError{quoted_path(path) +
                     " is not an 8-bit gray, gray+alpha, RGB or RGBA PNG image"};
  if (static_cast<std::uint64_t>(width) * height * channels > (1ull << 32))
    return DataError{quoted_path(path) + " is too large an image"};

  std::vector<std::uint8_t> interleaved(static_cast<std::size_t>(width) * height * channels);
  std::vector<png_bytep> rows(height);
  for (png_uint_32 y = 0; y < height; ++y)
    rows[y] = interleaved.data() + static_cast<std::size_t>(y) * width * channels;
  reader.at = 0;
  png_uint_32 width2 = 0, height2 = 0;
  int channels2 = 0;
  code = run_libpng(&reader, &sink, &width2, &height2, &channels2, rows.data());
  if (code != 0 || width2 != width || height2 != height || channels2 != channels)
    return DataError{quoted_path(path) + " is not a readable PNG: " + sink.message};

  PngImage image;
  image.channels = channels;
  image.height = height;
  image.width = width;
  image.planes.resize(interleaved.size());
  const std::size_t plane = static_cast<std::size_t>(width) * height;
  for (std::size_t p = 0; p < plane; ++p)
    for (int c = 0; c < channels; ++c)
      image.planes[static_cast<std::size_t>(c) * plane + p] = interleaved[p * channels + c];
  return image;
}

}  // namespace mlf::runtime
