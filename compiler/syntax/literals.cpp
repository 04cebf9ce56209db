#include "compiler/syntax/literals.h"

#include <charconv>
#include <cstdlib>
#include <system_error>

namespace mlf::syntax {

namespace {

std::size_t utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  return 2;
}

// Decimal exponent of the leading significant digit: > 0 when the magnitude is at least 10.
// Used only to tell overflow from underflow when from_chars reports "out of range".
long decimal_magnitude(std::string_view text) {
  long position = 0;  // of the first significant digit, relative to the decimal point
  bool seen_point = false, seen_digit = false;
  long integer_digits = 0;
  std::size_t i = 0;
  for (; i < text.size() && text[i] != 'e' && text[i] != 'E'; ++i) {
    char c = text[i];
    if (c == '.') {
      seen_point = true;
    } else if (!seen_digit && c == '0') {
      if (seen_point) --position;
    } else {
      seen_digit = true;
      if (!seen_point) ++integer_digits;
    }
  }
  if (!seen_digit) return 0;
  long exponent = 0;
  if (i < text.size()) exponent = std::strtol(std::string(text.substr(i + 1)).c_str(), nullptr, 10);
  return (integer_digits > 0 ? integer_digits - 1 : position - 1) + exponent;
}

}  // namespace

NumberValue number_value(std::string_view text) {
  NumberValue value;
  value.literal.text = std::string(text);
  value.literal.is_integer = text.find_first_of(".eE") == std::string_view::npos;
  const char* first = text.data();
  const char* last = text.data() + text.size();

  double real = 0.0;
  auto [real_end, real_error] = std::from_chars(first, last, real);
  if (real_error == std::errc::result_out_of_range) {
    if (decimal_magnitude(text) > 0) {
      value.too_large = true;
      real = 0.0;
    } else {
      // Below the smallest normal double: strtod gives the subnormal or zero.
      real = std::strtod(std::string(text).c_str(), nullptr);
    }
  }
  value.literal.real = real;

  if (value.literal.is_integer) {
    std::int64_t integer = 0;
    auto [end, error] = std::from_chars(first, last, integer);
    if (error == std::errc::result_out_of_range) {
      value.too_large = true;
      integer = 0;
    }
    value.literal.integer = integer;
  }
  return value;
}

std::string string_value(std::string_view token_text) {
  std::string_view body = token_text.substr(token_text.empty() ? 0 : 1);
  if (!body.empty() && body.back() == '"') {
    // A closing quote, unless it is the escaped quote of an unterminated string.
    std::size_t backslashes = 0;
    for (std::size_t i = body.size() - 1; i > 0 && body[i - 1] == '\\'; --i) ++backslashes;
    if (backslashes % 2 == 0) body.remove_suffix(1);
  }
  std::string value;
  value.reserve(body.size());
  for (std::size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c != '\\' || i + 1 == body.size()) {
      if (c != '\\') value += c;  // a lone backslash at the end of an unterminated string
      continue;
    }
    char escaped = body[++i];
    switch (escaped) {
      case '"': value += '"'; break;
      case '\\': value += '\\'; break;
      case 'n': value += '\n'; break;
      case 't': value += '\t'; break;
      default:
        value += '\\';
        value += escaped;
        break;
    }
  }
  return value;
}

std::vector<BadEscape> bad_escapes(std::string_view token_text) {
  std::vector<BadEscape> found;
  for (std::size_t i = 1; i < token_text.size(); ++i) {
    if (token_text[i] != '\\' || i + 1 >= token_text.size()) continue;
    char escaped = token_text[i + 1];
    if (escaped == '"' || escaped == '\\' || escaped == 'n' || escaped == 't') {
      ++i;
      continue;
    }
    std::size_t length = 1 + utf8_length(static_cast<unsigned char>(escaped));
    if (i + length > token_text.size()) length = token_text.size() - i;
    found.push_back({i, length});
    i += length - 1;
  }
  return found;
}

}  // namespace mlf::syntax
