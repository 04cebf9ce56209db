// Every probe on mutated input: seeded random corruptions of valid files (flipped bytes,
// truncations, extreme header values) must yield a value or a ProbeError that names the
// file, never a crash, a hang or an exception. Run under the sanitizers in CI.
#include "tests/unit/scratch_dir.h"
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "compiler/probe/csv_probe.h"
#include "compiler/probe/idx_probe.h"
#include "compiler/probe/image_folder_probe.h"
#include "compiler/probe/npy_probe.h"

namespace mlf::probe {
namespace {

namespace fs = std::filesystem;

constexpr int kMutationsPerFormat = 1500;

// Writes each input under a name not used before (rewriting one file over and over is slow
// on file systems that flush a truncated file on close) and removes the previous one.
class ScratchDir : public test_support::ScratchDir {
 public:
  std::string write_fresh(const std::string& name, const std::string& bytes) {
    if (!last_.empty()) fs::remove(last_);
    last_ = path(std::to_string(serial_++) + "-" + name);
    std::ofstream(last_, std::ios::binary) << bytes;
    return last_;
  }

 private:
  std::string last_;
  int serial_ = 0;
};

// `bytes` as a gzip stream, compressed in memory.
std::string gzip(const std::string& bytes) {
  z_stream stream{};
  deflateInit2(&stream, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&stream, static_cast<uLong>(bytes.size())) + 32, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  stream.avail_in = static_cast<uInt>(bytes.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

// One random corruption: overwrite bytes (often with 0x00 or 0xff, which make extreme
// header values), truncate, or duplicate a slice.
std::string mutate(std::string bytes, std::mt19937& random, const std::string& alphabet = "") {
  if (bytes.empty()) return bytes;
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(random() % n); };
  switch (random() % 4) {
    case 0:
      bytes.resize(pick(bytes.size()));
      break;
    case 1: {
      std::size_t at = pick(bytes.size()), length = 1 + pick(std::min<std::size_t>(16, bytes.size() - at));
      bytes += bytes.substr(at, length);
      break;
    }
    default: {
      int count = 1 + static_cast<int>(pick(4));
      for (int i = 0; i < count; ++i) {
        char value;
        if (!alphabet.empty()) value = alphabet[pick(alphabet.size())];
        else value = static_cast<char>(random() % 3 == 0 ? 0xff : random() % 3 == 0 ? 0x00 : random());
        bytes[pick(std::min<std::size_t>(bytes.size(), 64))] = value;
      }
    }
  }
  return bytes;
}

template <class T>
void expect_contained(const ProbeResult<T>& result, const std::string& path, const std::string& input) {
  if (ok(result)) return;
  EXPECT_FALSE(error(result).message.empty());
  EXPECT_NE(error(result).message.find("`" + path), std::string::npos)
      << error(result).message << "\ninput of " << input.size() << " bytes";
}

std::string big_endian(std::uint32_t value) {
  return {static_cast<char>(value >> 24), static_cast<char>(value >> 16), static_cast<char>(value >> 8),
          static_cast<char>(value)};
}

TEST(HostileInput, IdxProbesContainEveryCorruption) {
  ScratchDir dir;
  std::string images = std::string("\0\0\x08\x03", 4) + big_endian(4) + big_endian(3) + big_endian(3) + std::string(36, '\x11');
  std::string labels = std::string("\0\0\x08\x01", 4) + big_endian(8) + std::string("\0\1\2\3\4\5\6\7", 8);
  std::mt19937 random(20240601);
  for (int i = 0; i < kMutationsPerFormat; ++i) {
    for (const std::string& original : {images, labels}) {
      std::string raw = mutate(original, random);
      std::string path = dir.write_fresh("raw.idx", raw);
      expect_contained(probe_idx(path), path, raw);
      expect_contained(probe_idx_labels(path), path, raw);
      std::string gz = i % 2 ? gzip(raw) : mutate(gzip(original), random);
      std::string gz_path = dir.write_fresh("file.gz", gz);
      expect_contained(probe_idx(gz_path), gz_path, gz);
      expect_contained(probe_idx_labels(gz_path), gz_path, gz);
    }
  }
}

TEST(HostileInput, NpyProbeContainsEveryCorruption) {
  ScratchDir dir;
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  header += std::string(128 - 10 - header.size() - 1, ' ') + "\n";
  std::string npy = std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(header.size()) + '\0' + header + std::string(24, '\0');
  std::mt19937 random(7);
  for (int i = 0; i < kMutationsPerFormat * 2; ++i) {
    std::string bytes = mutate(npy, random);
    if (i % 2) {  // corrupt the dict itself, with the characters it is made of
      std::string dict_part = mutate(npy.substr(10), random, "{}()[],:' 0123456789-LTrueFalsdc<>|f48\n");
      bytes = npy.substr(0, 10) + dict_part;
    }
    std::string path = dir.write_fresh("x.npy", bytes);
    expect_contained(probe_npy(path), path, bytes);
  }
}

TEST(HostileInput, CsvProbeContainsEveryCorruption) {
  ScratchDir dir;
  std::string csv = "a,b,label\n1,2,cat\n\"3\",4.5e1,dog\n-1,+2,\"c,at\"\r\n";
  std::mt19937 random(11);
  CsvOptions options;
  options.label_column = "label";
  for (int i = 0; i < kMutationsPerFormat * 2; ++i) {
    std::string bytes = mutate(csv, random, ",\"\n\r ab0-1.e+l");
    std::string path = dir.write_fresh("x.csv", bytes);
    options.header = i % 3 != 0;
    options.label_column = i % 3 == 0 ? "c2" : "label";
    expect_contained(probe_csv(path, options), path, bytes);
  }
}

TEST(HostileInput, ImageFolderProbeContainsEveryCorruption) {
  ScratchDir dir;
  std::string ihdr = "IHDR" + big_endian(4) + big_endian(4) + std::string("\x08\x02\0\0\0", 5);
  std::string png = std::string("\x89PNG\r\n\x1a\n", 8) + big_endian(13) + ihdr +
                    big_endian(static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(ihdr.data()), 17)));
  fs::create_directories(dir.path("root/cat"));
  std::ofstream(dir.path("root/cat/a.png"), std::ios::binary) << png;
  std::mt19937 random(3);
  std::string previous;
  for (int i = 0; i < kMutationsPerFormat; ++i) {
    std::string bytes = mutate(png, random);
    if (!previous.empty()) fs::remove(previous);
    previous = dir.path("root/cat/b" + std::to_string(i) + ".png");
    std::ofstream(previous, std::ios::binary) << bytes;
    auto result = probe_image_folder(dir.path("root"));
    if (!ok(result)) {
      EXPECT_NE(error(result).message.find("`" + dir.path("root")), std::string::npos) << error(result).message;
    }
  }
}

}  // namespace
}  // namespace mlf::probe
