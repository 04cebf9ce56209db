// IDX probes: header fields, gzip transparency, label summaries, and every failure path.
#include "tests/unit/scratch_dir.h"
#include "compiler/probe/idx_probe.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace mlf::probe {
namespace {

namespace fs = std::filesystem;

using test_support::ScratchDir;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string gzip_bytes(const ScratchDir& dir, const std::string& bytes) {
  return read_file(dir.write_gzip("scratch.gz", bytes));
}

std::string big_endian(std::uint32_t value) {
  return {static_cast<char>(value >> 24), static_cast<char>(value >> 16), static_cast<char>(value >> 8),
          static_cast<char>(value)};
}

// An IDX header for `type_code` and `dims`, followed by `data`.
std::string idx(unsigned char type_code, const std::vector<std::uint32_t>& dims, const std::string& data) {
  std::string out{'\0', '\0', static_cast<char>(type_code), static_cast<char>(dims.size())};
  for (std::uint32_t dim : dims) out += big_endian(dim);
  return out + data;
}

std::string bytes_of(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out += static_cast<char>(v);
  return out;
}

void expect_error(const ProbeResult<IdxHeader>& result, ProbeError::Kind kind, const std::string& path,
                  const std::string& fragment) {
  ASSERT_FALSE(ok(result)) << "expected an error mentioning: " << fragment;
  const ProbeError& failure = error(result);
  EXPECT_EQ(failure.kind, kind) << failure.message;
  EXPECT_NE(failure.message.find("`" + path + "`"), std::string::npos) << failure.message;
  EXPECT_NE(failure.message.find(fragment), std::string::npos) << failure.message;
}

void expect_error(const ProbeResult<LabelSummary>& result, ProbeError::Kind kind, const std::string& path,
                  const std::string& fragment) {
  ASSERT_FALSE(ok(result)) << "expected an error mentioning: " << fragment;
  const ProbeError& failure = error(result);
  EXPECT_EQ(failure.kind, kind) << failure.message;
  EXPECT_NE(failure.message.find("`" + path + "`"), std::string::npos) << failure.message;
  EXPECT_NE(failure.message.find(fragment), std::string::npos) << failure.message;
}

TEST(IdxProbe, ReadsDimsAndTypeOfARawFile) {
  ScratchDir dir;
  std::string path = dir.write("images.idx", idx(0x08, {3, 2, 2}, std::string(12, '\x7f')));
  auto result = probe_idx(path);
  ASSERT_TRUE(ok(result)) << error(result).message;
  const IdxHeader& header = std::get<IdxHeader>(result);
  EXPECT_EQ(header.type, ElementType::U8);
  EXPECT_EQ(header.dims, (std::vector<std::int64_t>{3, 2, 2}));
  EXPECT_FALSE(header.gzipped);
  EXPECT_EQ(header.data_offset, 16u);
}

TEST(IdxProbe, ReadsEveryElementType) {
  ScratchDir dir;
  struct Case {
    unsigned char code;
    ElementType type;
    std::size_t size;
  };
  for (Case c : {Case{0x08, ElementType::U8, 1}, Case{0x09, ElementType::I8, 1}, Case{0x0b, ElementType::I16, 2},
                 Case{0x0c, ElementType::I32, 4}, Case{0x0d, ElementType::F32, 4}, Case{0x0e, ElementType::F64, 8}}) {
    std::string path = dir.write("typed.idx", idx(c.code, {5, 3}, std::string(15 * c.size, '\0')));
    auto result = probe_idx(path);
    ASSERT_TRUE(ok(result)) << error(result).message;
    EXPECT_EQ(std::get<IdxHeader>(result).type, c.type) << element_type_name(c.type);
  }
}

TEST(IdxProbe, GunzipsTransparently) {
  ScratchDir dir;
  std::string path = dir.write_gzip("images.idx.gz", idx(0x0d, {4, 1, 3, 3}, std::string(4 * 9 * 4, '\1')));
  auto result = probe_idx(path);
  ASSERT_TRUE(ok(result)) << error(result).message;
  const IdxHeader& header = std::get<IdxHeader>(result);
  EXPECT_EQ(header.type, ElementType::F32);
  EXPECT_EQ(header.dims, (std::vector<std::int64_t>{4, 1, 3, 3}));
  EXPECT_TRUE(header.gzipped);
}

TEST(IdxProbe, AcceptsAMultiMemberGzipStream) {
  // The size trailer of the last member disagrees with the total; the probe counts instead.
  ScratchDir dir;
  std::string members = gzip_bytes(dir, idx(0x08, {10}, "")) + gzip_bytes(dir, std::string(10, '\2'));
  std::string path = dir.write("two-members.gz", members);
  auto result = probe_idx(path);
  ASSERT_TRUE(ok(result)) << error(result).message;
  EXPECT_EQ(std::get<IdxHeader>(result).dims, (std::vector<std::int64_t>{10}));
}

TEST(IdxProbe, ReadsOnlyTheHeaderOfALargeGzipFile) {
  // Corrupt the middle of a large gzip stream, keeping its size trailer: decompressing the
  // whole file fails, so a probe that succeeds cannot have decompressed past the header.
  ScratchDir dir;
  std::mt19937 random(7);
  std::string pixels(2000 * 28 * 28, '\0');
  for (char& pixel : pixels) pixel = static_cast<char>(random());
  std::string path = dir.write_gzip("large.gz", idx(0x08, {2000, 28, 28}, pixels));
  std::string compressed = read_file(path);
  ASSERT_GT(compressed.size(), 1'000'000u);
  for (std::size_t i = compressed.size() / 2; i < compressed.size() / 2 + 4096; ++i) compressed[i] = '\xff';
  dir.write("large.gz", compressed);

  gzFile gz = gzopen(path.c_str(), "rb");
  std::vector<char> sink(1 << 20);
  int got = 0;
  while ((got = gzread(gz, sink.data(), static_cast<unsigned>(sink.size()))) > 0) {
  }
  int code = Z_OK;
  gzerror(gz, &code);
  gzclose(gz);
  ASSERT_TRUE(got < 0 || code != Z_OK) << "the corruption should make a full decompression fail";

  auto result = probe_idx(path);
  ASSERT_TRUE(ok(result)) << error(result).message;
  EXPECT_EQ(std::get<IdxHeader>(result).dims, (std::vector<std::int64_t>{2000, 28, 28}));
}

TEST(IdxProbe, MissingFileIsNotFound) {
  ScratchDir dir;
  std::string path = dir.path("absent.idx");
  expect_error(probe_idx(path), ProbeError::Kind::NotFound, path, "does not exist");
  expect_error(probe_idx_labels(path), ProbeError::Kind::NotFound, path, "does not exist");
}

TEST(IdxProbe, DirectoryIsUnreadable) {
  ScratchDir dir;
  std::string path = dir.path("");
  path.pop_back();
  expect_error(probe_idx(path), ProbeError::Kind::Unreadable, path, "is a directory");
}

TEST(IdxProbe, TruncatedHeaderIsBadFormat) {
  ScratchDir dir;
  std::string path = dir.write("short.idx", bytes_of({0, 0, 8, 3}) + big_endian(60000));
  expect_error(probe_idx(path), ProbeError::Kind::BadFormat, path,
               "is truncated: its IDX header declares 3 dimensions but the file ends after 8 bytes");
  std::string tiny = dir.write("tiny.idx", bytes_of({0, 0}));
  expect_error(probe_idx(tiny), ProbeError::Kind::BadFormat, tiny, "is truncated");
  std::string empty = dir.write("empty.idx", "");
  expect_error(probe_idx(empty), ProbeError::Kind::BadFormat, empty, "holds only 0 bytes");
}

TEST(IdxProbe, WrongMagicIsBadFormat) {
  ScratchDir dir;
  std::string path = dir.write("text.idx", "hello world");
  expect_error(probe_idx(path), ProbeError::Kind::BadFormat, path, "is not an IDX file: magic bytes 68 65 6c 6c");
}

TEST(IdxProbe, DoublyGzippedFileNamesTheMagicAfterDecompression) {
  ScratchDir dir;
  std::string inner = gzip_bytes(dir, idx(0x08, {1}, "\1"));
  std::string path = dir.write_gzip("twice.gz", inner);
  expect_error(probe_idx(path), ProbeError::Kind::BadFormat, path,
               "is not an IDX file: magic bytes 1f 8b 08 00 after decompression");
}

TEST(IdxProbe, UnknownTypeCodeIsBadFormat) {
  ScratchDir dir;
  std::string path = dir.write("odd.idx", idx(0x0a, {1}, "\1"));
  expect_error(probe_idx(path), ProbeError::Kind::BadFormat, path, "unknown element type code 0x0a");
}

TEST(IdxProbe, ZeroDimensionsIsBadFormat) {
  ScratchDir dir;
  std::string path = dir.write("scalar.idx", idx(0x08, {}, "\1"));
  expect_error(probe_idx(path), ProbeError::Kind::BadFormat, path, "declares 0 dimensions");
}

TEST(IdxProbe, DimsWhoseProductOverflowsAreBadFormat) {
  ScratchDir dir;
  std::string path = dir.write("huge.idx", idx(0x0e, {0xffffffffu, 0xffffffffu, 0xffffffffu}, "\1\2\3"));
  expect_error(probe_idx(path), ProbeError::Kind::BadFormat, path, "whose size overflows a 64-bit count");
  std::string gz = dir.write_gzip("huge.gz", idx(0x0e, {0xffffffffu, 0xffffffffu, 0xffffffffu}, "\1\2\3"));
  expect_error(probe_idx(gz), ProbeError::Kind::BadFormat, gz, "overflows");
  expect_error(probe_idx_labels(path), ProbeError::Kind::BadFormat, path, "overflows");
}

TEST(IdxProbe, DataSizeMismatchIsBadFormat) {
  ScratchDir dir;
  std::string raw = dir.write("short-data.idx", idx(0x08, {10, 2}, std::string(15, '\0')));
  expect_error(probe_idx(raw), ProbeError::Kind::BadFormat, raw,
               "holds 15 bytes of data but its header declares [10, 2] of u8, which needs 20 bytes");
  std::string longer = dir.write("long-data.idx", idx(0x0c, {2}, std::string(9, '\0')));
  expect_error(probe_idx(longer), ProbeError::Kind::BadFormat, longer, "holds 9 bytes of data");

  std::string gz = dir.write_gzip("short-data.gz", idx(0x08, {10, 2}, std::string(15, '\0')));
  expect_error(probe_idx(gz), ProbeError::Kind::BadFormat, gz,
               "holds 15 bytes of data after decompression but its header declares [10, 2] of u8");
  std::string gz_long = dir.write_gzip("long-data.gz", idx(0x08, {10, 2}, std::string(25, '\0')));
  expect_error(probe_idx(gz_long), ProbeError::Kind::BadFormat, gz_long, "holds more than 20 bytes");
}

TEST(IdxProbe, HugeDeclaredSizeInASmallGzipIsRejectedWithoutAllocating) {
  ScratchDir dir;
  std::string path = dir.write_gzip("claims-a-lot.gz", idx(0x08, {0x7fffffffu, 0x7fffffffu}, std::string(64, '\0')));
  expect_error(probe_idx(path), ProbeError::Kind::BadFormat, path, "holds 64 bytes of data after decompression");
  expect_error(probe_idx_labels(dir.write_gzip("claims-labels.gz", idx(0x08, {0xffffffffu}, "\1\2"))),
               ProbeError::Kind::BadFormat, dir.path("claims-labels.gz"),
               "its header declares 4294967295 labels but it holds only 2");
}

TEST(IdxProbe, TruncatedGzipStreamIsBadFormat) {
  ScratchDir dir;
  std::mt19937 random(1);
  std::string data(100000, '\0');
  for (char& c : data) c = static_cast<char>(random());
  std::string compressed = gzip_bytes(dir, idx(0x08, {100000}, data));
  std::string path = dir.write("cut.gz", compressed.substr(0, compressed.size() / 2));
  expect_error(probe_idx(path), ProbeError::Kind::BadFormat, path, "is a truncated gzip stream");
  expect_error(probe_idx_labels(path), ProbeError::Kind::BadFormat, path, "is a truncated gzip stream");
  std::string header_cut = dir.write("header-cut.gz", compressed.substr(0, 12));
  expect_error(probe_idx(header_cut), ProbeError::Kind::BadFormat, header_cut, "truncated");
}

TEST(IdxLabels, CountsLabelsAndClasses) {
  ScratchDir dir;
  std::string path = dir.write("labels.idx", idx(0x08, {6}, bytes_of({0, 3, 1, 2, 0, 1})));
  auto result = probe_idx_labels(path);
  ASSERT_TRUE(ok(result)) << error(result).message;
  EXPECT_EQ(std::get<LabelSummary>(result).count, 6);
  EXPECT_EQ(std::get<LabelSummary>(result).num_classes, 4);

  std::string gz = dir.write_gzip("labels.gz", idx(0x08, {6}, bytes_of({0, 9, 1, 2, 0, 1})));
  result = probe_idx_labels(gz);
  ASSERT_TRUE(ok(result)) << error(result).message;
  EXPECT_EQ(std::get<LabelSummary>(result).count, 6);
  EXPECT_EQ(std::get<LabelSummary>(result).num_classes, 10);
}

TEST(IdxLabels, ReadsWideBigEndianLabels) {
  ScratchDir dir;
  std::string path = dir.write("wide.idx", idx(0x0c, {3}, big_endian(1) + big_endian(300) + big_endian(7)));
  auto result = probe_idx_labels(path);
  ASSERT_TRUE(ok(result)) << error(result).message;
  EXPECT_EQ(std::get<LabelSummary>(result).num_classes, 301);
}

TEST(IdxLabels, EmptyLabelFileHasNoClasses) {
  ScratchDir dir;
  auto result = probe_idx_labels(dir.write("none.idx", idx(0x08, {0}, "")));
  ASSERT_TRUE(ok(result)) << error(result).message;
  EXPECT_EQ(std::get<LabelSummary>(result).count, 0);
  EXPECT_EQ(std::get<LabelSummary>(result).num_classes, 0);
}

TEST(IdxLabels, RejectsImagesFloatsNegativesAndLengthMismatch) {
  ScratchDir dir;
  std::string images = dir.write("images.idx", idx(0x08, {2, 2}, std::string(4, '\0')));
  expect_error(probe_idx_labels(images), ProbeError::Kind::BadFormat, images,
               "is not a label file: labels have 1 dimension, its header declares [2, 2]");
  std::string floats = dir.write("floats.idx", idx(0x0d, {1}, std::string(4, '\0')));
  expect_error(probe_idx_labels(floats), ProbeError::Kind::BadFormat, floats, "holds f32 values; labels must be integers");
  std::string negative = dir.write("negative.idx", idx(0x09, {3}, bytes_of({1, 0xff, 2})));
  expect_error(probe_idx_labels(negative), ProbeError::Kind::BadFormat, negative, "holds a negative label -1 at index 1");
  std::string raw_short = dir.write("short.idx", idx(0x08, {5}, "\1\2"));
  expect_error(probe_idx_labels(raw_short), ProbeError::Kind::BadFormat, raw_short, "holds 2 bytes of data");
  std::string gz_long = dir.write_gzip("long.gz", idx(0x08, {2}, "\1\2\3"));
  expect_error(probe_idx_labels(gz_long), ProbeError::Kind::BadFormat, gz_long,
               "holds more data than its header declares (2 labels)");
}

TEST(IdxProbe, FashionMnistWhenInstalled) {
  const std::string root = "/usr/share/datasets/fashion-mnist/";
  if (!fs::exists(root + "train-images-idx3-ubyte.gz")) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  auto images = probe_idx(root + "train-images-idx3-ubyte.gz");
  ASSERT_TRUE(ok(images)) << error(images).message;
  EXPECT_EQ(std::get<IdxHeader>(images).type, ElementType::U8);
  EXPECT_EQ(std::get<IdxHeader>(images).dims, (std::vector<std::int64_t>{60000, 28, 28}));
  auto labels = probe_idx_labels(root + "train-labels-idx1-ubyte.gz");
  ASSERT_TRUE(ok(labels)) << error(labels).message;
  EXPECT_EQ(std::get<LabelSummary>(labels).count, 60000);
  EXPECT_EQ(std::get<LabelSummary>(labels).num_classes, 10);

  auto test_images = probe_idx(root + "t10k-images-idx3-ubyte.gz");
  ASSERT_TRUE(ok(test_images)) << error(test_images).message;
  EXPECT_EQ(std::get<IdxHeader>(test_images).dims, (std::vector<std::int64_t>{10000, 28, 28}));
  auto test_labels = probe_idx_labels(root + "t10k-labels-idx1-ubyte.gz");
  ASSERT_TRUE(ok(test_labels)) << error(test_labels).message;
  EXPECT_EQ(std::get<LabelSummary>(test_labels).count, 10000);
  EXPECT_EQ(std::get<LabelSummary>(test_labels).num_classes, 10);
}

}  // namespace
}  // namespace mlf::probe
