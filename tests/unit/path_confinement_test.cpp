// Paths outside the project (docs/language.md, "Paths outside the project"): where a path
// leads (compiler/sema/path_confinement.h), and what `mlf check` says about exports, data
// files and imports that lead out of the project, end to end through the binary.
#include <gtest/gtest.h>

#include <filesystem>

#include "compiler/sema/path_confinement.h"
#include "tests/unit/cli_runner.h"
#include "tests/unit/scratch_dir.h"

namespace mlf {
namespace {

namespace fs = std::filesystem;
using test_support::CliOutput;
using test_support::ScratchDir;

TEST(PathConfinement, JudgesWhereAPathLeadsNotHowItIsWritten) {
  ScratchDir dir;
  dir.make_directory("project/data");
  dir.make_directory("elsewhere");
  fs::create_directory_symlink(dir.path("elsewhere"), dir.path("project/out"));
  PathConfinement confinement(dir.path("project"), {});
  EXPECT_TRUE(confinement.admits(dir.path("project/data/x.csv"), LastComponent::Resolve));
  EXPECT_TRUE(confinement.admits(dir.path("project/new/deeper/model.pt"), LastComponent::AsWritten));
  EXPECT_TRUE(confinement.admits(dir.path("project/data/../x.pt"), LastComponent::AsWritten));
  EXPECT_FALSE(confinement.admits(dir.path("project/../../evil.pt"), LastComponent::AsWritten));
  EXPECT_FALSE(confinement.admits(dir.path("project/data/../../evil.pt"), LastComponent::AsWritten));
  EXPECT_FALSE(confinement.admits("/evil.pt", LastComponent::AsWritten));
  EXPECT_FALSE(confinement.admits(dir.path("project-sibling/x.pt"), LastComponent::AsWritten));
  // A linked folder leads where it points.
  EXPECT_FALSE(confinement.admits(dir.path("project/out/model.pt"), LastComponent::AsWritten));
}

TEST(PathConfinement, ResolvesTheLastComponentOnlyWhenAskedTo) {
  ScratchDir dir;
  dir.write("outside/secret.txt", "x");
  dir.make_directory("project");
  fs::create_symlink(dir.path("outside/secret.txt"), dir.path("project/data.csv"));
  PathConfinement confinement(dir.path("project"), {});
  EXPECT_FALSE(confinement.admits(dir.path("project/data.csv"), LastComponent::Resolve));
  // A writer judges the folder; the link itself is the export writer's to refuse.
  EXPECT_TRUE(confinement.admits(dir.path("project/data.csv"), LastComponent::AsWritten));
}

TEST(PathConfinement, AdmitsAllowedFoldersAndProjectsReachedThroughALink) {
  ScratchDir dir;
  dir.make_directory("real/project");
  dir.make_directory("shared");
  fs::create_directory_symlink(dir.path("real/project"), dir.path("link"));
  PathConfinement through_link(dir.path("link"), {});
  EXPECT_TRUE(through_link.admits(dir.path("real/project/out/a.pt"), LastComponent::AsWritten));
  EXPECT_TRUE(through_link.admits(dir.path("link/out/a.pt"), LastComponent::AsWritten));
  EXPECT_FALSE(through_link.admits(dir.path("shared/a.pt"), LastComponent::AsWritten));
  PathConfinement allowed(dir.path("link"), {dir.path("real/project/../../shared")});
  EXPECT_TRUE(allowed.admits(dir.path("shared/sub/a.pt"), LastComponent::AsWritten));
  EXPECT_FALSE(allowed.admits(dir.path("sharedness/a.pt"), LastComponent::AsWritten));
}

// A project in `project/` of a scratch folder, with `outside/` beside it.
class OutsideProject : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write("project/points.csv", "a,b,species\n1,2,x\n3,4,y\n");
    dir_.make_directory("outside");
  }

