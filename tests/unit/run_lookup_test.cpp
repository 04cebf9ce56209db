// Finding runs by id prefix and by plan id, the environment a replay compares, and the run
// options a record keeps.
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
      {"blas", "/usr/lib/libblas.so.3"}, {"threads", "2"}, {"libtorch", "1.13.0"}, {"mkldnn", "3.1"}};
  std::map<std::string, std::string> now = {
      {"blas", "/usr/lib/libopenblas.so.0"}, {"threads", "4"}, {"libtorch", "1.13.0"}, {"mkldnn", "3.1"}};
  auto changes = environment_changes(recorded, now);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].key, "blas");
  EXPECT_EQ(changes[0].recorded, "/usr/lib/libblas.so.3");
  EXPECT_EQ(changes[0].now, "/usr/lib/libopenblas.so.0");
  EXPECT_EQ(changes[1].key, "threads");
  EXPECT_EQ(changes[1].recorded, "2");
  EXPECT_EQ(changes[1].now, "4");
  EXPECT_TRUE(environment_changes(recorded, recorded).empty());
}

// A run answered from the cache, or a replay that failed before training, never loaded
// LibTorch: the facts it did not record are not changes.
TEST(EnvironmentDiff, AFactOnlyOneSideRecordedIsNotAChange) {
  std::map<std::string, std::string> with_backend = {
      {"mlf", "0.9.0"}, {"threads", "2"}, {"libtorch", "1.13.0"}, {"blas", "/usr/lib/libblas.so.3"}};
  std::map<std::string, std::string> without = {{"mlf", "0.9.0"}, {"threads", "2"}};
  EXPECT_TRUE(environment_changes(with_backend, without).empty());
  EXPECT_TRUE(environment_changes(without, with_backend).empty());
  without["threads"] = "1";
  auto changes = environment_changes(with_backend, without);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].key, "threads");
  EXPECT_TRUE(records_backend_facts(with_backend));
  EXPECT_FALSE(records_backend_facts(without));
}

RunRecord run_of_plan(const std::string& id, const std::string& plan, bool backend_facts) {
  RunRecord r;
  r.id = id;
  r.plan_id = plan;
  r.environment["threads"] = "2";
  if (backend_facts) r.environment["libtorch"] = "1.13.0";
  return r;
}

TEST(PlanRunLookup, APlanIdFindsItsNewestRunThatRecordedTheBackendFacts) {
  const std::string plan(64, 'a'), other(64, 'b');
  std::vector<RunRecord> runs = {
      run_of_plan("20261124T070000Z-000001", plan, true),
      run_of_plan("20261124T080000Z-000002", plan, true),
      run_of_plan("20261124T090000Z-000003", other, true),
      run_of_plan("20261124T100000Z-000004", plan, false),  // answered from the cache
  };
  std::string error;
  const RunRecord* found = find_plan_run(runs, plan.substr(0, 12), error);
  ASSERT_NE(found, nullptr) << error;
  EXPECT_EQ(found->id, "20261124T080000Z-000002");
  // In any order.
  std::swap(runs[0], runs[1]);
  found = find_plan_run(runs, plan, error);
  ASSERT_NE(found, nullptr) << error;
  EXPECT_EQ(found->id, "20261124T080000Z-000002");
}

TEST(PlanRunLookup, WithoutARunThatRecordedThemTheNewestRunOfThePlan) {
  const std::string plan(64, 'a');
  std::vector<RunRecord> runs = {run_of_plan("20261124T100000Z-000004", plan, false),
                                 run_of_plan("20261124T070000Z-000001", plan, false)};
  std::string error;
  const RunRecord* found = find_plan_run(runs, plan.substr(0, 8), error);
  ASSERT_NE(found, nullptr) << error;
  EXPECT_EQ(found->id, "20261124T100000Z-000004");
}

TEST(PlanRunLookup, APrefixOfSeveralPlansOrOfNoneIsAnError) {
  std::vector<RunRecord> runs = {run_of_plan("20261124T070000Z-000001", "abcd" + std::string(60, '1'), true),
                                 run_of_plan("20261124T080000Z-000002", "abcd" + std::string(60, '2'), true)};
  std::string error;
  EXPECT_EQ(find_plan_run(runs, "abcd", error), nullptr);
  EXPECT_NE(error.find("2 plan ids"), std::string::npos) << error;
  EXPECT_NE(error.find("abcd" + std::string(60, '1')), std::string::npos) << error;
  EXPECT_EQ(find_plan_run(runs, "ffff", error), nullptr);
  EXPECT_NE(error.find("`ffff`"), std::string::npos) << error;
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
