// What the store promises about its records and its home: every record is sealed and a
// damaged one is never read as whole; folders and files have safe modes whatever the umask;
// a store others can write to is refused; no link inside a store is ever followed; opening
// a store to read creates nothing; every corrupt object put() replaces is reported.
#include "runtime/record/record_verify.h"
#include "runtime/store/object_store.h"
#include "runtime/store/record_seal.h"
#include "runtime/store/store_maintenance.h"
#include "tests/unit/scratch_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
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

using test_support::read_file;
using test_support::write_file;

mode_t mode_of(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(::lstat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

// Sets the umask for the life of the object.
class Umask {
 public:
  explicit Umask(mode_t mask) : saved_(::umask(mask)) {}
  ~Umask() { ::umask(saved_); }

 private:
  mode_t saved_;
};

bool has_files_under(const fs::path& dir) {
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file()) return true;
  return false;
}

TEST(StoreSafetyTest, RecordsRoundTripExactlyWhateverTheyEndWith) {
  ScratchDir dir;
  ObjectStore store = open_store(dir.store());
  for (const std::string text : {std::string(), std::string("a = 1\n"), std::string("no newline at the end"),
                                 std::string("two\n\n"), std::string("# mlf-seal sha256:00\n")}) {
    ASSERT_TRUE(store.write_text("runs/r.toml", text).ok());
    auto back = store.read_text("runs/r.toml");
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(back.value(), text);
    // On disk the record ends with its seal line, a TOML comment.
    std::string raw = read_file(dir.store() / "runs" / "r.toml");
    std::size_t last_line = raw.size() < 2 ? std::string::npos : raw.rfind('\n', raw.size() - 2);
    EXPECT_EQ(raw.compare(last_line == std::string::npos ? 0 : last_line + 1, 18, "# mlf-seal sha256:"), 0) << raw;
  }
  ASSERT_TRUE(store.write_text_parts("runs/p.toml", {"a = 1\n", "b = ", "2"}).ok());
  EXPECT_EQ(store.read_text("runs/p.toml").value(), "a = 1\nb = 2");
}

TEST(StoreSafetyTest, TruncatedEditedAndUnsealedRecordsAreCorruptAndNamed) {
  ScratchDir dir;
  ObjectStore store = open_store(dir.store());
  const std::string text = "id = \"r1\"\nstatus = \"ok\"\n[metrics]\naccuracy = 0.5\n";
  const fs::path file = dir.store() / "runs" / "r1.toml";
  ASSERT_TRUE(store.write_text("runs/r1.toml", text).ok());
  const std::string sealed = read_file(file);

  auto expect_damaged = [&](const std::string& bytes, const std::string& reason, const char* what) {
    write_file(file, bytes);
    auto read = store.read_text("runs/r1.toml");
    ASSERT_FALSE(read.ok()) << what;
    EXPECT_EQ(read.error().kind, StoreError::Kind::Corrupt) << what;
    EXPECT_NE(read.error().message.find(file.string()), std::string::npos) << what << ": " << read.error().message;
    EXPECT_NE(read.error().message.find(reason), std::string::npos) << what << ": " << read.error().message;
  };
  expect_damaged(sealed.substr(0, 20), "has no seal", "truncated");
  expect_damaged(sealed.substr(0, sealed.size() - 10), "has no seal", "seal cut short");
  std::string edited = sealed;
  edited.replace(edited.find("0.5"), 3, "0.9");
  expect_damaged(edited, "does not match its seal", "edited metric");
  expect_damaged(text, "has no seal", "written before records were sealed");
  std::string bad_seal = sealed;
  bad_seal.replace(bad_seal.rfind("sha256:") + 7, 4, "zzzz");
  expect_damaged(bad_seal, "malformed", "malformed seal");
}

TEST(StoreSafetyTest, VerifyFindsEditedRecordsAndResultsNamingMissingObjects) {
  ScratchDir dir;
  ObjectStore store = open_store(dir.store());
  auto digest = store.put("weights");
  ASSERT_TRUE(digest.ok());
  const std::string result = "node = \"n\"\n[outputs]\nweights = \"" + digest.value().hex() +
                             "\"\n[metrics]\naccuracy = 0.5\n";
  ASSERT_TRUE(store.write_text("results/aa.toml", result).ok());
  ASSERT_TRUE(store.write_text("results/bb.toml", "[outputs]\nweights = \"" + std::string(64, 'c') + "\"\n").ok());
  ASSERT_TRUE(store.write_text("pins/x", "").ok());

  VerifyReport objects = verify(store);
  RecordsReport records = verify_records(store, objects.intact);
  EXPECT_EQ(records.records_checked, 3u);
  EXPECT_TRUE(records.damaged.empty());
  // A result naming an absent object can never be used: removed, so its node runs again.
  EXPECT_TRUE(records.invalid.empty());
  ASSERT_EQ(records.stale.size(), 1u);
  EXPECT_NE(records.stale[0].find("results/bb.toml"), std::string::npos) << records.stale[0];
  EXPECT_FALSE(fs::exists(dir.store() / "results" / "bb.toml"));
  EXPECT_TRUE(fs::exists(dir.store() / "results" / "aa.toml"));

  // An edited metric: damaged, named, moved to quarantine/; a second verify is clean of it.
  const fs::path file = dir.store() / "results" / "aa.toml";
  std::string edited = read_file(file);
  edited.replace(edited.find("0.5"), 3, "0.99");
  write_file(file, edited);
  records = verify_records(store, objects.intact);
  ASSERT_EQ(records.damaged.size(), 1u);
  EXPECT_NE(records.damaged[0].message.find(file.string()), std::string::npos) << records.damaged[0].message;
  EXPECT_NE(records.damaged[0].message.find("quarantine"), std::string::npos) << records.damaged[0].message;
  EXPECT_FALSE(fs::exists(file));
  records = verify_records(store, objects.intact);
  EXPECT_TRUE(records.clean());
}

TEST(StoreSafetyTest, UnderUmaskZeroNothingIsWritableByOthers) {
  ScratchDir dir;
  Umask open_umask(0);
  const fs::path root = dir.store() / "deep";  // parents are created too
  ObjectStore store = open_store(root);
  auto digest = store.put("an object");
  ASSERT_TRUE(digest.ok());
  ASSERT_TRUE(store.write_text("plans/p.toml", "x = 1\n").ok());
  EXPECT_EQ(mode_of(dir.store()), 0755u);
  EXPECT_EQ(mode_of(root), 0755u);
  for (const char* folder : {"objects", "tmp", "quarantine", "results", "runs", "pins", "plans"})
    EXPECT_EQ(mode_of(root / folder), 0755u) << folder;
  EXPECT_EQ(mode_of(store.object_path(digest.value()).parent_path()), 0755u);
  EXPECT_EQ(mode_of(store.object_path(digest.value())), 0444u);
  EXPECT_EQ(mode_of(root / "plans" / "p.toml"), 0644u);
}

TEST(StoreSafetyTest, AStoreOthersCanWriteToIsRefused) {
  ScratchDir dir;
  { ObjectStore store = open_store(dir.store()); }
  fs::permissions(dir.store(), fs::perms::others_write, fs::perm_options::add);
  auto opened = ObjectStore::open(dir.store());
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message.find(dir.store().string()), std::string::npos) << opened.error().message;
  EXPECT_NE(opened.error().message.find("chmod go-w"), std::string::npos) << opened.error().message;
  fs::permissions(dir.store(), fs::perms::others_write, fs::perm_options::remove);

  fs::permissions(dir.store() / "runs", fs::perms::group_write, fs::perm_options::add);
  opened = ObjectStore::open(dir.store(), {}, OpenMode::Existing);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message.find((dir.store() / "runs").string()), std::string::npos)
      << opened.error().message;
}

