// `mlf pin` / `mlf unpin` through the binary: a pinned run's objects survive `gc` however old
// the run is; unpinned, they go.
#include <gtest/gtest.h>

#include <string>

#include "runtime/record/run_record.h"
#include "runtime/store/object_store.h"
#include "tests/unit/cli_runner.h"
#include "tests/unit/scratch_dir.h"

namespace mlf::runtime {
namespace {

using test_support::run_command;

TEST(PinCommand, PinnedRunsKeepTheirObjectsThroughGc) {
  test_support::ScratchDir dir;
  std::string root = dir.path("store");
  Digest object;
  {
    auto store = ObjectStore::open(root);
    ASSERT_TRUE(store.ok());
    auto put = store.value().put("the weights of an old, important model");
    ASSERT_TRUE(put.ok());
    object = put.value();
    RunRecord record;
    record.id = "20200101T000000Z-abc123";
    record.plan_id = std::string(64, 'a');
    record.pipeline = "old";
    record.status = "ok";
    NodeRecord node;
    node.id = std::string(64, 'b');
    node.label = "fit";
    node.kind = "train";
    node.status = "ran";
    node.outputs["weights"] = object.hex();
    record.nodes.push_back(node);
    ASSERT_TRUE(store.value().write_text("runs/" + record.id + ".toml", render_run_record(record)).ok());
  }
  std::string mlf = test_support::mlf_binary() + " ";
  std::string at = " --store '" + root + "'";

  auto pinned = run_command(mlf + "pin 20200101" + at);
  ASSERT_EQ(pinned.exit_code, 0) << pinned.text;
  EXPECT_NE(pinned.text.find("pinned 20200101T000000Z-abc123"), std::string::npos) << pinned.text;
  EXPECT_NE(run_command(mlf + "pin" + at).text.find("20200101T000000Z-abc123"), std::string::npos);

  ASSERT_EQ(run_command(mlf + "gc --keep-runs 0" + at).exit_code, 0);
  {
    auto store = ObjectStore::open(root);
    ASSERT_TRUE(store.ok());
    EXPECT_TRUE(store.value().contains(object)) << "gc removed an object of a pinned run";
  }

  ASSERT_EQ(run_command(mlf + "unpin 20200101T000000Z-abc123" + at).exit_code, 0);
  ASSERT_EQ(run_command(mlf + "gc --keep-runs 0" + at).exit_code, 0);
  auto store = ObjectStore::open(root);
  ASSERT_TRUE(store.ok());
  EXPECT_FALSE(store.value().contains(object)) << "gc kept an object no kept run references";
}

TEST(PinCommand, UnknownRunIsAnErrorNamingIt) {
  test_support::ScratchDir dir;
  auto out = run_command(test_support::mlf_binary() + " pin 1999 --store '" + dir.path("s") + "'");
  EXPECT_NE(out.exit_code, 0);
  EXPECT_NE(out.text.find("1999"), std::string::npos) << out.text;
}

}  // namespace
}  // namespace mlf::runtime
