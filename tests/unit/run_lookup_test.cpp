// Finding runs by id prefix, the environment a replay compares, and the run options a
// record keeps.
#include <gtest/gtest.h>

#include "runtime/record/environment_diff.h"
#include "runtime/record/run_lookup.h"
#include "runtime/record/run_record.h"

namespace mlf::runtime {
namespace {

std::vector<RunRecord> runs_with_ids(const std::vector<std::string>& ids) {
  std::vector<RunRecord> runs;
  for (const auto& id : ids) {
    RunRecord r;
    r.id = id;
    r.plan_id = "p";
    runs.push_back(r);
  }
  return runs;
}

TEST(RunLookup, AWholeIdOrAUniquePrefixFindsTheRun) {
  auto runs = runs_with_ids({"20261124T075012Z-3f9a1c", "20261124T080000Z-aaaaaa", "20261125T010101Z-bbbbbb"});
  std::string error;
  const RunRecord* found = find_run(runs, "20261124T0750", error);
  ASSERT_NE(found, nullptr) << error;
  EXPECT_EQ(found->id, runs[0].id);
  found = find_run(runs, runs[1].id, error);
  ASSERT_NE(found, nullptr) << error;
  EXPECT_EQ(found->id, runs[1].id);
}

TEST(RunLookup, AnExactIdWinsOverLongerIdsItPrefixes) {
  auto runs = runs_with_ids({"abc", "abcdef"});
  std::string error;
  const RunRecord* found = find_run(runs, "abc", error);
  ASSERT_NE(found, nullptr) << error;
  EXPECT_EQ(found->id, "abc");
}

TEST(RunLookup, AmbiguousAndUnknownIdsAreErrorsThatSaySo) {
  auto runs = runs_with_ids({"20261124T075012Z-3f9a1c", "20261124T080000Z-aaaaaa"});
  std::string error;
  EXPECT_EQ(find_run(runs, "20261124T", error), nullptr);
  EXPECT_NE(error.find("2 run ids"), std::string::npos) << error;
  EXPECT_NE(error.find(runs[0].id), std::string::npos) << error;
  EXPECT_NE(error.find(runs[1].id), std::string::npos) << error;
  EXPECT_EQ(find_run(runs, "2027", error), nullptr);
  EXPECT_NE(error.find("no run `2027`"), std::string::npos) << error;
  EXPECT_EQ(find_run(runs, "", error), nullptr);
}

TEST(EnvironmentDiff, NamesEachDifferingFieldWithBothValues) {
  std::map<std::string, std::string> recorded = {
      {"blas", "/usr/lib/libblas.so.3"}, {"threads", "2"}, {"libtorch", "1.13.0"}, {"gone", "x"}};
  std::map<std::string, std::string> now = {
      {"blas", "/usr/lib/libopenblas.so.0"}, {"threads", "2"}, {"libtorch", "1.13.0"}, {"new", "y"}};
  auto changes = environment_changes(recorded, now);
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].key, "blas");
  EXPECT_EQ(changes[0].recorded, "/usr/lib/libblas.so.3");
  EXPECT_EQ(changes[0].now, "/usr/lib/libopenblas.so.0");
  EXPECT_EQ(changes[1].key, "gone");
  EXPECT_EQ(changes[1].now, "(not recorded)");
  EXPECT_EQ(changes[2].key, "new");
  EXPECT_EQ(changes[2].recorded, "(not recorded)");
  EXPECT_TRUE(environment_changes(recorded, recorded).empty());
}

TEST(RunRecordOptions, FuseIsRecordedAndReadBack) {
  RunRecord r;
  r.id = "20261124T075012Z-3f9a1c";
  r.plan_id = "abc";
  for (bool fuse : {true, false}) {
    r.options.fuse = fuse;
    RunRecord back;
    std::string error;
    ASSERT_TRUE(parse_run_record(render_run_record(r), back, error)) << error;
    EXPECT_EQ(back.options.fuse, fuse);
  }
}

}  // namespace
}  // namespace mlf::runtime