// Each folder replaced by a link to a folder outside the store: refused, nothing written there.
TEST(StoreSafetyTest, NoLinkInsideTheStoreIsFollowed) {
  for (const std::string folder : {"objects", "tmp", "results", "objects/ab"}) {
    ScratchDir dir;
    Digest digest;
    std::string bytes;
    // Bytes whose digest falls in objects/ab/, so that the fan-out folder is the one linked.
    for (int i = 0;; ++i) {
      bytes = "object " + std::to_string(i);
      digest = Sha256::of(bytes);
      if (digest.hex().rfind("ab", 0) == 0) break;
    }
    {
      ObjectStore store = open_store(dir.store());
      ASSERT_TRUE(store.put("something else").ok());
    }
    const fs::path outside = dir.path("outside");
    fs::create_directories(outside);
    fs::remove_all(dir.store() / folder);
    fs::create_directories((dir.store() / folder).parent_path());
    fs::create_directory_symlink(outside, dir.store() / folder);

    auto opened = ObjectStore::open(dir.store());
    if (opened.ok()) {
      // Only objects/ab/ gets this far: the link is found when it is used.
      EXPECT_EQ(folder, "objects/ab");
      auto put = opened.value().put(bytes);
      ASSERT_FALSE(put.ok()) << folder;
      EXPECT_NE(put.error().message.find("symbolic link"), std::string::npos) << put.error().message;
      EXPECT_FALSE(opened.value().contains(digest));
      EXPECT_FALSE(opened.value().get(digest).ok());
    } else {
      EXPECT_NE(opened.error().message.find((dir.store() / folder).string()), std::string::npos)
          << opened.error().message;
      EXPECT_NE(opened.error().message.find("symbolic link"), std::string::npos) << opened.error().message;
    }
    EXPECT_FALSE(has_files_under(outside)) << folder << ": something was written outside the store";
  }
}

