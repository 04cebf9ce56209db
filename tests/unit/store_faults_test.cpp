// The store under faults: flipped and truncated objects, hostile zstd frames, a full disk at
// every step of a write, and concurrent writers (threads and processes) on one store.
#include "tests/unit/scratch_dir.h"
#include "runtime/store/object_store.h"
#include "runtime/store/store_maintenance.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>
#include <string>
#include <thread>
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

// Object `i` of the concurrency tests: sizes from 1 byte to ~200 KB, half compressible.
std::string numbered_object(int i) {
  std::size_t size = static_cast<std::size_t>(i) * 7919 % 200000 + 1;
  if (i % 2) return random_bytes(size, static_cast<std::uint64_t>(i));
  std::string text = "object " + std::to_string(i) + ": ";
  while (text.size() < size) text += "the same words again and again ";
  text.resize(size);
  return text;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Replaces whatever is at `path` (objects are read-only files) with `bytes`.
void write_file(const fs::path& path, std::string_view bytes) {
  fs::create_directories(path.parent_path());
  std::error_code ec;
  fs::remove(path, ec);
  std::ofstream(path, std::ios::binary) << bytes;
}

std::size_t regular_files_under(const fs::path& dir) {
  std::size_t count = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file()) ++count;
  return count;
}

// A frame header declaring `content_size` bytes (8-byte field, 2 MiB window), then `tail`.
std::string frame_declaring(std::uint64_t content_size, std::string_view tail) {
  std::string frame = {'\x28', '\xb5', '\x2f', '\xfd', '\xc0', '\x58'};
  for (int i = 0; i < 8; ++i) frame += static_cast<char>(content_size >> (8 * i));
  frame += tail;
  return frame;
}

// --- Corrupt objects.

TEST(StoreFaultsTest, FlippedByteIsDetectedQuarantinedAndRepairedByPut) {
  ScratchDir dir;
  ObjectStore store = open_store(dir.store());
  std::string bytes = random_bytes(50000, 1);
  Digest digest = store.put(bytes).value();
  fs::path path = store.object_path(digest);
  std::string file = read_file(path);
  file[file.size() / 2] ^= 0x10;
  write_file(path, file);

  auto got = store.get(digest);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().kind, StoreError::Kind::Corrupt);
  EXPECT_NE(got.error().message.find("object `" + digest.hex() + "` is corrupt"), std::string::npos)
      << got.error().message;
  EXPECT_NE(got.error().message.find("quarantine"), std::string::npos) << got.error().message;
  EXPECT_EQ(got.error().path, path.string());
  EXPECT_FALSE(store.contains(digest));  // so its producer runs again
  ASSERT_EQ(regular_files_under(store.quarantine_dir()), 1u);
  auto quarantined = fs::directory_iterator(store.quarantine_dir())->path();
  EXPECT_EQ(quarantined.filename().string().rfind(digest.hex() + ".", 0), 0u) << quarantined;
  EXPECT_EQ(read_file(quarantined), file);

  ASSERT_TRUE(store.put(bytes).ok());
  auto repaired = store.get(digest);
  ASSERT_TRUE(repaired.ok()) << repaired.error().message;
  EXPECT_EQ(repaired.value(), bytes);
}

TEST(StoreFaultsTest, PutOverACorruptObjectReplacesIt) {
  ScratchDir dir;
  ObjectStore store = open_store(dir.store());
  Digest digest = store.put("model weights").value();
  fs::path path = store.object_path(digest);
  std::string file = read_file(path);
  file[file.size() - 1] ^= 0x01;  // zstd's checksum
  write_file(path, file);
  ASSERT_TRUE(store.put("model weights").ok());  // re-verifies, finds it bad, writes it again
  EXPECT_EQ(regular_files_under(store.quarantine_dir()), 1u);
  EXPECT_EQ(store.get(digest).value(), "model weights");
}

