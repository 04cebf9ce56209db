// Image folder probe: class discovery, PNG headers, deterministic file order, and every
// failure path.
#include "tests/unit/scratch_dir.h"
#include "compiler/probe/image_folder_probe.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace mlf::probe {
namespace {

namespace fs = std::filesystem;
using Strings = std::vector<std::string>;

using test_support::ScratchDir;

std::string big_endian(std::uint32_t value) {
  return {static_cast<char>(value >> 24), static_cast<char>(value >> 16), static_cast<char>(value >> 8),
          static_cast<char>(value)};
}

std::string chunk(const std::string& type, const std::string& data) {
  std::string body = type + data;
  auto crc = crc32(0, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()));
  return big_endian(static_cast<std::uint32_t>(data.size())) + body + big_endian(static_cast<std::uint32_t>(crc));
}

// A PNG with a real IHDR (and an IEND); pixels are not needed by the probe.
std::string png(std::uint32_t width, std::uint32_t height, int colour_type = 0, int bit_depth = 8) {
  std::string ihdr = big_endian(width) + big_endian(height);
  ihdr += static_cast<char>(bit_depth);
  ihdr += static_cast<char>(colour_type);
  ihdr += std::string(3, '\0');
  return std::string("\x89PNG\r\n\x1a\n", 8) + chunk("IHDR", ihdr) + chunk("IEND", "");
}

const ImageFolderSummary& summary_of(const ProbeResult<ImageFolderSummary>& result) {
  if (!ok(result)) ADD_FAILURE() << error(result).message;
  static const ImageFolderSummary empty;
  return ok(result) ? std::get<ImageFolderSummary>(result) : empty;
}

void expect_error(const ProbeResult<ImageFolderSummary>& result, ProbeError::Kind kind, const std::string& path,
                  const std::string& fragment) {
  ASSERT_FALSE(ok(result)) << "expected an error mentioning: " << fragment;
  const ProbeError& failure = error(result);
  EXPECT_EQ(failure.kind, kind) << failure.message;
  EXPECT_NE(failure.message.find("`" + path + "`"), std::string::npos) << failure.message;
  EXPECT_NE(failure.message.find(fragment), std::string::npos) << failure.message;
}

TEST(ImageFolderProbe, FindsClassesCountsShapeAndSortedFiles) {
  ScratchDir dir;
  // Written out of order; "Bird" sorts before "cat" in byte order, "B.png" before "a.png".
  dir.write("dog/c.png", png(6, 4, 2));
  dir.write("cat/b.png", png(6, 4, 2));
  dir.write("cat/a.png", png(6, 4, 2));
  dir.write("cat/B.png", png(6, 4, 2));
  dir.write("Bird/x.PNG", png(6, 4, 2));
  dir.write("cat/.DS_Store", "junk");
  dir.write("README.txt", "not a class");
  dir.make_directory(".cache");
  auto result = probe_image_folder(dir.root());
  const ImageFolderSummary& summary = summary_of(result);
  EXPECT_EQ(summary.classes, (Strings{"Bird", "cat", "dog"}));
  EXPECT_EQ(summary.class_counts, (std::vector<std::int64_t>{1, 3, 1}));
  EXPECT_EQ(summary.total, 5);
  EXPECT_EQ(summary.channels, 3);
  EXPECT_EQ(summary.height, 4);
  EXPECT_EQ(summary.width, 6);
  EXPECT_EQ(summary.files, (Strings{"Bird/x.PNG", "cat/B.png", "cat/a.png", "cat/b.png", "dog/c.png"}));
  EXPECT_EQ(summary.labels, (std::vector<std::int64_t>{0, 1, 1, 1, 2}));
}

TEST(ImageFolderProbe, SortsByClassBeforeFileName) {
  // As plain strings "a-b/z.png" < "a/y.png" ('-' < '/'); by class, "a" comes first.
  ScratchDir dir;
  dir.write("a/y.png", png(2, 2));
  dir.write("a-b/z.png", png(2, 2));
  auto result = probe_image_folder(dir.root());
  EXPECT_EQ(summary_of(result).files, (Strings{"a/y.png", "a-b/z.png"}));
}

TEST(ImageFolderProbe, MapsColourTypesToChannels) {
  struct Case {
    int colour_type;
    std::int64_t channels;
  };
  for (Case c : {Case{0, 1}, Case{4, 2}, Case{2, 3}, Case{6, 4}}) {
    ScratchDir dir;
    dir.write("only/one.png", png(5, 7, c.colour_type));
    auto result = probe_image_folder(dir.root() + "/");
    EXPECT_EQ(summary_of(result).channels, c.channels) << "colour type " << c.colour_type;
    EXPECT_EQ(summary_of(result).height, 7);
    EXPECT_EQ(summary_of(result).width, 5);
  }
}

