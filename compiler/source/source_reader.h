// Reading a source file (a pipeline, an import, mlflow.toml) from disk.
//
// Takes: a path and a size limit in bytes.
// Promises: only regular files are read. The path is checked with stat() before it is
// opened, opened with O_NONBLOCK so that a FIFO swapped in meanwhile cannot block open(),
// and checked again with fstat() on the opened descriptor; a device, FIFO, socket or folder
// is refused without reading a byte. A file larger than the limit is refused from its size
// before anything is read, and the read stops one byte past the limit, so a file that grows
// while it is read is refused too: memory use is bounded by the limit whatever the path is.
// Does not: decide which paths may be read, or decode the bytes.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

namespace mlf {

struct SourceReadError {
  enum class Kind {
    NotFound,     // no such file (or a component of the path is missing)
    NotRegular,   // a folder, device, FIFO or socket
    TooLarge,     // over the limit; `size` is what was found (at least limit + 1)
    Unreadable,   // permission denied, I/O error, ...
  };
  Kind kind = Kind::Unreadable;
  std::string reason;      // lower-case, for messages: "a FIFO", "permission denied", ...
  std::uint64_t size = 0;  // TooLarge
};

using SourceRead = std::variant<std::string, SourceReadError>;

SourceRead read_source_file(const std::string& path, std::uint64_t max_bytes);

}  // namespace mlf
