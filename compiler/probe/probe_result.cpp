#include "compiler/probe/probe_result.h"

namespace mlf::probe {

const char* element_type_name(ElementType type) {
  switch (type) {
    case ElementType::U8: return "u8";
    case ElementType::I8: return "i8";
    case ElementType::I16: return "i16";
    case ElementType::I32: return "i32";
    case ElementType::I64: return "i64";
    case ElementType::F32: return "f32";
    case ElementType::F64: return "f64";
  }
  return "?";
}

std::size_t element_size(ElementType type) {
  switch (type) {
    case ElementType::U8:
    case ElementType::I8: return 1;
    case ElementType::I16: return 2;
    case ElementType::I32:
    case ElementType::F32: return 4;
    case ElementType::I64:
    case ElementType::F64: return 8;
  }
  return 1;
}

const char* probe_error_kind_name(ProbeError::Kind kind) {
  switch (kind) {
    case ProbeError::Kind::NotFound: return "not found";
    case ProbeError::Kind::Unreadable: return "unreadable";
    case ProbeError::Kind::BadFormat: return "bad format";
  }
  return "?";
}

std::string in_backticks(std::string_view path) {
  std::string out;
  out.reserve(path.size() + 2);
  out += '`';
  out += path;
  out += '`';
  return out;
}

}  // namespace mlf::probe
