// `mlf lsp`: the language server over stdin/stdout (compiler/lsp/server.h). Runs until the
// client sends `exit` or closes the stream. Loads neither LibTorch nor LLVM.
#include <iostream>

#include "compiler/driver/command_line.h"
#include "compiler/driver/commands.h"
#include "compiler/driver/help_text.h"
#include "compiler/lsp/message_framing.h"
#include "compiler/lsp/server.h"

namespace mlf::driver {

int run_lsp(const std::vector<std::string>& argv) {
  ParsedArgs args;
  // Editors' clients pass --stdio to say which transport; it is the only one.
  std::vector<FlagSpec> flags = {{"--stdio", "", false, false}, {"--help", "-h", false, false}};
  if (auto error = parse_args(argv, flags, args)) return usage_error("lsp", *error);
  if (args.has("--help")) {
    std::cout << help_text("lsp");
    return kOk;
  }
  if (!args.positional.empty()) return usage_error("lsp", "`mlf lsp` takes no FILE");
  std::ios::sync_with_stdio(false);
  lsp::Server server;
  while (!server.exited()) {
    lsp::ReadResult read = lsp::read_message(std::cin);
    switch (read.status) {
      case lsp::ReadStatus::EndOfStream: return server.exit_code();
      case lsp::ReadStatus::BadHeader:
        lsp::write_message(std::cout, server.framing_error("a message header without a valid Content-Length"));
        continue;
      case lsp::ReadStatus::Oversize:
        lsp::write_message(std::cout, server.framing_error("a message larger than 64 MiB, skipped"));
        continue;
      case lsp::ReadStatus::Message:
        for (const auto& reply : server.handle(read.body)) lsp::write_message(std::cout, reply);
        break;
    }
  }
  return server.exit_code();
}

}  // namespace mlf::driver
