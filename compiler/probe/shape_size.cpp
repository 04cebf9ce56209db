#include "compiler/probe/shape_size.h"

#include <limits>

namespace mlf::probe {

std::optional<std::uint64_t> checked_byte_count(const std::vector<std::int64_t>& dims,
                                                std::size_t element_size) {
  constexpr std::uint64_t kLimit = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  std::uint64_t count = element_size;
  for (std::int64_t dim : dims) {
    if (dim < 0) return std::nullopt;
    std::uint64_t product = 0;
    if (__builtin_mul_overflow(count, static_cast<std::uint64_t>(dim), &product)) return std::nullopt;
    if (product > kLimit) return std::nullopt;
    count = product;
  }
  return count;
}

std::string format_dims(const std::vector<std::int64_t>& dims) {
  std::string out = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(dims[i]);
  }
  out += ']';
  return out;
}

}  // namespace mlf::probe
