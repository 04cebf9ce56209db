#include "runtime/data/dataset_ops.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <utility>

#include "runtime/random/random_stream.h"
#include "stdlib/split_sizes.h"

namespace mlf::runtime {
namespace {

bool has_values(const Dataset& d) { return !d.y_values.shape.empty(); }

std::size_t row_bytes(const Tensor& t) {
  return static_cast<std::size_t>(t.sample_elements()) * dtype_size(t.dtype);
}

Dataset range(const Dataset& in, std::int64_t begin, std::int64_t end) {
  std::vector<std::int64_t> indices(static_cast<std::size_t>(end - begin));
  std::iota(indices.begin(), indices.end(), begin);
  return gather(in, indices);
}

double real_arg(const PlanOp& op, const char* name, double fallback) {
  const PlanValue* v = op.arg(name);
  if (!v) return fallback;
  if (v->kind == PlanValue::Kind::Float) return v->real;
  if (v->kind == PlanValue::Kind::Int) return static_cast<double>(v->integer);
  return fallback;
}

std::string text_arg(const PlanOp& op, const char* name, const std::string& fallback) {
  const PlanValue* v = op.arg(name);
  return v && v->kind == PlanValue::Kind::String ? v->text : fallback;
}

}  // namespace

Dataset gather(const Dataset& in, const std::vector<std::int64_t>& indices) {
  const auto n = static_cast<std::int64_t>(indices.size());
  Dataset out;
  out.classes = in.classes;
  std::vector<std::int64_t> shape = in.x.shape;
  if (shape.empty()) shape = {0};
  shape[0] = n;
  out.x = Tensor::zeros(in.x.dtype, shape);
  const std::size_t x_row = row_bytes(in.x);
  const bool values = has_values(in);
  std::size_t v_row = 0;
  if (values) {
    std::vector<std::int64_t> v_shape = in.y_values.shape;
    v_shape[0] = n;
    out.y_values = Tensor::zeros(in.y_values.dtype, v_shape);
    v_row = row_bytes(in.y_values);
  }
  if (!in.y.empty()) out.y.resize(indices.size());
  if (!in.source_index.empty()) out.source_index.resize(indices.size());
  for (std::size_t k = 0; k < indices.size(); ++k) {
    auto i = static_cast<std::size_t>(indices[k]);
    if (x_row) std::memcpy(out.x.bytes.data() + k * x_row, in.x.bytes.data() + i * x_row, x_row);
    if (values && v_row)
      std::memcpy(out.y_values.bytes.data() + k * v_row, in.y_values.bytes.data() + i * v_row, v_row);
    if (!in.y.empty()) out.y[k] = in.y[i];
    if (!in.source_index.empty()) out.source_index[k] = in.source_index[i];
  }
  return out;
}

Dataset split_by_index(const Dataset& in, double fraction, bool first_part) {
  const std::int64_t n = in.size();
  const std::int64_t first = std::min(n, std::max<std::int64_t>(0, split_first_size(fraction, n)));
  return first_part ? range(in, 0, first) : range(in, first, n);
}

std::uint64_t sample_hash_key(const Dataset& in, std::int64_t i) {
  Sha256 hasher;
  const std::size_t x_row = row_bytes(in.x);
  hasher.update(in.x.bytes.data() + static_cast<std::size_t>(i) * x_row, x_row);
  if (!in.y.empty()) {
    auto v = static_cast<std::uint32_t>(in.y[static_cast<std::size_t>(i)]);
    std::uint8_t b[4] = {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8),
                         static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 24)};
    hasher.update(b, 4);
  } else if (has_values(in)) {
    const std::size_t v_row = row_bytes(in.y_values);
    hasher.update(in.y_values.bytes.data() + static_cast<std::size_t>(i) * v_row, v_row);
  }
  Digest digest = hasher.finish();
  std::uint64_t key = 0;
  for (int b = 0; b < 8; ++b) key = key << 8 | digest.bytes[static_cast<std::size_t>(b)];
  return key;
}

bool hash_key_in_first_part(std::uint64_t key, double fraction) {
  if (!(fraction > 0.0)) return false;
  if (fraction >= 1.0) return true;
  // fraction · 2^64 is exact (a power-of-two scaling) and below 2^64.
  double bound = std::ceil(std::ldexp(fraction, 64));
  if (bound >= 18446744073709551616.0) return true;
  return key < static_cast<std::uint64_t>(bound);
}

Dataset split_by_hash(const Dataset& in, double fraction, bool first_part) {
  std::vector<std::int64_t> indices;
  for (std::int64_t i = 0; i < in.size(); ++i)
    if (hash_key_in_first_part(sample_hash_key(in, i), fraction) == first_part) indices.push_back(i);
  return gather(in, indices);
}

Dataset take(const Dataset& in, std::int64_t n) {
  return range(in, 0, std::clamp<std::int64_t>(n, 0, in.size()));
}

std::vector<std::int64_t> shuffle_permutation(std::int64_t n, const Digest& seed) {
  std::vector<std::int64_t> perm(static_cast<std::size_t>(std::max<std::int64_t>(n, 0)));
  std::iota(perm.begin(), perm.end(), 0);
  RandomStream stream(seed);
  for (std::int64_t j = n - 1; j >= 1; --j) {
    auto r = static_cast<std::int64_t>(
        stream.uniform_int(0, static_cast<std::uint64_t>(j), 0, static_cast<std::uint64_t>(j) + 1));
    std::swap(perm[static_cast<std::size_t>(j)], perm[static_cast<std::size_t>(r)]);
  }
  return perm;
}