// Whatever byte is changed and however, get() returns the original bytes or Corrupt — never
// other bytes, never a crash.
TEST(StoreFaultsTest, EveryFlippedByteYieldsTheTruthOrCorrupt) {
  ScratchDir dir;
  ObjectStore store = open_store(dir.store());
  std::string bytes;
  for (int i = 0; i < 40; ++i) bytes += "row " + std::to_string(i * i) + ", ";
  Digest digest = store.put(bytes).value();
  fs::path path = store.object_path(digest);
  const std::string original = read_file(path);
  int corrupt = 0;
  for (std::size_t offset = 0; offset < original.size(); ++offset) {
    for (unsigned char mask : {0x01, 0x80, 0xff}) {
      std::string mutated = original;
      mutated[offset] = static_cast<char>(mutated[offset] ^ mask);
      write_file(path, mutated);
      auto got = store.get(digest);
      if (got.ok()) {
        EXPECT_EQ(got.value(), bytes) << "offset " << offset;
      } else {
        EXPECT_EQ(got.error().kind, StoreError::Kind::Corrupt) << got.error().message;
        EXPECT_FALSE(store.contains(digest));
        ++corrupt;
      }
    }
  }
  EXPECT_GT(corrupt, static_cast<int>(original.size()) * 2);
}

TEST(StoreFaultsTest, TruncatedObjectIsCorrupt) {
  ScratchDir dir;
  ObjectStore store = open_store(dir.store());
  std::string bytes = random_bytes(300000, 2);  // several zstd blocks
  Digest digest = store.put(bytes).value();
  fs::path path = store.object_path(digest);
  const std::string original = read_file(path);
  for (std::size_t length : {std::size_t{0}, std::size_t{1}, std::size_t{4}, std::size_t{9},
                             original.size() / 2, original.size() - 4, original.size() - 1}) {
    write_file(path, original.substr(0, length));
    auto got = store.get(digest);
    ASSERT_FALSE(got.ok()) << length;
    EXPECT_EQ(got.error().kind, StoreError::Kind::Corrupt) << got.error().message;
    EXPECT_FALSE(store.contains(digest));
  }
  write_file(path, original.substr(0, original.size() / 2));
  auto got = store.get(digest);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.error().message.find("is truncated"), std::string::npos) << got.error().message;
}

TEST(StoreFaultsTest, BytesAfterTheFrameAreCorrupt) {
  ScratchDir dir;
  ObjectStore store = open_store(dir.store());
  Digest digest = store.put("payload").value();
  fs::path path = store.object_path(digest);
  const std::string original = read_file(path);
  for (const std::string& tail : {std::string("x"), original}) {  // junk, or a second frame
    write_file(path, original + tail);
    auto got = store.get(digest);
    ASSERT_FALSE(got.ok());
    EXPECT_NE(got.error().message.find("has bytes after its zstd frame"), std::string::npos)
        << got.error().message;
  }
}

TEST(StoreFaultsTest, AnotherObjectsFrameUnderThisNameIsCorrupt) {
  ScratchDir dir;
  ObjectStore store = open_store(dir.store());
  Digest a = store.put("bytes of a").value();
  Digest b = store.put("bytes of b").value();
  write_file(store.object_path(a), read_file(store.object_path(b)));
  auto got = store.get(a);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().kind, StoreError::Kind::Corrupt);
  EXPECT_NE(got.error().message.find("its content hashes to `" + b.hex() + "`"), std::string::npos)
      << got.error().message;
}

// --- Hostile frames.

TEST(StoreFaultsTest, RandomBytesBehindAValidMagicAreRefused) {
  ScratchDir dir;
  ObjectStore store = open_store(dir.store());
  std::mt19937_64 random(42);
  for (int i = 0; i < 300; ++i) {
    Digest digest = Sha256::of("hostile " + std::to_string(i));
    std::string frame = "\x28\xb5\x2f\xfd" + random_bytes(random() % 3000, random());
    write_file(store.object_path(digest), frame);
    auto got = store.get(digest);
    ASSERT_FALSE(got.ok()) << i;
    EXPECT_EQ(got.error().kind, StoreError::Kind::Corrupt) << got.error().message;
  }
  EXPECT_EQ(regular_files_under(store.objects_dir()), 0u);
  EXPECT_EQ(regular_files_under(store.quarantine_dir()), 300u);
}