  void pipeline(const std::string& data, const std::string& export_path, const std::string& extra = "") {
    dir_.write("project/main.mlflow",
               extra + "seed 1\ndataset d = csv(\"" + data + "\", label: \"species\")\n"
               "model m = sequential [ linear(out: 2) ]\n"
               "stage s = train(m, data: d, loss: cross_entropy, optimizer: adam(), epochs: 1)\n" +
                   (export_path.empty() ? "" : "export s to \"" + export_path + "\"\n"));
  }
  CliOutput check(const std::string& flags = "") {
    return test_support::run_command("cd " + dir_.path("project") + " && " + test_support::mlf_binary() +
                                     " check --color=never " + flags + " main.mlflow");
  }
  static bool has(const CliOutput& out, const std::string& text) { return out.text.find(text) != std::string::npos; }

  ScratchDir dir_;
};

TEST_F(OutsideProject, AnExportInsideIsAccepted) {
  pipeline("points.csv", "out/model.pt");
  CliOutput out = check();
  EXPECT_EQ(out.exit_code, 0) << out.text;
  EXPECT_FALSE(has(out, "MLF06")) << out.text;
}

TEST_F(OutsideProject, AnExportThroughDotDotIsAnError) {
  pipeline("points.csv", "../../evil.pt");
  CliOutput out = check();
  EXPECT_EQ(out.exit_code, 1) << out.text;
  EXPECT_TRUE(has(out, "error[MLF0601]")) << out.text;
  EXPECT_TRUE(has(out, "--allow-export-dir")) << out.text;
}

TEST_F(OutsideProject, AnExportToAnAbsolutePathOutsideIsAnError) {
  pipeline("points.csv", dir_.path("outside/model.pt"));
  CliOutput out = check();
  EXPECT_EQ(out.exit_code, 1) << out.text;
  EXPECT_TRUE(has(out, "error[MLF0601]")) << out.text;
}

TEST_F(OutsideProject, AnExportThroughALinkedFolderIsAnError) {
  fs::create_directory_symlink(dir_.path("outside"), dir_.path("project/out"));
  pipeline("points.csv", "out/model.pt");
  CliOutput out = check();
  EXPECT_EQ(out.exit_code, 1) << out.text;
  EXPECT_TRUE(has(out, "error[MLF0601]")) << out.text;
}

TEST_F(OutsideProject, AnAllowedFolderAcceptsTheExport) {
  pipeline("points.csv", "../outside/model.pt");
  CliOutput by_flag = check("--allow-export-dir " + dir_.path("outside"));
  EXPECT_EQ(by_flag.exit_code, 0) << by_flag.text;
  CliOutput relative_flag = check("--allow-export-dir=../outside");
  EXPECT_EQ(relative_flag.exit_code, 0) << relative_flag.text;
  CliOutput other_folder = check("--allow-export-dir " + dir_.path("project"));
  EXPECT_EQ(other_folder.exit_code, 1) << other_folder.text;
  dir_.write("project/mlflow.toml", "[exports]\nallow = [\"../outside\"]\n");
  CliOutput by_config = check();
  EXPECT_EQ(by_config.exit_code, 0) << by_config.text;
  CliOutput config_ignored = check("--no-config");
  EXPECT_EQ(config_ignored.exit_code, 1) << config_ignored.text;
}

TEST_F(OutsideProject, AMalformedAllowListIsAConfigError) {
  pipeline("points.csv", "out/model.pt");
  dir_.write("project/mlflow.toml", "[exports]\nallow = \"../outside\"\n[inputs]\nalow = []\n");
  CliOutput out = check();
  EXPECT_EQ(out.exit_code, 1) << out.text;
  EXPECT_TRUE(has(out, "`exports.allow` must be a list of folder paths")) << out.text;
  EXPECT_TRUE(has(out, "`inputs.alow` is not a setting")) << out.text;
}

TEST_F(OutsideProject, DataOutsideIsReadWithAWarning) {
  dir_.write("outside/points.csv", "a,b,species\n1,2,x\n3,4,y\n");
  pipeline("../outside/points.csv", "");
  CliOutput out = check();
  EXPECT_EQ(out.exit_code, 0) << out.text;
  EXPECT_TRUE(has(out, "warning[MLF0602]")) << out.text;
  dir_.write("project/mlflow.toml", "[inputs]\nallow = [\"" + dir_.path("outside") + "\"]\n");
  CliOutput allowed = check();
  EXPECT_EQ(allowed.exit_code, 0) << allowed.text;
  EXPECT_FALSE(has(allowed, "MLF0602")) << allowed.text;
}

