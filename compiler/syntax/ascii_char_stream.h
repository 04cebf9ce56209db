// An ANTLR character stream over ASCII text, read in place. Private to compiler/syntax.
//
// ANTLRInputStream copies its input into a UTF-32 string (one allocation and a conversion
// loop per file) and converts every token's text back to UTF-8 when asked for it. For ASCII
// text a code point is a byte, so this stream indexes the bytes directly and hands out token
// text as a plain substring. It behaves like ANTLRInputStream on the same text (LA, seek,
// getText clamping); non-ASCII text still goes through ANTLRInputStream.
// The text must outlive the stream.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "antlr4-runtime.h"

namespace mlf::syntax {

class AsciiCharStream final : public antlr4::CharStream {
 public:
  explicit AsciiCharStream(std::string_view text) : text_(text) {}

  void consume() override;
  std::size_t LA(ssize_t i) override;
  ssize_t mark() override { return -1; }
  void release(ssize_t) override {}
  std::size_t index() override { return position_; }
  void seek(std::size_t index) override;
  std::size_t size() override { return text_.size(); }
  std::string getSourceName() const override { return UNKNOWN_SOURCE_NAME; }
  std::string getText(const antlr4::misc::Interval& interval) override;
  std::string toString() const override { return std::string(text_); }

 private:
  std::string_view text_;
  std::size_t position_ = 0;
};

}  // namespace mlf::syntax
