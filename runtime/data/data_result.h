// What the data layer returns: a value or a DataError, never an exception.
//
// Promises: a DataError's message is one lower-case sentence without a trailing period that
// names the file (in backticks, as the compile-time probes do) or the op it is about, so
// the executor can show it as it is.
// A data file whose digest is not the plan's also says so as data (`changed`), for a caller
// that knows better what to do about it than the message can (a replay cannot rebuild).
// Does not: carry a diagnostic kind or a source span (the plan has no source).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "compiler/hash/sha256.h"

namespace mlf::runtime {

// A data file (or image folder) whose SHA-256 (tree SHA-256) differs from the plan's.
struct ChangedData {
  std::string path;  // as read: resolved against the project root
  Digest found, expected;
};

struct DataError {
  std::string message;
  std::optional<ChangedData> changed = std::nullopt;
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
