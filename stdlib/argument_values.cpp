#include "stdlib/argument_values.h"

namespace mlf {

HeightWidth int_pair(const Value& value) {
  if (value.kind == Value::Kind::Int) return {value.integer, value.integer};
  if (value.kind == Value::Kind::List && value.items.size() == 2)
    return {value.items[0].integer, value.items[1].integer};
  return {};
}

std::vector<double> float_list(const Value& value) {
  if (value.is_number()) return {value.as_real()};
  std::vector<double> out;
  if (value.kind == Value::Kind::List)
    for (const Value& item : value.items) out.push_back(item.as_real());
  return out;
}

std::optional<FloatRange> float_range(const Value& value) {
  if (value.kind != Value::Kind::List || value.items.size() != 2) return std::nullopt;
  return FloatRange{value.items[0].as_real(), value.items[1].as_real()};
}

}  // namespace mlf
