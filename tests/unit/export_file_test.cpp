// Writing exports (runtime/exec/export_file.h): atomically, never through a symbolic link,
// with modes that do not depend on the umask; directly, and through `mlf run` end to end
// (the latter needs the LibTorch backend beside the binary).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "runtime/exec/export_file.h"
#include "tests/unit/cli_runner.h"
#include "tests/unit/scratch_dir.h"

namespace mlf::runtime {
namespace {

namespace fs = std::filesystem;
using test_support::ScratchDir;

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

mode_t mode_of(const std::string& path) {
  struct stat info {};
  EXPECT_EQ(::lstat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

std::vector<std::string> names_in(const std::string& folder) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// Sets the umask for one test and restores it.
class Umask {
 public:
  explicit Umask(mode_t mask) : previous_(::umask(mask)) {}
  ~Umask() { ::umask(previous_); }

 private:
  mode_t previous_;
};

TEST(ExportFile, WritesTheWholeFileAndLeavesNoTempFile) {
  ScratchDir dir;
  dir.write("out/score.toml", "old contents, longer than the new ones\n");
  std::string error;
  ASSERT_TRUE(write_export(dir.path("out/score.toml"), "accuracy = 1\n", error)) << error;
  EXPECT_EQ(read(dir.path("out/score.toml")), "accuracy = 1\n");
  EXPECT_EQ(names_in(dir.path("out")), std::vector<std::string>{"score.toml"});
}

TEST(ExportFile, RefusesASymbolicLinkAndLeavesItsTargetUnchanged) {
  ScratchDir dir;
  std::string victim = dir.write("home/victim", "precious\n");
  dir.make_directory("project/out");
  fs::create_symlink(victim, dir.path("project/out/model.pt"));
  std::string error;
  EXPECT_FALSE(write_export(dir.path("project/out/model.pt"), "weights", error));
  EXPECT_NE(error.find("`" + dir.path("project/out/model.pt") + "` is a symbolic link"), std::string::npos) << error;
  EXPECT_EQ(read(victim), "precious\n");
  EXPECT_TRUE(fs::is_symlink(dir.path("project/out/model.pt")));
  EXPECT_EQ(names_in(dir.path("project/out")), std::vector<std::string>{"model.pt"});  // no temp file
}

TEST(ExportFile, RefusesALinkPutInPlaceWhileTheFileWasWritten) {
  ScratchDir dir;
  std::string victim = dir.write("home/victim", "precious\n");
  std::string error;
  std::optional<ExportFile> file = ExportFile::open(dir.path("out/model.pt"), error);
  ASSERT_TRUE(file) << error;
  ASSERT_TRUE(file->write("weights", error)) << error;
  fs::create_symlink(victim, dir.path("out/model.pt"));
  EXPECT_FALSE(file->commit(error));
  EXPECT_NE(error.find("is a symbolic link"), std::string::npos) << error;
  file.reset();
  EXPECT_EQ(read(victim), "precious\n");
  EXPECT_EQ(names_in(dir.path("out")), std::vector<std::string>{"model.pt"});
}

TEST(ExportFile, ModesDoNotDependOnTheUmask) {
  for (mode_t mask : {mode_t(0000), mode_t(0077)}) {
    ScratchDir dir;
    Umask umask(mask);
    std::string error;
    ASSERT_TRUE(write_export(dir.path("out/deeper/score.toml"), "accuracy = 1\n", error)) << error;
    EXPECT_EQ(mode_of(dir.path("out")), 0755u) << "umask " << mask;
    EXPECT_EQ(mode_of(dir.path("out/deeper")), 0755u) << "umask " << mask;
    EXPECT_EQ(mode_of(dir.path("out/deeper/score.toml")), 0644u) << "umask " << mask;
  }
}

TEST(ExportFile, LeavesTheModeOfAnExistingFolderAlone) {
  ScratchDir dir;
  dir.make_directory("shared");
  fs::permissions(dir.path("shared"), fs::perms(0770));
  std::string error;
  ASSERT_TRUE(write_export(dir.path("shared/score.toml"), "x\n", error)) << error;
  EXPECT_EQ(mode_of(dir.path("shared")), 0770u);
}

// The task's reproducers through `mlf run`: a link at the export's place, and umask 000.
class ExportRun : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test_support::training_backend_built()) GTEST_SKIP() << "the LibTorch backend is not built";
    std::string csv = "a,b,label\n";
    for (int i = 0; i < 40; ++i) csv += i % 2 ? "1.5,-1,yes\n" : "-1.5,1,no\n";
    dir_.write("project/points.csv", csv);
    dir_.write("project/points.mlflow",
               "seed 3\ndataset d = csv(\"points.csv\", label: \"label\")\n"
               "model m = sequential [ linear(out: 2) ]\n"
               "stage fit = train(m, data: d, loss: cross_entropy, optimizer: adam(), epochs: 1)\n"
               "stage score = evaluate(fit, data: d, metrics: [accuracy])\n"
               "export fit to \"out/model.pt\"\nexport score to \"out/score.toml\"\n");
  }
  test_support::CliOutput run(const std::string& prefix = "") {
    return test_support::run_command(prefix + "cd " + dir_.path("project") + " && " + test_support::mlf_binary() +
                                     " run --threads 1 points.mlflow");
  }
  ScratchDir dir_;
};

TEST_F(ExportRun, ALinkInTheExportsPlaceIsRefusedAndItsTargetKept) {
  std::string victim = dir_.write("home/victim", "precious\n");
  dir_.make_directory("project/out");
  fs::create_symlink(victim, dir_.path("project/out/model.pt"));
  test_support::CliOutput out = run();
  EXPECT_EQ(out.exit_code, 1) << out.text;
  EXPECT_NE(out.text.find("out/model.pt` is a symbolic link"), std::string::npos) << out.text;
  EXPECT_EQ(read(victim), "precious\n");
  EXPECT_TRUE(fs::is_symlink(dir_.path("project/out/model.pt")));
}

TEST_F(ExportRun, ExportModesDoNotDependOnTheUmask) {
  test_support::CliOutput out = run("umask 000 && ");
  ASSERT_EQ(out.exit_code, 0) << out.text;
  EXPECT_EQ(mode_of(dir_.path("project/out")), 0755u);
  EXPECT_EQ(mode_of(dir_.path("project/out/model.pt")), 0644u);
  EXPECT_EQ(mode_of(dir_.path("project/out/score.toml")), 0644u);
}

}  // namespace
}  // namespace mlf::runtime
