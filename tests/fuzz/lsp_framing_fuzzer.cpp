// libFuzzer target for the language server's message framing (compiler/lsp/message_framing.h):
// bytes → read_message until the stream ends. The input is what a client could send.
// Invariants, each a trap when broken:
//   - a message's body is exactly the bytes that follow its header block: the reader never
//     reads past the declared length, and the next message starts where this one ended;
//   - a body written back with write_message reads back as the same single message;
//   - no allocation while reading is larger than a few times the input: a declared length
//     alone never sizes a buffer (malloc hook below);
//   - every read consumes input or ends the stream, so the loop ends.
#include <sanitizer/allocator_interface.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "compiler/lsp/message_framing.h"

namespace {

// The largest single allocation while `tracking` is set.
std::atomic<bool> tracking{false};
std::atomic<std::size_t> largest_allocation{0};

void on_malloc(const volatile void*, std::size_t size) {
  if (!tracking.load(std::memory_order_relaxed)) return;
  std::size_t seen = largest_allocation.load(std::memory_order_relaxed);
  while (size > seen && !largest_allocation.compare_exchange_weak(seen, size)) {
  }
}

void on_free(const volatile void*) {}

const bool hooks_installed = __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free) != 0;

// What reading `input_bytes` may allocate at most: the string growth of a body as its bytes
// arrive (at most twice what arrived), the reader's pieces, and the stream's own buffers.
std::size_t allocation_bound(std::size_t input_bytes) { return 4 * input_bytes + (1u << 20); }

std::streamoff position(std::istream& in, std::size_t end) {
  if (in.eof()) return static_cast<std::streamoff>(end);
  return in.tellg();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (!hooks_installed) __builtin_trap();
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  std::istringstream in(bytes);

  largest_allocation = 0;
  tracking = true;
  std::streamoff before = 0;
  for (std::size_t reads = 0;; ++reads) {
    if (reads > size) __builtin_trap();  // a read that consumed nothing and did not end
    mlf::lsp::ReadResult result = mlf::lsp::read_message(in);
    if (result.status == mlf::lsp::ReadStatus::EndOfStream) {
      if (!result.body.empty()) __builtin_trap();
      break;
    }
    std::streamoff after = position(in, size);
    if (after <= before || after > static_cast<std::streamoff>(size)) __builtin_trap();
    if (result.status != mlf::lsp::ReadStatus::Message) {
      if (!result.body.empty()) __builtin_trap();
    } else {
      // The body is the last `body.size()` bytes consumed, after a header block.
      const std::string& body = result.body;
      if (body.size() > mlf::lsp::kMaxMessageBytes) __builtin_trap();
      if (static_cast<std::streamoff>(body.size()) > after - before) __builtin_trap();
      if (bytes.compare(static_cast<std::size_t>(after) - body.size(), body.size(), body) != 0)
        __builtin_trap();
      // The header block ends with its blank line.
      std::size_t header_end = static_cast<std::size_t>(after) - body.size();
      if (header_end < static_cast<std::size_t>(before) + 2 || bytes[header_end - 1] != '\n')
        __builtin_trap();

      std::ostringstream written;
      mlf::lsp::write_message(written, body);
      std::istringstream again(written.str());
      mlf::lsp::ReadResult reread = mlf::lsp::read_message(again);
      if (reread.status != mlf::lsp::ReadStatus::Message || reread.body != body) __builtin_trap();
      if (mlf::lsp::read_message(again).status != mlf::lsp::ReadStatus::EndOfStream)
        __builtin_trap();
    }
    before = after;
  }
  tracking = false;
  if (largest_allocation > allocation_bound(size)) __builtin_trap();
  return 0;
}
