// What the data layer returns: a value or a DataError, never an exception.
//
// Promises: a DataError's message is one lower-case sentence without a trailing period that
// names the file (in backticks, as the compile-time probes do) or the op it is about, so
// the executor can show it as it is.
// Does not: carry a diagnostic kind or a source span (the plan has no source).
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace mlf::runtime {

struct DataError {
  std::string message;
};

template <class T>
using DataResult = std::variant<T, DataError>;

template <class T>
bool ok(const DataResult<T>& result) {
  return result.index() == 0;
}

// Preconditions: ok(result) for value(), !ok(result) for error().
template <class T>
T& value(DataResult<T>& result) {
  return std::get<0>(result);
}
template <class T>
const T& value(const DataResult<T>& result) {
  return std::get<0>(result);
}
template <class T>
const DataError& error(const DataResult<T>& result) {
  return std::get<DataError>(result);
}

}  // namespace mlf::runtime
