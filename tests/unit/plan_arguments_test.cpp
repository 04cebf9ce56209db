// The executor's int arguments: a plan value an `int` cannot hold is refused, not truncated
// (4294967297 epochs used to train 1 epoch; 2147483648 became negative).
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "runtime/exec/plan_arguments.h"

namespace {

using mlf::PlanNode;
using mlf::PlanValue;
using mlf::runtime::int_argument;

PlanNode train_node(const std::string& name, PlanValue value) {
  PlanNode node;
  node.kind = "train";
  node.call.emplace();
  node.call->name = "train";
  node.call->args.push_back({name, std::move(value)});
  return node;
}

PlanValue integer(std::int64_t n) {
  PlanValue v;
  v.kind = PlanValue::Kind::Int;
  v.integer = n;
  return v;
}

TEST(PlanArguments, ValuesBeyondIntAreRefusedNotTruncated) {
  for (std::int64_t value : {4294967297LL, 4294967312LL, 2147483648LL, -2147483649LL,
                             static_cast<long long>(INT64_MAX)}) {
    auto got = int_argument(train_node("epochs", integer(value)), "epochs", 1);
    ASSERT_TRUE(std::holds_alternative<std::string>(got)) << value << " became " << std::get<int>(got);
    const std::string& message = std::get<std::string>(got);
    EXPECT_NE(message.find("`epochs` of `train`"), std::string::npos) << message;
    EXPECT_NE(message.find(std::to_string(value)), std::string::npos) << message;
  }
}

TEST(PlanArguments, ValuesWithinIntAreKept) {
  for (std::int64_t value : {0LL, 1LL, 2147483647LL, -2147483648LL}) {
    auto got = int_argument(train_node("batch", integer(value)), "batch", 64);
    ASSERT_TRUE(std::holds_alternative<int>(got)) << std::get<std::string>(got);
    EXPECT_EQ(std::get<int>(got), value);
  }
}

TEST(PlanArguments, AbsentGivesTheFallbackAndOtherKindsAreRefused) {
  auto absent = int_argument(train_node("epochs", integer(3)), "batch", 64);
  ASSERT_TRUE(std::holds_alternative<int>(absent));
  EXPECT_EQ(std::get<int>(absent), 64);
  PlanValue real;
  real.kind = PlanValue::Kind::Float;
  real.real = 3.5;
  auto wrong = int_argument(train_node("batch", real), "batch", 64);
  ASSERT_TRUE(std::holds_alternative<std::string>(wrong));
  EXPECT_NE(std::get<std::string>(wrong).find("not an integer"), std::string::npos);
}

}  // namespace
