// Reading the composite parameter types out of checked argument Values.
//
// Takes: a Value the checker has already matched against its ParamSpec's type.
// Promises: the one meaning of each composite type, shared by every rule: an int-pair `n`
// means [n, n] (height, width); a float-list `x` means [x]; a float-range is [low, high].
// Does not: validate; a Value of the wrong kind reads as zeros or an empty list.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "compiler/sema/value.h"

namespace mlf {

// Height then width, for kernels, strides, paddings and crop sizes.
struct HeightWidth {
  std::int64_t height = 0;
  std::int64_t width = 0;
};

HeightWidth int_pair(const Value& value);
std::vector<double> float_list(const Value& value);

struct FloatRange {
  double low = 0;
  double high = 0;
};

// Absent (Value::Kind::None) for an optional range left out.
std::optional<FloatRange> float_range(const Value& value);

}  // namespace mlf
