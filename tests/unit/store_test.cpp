// The content-addressed store: round trips, addressing, idempotence, compression, records,
// the store lock, verify and gc.
#include "tests/unit/scratch_dir.h"
#include "runtime/store/object_store.h"
#include "runtime/store/store_lock.h"
#include "runtime/store/store_maintenance.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace mlf::runtime {
namespace {

namespace fs = std::filesystem;

using test_support::ScratchDir;

ObjectStore open_store(const fs::path& root, StoreOptions options = {}) {
  auto store = ObjectStore::open(root, std::move(options));
  EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().message);
  return std::move(store).value();
}

std::string random_bytes(std::size_t size, std::uint64_t seed) {
  std::mt19937_64 random(seed);
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(random());
  return bytes;
}

std::size_t regular_files_under(const fs::path& dir) {
  std::size_t count = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file()) ++count;
  return count;
}

// Objects are read-only files: make this one writable and flip one bit of byte `offset`.
void flip_byte(const fs::path& path, std::uintmax_t offset) {
  fs::permissions(path, fs::perms::owner_write, fs::perm_options::add);
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  file.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  file.get(c);
  file.seekp(static_cast<std::streamoff>(offset));
  file.put(static_cast<char>(c ^ 0x01));
}

void age_file(const fs::path& path, std::chrono::seconds age) {
  fs::last_write_time(path, fs::file_time_type::clock::now() - age);
}

