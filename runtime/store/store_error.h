// What every store operation returns: a value or a StoreError.
//
// Takes: nothing; object_store.h, atomic_file.h, object_codec.h and store_lock.h fill these in.
// Promises: a StoreError's kind says what the caller can do about it (NotFound: produce the
// object; Corrupt: the object was quarantined, re-execute its producer; NoSpace: free space
// and retry; Io: anything else the operating system refused); its message is lower-case, has
// no trailing period and names the file in backticks; `path` is that file.
// Does not: throw. StoreResult<T> holds exactly one of a T or a StoreError; StoreResult<void>
// is success when default-constructed.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace mlf::runtime {

struct StoreError {
  enum class Kind { NotFound, Corrupt, Io, NoSpace } kind;
  std::string message;
  std::string path;
};

// "not found", "corrupt", "i/o error", "no space"; for logs and test failure output.
const char* store_error_kind_name(StoreError::Kind kind);

// `path` in backticks: how every store message names a file.
std::string backticked(std::string_view path);

// The error an failed system call on `path` maps to: ENOSPC and EDQUOT are NoSpace, ENOENT
// is NotFound, everything else Io. `action` reads "cannot <action> `path`".
StoreError system_error(int errno_value, std::string_view action, const std::string& path);

template <class T>
class [[nodiscard]] StoreResult {
 public:
  StoreResult(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  StoreResult(StoreError error) : state_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // Precondition: ok().
  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }

  // Precondition: !ok().
  const StoreError& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, StoreError> state_;
};

template <>
class [[nodiscard]] StoreResult<void> {
 public:
  StoreResult() = default;
  StoreResult(StoreError error) : error_(std::move(error)) {}

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }

  // Precondition: !ok().
  const StoreError& error() const { return *error_; }

 private:
  std::optional<StoreError> error_;
};

}  // namespace mlf::runtime