Dataset shuffle(const Dataset& in, const Digest& seed) {
  return gather(in, shuffle_permutation(in.size(), seed));
}

DataResult<Dataset> concat(const std::vector<const Dataset*>& parts) {
  if (parts.empty()) return DataError{"`concat` needs at least one dataset"};
  const Dataset& first = *parts[0];
  auto sample_dims = [](const Tensor& t) {
    return std::vector<std::int64_t>(t.shape.begin() + (t.shape.empty() ? 0 : 1), t.shape.end());
  };
  std::int64_t total = 0;
  for (std::size_t p = 0; p < parts.size(); ++p) {
    const Dataset& d = *parts[p];
    if (d.x.dtype != first.x.dtype || sample_dims(d.x) != sample_dims(first.x) ||
        d.classes != first.classes || d.y.empty() != first.y.empty() ||
        has_values(d) != has_values(first) ||
        (has_values(d) && (d.y_values.dtype != first.y_values.dtype ||
                           sample_dims(d.y_values) != sample_dims(first.y_values))))
      return DataError{"`concat` needs datasets of one sample type: dataset " +
                       std::to_string(p + 1) + " differs from dataset 1"};
    if (d.source_index.empty() != first.source_index.empty())
      return DataError{"`concat`: dataset " + std::to_string(p + 1) + " has no source indices"};
    total += d.size();
  }
  Dataset out;
  out.classes = first.classes;
  std::vector<std::int64_t> shape = first.x.shape;
  if (shape.empty()) shape = {0};
  shape[0] = total;
  out.x.dtype = first.x.dtype;
  out.x.shape = shape;
  if (has_values(first)) {
    out.y_values.dtype = first.y_values.dtype;
    out.y_values.shape = first.y_values.shape;
    out.y_values.shape[0] = total;
  }
  for (const Dataset* d : parts) {
    out.x.bytes.insert(out.x.bytes.end(), d->x.bytes.begin(), d->x.bytes.end());
    out.y.insert(out.y.end(), d->y.begin(), d->y.end());
    out.y_values.bytes.insert(out.y_values.bytes.end(), d->y_values.bytes.begin(),
                              d->y_values.bytes.end());
    out.source_index.insert(out.source_index.end(), d->source_index.begin(), d->source_index.end());
  }
  return out;
}

DataResult<Dataset> run_dataset_op(const PlanNode& node, const DatasetLookup& input) {
  if (!node.call) return DataError{"a dataset node without a call"};
  const PlanOp& op = *node.call;
  auto dataset_arg = [&](const char* name) -> DataResult<const Dataset*> {
    const PlanValue* v = op.arg(name);
    if (!v || v->kind != PlanValue::Kind::Node)
      return DataError{"`" + op.name + "` has no dataset argument `" + name + "`"};
    const Dataset* d = input(v->node);
    if (!d) return DataError{"`" + op.name + "`: the input " + v->node.short_hex() + " is not available"};
    return d;
  };
  DataResult<Dataset> result = DataError{"`" + op.name + "` is not a dataset op this runtime knows"};
  if (op.name == "split") {
    auto in = dataset_arg("data");
    if (!ok(in)) return error(in);
    double fraction = real_arg(op, "fraction", 0.5);
    bool first = text_arg(op, "part", "first") == "first";
    std::string by = text_arg(op, "by", "index");
    if (by == "index") result = split_by_index(*value(in), fraction, first);
    else if (by == "hash") result = split_by_hash(*value(in), fraction, first);
    else return DataError{"`split` has an unknown `by` \"" + by + "\""};
  } else if (op.name == "take") {
    auto in = dataset_arg("data");
    if (!ok(in)) return error(in);
    const PlanValue* n = op.arg("n");
    if (!n || n->kind != PlanValue::Kind::Int) return DataError{"`take` has no integer `n`"};
    result = take(*value(in), n->integer);
  } else if (op.name == "shuffle") {
    auto in = dataset_arg("data");
    if (!ok(in)) return error(in);
    if (!node.seed) return DataError{"`shuffle` node " + node.id.short_hex() + " has no seed"};
    result = shuffle(*value(in), *node.seed);
  } else if (op.name == "concat") {
    const PlanValue* list = op.arg("datasets");
    if (!list || list->kind != PlanValue::Kind::List)
      return DataError{"`concat` has no list of datasets"};
    std::vector<const Dataset*> parts;
    for (const PlanValue& item : list->items) {
      if (item.kind != PlanValue::Kind::Node) return DataError{"`concat` lists a non-dataset"};
      const Dataset* d = input(item.node);
      if (!d) return DataError{"`concat`: the input " + item.node.short_hex() + " is not available"};
      parts.push_back(d);
    }
    result = concat(parts);
  }
  if (!ok(result)) return result;
  if (node.count >= 0 && value(result).size() != node.count)
    return DataError{"`" + op.name + "` gave " + std::to_string(value(result).size()) +
                     " samples but the plan expects " + std::to_string(node.count)};
  return result;
}

}  // namespace mlf::runtime
