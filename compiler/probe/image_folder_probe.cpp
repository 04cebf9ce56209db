#include "compiler/probe/image_folder_probe.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <system_error>

#include "compiler/probe/byte_stream.h"

namespace mlf::probe {
namespace {

namespace fs = std::filesystem;

constexpr unsigned char kPngSignature[8] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};
constexpr std::size_t kPngHeaderSize = 33;  // signature, IHDR length, type, 13 data bytes, CRC

// `content_free` is `detail` without the file's bytes, when `detail` quotes some.
ProbeError bad_format(const std::string& path, const std::string& detail,
                      const std::string& content_free = "") {
  return ProbeError{ProbeError::Kind::BadFormat, in_backticks(path) + " " + detail,
                    content_free.empty() ? "" : in_backticks(path) + " " + content_free};
}

std::uint32_t big_endian_u32(const unsigned char* bytes) {
  return static_cast<std::uint32_t>(bytes[0]) << 24 | static_cast<std::uint32_t>(bytes[1]) << 16 |
         static_cast<std::uint32_t>(bytes[2]) << 8 | static_cast<std::uint32_t>(bytes[3]);
}

struct ImageShape {
  std::int64_t channels = 0, height = 0, width = 0;
  friend bool operator==(const ImageShape&, const ImageShape&) = default;
};

std::string describe(const ImageShape& shape) {
  return "[" + std::to_string(shape.channels) + ", " + std::to_string(shape.height) + ", " +
         std::to_string(shape.width) + "]";
}

ProbeResult<ImageShape> read_png_shape(const std::string& path) {
  auto opened = ByteStream::open(path, ByteStream::Gzip::Never);
  if (!ok(opened)) return error(opened);
  const ByteStream& stream = std::get<ByteStream>(opened);
  unsigned char header[kPngHeaderSize];
  auto got = stream.read_raw_at(0, header, kPngHeaderSize);
  if (!ok(got)) return error(got);
  std::size_t have = std::get<std::size_t>(got);
  if (have < 8 || std::memcmp(header, kPngSignature, 8) != 0)
    return bad_format(path, "is not a PNG file: signature bytes " + hex_bytes(header, std::min<std::size_t>(have, 8)),
                      "is not a PNG file: it does not start with the PNG signature");
  if (have < kPngHeaderSize)
    return bad_format(path, "is truncated: a PNG header needs " + std::to_string(kPngHeaderSize) +
                                " bytes, the file has " + std::to_string(have));
  if (big_endian_u32(header + 8) != 13 || std::memcmp(header + 12, "IHDR", 4) != 0)
    return bad_format(path, "is not a valid PNG file: it does not start with an IHDR chunk");
  if (::crc32(0, header + 12, 17) != big_endian_u32(header + 29))
    return bad_format(path, "is a corrupt PNG file: the IHDR checksum does not match");

  std::uint32_t width = big_endian_u32(header + 16), height = big_endian_u32(header + 20);
  unsigned bit_depth = header[24], colour_type = header[25];
  if (width == 0 || height == 0 || width > 0x7fffffffu || height > 0x7fffffffu)
    return bad_format(path, "declares an invalid size " + std::to_string(width) + "x" + std::to_string(height));
  ImageShape shape{0, height, width};
  switch (colour_type) {
    case 0: shape.channels = 1; break;
    case 2: shape.channels = 3; break;
    case 4: shape.channels = 2; break;
    case 6: shape.channels = 4; break;
    case 3:
      return bad_format(path, "is a palette (indexed-colour) PNG; only gray, gray+alpha, RGB and RGBA images are supported");
    default:
      return bad_format(path, "declares an invalid PNG colour type " + std::to_string(colour_type));
  }
  if (bit_depth != 8)
    return bad_format(path, "has " + std::to_string(bit_depth) + "-bit samples; only 8-bit images are supported");
  return shape;
}

bool hidden(const std::string& name) { return !name.empty() && name[0] == '.'; }

bool has_png_extension(const std::string& name) {
  if (name.size() < 4) return false;
  std::string tail = name.substr(name.size() - 4);
  std::transform(tail.begin(), tail.end(), tail.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return tail == ".png";
}

// Names of the entries of `directory` (not hidden), with whether each is a directory
// (following symlinks), in byte order.
struct Entry {
  std::string name;
  bool is_directory = false;
};

ProbeResult<std::vector<Entry>> list_directory(const std::string& directory) {
  std::vector<Entry> entries;
  std::error_code ec;
  fs::directory_iterator it(directory, ec);
  if (ec) return open_error(directory, ec.value());
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) break;
    std::string name = it->path().filename().string();
    if (hidden(name)) continue;
    std::error_code type_ec;
    bool is_directory = it->is_directory(type_ec);  // follows symlinks
    entries.push_back(Entry{std::move(name), is_directory && !type_ec});
  }
  if (ec) return open_error(directory, ec.value());
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.name < b.name; });
  return entries;
}

