#include "runtime/store/store_error.h"

#include <cerrno>
#include <cstring>

namespace mlf::runtime {

const char* store_error_kind_name(StoreError::Kind kind) {
  switch (kind) {
    case StoreError::Kind::NotFound: return "not found";
    case StoreError::Kind::Corrupt: return "corrupt";
    case StoreError::Kind::Io: return "i/o error";
    case StoreError::Kind::NoSpace: return "no space";
  }
  return "unknown";
}

std::string backticked(std::string_view path) {
  std::string out;
  out.reserve(path.size() + 2);
  out += '`';
  out += path;
  out += '`';
  return out;
}

StoreError system_error(int errno_value, std::string_view action, const std::string& path) {
  StoreError::Kind kind = StoreError::Kind::Io;
  if (errno_value == ENOSPC || errno_value == EDQUOT) kind = StoreError::Kind::NoSpace;
  else if (errno_value == ENOENT) kind = StoreError::Kind::NotFound;
  std::string message = "cannot ";
  message += action;
  message += ' ';
  message += backticked(path);
  message += ": ";
  std::string reason = std::strerror(errno_value);
  // "No such file or directory" → "no such file or directory": messages are lower-case.
  if (!reason.empty() && reason[0] >= 'A' && reason[0] <= 'Z') reason[0] = static_cast<char>(reason[0] - 'A' + 'a');
  message += reason;
  return StoreError{kind, std::move(message), path};
}

}  // namespace mlf::runtime
