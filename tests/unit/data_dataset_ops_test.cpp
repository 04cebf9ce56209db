// Dataset ops: split by index (the checker's formula), split by content hash (documented
// key, stable when samples are added), take, a seeded deterministic shuffle, concat, and the
// plan-node entry point. source_index is carried through every op.

#include "runtime/data/dataset_ops.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <set>

#include "runtime/random/random_stream.h"
#include "stdlib/split_sizes.h"

namespace mlf::runtime {
namespace {

// n samples u8 [2], sample i = (i, 2i), label i % 3.
Dataset numbered(std::int64_t n, std::int64_t offset = 0) {
  Dataset d;
  d.x = Tensor::zeros(DType::U8, {n, 2});
  for (std::int64_t i = 0; i < n; ++i) {
    d.x.bytes[static_cast<std::size_t>(2 * i)] = static_cast<std::uint8_t>(i + offset);
    d.x.bytes[static_cast<std::size_t>(2 * i + 1)] = static_cast<std::uint8_t>(2 * (i + offset));
    d.y.push_back(static_cast<std::int32_t>((i + offset) % 3));
    d.source_index.push_back(i + offset);
  }
  d.classes = 3;
  return d;
}

std::vector<std::int64_t> firsts(const Dataset& d) {
  std::vector<std::int64_t> out;
  for (std::int64_t i = 0; i < d.size(); ++i) out.push_back(d.x.bytes[static_cast<std::size_t>(2 * i)]);
  return out;
}

TEST(DataDatasetOps, SplitByIndexUsesTheCheckersFormula) {
  Dataset d = numbered(100);
  for (double fraction : {0.29, 0.3, 0.5, 0.01, 0.999}) {
    Dataset a = split_by_index(d, fraction, true);
    Dataset b = split_by_index(d, fraction, false);
    EXPECT_EQ(a.size(), split_first_size(fraction, 100)) << fraction;
    EXPECT_EQ(a.size() + b.size(), 100);
    std::vector<std::int64_t> all = firsts(a), rest = firsts(b);
    all.insert(all.end(), rest.begin(), rest.end());
    std::vector<std::int64_t> expected(100);
    std::iota(expected.begin(), expected.end(), 0);
    EXPECT_EQ(all, expected);
    EXPECT_EQ(b.source_index.front(), a.size());
  }
  EXPECT_EQ(split_by_index(d, 0.29, true).size(), 29);
}

TEST(DataDatasetOps, SplitByHashKeyIsTheDocumentedDigest) {
  Dataset d = numbered(3);
  // Sample 1: x bytes {1, 2}, label 1 as i32 little-endian.
  std::string bytes = {1, 2, 1, 0, 0, 0};
  Digest digest = Sha256::of(bytes);
  std::uint64_t key = 0;
  for (int b = 0; b < 8; ++b) key = key << 8 | digest.bytes[static_cast<std::size_t>(b)];
  EXPECT_EQ(sample_hash_key(d, 1), key);
  EXPECT_TRUE(hash_key_in_first_part(0, 0.001));
  EXPECT_TRUE(hash_key_in_first_part((std::uint64_t{1} << 63) - 1, 0.5));
  EXPECT_FALSE(hash_key_in_first_part(std::uint64_t{1} << 63, 0.5));
}

TEST(DataDatasetOps, SplitByHashPartitionsAndIsStableUnderAdditions) {
  Dataset small = numbered(60), big = numbered(120);
  Dataset small_first = split_by_hash(small, 0.3, true);
  Dataset small_second = split_by_hash(small, 0.3, false);
  Dataset big_first = split_by_hash(big, 0.3, true);
  EXPECT_EQ(small_first.size() + small_second.size(), 60);
  EXPECT_GT(small_first.size(), 5);
  EXPECT_LT(small_first.size(), 35);
  // Every sample of the small set lands in the same part within the big set.
  std::set<std::int64_t> in_big_first(big_first.source_index.begin(), big_first.source_index.end());
  for (std::int64_t s : small_first.source_index) EXPECT_TRUE(in_big_first.count(s)) << s;
  for (std::int64_t s : small_second.source_index) EXPECT_FALSE(in_big_first.count(s)) << s;
  // Order is kept.
  EXPECT_TRUE(std::is_sorted(big_first.source_index.begin(), big_first.source_index.end()));
}

TEST(DataDatasetOps, TakeKeepsTheFirstSamples) {
  Dataset d = numbered(5);
  EXPECT_EQ(firsts(take(d, 3)), (std::vector<std::int64_t>{0, 1, 2}));
  EXPECT_EQ(take(d, 10).size(), 5);
  EXPECT_EQ(take(d, 3).y, (std::vector<std::int32_t>{0, 1, 2}));
}

TEST(DataDatasetOps, ShuffleIsASeededFisherYates) {
  Digest seed = Sha256::of("seed one");
  std::vector<std::int64_t> perm = shuffle_permutation(50, seed);
  std::vector<std::int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::int64_t> identity(50);
  std::iota(identity.begin(), identity.end(), 0);
  EXPECT_EQ(sorted, identity);
  EXPECT_NE(perm, identity);
  EXPECT_EQ(shuffle_permutation(50, seed), perm);
  EXPECT_NE(shuffle_permutation(50, Sha256::of("seed two")), perm);

  // The documented algorithm, written out.
  RandomStream stream(seed);
  std::vector<std::int64_t> expected = identity;
  for (std::int64_t j = 49; j >= 1; --j)
    std::swap(expected[static_cast<std::size_t>(j)],
              expected[stream.uniform_int(0, static_cast<std::uint64_t>(j), 0, static_cast<std::uint64_t>(j + 1))]);
  EXPECT_EQ(perm, expected);

  Dataset shuffled = shuffle(numbered(50), seed);
  EXPECT_EQ(shuffled.source_index, perm);
  EXPECT_EQ(firsts(shuffled), perm);
  for (std::int64_t k = 0; k < 50; ++k)
    EXPECT_EQ(shuffled.y[static_cast<std::size_t>(k)], perm[static_cast<std::size_t>(k)] % 3);
}

TEST(DataDatasetOps, ConcatAppendsAndChecksTypes) {
  Dataset a = numbered(2), b = numbered(3, 10);
  auto joined = concat({&a, &b, &a});
  ASSERT_TRUE(ok(joined));
  EXPECT_EQ(firsts(value(joined)), (std::vector<std::int64_t>{0, 1, 10, 11, 12, 0, 1}));
  EXPECT_EQ(value(joined).source_index, (std::vector<std::int64_t>{0, 1, 10, 11, 12, 0, 1}));
  Dataset wide;
  wide.x = Tensor::zeros(DType::U8, {1, 3});
  wide.y = {0};
  wide.classes = 3;
  wide.source_index = {0};
  EXPECT_FALSE(ok(concat({&a, &wide})));
}

PlanValue node_value(const Digest& id) {
  PlanValue v;
  v.kind = PlanValue::Kind::Node;
  v.node = id;
  return v;
}

TEST(DataDatasetOps, RunsPlanNodes) {
  Dataset a = numbered(10), b = numbered(4, 20);
  Digest id_a = Sha256::of("a"), id_b = Sha256::of("b");
  std::map<Digest, const Dataset*> inputs = {{id_a, &a}, {id_b, &b}};
  DatasetLookup lookup = [&](const Digest& id) -> const Dataset* {
    auto it = inputs.find(id);
    return it == inputs.end() ? nullptr : it->second;
  };
  PlanValue fraction;
  fraction.kind = PlanValue::Kind::Float;
  fraction.real = 0.3;
  PlanValue part;
  part.kind = PlanValue::Kind::String;
  part.text = "second";
  PlanNode split;
  split.kind = "dataset";
  split.call = PlanOp{"split", "1.0.0", {{"data", node_value(id_a)}, {"fraction", fraction}, {"part", part}}, {}};
  split.count = 7;
  auto second = run_dataset_op(split, lookup);
  ASSERT_TRUE(ok(second)) << error(second).message;
  EXPECT_EQ(firsts(value(second)), (std::vector<std::int64_t>{3, 4, 5, 6, 7, 8, 9}));
  split.count = 6;
  EXPECT_FALSE(ok(run_dataset_op(split, lookup)));

  PlanNode shuffled;
  shuffled.kind = "dataset";
  shuffled.call = PlanOp{"shuffle", "1.0.0", {{"data", node_value(id_a)}}, {}};
  shuffled.count = 10;
  EXPECT_FALSE(ok(run_dataset_op(shuffled, lookup)));  // no seed
  shuffled.seed = Sha256::of("s");
  auto result = run_dataset_op(shuffled, lookup);
  ASSERT_TRUE(ok(result));
  EXPECT_EQ(value(result).source_index, shuffle_permutation(10, *shuffled.seed));

  PlanValue list;
  list.kind = PlanValue::Kind::List;
  list.items = {node_value(id_b), node_value(id_a), node_value(id_b)};
  PlanNode joined;
  joined.kind = "dataset";
  joined.call = PlanOp{"concat", "1.0.0", {{"datasets", list}}, {}};
  joined.count = 18;
  auto all = run_dataset_op(joined, lookup);
  ASSERT_TRUE(ok(all)) << error(all).message;
  EXPECT_EQ(firsts(value(all)).front(), 20);
  EXPECT_EQ(value(all).size(), 18);

  PlanValue n;
  n.kind = PlanValue::Kind::Int;
  n.integer = 3;
  PlanNode taken;
  taken.kind = "dataset";
  taken.call = PlanOp{"take", "1.0.0", {{"data", node_value(id_b)}, {"n", n}}, {}};
  taken.count = 3;
  auto first3 = run_dataset_op(taken, lookup);
  ASSERT_TRUE(ok(first3));
  EXPECT_EQ(firsts(value(first3)), (std::vector<std::int64_t>{20, 21, 22}));
}

}  // namespace
}  // namespace mlf::runtime
