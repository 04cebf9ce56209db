// The values of NUMBER and STRING tokens. Private to compiler/syntax.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/ast/ast.h"

namespace mlf::syntax {

/// A NUMBER token's value. `too_large` when an integer does not fit in int64 (then `integer`
/// is 0; `real` still holds the value) or a real overflows double (then `real` is 0).
struct NumberValue {
  ast::NumberLiteral literal;
  bool too_large = false;
};
NumberValue number_value(std::string_view text);

/// The value of a STRING token (quotes included; the closing one may be missing). Escapes
/// \" \\ \n \t are decoded; any other escape is kept as written (it has been reported).
std::string string_value(std::string_view token_text);

/// An escape other than \" \\ \n \t: its byte range within the token text.
struct BadEscape {
  std::size_t offset;
  std::size_t length;
};
std::vector<BadEscape> bad_escapes(std::string_view token_text);

}  // namespace mlf::syntax