TEST(StoreFaultsTest, FrameDeclaringATerabyteIsRefusedBeforeDecoding) {
  ScratchDir dir;
  ObjectStore store = open_store(dir.store());
  Digest digest = Sha256::of("a terabyte");
  write_file(store.object_path(digest), frame_declaring(std::uint64_t{1} << 40, random_bytes(64, 3)));
  auto got = store.get(digest);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().kind, StoreError::Kind::Corrupt);
  EXPECT_NE(got.error().message.find("declares 1099511627776 bytes of content, more than the limit of 4294967296"),
            std::string::npos)
      << got.error().message;
}

TEST(StoreFaultsTest, FrameWithoutADeclaredSizeIsRefused) {
  ScratchDir dir;
  ObjectStore store = open_store(dir.store());
  std::string bytes = "content of unknown size";
  ZSTD_CCtx* context = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(context, ZSTD_c_contentSizeFlag, 0);
  std::string frame(ZSTD_compressBound(bytes.size()) + 64, '\0');
  ZSTD_inBuffer in{bytes.data(), bytes.size(), 0};
  ZSTD_outBuffer out{frame.data(), frame.size(), 0};
  ASSERT_EQ(ZSTD_compressStream2(context, &out, &in, ZSTD_e_end), 0u);
  ZSTD_freeCCtx(context);
  frame.resize(out.pos);
  ASSERT_EQ(ZSTD_getFrameContentSize(frame.data(), frame.size()), ZSTD_CONTENTSIZE_UNKNOWN);
  Digest digest = Sha256::of(bytes);
  write_file(store.object_path(digest), frame);
  auto got = store.get(digest);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.error().message.find("does not declare its content size"), std::string::npos)
      << got.error().message;
}

// A frame that declares 3 GiB — under the 4 GiB cap — but holds a few bytes must fail
// without the store ever reserving the 3 GiB: checked in a child whose address space is
// capped at what it already uses plus 512 MiB.
TEST(StoreFaultsTest, FrameDeclaringGigabytesIsNotAllocatedUpFront) {
  ScratchDir dir;
  ObjectStore store = open_store(dir.store());
  Digest digest = Sha256::of("three gigabytes");
  // A raw block announcing 100 bytes of which only 10 follow.
  std::string block = {'\x20', '\x03', '\x00'};
  block += "0123456789";
  write_file(store.object_path(digest), frame_declaring(std::uint64_t{3} << 30, block));

  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    long pages = 0;
    std::ifstream("/proc/self/statm") >> pages;
    rlim_t used = static_cast<rlim_t>(pages) * static_cast<rlim_t>(::sysconf(_SC_PAGESIZE));
    rlimit cap{used + (rlim_t{512} << 20), used + (rlim_t{512} << 20)};
    if (pages <= 0 || ::setrlimit(RLIMIT_AS, &cap) != 0) ::_exit(3);
    auto got = store.get(digest);
    if (got.ok()) ::_exit(1);
    ::_exit(got.error().kind == StoreError::Kind::Corrupt &&
                    got.error().message.find("is truncated") != std::string::npos
                ? 0
                : 2);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "the child died of signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

// --- A full disk.

struct FaultPlan {
  WriteStep step = WriteStep::Write;
  int errno_value = ENOSPC;
  int fail_at = -1;  // which occurrence of `step` fails; -1: none
  int seen = 0;
};

StoreOptions with_faults(FaultPlan& plan) {
  StoreOptions options;
  options.faults = [&plan](WriteStep step, const fs::path&) {
    if (step != plan.step) return 0;
    return plan.seen++ == plan.fail_at ? plan.errno_value : 0;
  };
  return options;
}

TEST(StoreFaultsTest, NoSpaceAtAnyStepLeavesNoPartialObject) {
  ScratchDir dir;
  FaultPlan plan;
  ObjectStore store = open_store(dir.store(), with_faults(plan));
  std::string bytes = random_bytes(1 << 20, 5);  // incompressible: several writes
  Digest digest = Sha256::of(bytes);
  for (WriteStep step : {WriteStep::Create, WriteStep::Write, WriteStep::Sync, WriteStep::Rename}) {
    plan = FaultPlan{step, ENOSPC, 0, 0};
    auto put = store.put(bytes);
    ASSERT_FALSE(put.ok()) << write_step_name(step);
    EXPECT_EQ(put.error().kind, StoreError::Kind::NoSpace) << put.error().message;
    EXPECT_NE(put.error().message.find("no space left on device"), std::string::npos) << put.error().message;
    EXPECT_EQ(regular_files_under(store.objects_dir()), 0u) << write_step_name(step);
    EXPECT_EQ(regular_files_under(store.temp_dir()), 0u) << write_step_name(step);
    EXPECT_FALSE(store.contains(digest));
  }
  plan = FaultPlan{};
  ASSERT_TRUE(store.put(bytes).ok());
  EXPECT_EQ(store.get(digest).value(), bytes);
}

TEST(StoreFaultsTest, NoSpaceAtEveryWriteOfALargeObjectLeavesNothing) {
  ScratchDir dir;
  FaultPlan plan;
  ObjectStore store = open_store(dir.store(), with_faults(plan));
  std::string bytes = random_bytes(1 << 20, 6);
  int writes = 0;
  {
    // Count the writes of a successful put in a scratch store.
    ScratchDir counting_dir;
    FaultPlan counting;
    ObjectStore counter = open_store(counting_dir.store(), with_faults(counting));
    ASSERT_TRUE(counter.put(bytes).ok());
    writes = counting.seen;
  }
  ASSERT_GT(writes, 2);
  for (int n = 0; n < writes; ++n) {
    plan = FaultPlan{WriteStep::Write, ENOSPC, n, 0};
    auto put = store.put(bytes);
    ASSERT_FALSE(put.ok()) << "write " << n;
    EXPECT_EQ(put.error().kind, StoreError::Kind::NoSpace);
    EXPECT_EQ(regular_files_under(store.objects_dir()), 0u) << "write " << n;
    EXPECT_EQ(regular_files_under(store.temp_dir()), 0u) << "write " << n;
  }
}

TEST(StoreFaultsTest, OtherWriteErrorsAreIo) {
  ScratchDir dir;
  FaultPlan plan{WriteStep::Write, EIO, 0, 0};
  ObjectStore store = open_store(dir.store(), with_faults(plan));
  auto put = store.put("anything");
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().kind, StoreError::Kind::Io);
  EXPECT_EQ(regular_files_under(store.temp_dir()), 0u);
}

