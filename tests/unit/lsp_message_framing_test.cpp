// The language server's framing of messages (compiler/lsp/message_framing.h) on streams a
// client could send; the fuzz target tests/fuzz/lsp_framing_fuzzer.cpp checks the same laws
// on random input.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "compiler/lsp/message_framing.h"

namespace mlf::lsp {
namespace {

TEST(MessageFraming, AMessageIsItsDeclaredBytesAfterTheBlankLine) {
  std::istringstream in("Content-Length: 2\r\n\r\n{}Content-Length: 0\r\n\r\n");
  ReadResult first = read_message(in);
  ASSERT_EQ(first.status, ReadStatus::Message);
  EXPECT_EQ(first.body, "{}");
  ReadResult second = read_message(in);
  ASSERT_EQ(second.status, ReadStatus::Message);
  EXPECT_EQ(second.body, "");
  EXPECT_EQ(read_message(in).status, ReadStatus::EndOfStream);
}

// Found by the fuzzer: a header block cut off before the LF of its blank line was read as a
// complete message.
TEST(MessageFraming, AHeaderBlockCutOffBeforeItsBlankLineIsTheEndOfTheStream) {
  std::istringstream in("Content-Length: 0\r\n\r");
  EXPECT_EQ(read_message(in).status, ReadStatus::EndOfStream);
  std::istringstream no_blank_line("Content-Length: 0\r\n");
  EXPECT_EQ(read_message(no_blank_line).status, ReadStatus::EndOfStream);
}

TEST(MessageFraming, ABodyCutOffByTheEndOfTheStreamIsNoMessage) {
  std::istringstream in("Content-Length: 10\r\n\r\n{}");
  ReadResult result = read_message(in);
  EXPECT_NE(result.status, ReadStatus::Message);
  EXPECT_TRUE(result.body.empty());
}

}  // namespace
}  // namespace mlf::lsp
