// Byte spans of ANTLR tokens and contexts.
//
// ANTLR's input stream works on UTF-32 code points, so token indexes into the character
// stream are code-point indexes; spans in the AST are byte offsets into the UTF-8 source.
// TokenSpans maps one to the other with a table built once per file (none at all for ASCII).
// Private to compiler/syntax.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "antlr4-runtime.h"
#include "compiler/source/source_file.h"

namespace mlf::syntax {

class TokenSpans {
 public:
  /// `text` is the part of the file given to ANTLR; it starts at byte `base` of the file.
  TokenSpans(FileId file, std::string_view text, std::uint32_t base) : file_(file), base_(base) {
    bool ascii = true;
    for (char c : text) {
      if (static_cast<unsigned char>(c) >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      ascii_length_ = static_cast<std::uint32_t>(text.size());
      return;
    }
    byte_of_code_point_.reserve(text.size() + 1);
    for (std::uint32_t i = 0; i < text.size(); ++i) {
      if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) byte_of_code_point_.push_back(i);
    }
    byte_of_code_point_.push_back(static_cast<std::uint32_t>(text.size()));
  }

  FileId file() const { return file_; }
  /// True when every byte of the text is ASCII: code-point indexes are byte indexes.
  bool ascii() const { return byte_of_code_point_.empty(); }

  /// Byte offset in the file of a code-point index of the character stream.
  std::uint32_t byte(std::size_t code_point) const {
    if (byte_of_code_point_.empty())
      return base_ + static_cast<std::uint32_t>(std::min<std::size_t>(code_point, ascii_length_));
    if (code_point >= byte_of_code_point_.size()) return base_ + byte_of_code_point_.back();
    return base_ + byte_of_code_point_[code_point];
  }

  Span token(const antlr4::Token* token) const {
    std::size_t start = token->getStartIndex();
    std::size_t stop = token->getStopIndex();
    if (start == INVALID_INDEX) return Span{file_, base_, base_};
    std::uint32_t begin = byte(start);
    // EOF has stop == start - 1: an empty span.
    std::uint32_t end = (stop == INVALID_INDEX || stop + 1 < start) ? begin : byte(stop + 1);
    return Span{file_, begin, end < begin ? begin : end};
  }

  /// From the first to the last token of a rule context.
  Span context(antlr4::ParserRuleContext* context) const {
    Span first = token(context->getStart());
    const antlr4::Token* stop = context->getStop();
    if (stop == nullptr || stop->getTokenIndex() == INVALID_INDEX ||
        stop->getTokenIndex() < context->getStart()->getTokenIndex())
      return first;
    return Span::cover(first, token(stop));
  }

 private:
  FileId file_;
  std::uint32_t base_;
  std::uint32_t ascii_length_ = 0;
  std::vector<std::uint32_t> byte_of_code_point_;
};

}  // namespace mlf::syntax