// Only the final fsync of the folder failed: the object is complete and reads back.
TEST(StoreFaultsTest, FailedFolderSyncLeavesACompleteObject) {
  ScratchDir dir;
  FaultPlan plan{WriteStep::SyncDirectory, ENOSPC, 0, 0};
  ObjectStore store = open_store(dir.store(), with_faults(plan));
  auto put = store.put("complete");
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(regular_files_under(store.temp_dir()), 0u);
  EXPECT_EQ(store.get(Sha256::of("complete")).value(), "complete");
}

TEST(StoreFaultsTest, NoSpaceLeavesTheOldRecordWhole) {
  ScratchDir dir;
  FaultPlan plan;
  ObjectStore store = open_store(dir.store(), with_faults(plan));
  ASSERT_TRUE(store.write_text("runs/r1.toml", "status = \"started\"\n").ok());
  for (WriteStep step : {WriteStep::Create, WriteStep::Write, WriteStep::Sync, WriteStep::Rename}) {
    plan = FaultPlan{step, ENOSPC, 0, 0};
    auto written = store.write_text("runs/r1.toml", "status = \"done\"\n");
    ASSERT_FALSE(written.ok());
    EXPECT_EQ(written.error().kind, StoreError::Kind::NoSpace);
    plan = FaultPlan{};
    EXPECT_EQ(store.read_text("runs/r1.toml").value(), "status = \"started\"\n");
    plan = FaultPlan{step, ENOSPC, 0, 0};
    EXPECT_FALSE(store.write_text("runs/r2.toml", "new").ok());
    EXPECT_FALSE(fs::exists(store.root() / "runs" / "r2.toml"));
    EXPECT_EQ(regular_files_under(store.temp_dir()), 0u);
  }
}

// --- Concurrent writers.