constexpr char kAbc[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

TEST(StoreTest, OpenCreatesTheLayout) {
  ScratchDir dir;
  ObjectStore store = open_store(dir.store());
  for (const char* folder : {"objects", "tmp", "quarantine", "results", "runs", "pins"})
    EXPECT_TRUE(fs::is_directory(dir.store() / folder)) << folder;
  EXPECT_EQ(store.root(), dir.store());
  // Opening again is harmless.
  ObjectStore again = open_store(dir.store());
  EXPECT_EQ(again.root(), store.root());
}

TEST(StoreTest, RoundTrip) {
  ScratchDir dir;
  ObjectStore store = open_store(dir.store());
  std::string binary("a\0b\0\xff\x01", 6);
  for (const std::string& bytes : {std::string("hello"), std::string(), binary, random_bytes(3 << 20, 7)}) {
    auto digest = store.put(bytes);
    ASSERT_TRUE(digest.ok()) << digest.error().message;
    auto back = store.get(digest.value());
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(back.value(), bytes);
    auto checked = store.check(digest.value());
    ASSERT_TRUE(checked.ok()) << checked.error().message;
    EXPECT_EQ(checked.value(), bytes.size());
  }
  EXPECT_EQ(regular_files_under(store.temp_dir()), 0u);
}

TEST(StoreTest, DigestIsTheSha256OfTheUncompressedBytes) {
  ScratchDir dir;
  ObjectStore store = open_store(dir.store());
  auto digest = store.put("abc");
  ASSERT_TRUE(digest.ok());
  EXPECT_EQ(digest.value().hex(), kAbc);
  EXPECT_EQ(digest.value(), Sha256::of("abc"));
  fs::path expected = dir.store() / "objects" / "ba" / (std::string(kAbc).substr(2));
  EXPECT_EQ(store.object_path(digest.value()), expected);
  EXPECT_TRUE(fs::is_regular_file(expected));
  EXPECT_TRUE(store.contains(digest.value()));
}

TEST(StoreTest, PutOfPresentBytesWritesNothing) {
  ScratchDir dir;
  ObjectStore store = open_store(dir.store());
  auto first = store.put("same bytes");
  ASSERT_TRUE(first.ok());
  fs::path path = store.object_path(first.value());
  struct stat before {};
  ASSERT_EQ(::stat(path.c_str(), &before), 0);
  auto second = store.put("same bytes");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(first.value(), second.value());
  struct stat after {};
  ASSERT_EQ(::stat(path.c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino);  // not replaced by a rename
  EXPECT_EQ(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
  EXPECT_EQ(regular_files_under(store.objects_dir()), 1u);
  EXPECT_EQ(regular_files_under(store.temp_dir()), 0u);
}

TEST(StoreTest, CompressibleBytesAreStoredSmaller) {
  ScratchDir dir;
  ObjectStore store = open_store(dir.store());
  std::string text;
  while (text.size() < (1 << 20)) text += "epoch 3, step 1200, loss 0.4312, accuracy 0.8810\n";
  auto digest = store.put(text);
  ASSERT_TRUE(digest.ok());
  auto on_disk = fs::file_size(store.object_path(digest.value()));
  EXPECT_LT(on_disk * 20, text.size()) << on_disk << " bytes on disk";
}

TEST(StoreTest, ObjectsAreReadOnlyFiles) {
  ScratchDir dir;
  ObjectStore store = open_store(dir.store());
  auto digest = store.put("immutable");
  ASSERT_TRUE(digest.ok());
  auto perms = fs::status(store.object_path(digest.value())).permissions();
  EXPECT_EQ(perms & fs::perms::owner_write, fs::perms::none);
}

TEST(StoreTest, MissingObjectIsNotFound) {
  ScratchDir dir;
  ObjectStore store = open_store(dir.store());
  Digest digest = Sha256::of("never stored");
  EXPECT_FALSE(store.contains(digest));
  auto got = store.get(digest);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().kind, StoreError::Kind::NotFound);
  EXPECT_NE(got.error().message.find(digest.hex()), std::string::npos) << got.error().message;
  EXPECT_EQ(got.error().path, store.object_path(digest).string());
}

TEST(StoreTest, ObjectOverTheLimitIsRefused) {
  ScratchDir dir;
  StoreOptions small;
  small.max_object_bytes = 1000;
  ObjectStore limited = open_store(dir.store(), small);
  auto refused = limited.put(std::string(2000, 'x'));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(regular_files_under(dir.store() / "objects"), 0u);

  // An object a store with a larger limit wrote is refused on read, not decoded.
  ObjectStore roomy = open_store(dir.store());
  auto digest = roomy.put(std::string(2000, 'x'));
  ASSERT_TRUE(digest.ok());
  auto got = limited.get(digest.value());
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().kind, StoreError::Kind::Corrupt);
  EXPECT_NE(got.error().message.find("declares 2000 bytes of content, more than the limit of 1000"),
            std::string::npos)
      << got.error().message;
}

TEST(StoreTest, ListObjectsSeesEveryObjectAndStrayFiles) {
  ScratchDir dir;
  ObjectStore store = open_store(dir.store());
  std::set<Digest> put;
  for (int i = 0; i < 10; ++i) put.insert(store.put("object " + std::to_string(i)).value());
  std::ofstream(store.objects_dir() / "README") << "not an object";
  fs::create_directories(store.objects_dir() / "ab");
  std::ofstream(store.objects_dir() / "ab" / "short") << "x";
  ObjectListing listing = store.list_objects();
  EXPECT_EQ(std::set<Digest>(listing.objects.begin(), listing.objects.end()), put);
  EXPECT_EQ(listing.stray.size(), 2u);
}

TEST(StoreTest, RecordsRoundTripAndOverwriteAtomically) {
  ScratchDir dir;
  ObjectStore store = open_store(dir.store());
  ASSERT_TRUE(store.write_text("runs/r1.toml", "id = \"r1\"\n").ok());
  ASSERT_TRUE(store.write_text("results/train/model.toml", "digest = \"ab\"\n").ok());
  EXPECT_EQ(store.read_text("runs/r1.toml").value(), "id = \"r1\"\n");
  EXPECT_EQ(store.read_text("results/train/model.toml").value(), "digest = \"ab\"\n");
  ASSERT_TRUE(store.write_text("runs/r1.toml", "id = \"r1\"\nstatus = \"done\"\n").ok());
  EXPECT_EQ(store.read_text("runs/r1.toml").value(), "id = \"r1\"\nstatus = \"done\"\n");
  ASSERT_TRUE(store.write_text("runs/r2.toml", "").ok());
  EXPECT_EQ(store.list_text("runs").value(), (std::vector<std::string>{"r1.toml", "r2.toml"}));
  EXPECT_TRUE(store.list_text("pins").value().empty());
  ASSERT_TRUE(store.remove_text("runs/r2.toml").ok());
  EXPECT_EQ(store.read_text("runs/r2.toml").error().kind, StoreError::Kind::NotFound);
  EXPECT_EQ(store.remove_text("runs/r2.toml").error().kind, StoreError::Kind::NotFound);
  EXPECT_EQ(regular_files_under(store.temp_dir()), 0u);
}

TEST(StoreTest, RecordPathsStayInsideTheStoreAndOffTheObjects) {
  ScratchDir dir;
  ObjectStore store = open_store(dir.store());
  for (const char* bad : {"", "../escape.toml", "/etc/passwd", "runs/../../x", "objects/ab/cd", "tmp/x", "lock",
                          "quarantine/x", "./runs/x"}) {
    auto written = store.write_text(bad, "x");
    EXPECT_FALSE(written.ok()) << bad;
    EXPECT_FALSE(store.read_text(bad).ok()) << bad;
  }
  EXPECT_FALSE(fs::exists(dir.path("escape.toml")));
  EXPECT_FALSE(fs::exists(store.root() / "lock"));
}

TEST(StoreTest, ErrorKindsHaveNames) {
  EXPECT_STREQ(store_error_kind_name(StoreError::Kind::NotFound), "not found");
  EXPECT_STREQ(store_error_kind_name(StoreError::Kind::Corrupt), "corrupt");
  EXPECT_STREQ(store_error_kind_name(StoreError::Kind::Io), "i/o error");
  EXPECT_STREQ(store_error_kind_name(StoreError::Kind::NoSpace), "no space");
}

// --- The store lock.

TEST(StoreLockTest, SharedHoldersCoexist) {
  ScratchDir dir;
  auto first = StoreLock::acquire(dir.store(), StoreLock::Mode::Shared);
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto second = StoreLock::try_acquire(dir.store(), StoreLock::Mode::Shared);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second.value().has_value());
}

