// The kernel key (created once, private, refused when others could read or swap it) and
// the kernel record's MAC (every field covered).

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <vector>

#include "runtime/fuse/kernel_key.h"
#include "runtime/fuse/kernel_record.h"
#include "tests/unit/kernel_key_guard.h"
#include "tests/unit/scratch_dir.h"

namespace mlf {
namespace {

namespace fs = std::filesystem;

mode_t mode_of(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(::lstat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

TEST(KernelKey, CreatedOncePrivateAndReadBack) {
  test_support::ScratchDir dir;
  const fs::path path = fs::path(dir.path("state")) / "mlf" / "kernel-key";
  std::string problem;
  auto first = runtime::load_or_create_kernel_key(path, problem);
  ASSERT_TRUE(first) << problem;
  EXPECT_EQ(first->bytes.size(), 32u);
  EXPECT_EQ(first->id.size(), 16u);
  EXPECT_EQ(mode_of(path), 0600u);
  EXPECT_EQ(mode_of(path.parent_path()), 0700u);
  EXPECT_EQ(fs::file_size(path), 32u);
  auto again = runtime::load_or_create_kernel_key(path, problem);
  ASSERT_TRUE(again) << problem;
  EXPECT_EQ(again->bytes, first->bytes);
  EXPECT_EQ(again->id, first->id);
  // No temp file is left beside it.
  std::size_t entries = 0;
  for (const auto& entry : fs::directory_iterator(path.parent_path())) entries += entry.is_regular_file();
  EXPECT_EQ(entries, 1u);
  // Another folder, another key.
  auto other = runtime::load_or_create_kernel_key(fs::path(dir.path("elsewhere")) / "mlf" / "kernel-key", problem);
  ASSERT_TRUE(other) << problem;
  EXPECT_NE(other->bytes, first->bytes);
  EXPECT_NE(other->id, first->id);
}

TEST(KernelKey, PathFollowsXdgStateHomeThenHome) {
  test_support::ScratchDir dir;
  test_support::KernelKeyGuard guard(dir.path("state"));
  EXPECT_EQ(runtime::kernel_key_path(), fs::path(dir.path("state")) / "mlf" / "kernel-key");
  guard.use("relative/is/ignored");
  const char* home = std::getenv("HOME");
  if (home && home[0] == '/') {
    EXPECT_EQ(runtime::kernel_key_path(), fs::path(home) / ".local" / "state" / "mlf" / "kernel-key");
  }
}

class KernelKeyRefused : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = fs::path(dir_.path("state")) / "mlf" / "kernel-key";
    std::string problem;
    ASSERT_TRUE(runtime::load_or_create_kernel_key(path_, problem)) << problem;
  }
  std::string refusal() {
    std::string problem;
    EXPECT_FALSE(runtime::load_or_create_kernel_key(path_, problem));
    return problem;
  }
  test_support::ScratchDir dir_;
  fs::path path_;
};

TEST_F(KernelKeyRefused, WhenOthersCanReadIt) {
  ASSERT_EQ(::chmod(path_.c_str(), 0644), 0);
  const std::string problem = refusal();
  EXPECT_NE(problem.find(path_.string()), std::string::npos) << problem;
  EXPECT_NE(problem.find("readable or writable by other users (mode 0644"), std::string::npos) << problem;
}

TEST_F(KernelKeyRefused, WhenItsFolderIsWritableByOthers) {
  ASSERT_EQ(::chmod(path_.parent_path().c_str(), 0770), 0);
  EXPECT_NE(refusal().find("folder " + path_.parent_path().string() + " is writable by other users"), std::string::npos);
}

TEST_F(KernelKeyRefused, WhenItIsASymbolicLink) {
  const fs::path real = path_.parent_path() / "real-key";
  fs::rename(path_, real);
  fs::create_symlink(real, path_);
  EXPECT_NE(refusal().find("is a symbolic link"), std::string::npos);
}

TEST_F(KernelKeyRefused, WhenItIsNot32Bytes) {
  std::ofstream(path_, std::ios::binary | std::ios::app) << "x";
  EXPECT_NE(refusal().find("is 33 bytes, not 32"), std::string::npos);
}

runtime::KernelRecord sample_record() {
  runtime::KernelRecord r;
  r.kernel = Sha256::of("kernel");
  r.object = Sha256::of("object");
  r.inputs = Sha256::of("inputs");
  r.codegen = "mlf-fuse-codegen-5";
  r.target = Sha256::of("target");
  r.build = "0.1.0 98208c0a1b2c";
  return r;
}

TEST(KernelRecord, TextRoundTripsAndAuthenticates) {
  runtime::KernelKey key{std::string(32, 'k'), "0123456789abcdef"};
  runtime::KernelRecord record = sample_record();
  runtime::sign_kernel_record(record, key);
  std::string problem;
  auto parsed = runtime::parse_kernel_record(runtime::kernel_record_text(record), problem);
  ASSERT_TRUE(parsed) << problem;
  EXPECT_EQ(parsed->object, record.object);
  EXPECT_EQ(parsed->build, record.build);
  EXPECT_EQ(runtime::kernel_record_refusal(*parsed, key), "");
}

TEST(KernelRecord, TheMacCoversEveryField) {
  runtime::KernelKey key{std::string(32, 'k'), "0123456789abcdef"};
  runtime::KernelRecord signed_record = sample_record();
  runtime::sign_kernel_record(signed_record, key);
  const std::vector<std::function<void(runtime::KernelRecord&)>> changes = {
      [](auto& r) { r.kernel.bytes[0] ^= 1; }, [](auto& r) { r.object.bytes[31] ^= 1; },
      [](auto& r) { r.inputs.bytes[5] ^= 1; }, [](auto& r) { r.codegen = "mlf-fuse-codegen-4"; },
      [](auto& r) { r.target.bytes[9] ^= 1; }, [](auto& r) { r.build = "0.1.0 98208c0a1b2d"; },
      [](auto& r) { r.mac.bytes[0] ^= 1; }};
  for (std::size_t i = 0; i < changes.size(); ++i) {
    runtime::KernelRecord changed = signed_record;
    changes[i](changed);
    EXPECT_NE(runtime::kernel_record_refusal(changed, key).find("does not authenticate"), std::string::npos)
        << "change " << i;
  }
  runtime::KernelRecord other_key = signed_record;
  other_key.key = "fedcba9876543210";
  EXPECT_NE(runtime::kernel_record_refusal(other_key, key).find("another kernel key"), std::string::npos);
  // The same fields signed with another key (whatever it calls itself) do not authenticate.
  runtime::KernelRecord forged = sample_record();
  runtime::sign_kernel_record(forged, runtime::KernelKey{std::string(32, 'f'), key.id});
  EXPECT_NE(runtime::kernel_record_refusal(forged, key).find("does not authenticate"), std::string::npos);
}

TEST(KernelRecord, MalformedTextIsRefused) {
  runtime::KernelKey key{std::string(32, 'k'), "0123456789abcdef"};
  runtime::KernelRecord record = sample_record();
  runtime::sign_kernel_record(record, key);
  const std::string text = runtime::kernel_record_text(record);
  std::string problem;
  EXPECT_FALSE(runtime::parse_kernel_record(record.object.hex() + "\n", problem));
  EXPECT_NE(problem.find("is not a kernel record"), std::string::npos) << problem;
  EXPECT_FALSE(runtime::parse_kernel_record(text + "extra = \"x\"\n", problem));
  EXPECT_FALSE(runtime::parse_kernel_record(text.substr(0, text.find("mac =")), problem));
  EXPECT_NE(problem.find("`mac`"), std::string::npos) << problem;
}

}  // namespace
}  // namespace mlf
