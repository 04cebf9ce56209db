// File digests: known SHA-256 values, tree digests, memoisation by file identity, and the
// cache file's persistence and robustness.
#include "tests/unit/scratch_dir.h"
#include "compiler/probe/file_digest.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace mlf::probe {
namespace {

namespace fs = std::filesystem;

using test_support::ScratchDir;

constexpr char kAbc[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr char kEmpty[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string hex_of(const ProbeResult<Digest>& result) {
  if (!ok(result)) return "error: " + error(result).message;
  return std::get<Digest>(result).hex();
}

// Sets the modification time exactly, in nanoseconds since the epoch.
void set_mtime(const std::string& path, std::int64_t seconds, long nanoseconds) {
  timespec times[2] = {{seconds, nanoseconds}, {seconds, nanoseconds}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
}

struct stat stat_of(const std::string& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0);
  return info;
}

// Rewrites the file's bytes in place: same inode, same size.
void overwrite_in_place(const std::string& path, const std::string& bytes) {
  std::FILE* file = std::fopen(path.c_str(), "r+b");
  ASSERT_NE(file, nullptr);
  ASSERT_EQ(std::fwrite(bytes.data(), 1, bytes.size(), file), bytes.size());
  std::fclose(file);
}

constexpr std::int64_t kPast = 1'600'000'000;  // 2020, far outside the racy window

TEST(FileDigest, MatchesKnownSha256) {
  ScratchDir dir;
  FileDigestCache cache("");
  EXPECT_EQ(hex_of(cache.digest(dir.write("abc.txt", "abc"))), kAbc);
  EXPECT_EQ(hex_of(cache.digest(dir.write("empty.txt", ""))), kEmpty);
}

TEST(FileDigest, HashesLargeFilesInChunks) {
  ScratchDir dir;
  std::string bytes(3 * (1 << 20) + 7, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 2654435761u >> 13);
  FileDigestCache cache("");
  EXPECT_EQ(hex_of(cache.digest(dir.write("big.bin", bytes))), Sha256::of(bytes).hex());
}

TEST(FileDigest, DigestsStoredBytesNotDecompressedOnes) {
  ScratchDir dir;
  std::string gzip_bytes = std::string("\x1f\x8b\x08\x00", 4) + "whatever follows";
  FileDigestCache cache("");
  EXPECT_EQ(hex_of(cache.digest(dir.write("x.gz", gzip_bytes))), Sha256::of(gzip_bytes).hex());
}

TEST(FileDigest, MissingFileAndDirectoryAreErrors) {
  ScratchDir dir;
  FileDigestCache cache("");
  auto missing = cache.digest(dir.path("absent.bin"));
  ASSERT_FALSE(ok(missing));
  EXPECT_EQ(error(missing).kind, ProbeError::Kind::NotFound);
  EXPECT_NE(error(missing).message.find("`" + dir.path("absent.bin") + "` does not exist"), std::string::npos);
  auto directory = cache.digest(dir.root());
  ASSERT_FALSE(ok(directory));
  EXPECT_EQ(error(directory).kind, ProbeError::Kind::Unreadable);
  EXPECT_NE(error(directory).message.find("is a directory"), std::string::npos);
}

TEST(FileDigest, UnchangedFileIsNotReadAgain) {
  ScratchDir dir;
  std::string path = dir.write("data.bin", "original");
  set_mtime(path, kPast, 123456789);
  std::string cache_file = dir.path("cache/digests.toml");

  FileDigestCache cache(cache_file);
  EXPECT_EQ(hex_of(cache.digest(path)), Sha256::of("original").hex());
  EXPECT_EQ(cache.files_hashed(), 1);
  ASSERT_TRUE(cache.save());

  // Same size, same inode, mtime restored: the file is taken as unchanged, so the stale
  // digest comes back, which proves that no byte was read.
  const ino_t inode = stat_of(path).st_ino;
  overwrite_in_place(path, "modified");
  set_mtime(path, kPast, 123456789);
  ASSERT_EQ(stat_of(path).st_ino, inode);
  EXPECT_EQ(hex_of(cache.digest(path)), Sha256::of("original").hex());
  EXPECT_EQ(cache.files_hashed(), 1);
  EXPECT_EQ(cache.cache_hits(), 1);

  // The same holds across runs, through the cache file.
  FileDigestCache reloaded(cache_file);
  EXPECT_EQ(hex_of(reloaded.digest(path)), Sha256::of("original").hex());
  EXPECT_EQ(reloaded.files_hashed(), 0);

  // One nanosecond of mtime difference is a change.
  set_mtime(path, kPast, 123456790);
  EXPECT_EQ(hex_of(cache.digest(path)), Sha256::of("modified").hex());
  EXPECT_EQ(cache.files_hashed(), 2);
  EXPECT_EQ(hex_of(reloaded.digest(path)), Sha256::of("modified").hex());
}

TEST(FileDigest, SizeOrInodeChangeIsAChange) {
  ScratchDir dir;
  std::string path = dir.write("data.bin", "one");
  set_mtime(path, kPast, 0);
  FileDigestCache cache("");
  EXPECT_EQ(hex_of(cache.digest(path)), Sha256::of("one").hex());

  dir.write("data.bin", "three");  // new size
  set_mtime(path, kPast, 0);
  EXPECT_EQ(hex_of(cache.digest(path)), Sha256::of("three").hex());

  std::string replacement = dir.write("replacement.bin", "other");  // same size, new inode
  set_mtime(replacement, kPast, 0);
  fs::rename(replacement, path);
  EXPECT_EQ(hex_of(cache.digest(path)), Sha256::of("other").hex());
  EXPECT_EQ(cache.files_hashed(), 3);
}

TEST(FileDigest, RecentlyModifiedFileIsNotMemoised) {
  // A write in the same mtime tick as the hashing must not be masked by the cache.
  ScratchDir dir;
  std::string path = dir.write("fresh.bin", "fresh");
  FileDigestCache cache("");
  EXPECT_EQ(hex_of(cache.digest(path)), Sha256::of("fresh").hex());
  EXPECT_EQ(hex_of(cache.digest(path)), Sha256::of("fresh").hex());
  EXPECT_EQ(cache.files_hashed(), 2);
  EXPECT_EQ(cache.cache_hits(), 0);
}

TEST(FileDigest, CorruptCacheFileIsIgnored) {
  ScratchDir dir;
  std::string path = dir.write("data.bin", "abc");
  set_mtime(path, kPast, 0);
  for (const std::string& junk :
       {std::string("this is [not toml"), std::string("\x00\xff\xfe garbage", 11),
        std::string("version = 1\nfile = \"not an array\"\n"),
        std::string("version = 99\n[[file]]\npath = \"x\"\n"),
        "version = 1\n[[file]]\npath = \"" + path + "\"\nsize = \"three\"\n",
        "version = 1\n[[file]]\npath = \"" + path + "\"\nsize = 3\nmtime_ns = 1\ninode = 1\nsha256 = \"zz\"\n"}) {
    std::string cache_file = dir.write("digests.toml", junk);
    FileDigestCache cache(cache_file);
    EXPECT_EQ(hex_of(cache.digest(path)), kAbc) << junk;
    EXPECT_EQ(cache.files_hashed(), 1) << junk;
    ASSERT_TRUE(cache.save()) << junk;
    FileDigestCache reloaded(cache_file);
    EXPECT_EQ(hex_of(reloaded.digest(path)), kAbc);
    EXPECT_EQ(reloaded.files_hashed(), 0) << "the rewritten cache file should be readable";
  }
}

TEST(FileDigest, SaveIsAtomicAndKeepsOtherWritersEntries) {
  ScratchDir dir;
  std::string a = dir.write("data/a.bin", "a");
  std::string b = dir.write("data/b.bin", "b");
  set_mtime(a, kPast, 0);
  set_mtime(b, kPast, 0);
  std::string cache_file = dir.path("state/digests.toml");

  FileDigestCache first(cache_file), second(cache_file);
  ASSERT_TRUE(ok(first.digest(a)));
  ASSERT_TRUE(ok(second.digest(b)));
  ASSERT_TRUE(first.save());
  ASSERT_TRUE(second.save());
  for (const auto& entry : fs::directory_iterator(dir.path("state")))
    EXPECT_EQ(entry.path().filename(), "digests.toml") << "a temporary file was left behind";

  FileDigestCache reloaded(cache_file);
  EXPECT_TRUE(ok(reloaded.digest(a)));
  EXPECT_TRUE(ok(reloaded.digest(b)));
  EXPECT_EQ(reloaded.files_hashed(), 0);
}

TEST(FileDigest, WithoutCacheFileNothingIsWritten) {
  ScratchDir dir;
  std::string path = dir.write("data.bin", "abc");
  set_mtime(path, kPast, 0);
  FileDigestCache cache("");
  ASSERT_TRUE(ok(cache.digest(path)));
  EXPECT_TRUE(cache.save());
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.root()), fs::directory_iterator()), 1);
}

