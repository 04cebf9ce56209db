#include "compiler/lsp/message_framing.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace mlf::lsp {

namespace {

// A body is read in pieces of this size (see read_message).
constexpr std::size_t kBodyPieceBytes = 64 * 1024;

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// Reads one header line without its CR LF; false at the end of the stream, including a
// line the stream cut off before its LF: a header block is complete only with its blank line.
bool read_header_line(std::istream& in, std::string& line) {
  line.clear();
  if (!std::getline(in, line) || in.eof()) return false;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return true;
}

}  // namespace

ReadResult read_message(std::istream& in) {
  ReadResult result;
  std::string line;
  bool any_header = false;
  std::int64_t length = -1;
  bool bad_length = false;
  while (true) {
    if (!read_header_line(in, line)) return result;  // EndOfStream
    if (line.empty()) {
      if (!any_header) continue;  // stray blank lines between messages
      break;
    }
    any_header = true;
    auto colon = line.find(':');
    if (colon == std::string::npos) {
      bad_length = true;
      continue;
    }
    if (lower(line.substr(0, colon)) != "content-length") continue;
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    value.erase(value.find_last_not_of(" \t") + 1);
    if (value.empty() || value.size() > 18 ||
        !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      bad_length = true;
      continue;
    }
    length = std::stoll(value);
  }
  if (bad_length || length < 0) {
    result.status = ReadStatus::BadHeader;
    return result;
  }
  if (static_cast<std::uint64_t>(length) > kMaxMessageBytes) {
    // Consume the body in pieces so the stream stays in step with the next message.
    char buffer[65536];
    std::int64_t left = length;
    while (left > 0 && in) {
      in.read(buffer, std::min<std::int64_t>(left, sizeof buffer));
      left -= in.gcount();
      if (in.gcount() == 0) break;
    }
    result.status = ReadStatus::Oversize;
    return result;
  }
  // The body grows with the bytes that arrive, a piece at a time: sizing it from the header
  // alone would let a few bytes of input declaring 64 MiB allocate and zero 64 MiB.
  std::size_t left = static_cast<std::size_t>(length);
  while (left > 0) {
    std::size_t piece = std::min(left, kBodyPieceBytes);
    std::size_t have = result.body.size();
    result.body.resize(have + piece);
    in.read(result.body.data() + have, static_cast<std::streamsize>(piece));
    if (static_cast<std::size_t>(in.gcount()) != piece) return ReadResult{};  // the stream ended inside a body
    left -= piece;
  }
  result.status = ReadStatus::Message;
  return result;
}

void write_message(std::ostream& out, const std::string& body) {
  out << "Content-Length: " << body.size() << "\r\n\r\n" << body;
  out.flush();
}

}  // namespace mlf::lsp