TEST(ImageFolderProbe, MissingRootIsNotFound) {
  ScratchDir dir;
  std::string path = dir.path("absent");
  expect_error(probe_image_folder(path), ProbeError::Kind::NotFound, path, "does not exist");
}

TEST(ImageFolderProbe, RootThatIsAFileOrHasNoClassesIsBadFormat) {
  ScratchDir dir;
  std::string file = dir.write("file.png", png(1, 1));
  expect_error(probe_image_folder(file), ProbeError::Kind::BadFormat, file, "is not a directory");
  dir.make_directory("bare");
  expect_error(probe_image_folder(dir.path("bare")), ProbeError::Kind::BadFormat, dir.path("bare"),
               "has no class subdirectories");
}

TEST(ImageFolderProbe, EmptyClassIsBadFormat) {
  ScratchDir dir;
  dir.write("cat/a.png", png(2, 2));
  dir.make_directory("dog");
  expect_error(probe_image_folder(dir.root()), ProbeError::Kind::BadFormat, dir.path("dog"), "holds no .png images");
}

TEST(ImageFolderProbe, SixteenBitIsBadFormat) {
  ScratchDir dir;
  dir.write("cat/a.png", png(2, 2, 0, 8));
  std::string deep = dir.write("cat/b.png", png(2, 2, 0, 16));
  expect_error(probe_image_folder(dir.root()), ProbeError::Kind::BadFormat, deep,
               "has 16-bit samples; only 8-bit images are supported");
}

TEST(ImageFolderProbe, PaletteIsBadFormat) {
  ScratchDir dir;
  std::string path = dir.write("cat/a.png", png(2, 2, 3));
  expect_error(probe_image_folder(dir.root()), ProbeError::Kind::BadFormat, path, "palette");
}

TEST(ImageFolderProbe, MismatchedShapesNameTheFirstFileThatDiffers) {
  ScratchDir dir;
  std::string first = dir.write("cat/a.png", png(28, 28));
  dir.write("cat/b.png", png(28, 28));
  std::string odd = dir.write("dog/a.png", png(32, 28));
  dir.write("dog/b.png", png(16, 16));
  expect_error(probe_image_folder(dir.root()), ProbeError::Kind::BadFormat, odd,
               "has shape [1, 28, 32] (channels, height, width) but `" + first + "` has [1, 28, 28]");
  ScratchDir channels;
  channels.write("cat/a.png", png(4, 4, 2));
  std::string rgba = channels.write("cat/b.png", png(4, 4, 6));
  expect_error(probe_image_folder(channels.root()), ProbeError::Kind::BadFormat, rgba, "has shape [4, 4, 4]");
}

TEST(ImageFolderProbe, NonPngFilesAndNestedDirectoriesAreBadFormat) {
  ScratchDir dir;
  dir.write("cat/a.png", png(2, 2));
  std::string jpeg = dir.write("cat/b.jpg", "\xff\xd8\xff");
  expect_error(probe_image_folder(dir.root()), ProbeError::Kind::BadFormat, jpeg, "is not a .png file");
  ScratchDir nested;
  nested.write("cat/a.png", png(2, 2));
  nested.make_directory("cat/more");
  expect_error(probe_image_folder(nested.root()), ProbeError::Kind::BadFormat, nested.path("cat/more"),
               "image folders are one level deep");
}

TEST(ImageFolderProbe, BrokenPngHeadersAreBadFormat) {
  ScratchDir dir;
  std::string fake = dir.write("a/fake.png", "GIF89a not a png at all, but long enough to read");
  expect_error(probe_image_folder(dir.root()), ProbeError::Kind::BadFormat, fake,
               "is not a PNG file: signature bytes 47 49 46 38 39 61 20 6e");

  ScratchDir truncated;
  std::string cut = truncated.write("a/cut.png", png(2, 2).substr(0, 20));
  expect_error(probe_image_folder(truncated.root()), ProbeError::Kind::BadFormat, cut,
               "is truncated: a PNG header needs 33 bytes, the file has 20");

  ScratchDir corrupt;
  std::string bytes = png(2, 2);
  bytes[17] ^= 1;  // a bit of the width, under the IHDR checksum
  std::string flipped = corrupt.write("a/flipped.png", bytes);
  expect_error(probe_image_folder(corrupt.root()), ProbeError::Kind::BadFormat, flipped,
               "the IHDR checksum does not match");

  ScratchDir zero;
  std::string empty = zero.write("a/empty.png", png(0, 2));
  expect_error(probe_image_folder(zero.root()), ProbeError::Kind::BadFormat, empty, "declares an invalid size 0x2");
}

}  // namespace
}  // namespace mlf::probe