TEST(StoreFaultsTest, ConcurrentThreadsLoseAndTearNothing) {
  ScratchDir dir;
  constexpr int kObjects = 90;
  std::vector<std::string> objects;
  std::vector<Digest> digests;
  for (int i = 0; i < kObjects; ++i) {
    objects.push_back(numbered_object(i));
    digests.push_back(Sha256::of(objects.back()));
  }
  ObjectStore shared = open_store(dir.store());
  std::atomic<int> failures{0};
  std::atomic<int> writers_left{4};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      // Threads 0 and 1 share one ObjectStore; 2 and 3 open their own.
      std::optional<ObjectStore> own;
      if (t >= 2) own.emplace(open_store(dir.store()));
      ObjectStore& store = own ? *own : shared;
      std::vector<int> order;
      for (int i = t * 15; i < t * 15 + 45; ++i) order.push_back(i);
      std::shuffle(order.begin(), order.end(), std::mt19937(t));
      for (int i : order) {
        auto put = store.put(objects[i]);
        if (!put.ok() || put.value() != digests[i]) ++failures;
      }
      --writers_left;
    });
  }
  // A reader racing the writers only ever sees a whole object or none.
  std::atomic<int> torn{0};
  threads.emplace_back([&] {
    ObjectStore store = open_store(dir.store());
    std::mt19937 random(99);
    while (writers_left > 0) {
      int i = static_cast<int>(random() % kObjects);
      auto got = store.get(digests[i]);
      if (got.ok() ? got.value() != objects[i] : got.error().kind != StoreError::Kind::NotFound) ++torn;
    }
  });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(torn, 0);
  for (int i = 0; i < kObjects; ++i) {
    auto got = shared.get(digests[i]);
    ASSERT_TRUE(got.ok()) << i << ": " << got.error().message;
    EXPECT_EQ(got.value(), objects[i]);
  }
  EXPECT_TRUE(verify(shared).clean());
  EXPECT_EQ(regular_files_under(shared.temp_dir()), 0u);
  EXPECT_EQ(regular_files_under(shared.quarantine_dir()), 0u);
}

TEST(StoreFaultsTest, ConcurrentProcessesLoseAndTearNothing) {
  ScratchDir dir;
  constexpr int kObjects = 80;
  std::vector<std::string> objects;
  for (int i = 0; i < kObjects; ++i) objects.push_back(numbered_object(1000 + i));
  ASSERT_TRUE(ObjectStore::open(dir.store()).ok());

  int start[2];
  ASSERT_EQ(::pipe(start), 0);
  std::vector<pid_t> children;
  for (int c = 0; c < 3; ++c) {
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(start[1]);
      char go = 0;
      if (::read(start[0], &go, 1) < 0) ::_exit(100);  // returns 0 when the parent closes it
      auto opened = ObjectStore::open(dir.store());
      if (!opened.ok()) ::_exit(101);
      ObjectStore& store = opened.value();
      int failures = 0;
      // Children 0 and 1 write the same objects in the same order, colliding on each;
      // child 2 writes them backwards.
      for (int k = 0; k < kObjects; ++k) {
        int i = c == 2 ? kObjects - 1 - k : k;
        auto put = store.put(objects[i]);
        if (!put.ok()) {
          ++failures;
          continue;
        }
        auto got = store.get(put.value());
        if (!got.ok() || got.value() != objects[i]) ++failures;
      }
      ::_exit(std::min(failures, 99));
    }
    children.push_back(child);
  }
  ::close(start[0]);
  ::close(start[1]);  // releases all children at once
  for (pid_t child : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  ObjectStore store = open_store(dir.store());
  for (int i = 0; i < kObjects; ++i) {
    auto got = store.get(Sha256::of(objects[i]));
    ASSERT_TRUE(got.ok()) << i << ": " << got.error().message;
    EXPECT_EQ(got.value(), objects[i]);
  }
  VerifyReport report = verify(store);
  EXPECT_TRUE(report.clean());
  EXPECT_EQ(report.objects_checked, static_cast<std::size_t>(kObjects));
  EXPECT_EQ(regular_files_under(store.temp_dir()), 0u);
  EXPECT_EQ(regular_files_under(store.quarantine_dir()), 0u);
}

}  // namespace
}  // namespace mlf::runtime