std::string join(const std::string& root, const std::string& relative) {
  if (!root.empty() && root.back() == '/') return root + relative;
  return root + "/" + relative;
}

ProbeResult<ImageFolderSummary> probe(const std::string& root) {
  std::error_code ec;
  fs::file_status status = fs::status(root, ec);
  if (ec || !fs::exists(status)) {
    if (ec && ec.value() != ENOENT && ec.value() != ENOTDIR) return open_error(root, ec.value());
    return ProbeError{ProbeError::Kind::NotFound, in_backticks(root) + " does not exist"};
  }
  if (!fs::is_directory(status))
    return bad_format(root, "is not a directory; an image folder holds one subdirectory of .png images per class");

  auto listed = list_directory(root);
  if (!ok(listed)) return error(listed);
  ImageFolderSummary summary;
  for (const Entry& entry : std::get<std::vector<Entry>>(listed))
    if (entry.is_directory) summary.classes.push_back(entry.name);
  if (summary.classes.empty())
    return bad_format(root, "has no class subdirectories; an image folder holds one subdirectory of .png images per class");

  std::string first_file;
  ImageShape first_shape;
  for (std::size_t label = 0; label < summary.classes.size(); ++label) {
    const std::string& class_name = summary.classes[label];
    std::string class_directory = join(root, class_name);
    auto images = list_directory(class_directory);
    if (!ok(images)) return error(images);
    std::int64_t count = 0;
    for (const Entry& entry : std::get<std::vector<Entry>>(images)) {
      std::string relative = class_name + "/" + entry.name;
      std::string path = join(root, relative);
      if (entry.is_directory)
        return bad_format(path, "is a directory inside a class directory; image folders are one level deep");
      if (!has_png_extension(entry.name))
        return bad_format(path, "is not a .png file; image folders hold only PNG images");
      auto shape = read_png_shape(path);
      if (!ok(shape)) return error(shape);
      const ImageShape& image = std::get<ImageShape>(shape);
      if (first_file.empty()) {
        first_file = path;
        first_shape = image;
      } else if (!(image == first_shape)) {
        return bad_format(path, "has shape " + describe(image) + " (channels, height, width) but " +
                                    in_backticks(first_file) + " has " + describe(first_shape) +
                                    "; all images in an image folder must share one shape");
      }
      summary.files.push_back(std::move(relative));
      summary.labels.push_back(static_cast<std::int64_t>(label));
      ++count;
    }
    if (count == 0) return bad_format(class_directory, "holds no .png images; every class needs at least one");
    summary.class_counts.push_back(count);
    summary.total += count;
  }
  summary.channels = first_shape.channels;
  summary.height = first_shape.height;
  summary.width = first_shape.width;
  return summary;
}

}  // namespace

ProbeResult<ImageFolderSummary> probe_image_folder(const std::string& root) {
  try {
    return probe(root);
  } catch (const std::exception& e) {
    return ProbeError{ProbeError::Kind::Unreadable, in_backticks(root) + " could not be probed: " + e.what()};
  }
}

}  // namespace mlf::probe