TEST(StoreLockTest, ExclusiveWaitsForSharedAndViceVersa) {
  ScratchDir dir;
  {
    auto shared = StoreLock::acquire(dir.store(), StoreLock::Mode::Shared);
    ASSERT_TRUE(shared.ok());
    auto exclusive = StoreLock::try_acquire(dir.store(), StoreLock::Mode::Exclusive);
    ASSERT_TRUE(exclusive.ok());
    EXPECT_FALSE(exclusive.value().has_value());
  }
  auto exclusive = StoreLock::try_acquire(dir.store(), StoreLock::Mode::Exclusive);
  ASSERT_TRUE(exclusive.ok());
  ASSERT_TRUE(exclusive.value().has_value());
  EXPECT_EQ(exclusive.value()->mode(), StoreLock::Mode::Exclusive);
  auto shared = StoreLock::try_acquire(dir.store(), StoreLock::Mode::Shared);
  ASSERT_TRUE(shared.ok());
  EXPECT_FALSE(shared.value().has_value());
}

TEST(StoreLockTest, ExcludesAnotherProcessAndDiesWithIt) {
  ScratchDir dir;
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  int release[2];
  ASSERT_EQ(::pipe(release), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto held = StoreLock::acquire(dir.store(), StoreLock::Mode::Exclusive);
    char byte = held.ok() ? 'y' : 'n';
    if (::write(ready[1], &byte, 1) != 1) ::_exit(2);
    if (::read(release[0], &byte, 1) < 0) ::_exit(2);
    ::_exit(0);  // dies holding the lock: the kernel releases it
  }
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  ASSERT_EQ(byte, 'y');
  auto blocked = StoreLock::try_acquire(dir.store(), StoreLock::Mode::Shared);
  ASSERT_TRUE(blocked.ok());
  EXPECT_FALSE(blocked.value().has_value());
  ASSERT_EQ(::write(release[1], "x", 1), 1);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  auto granted = StoreLock::try_acquire(dir.store(), StoreLock::Mode::Exclusive);
  ASSERT_TRUE(granted.ok());
  EXPECT_TRUE(granted.value().has_value());
  for (int fd : {ready[0], ready[1], release[0], release[1]}) ::close(fd);
}

// --- verify and gc.

TEST(StoreMaintenanceTest, VerifyPassesAnIntactStore) {
  ScratchDir dir;
  ObjectStore store = open_store(dir.store());
  std::uint64_t total = 0;
  for (int i = 0; i < 5; ++i) {
    std::string bytes = random_bytes(1000 * (i + 1), i);
    total += bytes.size();
    ASSERT_TRUE(store.put(bytes).ok());
  }
  VerifyReport report = verify(store);
  EXPECT_TRUE(report.clean());
  EXPECT_EQ(report.objects_checked, 5u);
  EXPECT_EQ(report.content_bytes, total);
}

