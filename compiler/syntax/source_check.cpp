#include "compiler/syntax/source_check.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace mlf::syntax {

namespace {

// Reported one by one up to this many of each kind; the rest are counted in a note.
constexpr int kMaxReportedPerKind = 5;

enum class Utf8Problem {
  None,
  StrayContinuation,
  ImpossibleByte,
  Overlong,
  Surrogate,
  TooLarge,
  Truncated
};

struct Utf8Sequence {
  std::size_t length;  // bytes covered (the whole bad sequence when there is a problem)
  Utf8Problem problem;
};

bool is_continuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

// Decodes the sequence starting at `at` (RFC 3629: shortest form only, no surrogates,
// nothing above U+10FFFF).
Utf8Sequence next_sequence(std::string_view text, std::size_t at) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char lead = byte(at);
  if (lead < 0x80) return {1, Utf8Problem::None};
  if (is_continuation(lead)) return {1, Utf8Problem::StrayContinuation};
  if (lead >= 0xF8) return {1, Utf8Problem::ImpossibleByte};

  std::size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
  // The range the second byte must fall in; anything else outside 80..BF is an encoding error
  // of the kind named by the lead byte.
  unsigned char low = 0x80, high = 0xBF;
  Utf8Problem out_of_range = Utf8Problem::Truncated;
  if (lead == 0xC0 || lead == 0xC1) {
    low = 0xFF, high = 0x00, out_of_range = Utf8Problem::Overlong;
  } else if (lead == 0xE0) {
    low = 0xA0, out_of_range = Utf8Problem::Overlong;
  } else if (lead == 0xED) {
    high = 0x9F, out_of_range = Utf8Problem::Surrogate;
  } else if (lead == 0xF0) {
    low = 0x90, out_of_range = Utf8Problem::Overlong;
  } else if (lead == 0xF4) {
    high = 0x8F, out_of_range = Utf8Problem::TooLarge;
  } else if (lead > 0xF4) {
    low = 0xFF, high = 0x00, out_of_range = Utf8Problem::TooLarge;
  }

  // Count the continuation bytes that are present, to cover the whole sequence in the span.
  std::size_t present = 1;
  while (present < length && at + present < text.size() && is_continuation(byte(at + present)))
    ++present;
  if (low > high) return {present, out_of_range};  // the lead byte alone rules the form out
  if (present < 2) return {1, Utf8Problem::Truncated};
  unsigned char second = byte(at + 1);
  if (second < low || second > high) return {present, out_of_range};
  if (present < length) return {present, Utf8Problem::Truncated};
  return {length, Utf8Problem::None};
}

std::string hex_byte(unsigned char byte) {
  static const char* digits = "0123456789ABCDEF";
  return std::string("0x") + digits[byte >> 4] + digits[byte & 15];
}

std::string utf8_message(Utf8Problem problem, unsigned char lead) {
  switch (problem) {
    case Utf8Problem::StrayContinuation:
      return "invalid UTF-8: continuation byte `" + hex_byte(lead) + "` without a lead byte";
    case Utf8Problem::ImpossibleByte:
      return "invalid UTF-8: byte `" + hex_byte(lead) + "` never occurs in UTF-8";
    case Utf8Problem::Overlong: return "invalid UTF-8: overlong encoding";
    case Utf8Problem::Surrogate: return "invalid UTF-8: encoded UTF-16 surrogate";
    case Utf8Problem::TooLarge: return "invalid UTF-8: code point above U+10FFFF";
    case Utf8Problem::Truncated: return "invalid UTF-8: incomplete multi-byte sequence";
    case Utf8Problem::None: break;
  }
  return "invalid UTF-8";
}

Span span_at(const SourceFile& file, std::size_t begin, std::size_t length) {
  return Span{file.id(), static_cast<std::uint32_t>(begin),
              static_cast<std::uint32_t>(begin + length)};
}

bool looks_like_utf16(std::string_view text) {
  return text.size() >= 2 && ((static_cast<unsigned char>(text[0]) == 0xFF &&
                               static_cast<unsigned char>(text[1]) == 0xFE) ||
                              (static_cast<unsigned char>(text[0]) == 0xFE &&
                               static_cast<unsigned char>(text[1]) == 0xFF));
}

}  // namespace

bool check_source_bytes(const SourceFile& file, DiagnosticEngine& diagnostics,
                        const ParseLimits& limits) {
  std::string_view text = file.text();
  if (text.size() > limits.max_bytes) {
    diagnostics
        .report(DiagnosticKind::SourceTooLarge, span_at(file, 0, 0),
                "source file is " + std::to_string(text.size()) +
                    " bytes, more than the limit of " + std::to_string(limits.max_bytes))
        .help("split the pipeline into several files joined with `import`");
    return false;
  }

  const std::string utf16_help = "the file looks like UTF-16; save it as UTF-8";
  bool utf16 = looks_like_utf16(text);

  std::size_t nul_count = 0;
  std::size_t first_unreported_nul = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\0') continue;
    ++nul_count;
    if (nul_count == kMaxReportedPerKind + 1) first_unreported_nul = i;
    if (nul_count <= kMaxReportedPerKind) {
      diagnostics.report(DiagnosticKind::NulByte, span_at(file, i, 1), "NUL byte in source")
          .primary_label("byte 0x00")
          .help(utf16 ? utf16_help : "the file may be binary; .mlflow files are UTF-8 text");
    }
  }
  if (nul_count > kMaxReportedPerKind) {
    diagnostics
        .report(DiagnosticKind::NulByte, span_at(file, first_unreported_nul, 1),
                std::to_string(nul_count - kMaxReportedPerKind) +
                    " more NUL bytes in source, from here on")
        .note("only the first " + std::to_string(kMaxReportedPerKind) + " are shown one by one");
  }

  std::size_t bad_count = 0;
  std::size_t first_unreported_bad = 0;
  for (std::size_t i = 0; i < text.size();) {
    Utf8Sequence sequence = next_sequence(text, i);
    if (sequence.problem != Utf8Problem::None) {
      ++bad_count;
      if (bad_count == kMaxReportedPerKind + 1) first_unreported_bad = i;
      if (bad_count <= kMaxReportedPerKind) {
        auto builder =
            diagnostics.report(DiagnosticKind::InvalidUtf8, span_at(file, i, sequence.length),
                               utf8_message(sequence.problem, static_cast<unsigned char>(text[i])));
        builder.primary_label("not valid UTF-8");
        builder.help(utf16 ? utf16_help : "save the file as UTF-8");
      }
    }
    i += sequence.length;
  }
  if (bad_count > kMaxReportedPerKind) {
    diagnostics
        .report(DiagnosticKind::InvalidUtf8, span_at(file, first_unreported_bad, 1),
                std::to_string(bad_count - kMaxReportedPerKind) +
                    " more invalid UTF-8 sequences in source, from here on")
        .note("only the first " + std::to_string(kMaxReportedPerKind) + " are shown one by one");
  }
  return nul_count == 0 && bad_count == 0;
}

}  // namespace mlf::syntax