TEST(StoreSafetyTest, AStoreReachedThroughALinkIsTheUsersChoice) {
  ScratchDir dir;
  { ObjectStore store = open_store(dir.store()); }
  fs::create_directory_symlink(dir.store(), dir.path("linked-store"));
  ObjectStore store = open_store(dir.path("linked-store"));
  EXPECT_TRUE(store.put("fine").ok());
  EXPECT_TRUE(store.write_text("runs/r.toml", "fine\n").ok());
}

TEST(StoreSafetyTest, OpeningToReadCreatesNothing) {
  ScratchDir dir;
  auto opened = ObjectStore::open(dir.store(), {}, OpenMode::Existing);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().kind, StoreError::Kind::NotFound);
  EXPECT_NE(opened.error().message.find(dir.store().string()), std::string::npos) << opened.error().message;
  EXPECT_FALSE(fs::exists(dir.store()));

  fs::create_directory(dir.store());
  opened = ObjectStore::open(dir.store(), {}, OpenMode::Existing);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_TRUE(opened.value().list_text("runs").ok());
  EXPECT_TRUE(fs::is_empty(dir.store()));
}

TEST(StoreSafetyTest, PutReportsTheCorruptCopyItReplaces) {
  ScratchDir dir;
  std::vector<StoreError> reported;
  StoreOptions options;
  options.replaced_corrupt = [&](const StoreError& error) { reported.push_back(error); };
  ObjectStore store = open_store(dir.store(), options);
  auto digest = store.put("the bytes");
  ASSERT_TRUE(digest.ok());
  const fs::path path = store.object_path(digest.value());
  fs::permissions(path, fs::perms::owner_write, fs::perm_options::add);
  write_file(path, "overwritten");
  ASSERT_TRUE(store.put("the bytes").ok());
  ASSERT_EQ(reported.size(), 1u);
  EXPECT_NE(reported[0].message.find(digest.value().hex()), std::string::npos) << reported[0].message;
  EXPECT_NE(reported[0].message.find("quarantine"), std::string::npos) << reported[0].message;
  EXPECT_EQ(store.get(digest.value()).value(), "the bytes");
}

}  // namespace
}  // namespace mlf::runtime