TEST_F(OutsideProject, DataLinkedFromOutsideIsReadWithAWarning) {
  dir_.write("outside/points.csv", "a,b,species\n1,2,x\n3,4,y\n");
  fs::create_symlink(dir_.path("outside/points.csv"), dir_.path("project/linked.csv"));
  pipeline("linked.csv", "");
  CliOutput out = check();
  EXPECT_EQ(out.exit_code, 0) << out.text;
  EXPECT_TRUE(has(out, "warning[MLF0602]")) << out.text;
}

TEST_F(OutsideProject, AnImportOutsideIsLoadedWithAWarning) {
  dir_.write("outside/models.mlflow", "model m = sequential [ linear(out: 2) ]\n");
  dir_.write("project/main.mlflow",
             "import \"../outside/models.mlflow\"\nseed 1\ndataset d = csv(\"points.csv\", label: \"species\")\n"
             "stage s = train(m, data: d, loss: cross_entropy, optimizer: adam(), epochs: 1)\n");
  CliOutput out = check();
  EXPECT_EQ(out.exit_code, 0) << out.text;
  EXPECT_TRUE(has(out, "warning[MLF0602]")) << out.text;
  EXPECT_TRUE(has(out, "imported file")) << out.text;
}

// The header of a file outside the project never reaches a diagnostic; inside, it does.
TEST_F(OutsideProject, NoByteOfAFileOutsideIsQuoted) {
  const std::string secret = "TOPSECRET:x:0:0,hunter2\n1,2\n";
  dir_.write("outside/secret.csv", secret);
  dir_.write("project/secret.csv", secret);
  pipeline("../outside/secret.csv", "");
  CliOutput outside = check();
  EXPECT_EQ(outside.exit_code, 1) << outside.text;
  EXPECT_FALSE(has(outside, "TOPSECRET")) << outside.text;
  EXPECT_FALSE(has(outside, "hunter2")) << outside.text;
  EXPECT_TRUE(has(outside, "has no column `species` in its header (line 1)")) << outside.text;
  pipeline("secret.csv", "");
  CliOutput inside = check();
  EXPECT_EQ(inside.exit_code, 1) << inside.text;
  EXPECT_TRUE(has(inside, "TOPSECRET")) << inside.text;  // the project's own file: quoting helps
}

TEST_F(OutsideProject, NoCellOfAFileOutsideIsQuoted) {
  dir_.write("outside/cells.csv", "a,species\nhunter2,1\n");
  fs::create_symlink(dir_.path("outside/cells.csv"), dir_.path("project/cells.csv"));
  pipeline("cells.csv", "");
  CliOutput out = check();
  EXPECT_EQ(out.exit_code, 1) << out.text;
  EXPECT_FALSE(has(out, "hunter2")) << out.text;
  EXPECT_TRUE(has(out, "line 2, column 1: the cell is not a number")) << out.text;
}

TEST_F(OutsideProject, NoMagicBytesOfAFileOutsideAreQuoted) {
  dir_.write("project/m.mlflow",
             "dataset d = idx(images: \"/etc/passwd\", labels: \"/etc/passwd\")\n"
             "model m = sequential [ flatten, linear(out: 2) ]\n"
             "stage s = train(m, data: d |> [to_float()], loss: cross_entropy, optimizer: adam(), epochs: 1)\n");
  CliOutput out = test_support::run_command("cd " + dir_.path("project") + " && " + test_support::mlf_binary() +
                                            " check --color=never m.mlflow");
  EXPECT_EQ(out.exit_code, 1) << out.text;
  EXPECT_FALSE(has(out, "magic bytes")) << out.text;
  EXPECT_TRUE(has(out, "does not start with an IDX magic number")) << out.text;
}

}  // namespace
}  // namespace mlf
