// What every compile-time probe returns: a value or a ProbeError.
//
// Takes: nothing; each probe (idx_probe.h, csv_probe.h, npy_probe.h, image_folder_probe.h,
// file_digest.h) fills one of these in.
// Promises: a ProbeError's kind maps one-to-one onto the data-file diagnostics
// (NotFound -> FileNotFound, Unreadable -> FileUnreadable, BadFormat -> BadFileFormat); its
// message is lower-case, has no trailing period, and names the file in backticks, so the
// caller can emit it verbatim at the span of the path literal. When the message quotes bytes
// of the file (a CSV header, a cell, magic bytes), `content_free` says the same without them,
// for files outside the project whose content must never reach a diagnostic
// (docs/language.md, "Paths outside the project"); it is empty when `message` quotes none.
// Does not: know about spans or the diagnostic engine, or throw. ProbeResult<T> is a plain
// std::variant: test with ok(), take the value with std::get<T> or the error with error().
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

namespace mlf::probe {

// The element types a data file may hold, as the type checker names them.
enum class ElementType { U8, I8, I16, I32, I64, F32, F64 };

// "u8", "i8", "i16", "i32", "i64", "f32", "f64".
const char* element_type_name(ElementType type);

// Size of one element in bytes.
std::size_t element_size(ElementType type);

struct ProbeError {
  enum class Kind { NotFound, Unreadable, BadFormat } kind;
  std::string message;
  std::string content_free = {};  // `message` without the file's bytes; "" when it quotes none
};

// "not found", "unreadable", "bad format"; for logs and test failure output.
const char* probe_error_kind_name(ProbeError::Kind kind);

template <class T>
using ProbeResult = std::variant<T, ProbeError>;

template <class T>
bool ok(const ProbeResult<T>& result) {
  return result.index() == 0;
}

// Precondition: !ok(result).
template <class T>
const ProbeError& error(const ProbeResult<T>& result) {
  return std::get<ProbeError>(result);
}

// `path` in backticks: how every probe message names a file.
std::string in_backticks(std::string_view path);

}  // namespace mlf::probe
