// Dataset ops of the catalogue (stdlib/dataset_ops.cpp): split, take, shuffle, concat.
//
// Promises, exactly:
//   split by index   the first part is samples [0, split_first_size(fraction, N)) — the
//                    formula of stdlib/split_sizes.h the checker used for the count — and
//                    the second part the rest, order kept.
//   split by hash    sample i goes to the first part iff key(i) / 2^64 < fraction (compared
//                    exactly: key < ceil(fraction · 2^64)), where key(i) is the first 8 bytes,
//                    big-endian, of SHA-256(x row bytes as stored (little-endian) || label
//                    bytes): the label as i32 little-endian for class labels, else the
//                    sample's y_values row bytes. Independent of the seed, of the sample's
//                    position and of the other samples; order kept.
//   take             the first min(n, N) samples.
//   shuffle          out[k] = in[perm[k]] with perm from Fisher–Yates over the node's seed
//                    digest: perm = 0..N-1; for j = N-1 down to 1:
//                      r = RandomStream(seed).uniform_int(epoch 0, sample j, word 0, j + 1)
//                      swap(perm[j], perm[r])
//                    so the draw for position j depends on (seed, j) only.
//   concat           the datasets one after another; all must share the element type, the
//                    sample shape, the label form and the class count.
// Every op carries each sample's x row, label (y or y_values row) and source_index along.
// Does not: read files (readers.h) or apply augment chains (augment_interpreter.h).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "compiler/hash/sha256.h"
#include "compiler/plan/plan.h"
#include "runtime/data/data_result.h"
#include "runtime/data/tensor.h"

namespace mlf::runtime {

// The samples of `in` at `indices` (each in [0, N)), in that order.
Dataset gather(const Dataset& in, const std::vector<std::int64_t>& indices);

Dataset split_by_index(const Dataset& in, double fraction, bool first_part);

std::uint64_t sample_hash_key(const Dataset& in, std::int64_t i);
bool hash_key_in_first_part(std::uint64_t key, double fraction);
Dataset split_by_hash(const Dataset& in, double fraction, bool first_part);

Dataset take(const Dataset& in, std::int64_t n);

std::vector<std::int64_t> shuffle_permutation(std::int64_t n, const Digest& seed);
Dataset shuffle(const Dataset& in, const Digest& seed);

DataResult<Dataset> concat(const std::vector<const Dataset*>& parts);

// Runs a `dataset` node (split, take, shuffle, concat) on its inputs, found by node id.
using DatasetLookup = std::function<const Dataset*(const Digest&)>;
DataResult<Dataset> run_dataset_op(const PlanNode& node, const DatasetLookup& input);

}  // namespace mlf::runtime
