// Kernels are linked into shared objects in memory (runtime/fuse/llvm/shared_object_writer.h):
// with no `ld` on the PATH, a chain of crop, affine and cutout (code that may call memset
// from the C library) still compiles, loads and gives the interpreter's bytes.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "tests/unit/fuse_fixture.h"
#include "tests/unit/scratch_dir.h"

namespace mlf {
namespace {

using namespace fuse_test;

// PATH set to an empty folder for the life of the object, so no linker can be found.
class NoLinkerOnPath {
 public:
  explicit NoLinkerOnPath(const std::string& empty) {
    if (const char* path = std::getenv("PATH")) saved_ = path;
    setenv("PATH", empty.c_str(), 1);
  }
  ~NoLinkerOnPath() { setenv("PATH", saved_.c_str(), 1); }

 private:
  std::string saved_;
};

TEST(FuseLink, KernelsNeedNoLinkerProgram) {
  if (const char* ld = std::getenv("MLF_LD"); ld && *ld) GTEST_SKIP() << "MLF_LD asks for a linker";
  test_support::ScratchDir dir;
  dir.make_directory("empty");
  // Constants of their own (0.4375, 3/7) make these kernels new to the process.
  const std::vector<PlanStep> chain = {
      step("to_float", {{"scale", num(1.0 / 255)}}),
      step("random_crop", {{"size", list({integer(9), integer(9)})}, {"padding", integer(3)}}, "c"),
      step("random_affine", {{"degrees", num(12)}, {"translate", num(0.4375)}}, "a"),
      step("cutout", {{"size", integer(3)}, {"p", num(3.0 / 7)}}, "k")};
  const Dataset in = dataset(DType::U8, {2, 9, 9}, 6, 3);
  Dataset fused_out;
  {
    NoLinkerOnPath no_linker(dir.path("empty"));
    fused_out = fused(chain, in, 2, 2);
  }
  EXPECT_TRUE(same_bytes(fused_out, interpreted(chain, in, 2)));
}

}  // namespace
}  // namespace mlf
