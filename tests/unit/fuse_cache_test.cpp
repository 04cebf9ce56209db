// The kernel cache: a compiled kernel goes to the store under its hash, and a later process
// loads it from there without mapping LLVM (checked in a child process's /proc/self/maps).
// The store runs no code this user's mlf did not compile: a record that does not
// authenticate under the user's kernel key is refused, and the kernel compiled again.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include "runtime/fuse/fuse_backend_loader.h"
#include "runtime/fuse/kernel_cache.h"
#include "runtime/fuse/kernel_record.h"
#include "tests/unit/fuse_fixture.h"
#include "tests/unit/kernel_key_guard.h"
#include "tests/unit/scratch_dir.h"

namespace mlf {
namespace {

using namespace fuse_test;

// A chain with a constant of its own (a 32-bit tag) so its kernel is new to the store.
std::vector<PlanStep> chain_tagged(std::uint32_t tag) {
  return {step("to_float", {{"scale", num(1.0 / 255)}}), step("random_hflip", {}, "h"),
          step("normalize", {{"mean", num(0.25)}, {"std", num(1.0 + tag * 1e-6)}}),
          step("clamp", {{"min", num(-2)}, {"max", num(2)}})};
}

bool maps_llvm() {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line))
    if (line.find("LLVM") != std::string::npos || line.find("llvm") != std::string::npos) return true;
  return false;
}

TEST(FuseCache, SecondCompileLoadsFromTheStore) {
  test_support::ScratchDir dir;
  test_support::KernelKeyGuard key(dir.path("state"));
  auto store = runtime::ObjectStore::open(dir.store());
  ASSERT_TRUE(store.ok());
  const auto chain = chain_tagged(static_cast<std::uint32_t>(getpid()));
  Dataset in = dataset(DType::U8, {1, 4, 9}, 3, 1);
  auto first = runtime::compile_fused(chain, in, &store.value());
  ASSERT_TRUE(ok(first)) << error(first).message;
  EXPECT_EQ(value(first)->kernel.from, runtime::LoadedKernel::From::Compiled);
  auto again = runtime::compile_fused(chain, in, &store.value());
  ASSERT_TRUE(ok(again));
  EXPECT_EQ(value(again)->kernel.from, runtime::LoadedKernel::From::Memory);
  runtime::forget_loaded_kernels();
  auto warm = runtime::compile_fused(chain, in, &store.value());
  ASSERT_TRUE(ok(warm)) << error(warm).message;
  EXPECT_EQ(value(warm)->kernel.from, runtime::LoadedKernel::From::Store);
  EXPECT_EQ(value(warm)->kernel.hash, value(first)->kernel.hash);
  EXPECT_TRUE(same_bytes(value(runtime::run_fused(*value(warm), in, 1, 1)), interpreted(chain, in, 1)));
  // Another shape is another kernel.
  Dataset wider = dataset(DType::U8, {1, 4, 10}, 3, 1);
  auto other = runtime::compile_fused(chain, wider, &store.value());
  ASSERT_TRUE(ok(other));
  EXPECT_NE(value(other)->kernel.hash, value(first)->kernel.hash);
}

// Run by CachedKernelLoadsWithoutLlvm in a child process (skipped otherwise): loads the
// kernel from the store named by MLF_FUSE_TEST_STORE and reports what it mapped.
TEST(FuseCacheChild, LoadFromStore) {
  const char* root = std::getenv("MLF_FUSE_TEST_STORE");
  if (!root) GTEST_SKIP() << "run by FuseCache.CachedKernelLoadsWithoutLlvm";
  auto store = runtime::ObjectStore::open(root);
  ASSERT_TRUE(store.ok());
  const auto chain = chain_tagged(static_cast<std::uint32_t>(std::atoi(std::getenv("MLF_FUSE_TEST_TAG"))));
  Dataset in = dataset(DType::U8, {1, 4, 9}, 3, 1);
  auto warm = runtime::compile_fused(chain, in, &store.value());
  ASSERT_TRUE(ok(warm)) << error(warm).message;
  EXPECT_EQ(value(warm)->kernel.from, runtime::LoadedKernel::From::Store);
  EXPECT_TRUE(same_bytes(value(runtime::run_fused(*value(warm), in, 1, 2)), interpreted(chain, in, 1)));
  EXPECT_FALSE(runtime::kernel_compiler_loaded());
  EXPECT_FALSE(maps_llvm()) << "the warm load mapped LLVM";
}

