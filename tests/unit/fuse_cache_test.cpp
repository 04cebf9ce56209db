// The kernel cache: a compiled kernel goes to the store under its hash, and a later process
// loads it from there without mapping LLVM (checked in a child process's /proc/self/maps).

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "runtime/fuse/fuse_backend_loader.h"
#include "runtime/fuse/kernel_cache.h"
#include "tests/unit/fuse_fixture.h"
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

}  // namespace
}  // namespace mlf
