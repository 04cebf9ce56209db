// Overflow-checked size arithmetic on the shapes that data-file headers declare.
//
// Takes: dimensions as read from an untrusted header.
// Promises: checked_byte_count() never overflows: it returns nothing when the product of the
// dimensions times the element size does not fit in a signed 64-bit count, so a hostile header
// cannot make a probe allocate or compare against a wrapped-around size.
// Does not: read files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlf::probe {

// Product of `dims` times `element_size`, or nothing on overflow past INT64_MAX or a
// negative dimension.
std::optional<std::uint64_t> checked_byte_count(const std::vector<std::int64_t>& dims,
                                                std::size_t element_size);

// "[60000, 28, 28]".
std::string format_dims(const std::vector<std::int64_t>& dims);

}  // namespace mlf::probe
