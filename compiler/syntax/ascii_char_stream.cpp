#include "compiler/syntax/ascii_char_stream.h"

#include <algorithm>

namespace mlf::syntax {

void AsciiCharStream::consume() {
  if (position_ >= text_.size()) throw antlr4::IllegalStateException("cannot consume EOF");
  ++position_;
}

std::size_t AsciiCharStream::LA(ssize_t i) {
  if (i == 0) return 0;  // undefined, as in ANTLRInputStream
  auto at = static_cast<ssize_t>(position_) + (i < 0 ? i : i - 1);
  if (at < 0 || at >= static_cast<ssize_t>(text_.size())) return EOF;
  return static_cast<unsigned char>(text_[static_cast<std::size_t>(at)]);
}

void AsciiCharStream::seek(std::size_t index) {
  // Backwards anywhere; forwards no further than the end.
  position_ = index <= position_ ? index : std::min(index, text_.size());
}

std::string AsciiCharStream::getText(const antlr4::misc::Interval& interval) {
  if (interval.a < 0 || interval.b < 0) return {};
  auto start = static_cast<std::size_t>(interval.a);
  auto stop = static_cast<std::size_t>(interval.b);
  if (start >= text_.size()) return {};
  if (stop >= text_.size()) stop = text_.size() - 1;
  return std::string(text_.substr(start, stop - start + 1));
}

}  // namespace mlf::syntax