TEST(FileDigest, SaveFailsCleanlyWhenTheDirectoryCannotBeWritten) {
  ScratchDir dir;
  std::string path = dir.write("data.bin", "abc");
  set_mtime(path, kPast, 0);
  std::string blocker = dir.write("blocker", "a file where a directory should be");
  FileDigestCache cache(blocker + "/digests.toml");
  ASSERT_TRUE(ok(cache.digest(path)));
  EXPECT_FALSE(cache.save());
}

// The documented tree digest, computed independently.
Digest expected_tree(const std::vector<std::pair<std::string, std::string>>& sorted_files) {
  Sha256 hasher;
  hasher.update("mlf-tree-v1\n");
  for (const auto& [relative, content] : sorted_files) {
    hasher.update(relative);
    hasher.update(std::string_view("\0", 1));
    hasher.update(Sha256::of(content).bytes.data(), 32);
  }
  return hasher.finish();
}

TEST(FileDigestTree, DigestsSortedRelativePathsAndContents) {
  ScratchDir dir;
  dir.write("tree/b/z.png", "zz");
  dir.write("tree/a.txt", "aa");
  dir.write("tree/b-c.txt", "bc");
  dir.write("tree/.hidden", "h");
  FileDigestCache cache("");
  auto digest = cache.digest_tree(dir.path("tree"));
  // Byte order: '.' < 'a' < 'b-c.txt' ('-' sorts before '/') < 'b/z.png'.
  EXPECT_EQ(hex_of(digest),
            expected_tree({{".hidden", "h"}, {"a.txt", "aa"}, {"b-c.txt", "bc"}, {"b/z.png", "zz"}}).hex());
  EXPECT_EQ(hex_of(cache.digest_tree(dir.path("tree") + "/")), hex_of(digest));
}