TEST(StoreMaintenanceTest, VerifyFindsAndQuarantinesAnInjectedCorruption) {
  ScratchDir dir;
  ObjectStore store = open_store(dir.store());
  std::vector<Digest> digests;
  for (int i = 0; i < 4; ++i) digests.push_back(store.put(random_bytes(5000, 100 + i)).value());
  flip_byte(store.object_path(digests[2]), fs::file_size(store.object_path(digests[2])) / 2);
  VerifyReport report = verify(store);
  EXPECT_FALSE(report.clean());
  EXPECT_EQ(report.objects_checked, 4u);
  ASSERT_EQ(report.corrupt.size(), 1u);
  EXPECT_NE(report.corrupt[0].message.find(digests[2].hex()), std::string::npos) << report.corrupt[0].message;
  EXPECT_FALSE(store.contains(digests[2]));
  EXPECT_EQ(regular_files_under(store.quarantine_dir()), 1u);
  // The others are untouched, and the store is clean again once the bad one is aside.
  for (int i : {0, 1, 3}) EXPECT_TRUE(store.get(digests[i]).ok());
  EXPECT_TRUE(verify(store).clean());
}

TEST(StoreMaintenanceTest, VerifyReportsStrayFiles) {
  ScratchDir dir;
  ObjectStore store = open_store(dir.store());
  ASSERT_TRUE(store.put("x").ok());
  std::ofstream(store.objects_dir() / "stray") << "?";
  VerifyReport report = verify(store);
  EXPECT_FALSE(report.clean());
  EXPECT_EQ(report.stray.size(), 1u);
  EXPECT_TRUE(report.corrupt.empty());
}

TEST(StoreMaintenanceTest, GcKeepsExactlyTheKeepSet) {
  ScratchDir dir;
  ObjectStore store = open_store(dir.store());
  std::vector<Digest> digests;
  for (int i = 0; i < 8; ++i) digests.push_back(store.put(random_bytes(2000 + i, 200 + i)).value());
  std::set<Digest> keep{digests[1], digests[4], digests[6]};
  std::uint64_t removed_bytes = 0;
  for (const Digest& digest : digests)
    if (!keep.count(digest)) removed_bytes += fs::file_size(store.object_path(digest));
  Digest absent = Sha256::of("referenced but gone");
  std::set<Digest> keep_with_absent = keep;
  keep_with_absent.insert(absent);

  GcReport report = gc(store, keep_with_absent);
  EXPECT_EQ(report.objects_kept, 3u);
  EXPECT_EQ(report.objects_removed, 5u);
  EXPECT_EQ(report.bytes_freed, removed_bytes);
  EXPECT_EQ(report.missing, std::vector<Digest>{absent});
  EXPECT_TRUE(report.errors.empty());
  ObjectListing listing = store.list_objects();
  EXPECT_EQ(std::set<Digest>(listing.objects.begin(), listing.objects.end()), keep);
  EXPECT_TRUE(listing.stray.empty());
  for (const Digest& digest : keep) EXPECT_TRUE(store.get(digest).ok());
  EXPECT_TRUE(verify(store).clean());
}

TEST(StoreMaintenanceTest, GcRemovesOnlyStaleTempFiles) {
  ScratchDir dir;
  ObjectStore store = open_store(dir.store());
  fs::path stale = store.temp_dir() / "dead-write.tmp";
  fs::path fresh = store.temp_dir() / "live-write.tmp";
  std::ofstream(stale) << std::string(100, 's');
  std::ofstream(fresh) << std::string(50, 'f');
  age_file(stale, std::chrono::hours(2));
  GcReport report = gc(store, {});
  EXPECT_EQ(report.temp_files_removed, 1u);
  EXPECT_EQ(report.bytes_freed, 100u);
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(fresh));
}

TEST(StoreMaintenanceTest, GcWithEverythingKeptRemovesNothing) {
  ScratchDir dir;
  ObjectStore store = open_store(dir.store());
  std::set<Digest> all;
  for (int i = 0; i < 3; ++i) all.insert(store.put("kept " + std::to_string(i)).value());
  GcReport report = gc(store, all);
  EXPECT_EQ(report.objects_removed, 0u);
  EXPECT_EQ(report.bytes_freed, 0u);
  EXPECT_EQ(store.list_objects().objects.size(), 3u);
}

}  // namespace
}  // namespace mlf::runtime