TEST(FuseCache, CachedKernelLoadsWithoutLlvm) {
  test_support::ScratchDir dir;
  test_support::KernelKeyGuard key(dir.path("state"));  // the child inherits XDG_STATE_HOME
  const auto tag = static_cast<std::uint32_t>(getpid()) + 7;
  {
    auto store = runtime::ObjectStore::open(dir.store());
    ASSERT_TRUE(store.ok());
    auto cold = runtime::compile_fused(chain_tagged(tag), dataset(DType::U8, {1, 4, 9}, 3, 1), &store.value());
    ASSERT_TRUE(ok(cold)) << error(cold).message;
  }
  std::string exe(4096, '\0');
  const ssize_t n = readlink("/proc/self/exe", exe.data(), exe.size());
  ASSERT_GT(n, 0);
  exe.resize(static_cast<std::size_t>(n));
  const std::string command = "MLF_FUSE_TEST_STORE='" + dir.store().string() + "' MLF_FUSE_TEST_TAG=" +
                              std::to_string(tag) + " '" + exe +
                              "' --gtest_filter=FuseCacheChild.LoadFromStore 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[4096];
  std::size_t got;
  while ((got = fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, got);
  const int status = pclose(pipe);
  EXPECT_EQ(status, 0) << output;
  EXPECT_NE(output.find("[  PASSED  ] 1 test"), std::string::npos) << output;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// Two kernels in one store: `victim`'s record is the one tampered with, `other`'s object
// (a real, loadable kernel of another chain with the same interface) is what gets planted.
struct TwoKernels {
  std::vector<PlanStep> victim_chain, other_chain;
  Dataset in = dataset(DType::U8, {1, 4, 9}, 3, 1);
  runtime::LoadedKernel victim, other;
  std::filesystem::path victim_record;
  Digest victim_object, other_object;
};

TwoKernels compile_two(runtime::ObjectStore& store, std::uint32_t tag) {
  TwoKernels k;
  k.victim_chain = chain_tagged(tag);
  k.other_chain = chain_tagged(tag + 1000);
  auto victim = runtime::compile_fused(k.victim_chain, k.in, &store);
  auto other = runtime::compile_fused(k.other_chain, k.in, &store);
  EXPECT_TRUE(ok(victim) && ok(other));
  if (!ok(victim) || !ok(other)) return k;
  k.victim = value(victim)->kernel;
  k.other = value(other)->kernel;
  k.victim_record = store.root() / runtime::kernel_record_name(k.victim.hash);
  std::string problem;
  auto victim_record = runtime::parse_kernel_record(read_file(k.victim_record), problem);
  auto other_record = runtime::parse_kernel_record(
      read_file(store.root() / runtime::kernel_record_name(k.other.hash)), problem);
  EXPECT_TRUE(victim_record && other_record) << problem;
  if (victim_record) k.victim_object = victim_record->object;
  if (other_record) k.other_object = other_record->object;
  return k;
}

// The victim, looked up again in a process that has forgotten its kernels: refused with
// `why`, compiled again, and correct; the record written again, so the next lookup loads it.
void expect_refused_then_recompiled(runtime::ObjectStore& store, const TwoKernels& k, const std::string& why) {
  runtime::forget_loaded_kernels();
  auto again = runtime::compile_fused(k.victim_chain, k.in, &store);
  ASSERT_TRUE(ok(again)) << error(again).message;
  const runtime::LoadedKernel& kernel = value(again)->kernel;
  EXPECT_EQ(kernel.from, runtime::LoadedKernel::From::Compiled);
  EXPECT_NE(kernel.refused.find("kernel record kernels/" + k.victim.hash.hex()), std::string::npos) << kernel.refused;
  EXPECT_NE(kernel.refused.find(why), std::string::npos) << kernel.refused;
  EXPECT_TRUE(same_bytes(value(runtime::run_fused(*value(again), k.in, 1, 1)), interpreted(k.victim_chain, k.in, 1)));
  for (const auto& line : runtime::check_kernel_records(store).refused)
    EXPECT_EQ(line.find(k.victim.hash.hex()), std::string::npos) << "the refused record was not replaced: " << line;
  runtime::forget_loaded_kernels();
  auto warm = runtime::compile_fused(k.victim_chain, k.in, &store);
  ASSERT_TRUE(ok(warm));
  EXPECT_EQ(value(warm)->kernel.from, runtime::LoadedKernel::From::Store);
  EXPECT_TRUE(value(warm)->kernel.refused.empty());
}

TEST(FuseCache, RecordRewrittenToNameAnotherObjectIsRefused) {
  test_support::ScratchDir dir;
  test_support::KernelKeyGuard key(dir.path("state"));
  auto store = runtime::ObjectStore::open(dir.store());
  ASSERT_TRUE(store.ok());
  const TwoKernels k = compile_two(store.value(), static_cast<std::uint32_t>(getpid()) + 11);
  ASSERT_NE(k.victim_object, k.other_object);
  // Through the store, so that the seal is right and only the record's MAC can catch it.
  const std::string name = runtime::kernel_record_name(k.victim.hash);
  auto text = store.value().read_text(name);
  ASSERT_TRUE(text.ok());
  ASSERT_TRUE(store.value().write_text(name, replaced(text.value(), k.victim_object.hex(), k.other_object.hex())).ok());
  const auto check = runtime::check_kernel_records(store.value());
  EXPECT_EQ(check.records_checked, 2u);
  ASSERT_EQ(check.refused.size(), 1u);
  EXPECT_NE(check.refused[0].find(k.victim.hash.hex()), std::string::npos) << check.refused[0];
  expect_refused_then_recompiled(store.value(), k, "does not authenticate");
}

// The reproducer: an object put in the store under its own SHA-256 and a record naming it,
// as anyone who can write the store could; before kernel records were signed, the next
// lookup loaded and ran it.
TEST(FuseCache, PlantedObjectWithAnUnsignedRecordIsRefused) {
  test_support::ScratchDir dir;
  test_support::KernelKeyGuard key(dir.path("state"));
  auto store = runtime::ObjectStore::open(dir.store());
  ASSERT_TRUE(store.ok());
  const TwoKernels k = compile_two(store.value(), static_cast<std::uint32_t>(getpid()) + 13);
  ASSERT_TRUE(store.value().write_text(runtime::kernel_record_name(k.victim.hash), k.other_object.hex() + "\n").ok());
  EXPECT_EQ(runtime::check_kernel_records(store.value()).refused.size(), 1u);
  expect_refused_then_recompiled(store.value(), k, "is not a kernel record");
}

// A record that authenticates, but under another user's key: a store copied from elsewhere.
TEST(FuseCache, RecordSignedWithAnotherKeyIsRefused) {
  test_support::ScratchDir dir;
  test_support::KernelKeyGuard key(dir.path("their-state"));
  auto store = runtime::ObjectStore::open(dir.store());
  ASSERT_TRUE(store.ok());
  const TwoKernels k = compile_two(store.value(), static_cast<std::uint32_t>(getpid()) + 17);
  key.use(dir.path("my-state"));
  const auto check = runtime::check_kernel_records(store.value());
  ASSERT_EQ(check.refused.size(), 2u);
  EXPECT_NE(check.refused[0].find("another kernel key"), std::string::npos) << check.refused[0];
  expect_refused_then_recompiled(store.value(), k, "was signed with another kernel key");
}

// A record signed with the right key, copied over another kernel's record.
TEST(FuseCache, AuthenticRecordOfAnotherKernelIsRefused) {
  test_support::ScratchDir dir;
  test_support::KernelKeyGuard key(dir.path("state"));
  auto store = runtime::ObjectStore::open(dir.store());
  ASSERT_TRUE(store.ok());
  const TwoKernels k = compile_two(store.value(), static_cast<std::uint32_t>(getpid()) + 19);
  write_file(k.victim_record, read_file(dir.store() / runtime::kernel_record_name(k.other.hash)));
  EXPECT_EQ(runtime::check_kernel_records(store.value()).refused.size(), 1u);
  expect_refused_then_recompiled(store.value(), k, "authenticates but its `kernel` is not this kernel's");
}

TEST(FuseCache, WithoutAUsableKeyKernelsAreCompiledButNotCached) {
  test_support::ScratchDir dir;
  dir.make_directory("state/mlf");
  ASSERT_EQ(::chmod(dir.path("state/mlf").c_str(), 0777), 0);
  test_support::KernelKeyGuard key(dir.path("state"));
  auto store = runtime::ObjectStore::open(dir.store());
  ASSERT_TRUE(store.ok());
  const auto chain = chain_tagged(static_cast<std::uint32_t>(getpid()) + 23);
  Dataset in = dataset(DType::U8, {1, 4, 9}, 3, 1);
  auto first = runtime::compile_fused(chain, in, &store.value());
  ASSERT_TRUE(ok(first)) << error(first).message;
  EXPECT_EQ(value(first)->kernel.from, runtime::LoadedKernel::From::Compiled);
  EXPECT_NE(value(first)->kernel.not_cached.find("writable by other users"), std::string::npos)
      << value(first)->kernel.not_cached;
  EXPECT_TRUE(same_bytes(value(runtime::run_fused(*value(first), in, 1, 1)), interpreted(chain, in, 1)));
  EXPECT_FALSE(std::filesystem::exists(dir.store() / runtime::kernel_record_name(value(first)->kernel.hash)));
}

}  // namespace
}  // namespace mlf
