#include "tests/fuzz/scratch_project.h"

#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace mlf::fuzz {

namespace fs = std::filesystem;

namespace {

void write_file(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string gzip(const std::string& bytes) {
  z_stream stream{};
  // windowBits 15 + 16: a gzip wrapper, as the IDX files people download have.
  if (deflateInit2(&stream, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("zlib: deflateInit2 failed");
  std::string out(deflateBound(&stream, bytes.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  stream.avail_in = static_cast<uInt>(bytes.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  int status = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  if (status != Z_STREAM_END) throw std::runtime_error("zlib: deflate did not finish");
  return out;
}

void append_big_endian_u32(std::string& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((value >> shift) & 0xFF);
}

// An IDX file of u8 elements (type code 08) with the given dimensions and elements.
std::string idx_u8(const std::vector<std::uint32_t>& dims, const std::string& elements) {
  std::string out{'\0', '\0', '\x08', static_cast<char>(dims.size())};
  for (std::uint32_t dim : dims) append_big_endian_u32(out, dim);
  return out + elements;
}

std::string images(std::size_t count) {
  std::string pixels(count * 28 * 28, '\0');
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<char>((i * 7) & 0xFF);
  return idx_u8({static_cast<std::uint32_t>(count), 28, 28}, pixels);
}

std::string labels(std::size_t count) {
  std::string values(count, '\0');
  for (std::size_t i = 0; i < count; ++i) values[i] = static_cast<char>(i % 10);
  return idx_u8({static_cast<std::uint32_t>(count)}, values);
}

// A version 1.0 .npy file: magic, header length, the header dict padded with spaces to a
// multiple of 64 bytes (newline last), then the little-endian elements.
std::string npy(const std::string& descr, const std::string& shape, const std::string& data) {
  std::string header =
      "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY\x01";
  out += '\0';
  out += static_cast<char>(header.size() & 0xFF);
  out += static_cast<char>(header.size() >> 8);
  return out + header + data;
}

template <typename T>
std::string little_endian(const std::vector<T>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

std::string png_chunk(const std::string& type, const std::string& data) {
  std::string out;
  append_big_endian_u32(out, static_cast<std::uint32_t>(data.size()));
  std::string body = type + data;
  out += body;
  append_big_endian_u32(out, static_cast<std::uint32_t>(
                                 ::crc32(0, reinterpret_cast<const Bytef*>(body.data()),
                                         static_cast<uInt>(body.size()))));
  return out;
}

// The signature, IHDR and IEND of an 8-bit RGB image: all that the folder probe reads.
std::string png_header(std::uint32_t width, std::uint32_t height) {
  std::string ihdr;
  append_big_endian_u32(ihdr, width);
  append_big_endian_u32(ihdr, height);
  ihdr += std::string{'\x08', '\x02', '\0', '\0', '\0'};  // depth 8, RGB, no interlace
  return std::string("\x89PNG\r\n\x1a\n", 8) + png_chunk("IHDR", ihdr) + png_chunk("IEND", "");
}

std::string iris_csv() {
  std::string out = "sepal_length,sepal_width,petal_length,petal_width,species\n";
  const char* species[] = {"setosa", "versicolor", "virginica"};
  for (int row = 0; row < 12; ++row)
    out += std::to_string(4 + row % 3) + ".1,3.5,1." + std::to_string(row) + ",0.2," +
           species[row % 3] + "\n";
  return out;
}

}  // namespace

ScratchProject::ScratchProject() {
  std::string pattern = (fs::temp_directory_path() / "mlf-fuzz-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("cannot make " + pattern);
  root_ = pattern;
  fs::path data = fs::path(root_) / "data";
  write_file(data / "iris.csv", iris_csv());
  write_file(data / "train-images-idx3-ubyte.gz", gzip(images(64)));
  write_file(data / "train-labels-idx1-ubyte.gz", gzip(labels(64)));
  write_file(data / "t10k-images-idx3-ubyte", images(16));
  write_file(data / "t10k-labels-idx1-ubyte", labels(16));
  std::vector<float> features(16 * 4);
  for (std::size_t i = 0; i < features.size(); ++i) features[i] = static_cast<float>(i) / 8;
  std::vector<std::int64_t> classes(16);
  for (std::size_t i = 0; i < classes.size(); ++i) classes[i] = static_cast<std::int64_t>(i % 3);
  write_file(data / "x.npy", npy("<f4", "(16, 4)", little_endian(features)));
  write_file(data / "y.npy", npy("<i8", "(16,)", little_endian(classes)));
  for (const char* shape : {"circle", "square"})
    for (const char* name : {"a.png", "b.png"})
      write_file(data / "shapes" / shape / name, png_header(32, 32));
}

ScratchProject::~ScratchProject() {
  std::error_code ec;
  fs::remove_all(root_, ec);
}

}  // namespace mlf::fuzz
