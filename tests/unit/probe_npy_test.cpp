// NPY probe: header versions, dtypes, shapes, and every failure path.
#include "tests/unit/scratch_dir.h"
#include "compiler/probe/npy_probe.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace mlf::probe {
namespace {

namespace fs = std::filesystem;

using test_support::ScratchDir;

// The bytes numpy.save writes: magic, version, little-endian header length, the dict padded
// with spaces to a multiple of 64 bytes and ended by a newline, then `data_bytes` of data.
std::string npy(int major, const std::string& dict, std::size_t data_bytes) {
  std::size_t prelude = major == 1 ? 10 : 12;
  std::string header = dict;
  while ((prelude + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += '\0';
  std::size_t length = header.size();
  out += static_cast<char>(length & 0xff);
  out += static_cast<char>(length >> 8 & 0xff);
  if (major != 1) {
    out += static_cast<char>(length >> 16 & 0xff);
    out += static_cast<char>(length >> 24 & 0xff);
  }
  return out + header + std::string(data_bytes, '\0');
}

std::string dict(const std::string& descr, const std::string& shape, const std::string& fortran = "False") {
  return "{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': " + shape + ", }";
}

void expect_error(const ProbeResult<NpyHeader>& result, ProbeError::Kind kind, const std::string& path,
                  const std::string& fragment) {
  ASSERT_FALSE(ok(result)) << "expected an error mentioning: " << fragment;
  const ProbeError& failure = error(result);
  EXPECT_EQ(failure.kind, kind) << failure.message;
  EXPECT_NE(failure.message.find("`" + path + "`"), std::string::npos) << failure.message;
  EXPECT_NE(failure.message.find(fragment), std::string::npos) << failure.message;
}

TEST(NpyProbe, ReadsAVersion1Header) {
  ScratchDir dir;
  std::string path = dir.write("x.npy", npy(1, dict("<f4", "(3, 4)"), 3 * 4 * 4));
  auto result = probe_npy(path);
  ASSERT_TRUE(ok(result)) << error(result).message;
  const NpyHeader& header = std::get<NpyHeader>(result);
  EXPECT_EQ(header.type, ElementType::F32);
  EXPECT_EQ(header.shape, (std::vector<std::int64_t>{3, 4}));
  EXPECT_EQ(header.data_offset, 128u);  // numpy pads the header to a multiple of 64
}

TEST(NpyProbe, ReadsVersions2And3) {
  ScratchDir dir;
  auto v2 = probe_npy(dir.write("v2.npy", npy(2, dict("<i8", "(5,)"), 5 * 8)));
  ASSERT_TRUE(ok(v2)) << error(v2).message;
  EXPECT_EQ(std::get<NpyHeader>(v2).type, ElementType::I64);
  EXPECT_EQ(std::get<NpyHeader>(v2).shape, (std::vector<std::int64_t>{5}));
  EXPECT_EQ(std::get<NpyHeader>(v2).data_offset, 128u);

  auto v3 = probe_npy(dir.write("v3.npy", npy(3, "{\"descr\": \"|u1\", \"fortran_order\": False, \"shape\": (2, 3, 4)}", 24)));
  ASSERT_TRUE(ok(v3)) << error(v3).message;
  EXPECT_EQ(std::get<NpyHeader>(v3).type, ElementType::U8);
  EXPECT_EQ(std::get<NpyHeader>(v3).shape, (std::vector<std::int64_t>{2, 3, 4}));
}

TEST(NpyProbe, ReadsEverySupportedDtype) {
  ScratchDir dir;
  struct Case {
    const char* descr;
    ElementType type;
  };
  for (Case c : {Case{"|u1", ElementType::U8}, Case{"|i1", ElementType::I8}, Case{"<i2", ElementType::I16},
                 Case{"<i4", ElementType::I32}, Case{"<i8", ElementType::I64}, Case{"<f4", ElementType::F32},
                 Case{"<f8", ElementType::F64}}) {
    std::string path = dir.write("typed.npy", npy(1, dict(c.descr, "(7,)"), 7 * element_size(c.type)));
    auto result = probe_npy(path);
    ASSERT_TRUE(ok(result)) << error(result).message;
    EXPECT_EQ(std::get<NpyHeader>(result).type, c.type) << c.descr;
  }
}

TEST(NpyProbe, ReadsScalarsAndEmptyArrays) {
  ScratchDir dir;
  auto scalar = probe_npy(dir.write("scalar.npy", npy(1, dict("<f8", "()"), 8)));
  ASSERT_TRUE(ok(scalar)) << error(scalar).message;
  EXPECT_TRUE(std::get<NpyHeader>(scalar).shape.empty());
  auto empty = probe_npy(dir.write("empty.npy", npy(1, dict("<f8", "(0, 5)"), 0)));
  ASSERT_TRUE(ok(empty)) << error(empty).message;
  EXPECT_EQ(std::get<NpyHeader>(empty).shape, (std::vector<std::int64_t>{0, 5}));
}

TEST(NpyProbe, ReadsKeysInAnyOrderAndPython2Longs) {
  ScratchDir dir;
  auto result = probe_npy(dir.write("py2.npy", npy(1, "{'shape': (2L, 3L), 'fortran_order': False, 'descr': '<i4'}", 24)));
  ASSERT_TRUE(ok(result)) << error(result).message;
  EXPECT_EQ(std::get<NpyHeader>(result).shape, (std::vector<std::int64_t>{2, 3}));
}

TEST(NpyProbe, MissingFileIsNotFound) {
  ScratchDir dir;
  std::string path = dir.path("absent.npy");
  expect_error(probe_npy(path), ProbeError::Kind::NotFound, path, "does not exist");
}

TEST(NpyProbe, BigEndianIsBadFormat) {
  ScratchDir dir;
  std::string path = dir.write("be.npy", npy(1, dict(">f4", "(2,)"), 8));
  expect_error(probe_npy(path), ProbeError::Kind::BadFormat, path, "big-endian arrays are not supported");
}

TEST(NpyProbe, FortranOrderIsBadFormat) {
  ScratchDir dir;
  std::string path = dir.write("f.npy", npy(1, dict("<f4", "(2, 2)", "True"), 16));
  expect_error(probe_npy(path), ProbeError::Kind::BadFormat, path, "Fortran order");
}

TEST(NpyProbe, UnsupportedDtypesAreBadFormat) {
  ScratchDir dir;
  std::string complex = dir.write("c.npy", npy(1, dict("<c8", "(2,)"), 16));
  expect_error(probe_npy(complex), ProbeError::Kind::BadFormat, complex, "has dtype '<c8', which is not supported");
  std::string structured = dir.write("s.npy", npy(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}", 4));
  expect_error(probe_npy(structured), ProbeError::Kind::BadFormat, structured, "structured dtype");
}

TEST(NpyProbe, SizeMismatchIsBadFormat) {
  ScratchDir dir;
  std::string path = dir.write("short.npy", npy(1, dict("<f4", "(10, 3)"), 100));
  expect_error(probe_npy(path), ProbeError::Kind::BadFormat, path,
               "holds 100 bytes of data but its header declares shape [10, 3] of f32, which needs 120 bytes");
}

TEST(NpyProbe, ShapeWhoseProductOverflowsIsBadFormat) {
  ScratchDir dir;
  std::string path = dir.write("huge.npy", npy(1, dict("<f8", "(4294967296, 4294967296, 4294967296)"), 8));
  expect_error(probe_npy(path), ProbeError::Kind::BadFormat, path, "overflows a 64-bit count");
  std::string digits = dir.write("digits.npy", npy(1, dict("<f8", "(99999999999999999999999,)"), 8));
  expect_error(probe_npy(digits), ProbeError::Kind::BadFormat, digits, "too large");
}

TEST(NpyProbe, WrongMagicIsBadFormat) {
  ScratchDir dir;
  std::string path = dir.write("text.npy", "not numpy at all");
  expect_error(probe_npy(path), ProbeError::Kind::BadFormat, path, "is not an NPY file: magic bytes 6e 6f 74 20 6e 75");
  std::string empty = dir.write("empty.npy", "");
  expect_error(probe_npy(empty), ProbeError::Kind::BadFormat, empty, "is empty");
  std::string gz = dir.write("x.npy.gz", std::string("\x1f\x8b\x08\x00", 4) + "rest");
  expect_error(probe_npy(gz), ProbeError::Kind::BadFormat, gz, "gzip-compressed");
}

TEST(NpyProbe, UnsupportedVersionIsBadFormat) {
  ScratchDir dir;
  std::string bytes = npy(1, dict("<f4", "(1,)"), 4);
  bytes[6] = 9;
  std::string path = dir.write("v9.npy", bytes);
  expect_error(probe_npy(path), ProbeError::Kind::BadFormat, path, "NPY format version 9.0");
}

TEST(NpyProbe, TruncatedHeaderIsBadFormat) {
  ScratchDir dir;
  std::string full = npy(1, dict("<f4", "(1,)"), 4);
  std::string path = dir.write("cut.npy", full.substr(0, 30));
  expect_error(probe_npy(path), ProbeError::Kind::BadFormat, path, "is truncated: its NPY header declares 118 bytes");
  std::string in_length = dir.write("cut-length.npy", full.substr(0, 9));
  expect_error(probe_npy(in_length), ProbeError::Kind::BadFormat, in_length, "ends inside the NPY header length");
}

TEST(NpyProbe, HugeHeaderLengthIsRejectedWithoutReadingIt) {
  ScratchDir dir;
  std::string bytes = std::string("\x93NUMPY\x02\x00", 8) + std::string("\xff\xff\xff\x7f", 4) + "{}";
  std::string path = dir.write("huge-header.npy", bytes);
  expect_error(probe_npy(path), ProbeError::Kind::BadFormat, path, "more than the 1 MiB this probe reads");
}

TEST(NpyProbe, MalformedDictIsBadFormat) {
  ScratchDir dir;
  std::string missing = dir.write("missing.npy", npy(1, "{'descr': '<f4', 'fortran_order': False}", 4));
  expect_error(probe_npy(missing), ProbeError::Kind::BadFormat, missing, "the key 'shape' is missing");
  std::string garbage = dir.write("garbage.npy", npy(1, "[1, 2, 3]", 4));
  expect_error(probe_npy(garbage), ProbeError::Kind::BadFormat, garbage, "malformed NPY header: expected `{`");
  std::string negative = dir.write("negative.npy", npy(1, dict("<f4", "(-1,)"), 4));
  expect_error(probe_npy(negative), ProbeError::Kind::BadFormat, negative, "non-negative integer");
  std::string unknown = dir.write("unknown.npy", npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", 4));
  expect_error(probe_npy(unknown), ProbeError::Kind::BadFormat, unknown, "unexpected key 'x'");
}

}  // namespace
}  // namespace mlf::probe
