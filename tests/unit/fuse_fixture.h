// Helpers of the fusion tests: plan steps by name, datasets of every element type with
// awkward values, and the check that the fused path gives the interpreter's bytes.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "compiler/hash/sha256.h"
#include "compiler/plan/plan.h"
#include "runtime/data/augment_interpreter.h"
#include "runtime/fuse/fused_chain.h"

namespace mlf::fuse_test {

using runtime::Dataset;
using runtime::Tensor;

inline PlanValue num(double v) {
  PlanValue out;
  out.kind = PlanValue::Kind::Float;
  out.real = v;
  return out;
}
inline PlanValue integer(std::int64_t v) {
  PlanValue out;
  out.kind = PlanValue::Kind::Int;
  out.integer = v;
  return out;
}
inline PlanValue list(std::vector<PlanValue> items) {
  PlanValue out;
  out.kind = PlanValue::Kind::List;
  out.items = std::move(items);
  return out;
}

inline PlanStep step(const std::string& name, std::vector<PlanArgument> args = {},
                     const std::string& stream_key = "") {
  PlanStep s;
  s.op = PlanOp{name, "1.0.0", std::move(args), {}};
  if (!stream_key.empty()) s.stream = Sha256::of(stream_key);
  return s;
}

// n samples of dtype [shape...], values from `seed`; f32/f64 data mixes ordinary values with
// negative zero, halves (exact ties) and, when `special`, NaN and infinities.
inline Dataset dataset(DType dtype, std::vector<std::int64_t> sample, std::int64_t n,
                       std::uint64_t seed, bool special = false) {
  Dataset d;
  std::vector<std::int64_t> shape = {n};
  shape.insert(shape.end(), sample.begin(), sample.end());
  d.x = Tensor::zeros(dtype, shape);
  std::mt19937_64 gen(seed);
  const std::int64_t count = d.x.elements();
  for (std::int64_t k = 0; k < count; ++k) {
    const std::uint64_t r = gen();
    double v = static_cast<double>(r % 512) / 2.0 - 64.0;
    if (special && r % 97 == 0) v = std::numeric_limits<double>::quiet_NaN();
    if (special && r % 89 == 0) v = std::numeric_limits<double>::infinity();
    if (r % 83 == 0) v = -0.0;
    auto* at = d.x.bytes.data() + static_cast<std::size_t>(k) * dtype_size(dtype);
    auto put = [&](auto value) { std::memcpy(at, &value, sizeof value); };
    switch (dtype) {
      case DType::U8: put(static_cast<std::uint8_t>(r % 256)); break;
      case DType::I8: put(static_cast<std::int8_t>(r % 256 - 128)); break;
      case DType::I16: put(static_cast<std::int16_t>(r % 65536 - 32768)); break;
      case DType::I32: put(static_cast<std::int32_t>(r)); break;
      case DType::I64: put(static_cast<std::int64_t>(r)); break;
      case DType::F32: put(static_cast<float>(v)); break;
      case DType::F64: put(v / 3.0); break;
    }
  }
  for (std::int64_t i = 0; i < n; ++i) {
    d.y.push_back(static_cast<std::int32_t>(i % 4));
    d.source_index.push_back(i);
  }
  d.classes = 4;
  return d;
}

inline Dataset interpreted(const std::vector<PlanStep>& chain, const Dataset& in, int epoch) {
  auto out = runtime::run_chain(chain, in, epoch, 1);
  if (!ok(out)) {
    ADD_FAILURE() << "interpreter: " << error(out).message;
    return {};
  }
  return std::move(value(out));
}

inline Dataset fused(const std::vector<PlanStep>& chain, const Dataset& in, int epoch,
                     int threads = 1) {
  auto kernel = runtime::compile_fused(chain, in, nullptr);
  if (!ok(kernel)) {
    ADD_FAILURE() << "fusion: " << error(kernel).message;
    return {};
  }
  auto out = runtime::run_fused(*value(kernel), in, epoch, threads);
  if (!ok(out)) {
    ADD_FAILURE() << "fused run: " << error(out).message;
    return {};
  }
  return std::move(value(out));
}

// The index of the first differing byte of x, or -1; labels compared too.
inline testing::AssertionResult same_bytes(const Dataset& a, const Dataset& b) {
  if (a.x.dtype != b.x.dtype || a.x.shape != b.x.shape)
    return testing::AssertionFailure() << "different dtype or shape";
  for (std::size_t k = 0; k < a.x.bytes.size(); ++k)
    if (a.x.bytes[k] != b.x.bytes[k]) {
      const std::size_t e = dtype_size(a.x.dtype);
      auto out = testing::AssertionFailure();
      out << "byte " << k << " (element " << k / e << ") differs";
      if (a.x.dtype == DType::F32) {
        float fa, fb;
        std::memcpy(&fa, a.x.bytes.data() + k / e * e, 4);
        std::memcpy(&fb, b.x.bytes.data() + k / e * e, 4);
        out << ": " << fa << " vs " << fb;
      }
      return out;
    }
  if (a.y != b.y || a.y_values.bytes != b.y_values.bytes || a.source_index != b.source_index)
    return testing::AssertionFailure() << "labels differ";
  return testing::AssertionSuccess();
}

}  // namespace mlf::fuse_test
