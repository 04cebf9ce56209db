// The readers' rules on small files written by the test: sample types, counts and the
// diagnostic kind of each way a data file can be wrong.

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "stdlib/catalogue.h"

namespace mlf {
namespace {

namespace fs = std::filesystem;

class CatalogueReaders : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "mlf-readers-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& bytes) {
    fs::path path = dir_ / name;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << bytes;
    return path.string();
  }

  // A reader call with the given arguments (paths as Path values) and the other defaults.
  static OpCall call(const std::string& name, std::vector<std::pair<std::string, Value>> args) {
    OpCall out;
    out.op = catalogue().find(name);
    for (const ParamSpec& p : out.op->params) {
      Argument a{p.name, p.default_value.value_or(Value::none()), true};
      for (const auto& [arg, value] : args)
        if (arg == p.name) a = {p.name, value, false};
      out.args.push_back(a);
    }
    return out;
  }

  static RuleResult<ReaderOutput> read(const OpCall& c) { return c.op->reader_rule(c); }

  static std::string type_of(const RuleResult<ReaderOutput>& result) {
    if (const auto* e = std::get_if<RuleError>(&result)) return "error: " + e->message;
    return std::get<ReaderOutput>(result).type.str();
  }

  static RuleError error_of(const RuleResult<ReaderOutput>& result) {
    if (const auto* e = std::get_if<RuleError>(&result)) return *e;
    ADD_FAILURE() << "the reader accepted " << std::get<ReaderOutput>(result).type.str();
    return {};
  }

  fs::path dir_;
};

Value path(const std::string& p) { return Value::of_path(p); }

std::string big_endian(std::uint32_t v) {
  return {char(v >> 24), char(v >> 16 & 0xff), char(v >> 8 & 0xff), char(v & 0xff)};
}

// An IDX file of u8 elements with the given dimensions and data.
std::string idx_u8(const std::vector<std::uint32_t>& dims, const std::string& data) {
  std::string out = {0, 0, 0x08, char(dims.size())};
  for (auto d : dims) out += big_endian(d);
  return out + data;
}

// A version 1.0 .npy file.
std::string npy(const std::string& descr, const std::string& shape, const std::string& data) {
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  while ((10 + dict.size() + 1) % 64 != 0) dict += ' ';
  dict += '\n';
  std::string out = "\x93NUMPY\x01";
  out += '\0';
  out += char(dict.size() & 0xff);
  out += char(dict.size() >> 8);
  return out + dict + data;
}

std::string little_endian_i64(const std::vector<std::int64_t>& values) {
  std::string out;
  for (std::int64_t v : values)
    for (int b = 0; b < 8; ++b) out += char(static_cast<std::uint64_t>(v) >> (8 * b) & 0xff);
  return out;
}

// The first 33 bytes of a PNG file: signature and IHDR chunk, all the probe reads.
std::string png_header(std::uint32_t width, std::uint32_t height, int color_type) {
  std::string ihdr = "IHDR" + big_endian(width) + big_endian(height);
  ihdr += {8, char(color_type), 0, 0, 0};
  std::uint32_t crc = ::crc32(0, reinterpret_cast<const Bytef*>(ihdr.data()), ihdr.size());
  return std::string("\x89PNG\r\n\x1a\n", 8) + big_endian(13) + ihdr + big_endian(crc);
}

TEST_F(CatalogueReaders, IdxAddsAChannelToThreeDimensionalImages) {
  std::string images = write("images.idx", idx_u8({5, 4, 3}, std::string(60, '\x10')));
  std::string labels = write("labels.idx", idx_u8({5}, {0, 6, 2, 2, 1}));
  auto result = read(call("idx", {{"images", path(images)}, {"labels", path(labels)}}));
  EXPECT_EQ(type_of(result), "5 × {x: u8[1,4,3], y: class<7>}");
  EXPECT_EQ(std::get<ReaderOutput>(result).file_args,
            (std::vector<std::string>{"images", "labels"}));
}