TEST(FileDigestTree, ChangesWithContentAndNames) {
  ScratchDir dir;
  dir.write("tree/a.txt", "aa");
  FileDigestCache cache("");
  std::string before = hex_of(cache.digest_tree(dir.path("tree")));
  dir.write("tree/a.txt", "ab");
  std::string edited = hex_of(cache.digest_tree(dir.path("tree")));
  EXPECT_NE(before, edited);
  fs::rename(dir.path("tree/a.txt"), dir.path("tree/b.txt"));
  std::string renamed = hex_of(cache.digest_tree(dir.path("tree")));
  EXPECT_NE(edited, renamed);
  EXPECT_EQ(renamed, expected_tree({{"b.txt", "ab"}}).hex());
  EXPECT_EQ(hex_of(cache.digest_tree(dir.path("empty-tree-does-not-exist"))).substr(0, 6), "error:");
}

TEST(FileDigestTree, EmptyDirectoryHasTheDomainDigest) {
  ScratchDir dir;
  fs::create_directories(dir.path("empty"));
  FileDigestCache cache("");
  EXPECT_EQ(hex_of(cache.digest_tree(dir.path("empty"))), expected_tree({}).hex());
}

TEST(FileDigestTree, MemoisesEachFile) {
  ScratchDir dir;
  for (const char* name : {"t/a", "t/b", "t/sub/c"}) set_mtime(dir.write(name, name), kPast, 0);
  FileDigestCache cache("");
  std::string first = hex_of(cache.digest_tree(dir.path("t")));
  EXPECT_EQ(cache.files_hashed(), 3);
  EXPECT_EQ(hex_of(cache.digest_tree(dir.path("t"))), first);
  EXPECT_EQ(cache.files_hashed(), 3);
  EXPECT_EQ(cache.cache_hits(), 3);
}

TEST(FileDigestTree, FollowsSymlinksAndRejectsCycles) {
  ScratchDir dir;
  dir.write("outside/shared.txt", "shared");
  dir.write("tree/own.txt", "own");
  fs::create_directory_symlink(dir.path("outside"), dir.path("tree/linked"));
  fs::create_symlink(dir.path("nowhere"), dir.path("tree/dangling"));
  FileDigestCache cache("");
  EXPECT_EQ(hex_of(cache.digest_tree(dir.path("tree"))),
            expected_tree({{"linked/shared.txt", "shared"}, {"own.txt", "own"}}).hex());

  fs::create_directory_symlink(dir.path("tree"), dir.path("tree/loop"));
  auto cycle = cache.digest_tree(dir.path("tree"));
  ASSERT_FALSE(ok(cycle));
  EXPECT_EQ(error(cycle).kind, ProbeError::Kind::BadFormat);
  EXPECT_NE(error(cycle).message.find("`" + dir.path("tree/loop") + "`"), std::string::npos) << error(cycle).message;
}

TEST(FileDigestTree, RootMustBeADirectory) {
  ScratchDir dir;
  std::string file = dir.write("file.txt", "x");
  FileDigestCache cache("");
  auto result = cache.digest_tree(file);
  ASSERT_FALSE(ok(result));
  EXPECT_EQ(error(result).kind, ProbeError::Kind::BadFormat);
  auto missing = cache.digest_tree(dir.path("missing"));
  ASSERT_FALSE(ok(missing));
  EXPECT_EQ(error(missing).kind, ProbeError::Kind::NotFound);
}

}  // namespace
}  // namespace mlf::probe
