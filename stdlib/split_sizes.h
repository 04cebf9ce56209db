// How `split(by: "index")` divides a dataset: the one formula the checker and the runtime
// share, so the compile-time count and the samples the runtime yields always agree.
#pragma once

#include <cmath>
#include <cstdint>

namespace mlf {

// floor(fraction × count), read as the user meant the decimal fraction: `split(fraction: 0.29)`
// of 100 samples gives 29, although the double nearest 0.29 times 100 is 28.999999999999996.
// The nudge of 1e-12 relative only changes products that are that close below a whole number.
inline std::int64_t split_first_size(double fraction, std::int64_t count) {
  double product = fraction * static_cast<double>(count);
  return static_cast<std::int64_t>(std::floor(product * (1 + 1e-12)));
}

}  // namespace mlf