TEST_F(CatalogueReaders, IdxKeepsChannelsAndFeatures) {
  std::string labels = write("labels.idx", idx_u8({2}, {1, 0}));
  std::string chw = write("chw.idx", idx_u8({2, 3, 2, 2}, std::string(24, '\0')));
  EXPECT_EQ(type_of(read(call("idx", {{"images", path(chw)}, {"labels", path(labels)}}))),
            "2 × {x: u8[3,2,2], y: class<2>}");
  std::string features = write("features.idx", idx_u8({2, 7}, std::string(14, '\0')));
  EXPECT_EQ(type_of(read(call("idx", {{"images", path(features)}, {"labels", path(labels)}}))),
            "2 × {x: u8[7], y: class<2>}");
}

TEST_F(CatalogueReaders, IdxCountsMustMatch) {
  std::string images = write("images.idx", idx_u8({5, 2, 2}, std::string(20, '\0')));
  std::string labels = write("labels.idx", idx_u8({4}, {0, 1, 2, 3}));
  RuleError e = error_of(read(call("idx", {{"images", path(images)}, {"labels", path(labels)}})));
  EXPECT_EQ(e.kind, DiagnosticKind::SampleCountMismatch);
  EXPECT_EQ(e.argument, "labels");
  EXPECT_NE(e.message.find("5 samples"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("4 labels"), std::string::npos) << e.message;
}

TEST_F(CatalogueReaders, IdxFileProblemsPointAtTheirArgument) {
  std::string labels = write("labels.idx", idx_u8({1}, {0}));
  RuleError missing = error_of(read(
      call("idx", {{"images", path((dir_ / "missing.idx").string())}, {"labels", path(labels)}})));
  EXPECT_EQ(missing.kind, DiagnosticKind::FileNotFound);
  EXPECT_EQ(missing.argument, "images");

  std::string garbage = write("garbage.idx", "not an idx file at all");
  RuleError bad =
      error_of(read(call("idx", {{"images", path(labels)}, {"labels", path(garbage)}})));
  EXPECT_EQ(bad.kind, DiagnosticKind::BadFileFormat);
  EXPECT_EQ(bad.argument, "labels");

  // A 1-d file of images has no sample shape.
  RuleError flat =
      error_of(read(call("idx", {{"images", path(labels)}, {"labels", path(labels)}})));
  EXPECT_EQ(flat.kind, DiagnosticKind::BadFileFormat);
  EXPECT_EQ(flat.argument, "images");
}

TEST_F(CatalogueReaders, Csv) {
  std::string file =
      write("iris.csv", "a,b,species,c\n1,2,setosa,3\n4,5,virginica,6\n7,8,setosa,9\n");
  auto result = read(call("csv", {{"path", path(file)}, {"label", Value::of_string("species")}}));
  EXPECT_EQ(type_of(result), "3 × {x: f32[3], y: class<2>}");
  EXPECT_EQ(std::get<ReaderOutput>(result).file_args, (std::vector<std::string>{"path"}));

  std::string bare = write("bare.tsv", "1\t0\n2\t4\n");
  EXPECT_EQ(type_of(read(call("csv", {{"path", path(bare)},
                                      {"label", Value::of_string("c1")},
                                      {"delimiter", Value::of_string("\t")},
                                      {"header", Value::of_bool(false)}}))),
            "2 × {x: f32[1], y: class<5>}");
}

TEST_F(CatalogueReaders, CsvProblems) {
  std::string file = write("data.csv", "a,b\n1,0\n");
  RuleError delimiter = error_of(read(call("csv", {{"path", path(file)},
                                                   {"label", Value::of_string("b")},
                                                   {"delimiter", Value::of_string(";;")}})));
  EXPECT_EQ(delimiter.kind, DiagnosticKind::ValueOutOfRange);
  EXPECT_EQ(delimiter.argument, "delimiter");

  RuleError column =
      error_of(read(call("csv", {{"path", path(file)}, {"label", Value::of_string("z")}})));
  EXPECT_EQ(column.kind, DiagnosticKind::BadFileFormat);
  EXPECT_EQ(column.argument, "path");
}

TEST_F(CatalogueReaders, NpyCountsClassesFromTheLabels) {
  std::string x = write("x.npy", npy("<f4", "(4, 2, 3)", std::string(4 * 6 * 4, '\0')));
  std::string y = write("y.npy", npy("<i8", "(4,)", little_endian_i64({0, 3, 1, 2})));
  auto result = read(call("npy", {{"x", path(x)}, {"y", path(y)}}));
  EXPECT_EQ(type_of(result), "4 × {x: f32[2,3], y: class<4>}");
  EXPECT_EQ(std::get<ReaderOutput>(result).file_args, (std::vector<std::string>{"x", "y"}));

  EXPECT_EQ(
      type_of(read(call("npy", {{"x", path(x)}, {"y", path(y)}, {"classes", Value::of_int(10)}}))),
      "4 × {x: f32[2,3], y: class<10>}");
  RuleError few =
      error_of(read(call("npy", {{"x", path(x)}, {"y", path(y)}, {"classes", Value::of_int(3)}})));
  EXPECT_EQ(few.kind, DiagnosticKind::ValueOutOfRange);
  EXPECT_EQ(few.argument, "classes");
}

TEST_F(CatalogueReaders, NpyLabelProblems) {
  std::string x = write("x.npy", npy("|u1", "(2, 3)", std::string(6, '\0')));
  std::string floats = write("f.npy", npy("<f4", "(2,)", std::string(8, '\0')));
  std::string negative = write("n.npy", npy("<i8", "(2,)", little_endian_i64({1, -1})));
  std::string three = write("three.npy", npy("<i8", "(3,)", little_endian_i64({0, 1, 2})));
  for (const std::string& y : {floats, negative}) {
    RuleError e = error_of(read(call("npy", {{"x", path(x)}, {"y", path(y)}})));
    EXPECT_EQ(e.kind, DiagnosticKind::BadFileFormat) << e.message;
    EXPECT_EQ(e.argument, "y");
  }
  RuleError count = error_of(read(call("npy", {{"x", path(x)}, {"y", path(three)}})));
  EXPECT_EQ(count.kind, DiagnosticKind::SampleCountMismatch);
}

TEST_F(CatalogueReaders, ImageFolder) {
  write("root/cat/a.png", png_header(5, 4, 2));
  write("root/dog/b.png", png_header(5, 4, 2));
  write("root/dog/c.png", png_header(5, 4, 2));
  auto result = read(call("image_folder", {{"root", path((dir_ / "root").string())}}));
  EXPECT_EQ(type_of(result), "3 × {x: u8[3,4,5], y: class<2>}");
  EXPECT_EQ(std::get<ReaderOutput>(result).file_args, (std::vector<std::string>{"root"}));

  RuleError missing =
      error_of(read(call("image_folder", {{"root", path((dir_ / "nowhere").string())}})));
  EXPECT_EQ(missing.kind, DiagnosticKind::FileNotFound);
  EXPECT_EQ(missing.argument, "root");
}

TEST_F(CatalogueReaders, FashionMnistOfTheBrief) {
  const std::string root = "/usr/share/datasets/fashion-mnist/";
  if (!fs::exists(root + "train-images-idx3-ubyte.gz")) GTEST_SKIP() << "dataset not installed";
  auto result = read(call("idx", {{"images", path(root + "train-images-idx3-ubyte.gz")},
                                  {"labels", path(root + "train-labels-idx1-ubyte.gz")}}));
  EXPECT_EQ(type_of(result), "60000 × {x: u8[1,28,28], y: class<10>}");
}

}  // namespace
}  // namespace mlf
