// The base protocol of the language server: JSON-RPC messages framed by HTTP-like headers
// (`Content-Length: N\r\n\r\n` then N bytes of JSON) over a byte stream.
//
// Promises: reading never throws and never trusts a declared length blindly: a message longer
// than kMaxMessageBytes is skipped (its bytes consumed) and reported as Oversize; a header
// block without a usable Content-Length is reported as BadHeader and the reader goes on with
// the next header block. The memory a body takes grows with the bytes that arrive, never
// with the declared length alone; a message is never read past its declared length. Writing
// flushes after each message.
// Does not: parse the JSON (server.h does).
#pragma once

#include <cstddef>
#include <istream>
#include <ostream>
#include <string>

namespace mlf::lsp {

inline constexpr std::size_t kMaxMessageBytes = std::size_t{64} << 20;

enum class ReadStatus { Message, EndOfStream, BadHeader, Oversize };

struct ReadResult {
  ReadStatus status = ReadStatus::EndOfStream;
  std::string body;
};

ReadResult read_message(std::istream& in);
void write_message(std::ostream& out, const std::string& body);

}  // namespace mlf::lsp
