// mlf: the command-line entry point. Dispatches to a subcommand and turns anything that
// escapes one into an internal error (exit 3), never a crash or a stack trace.
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "compiler/driver/commands.h"
#include "compiler/driver/heap_tuning.h"
#include "compiler/driver/help_text.h"
#include "compiler/driver/command_line.h"
#include "runtime/record/build_info.h"

namespace mlf::driver {

int usage_error(const std::string& command, const std::string& message) {
  std::cerr << "error: " << message << "\nusage: " << usage_line(command)
            << "\n(`mlf " << (command.empty() ? "" : command + " ") << "--help` for more)\n";
  return kUsageError;
}

namespace {

int dispatch(const std::vector<std::string>& argv) {
  if (argv.empty()) return usage_error("", "missing COMMAND");
  const std::string& command = argv[0];
  std::vector<std::string> rest(argv.begin() + 1, argv.end());
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << help_text("");
    return kOk;
  }
  if (command == "--version") {
    std::cout << runtime::mlf_version_line() << "\n";
    return kOk;
  }
  // The front-end commands are short and allocation-bound; the others (run: LibTorch has
  // its own allocators; lsp: long-lived) keep glibc's defaults.
  if (command == "check" || command == "build" || command == "graph")
    reserve_heap_with_huge_pages(std::size_t{64} << 20);
  if (command == "check") return run_check(rest);
  if (command == "build") return run_build(rest);
  if (command == "graph") return run_graph(rest);
  if (command == "fmt") return run_fmt(rest);
  if (command == "run") return run_run(rest);
  if (command == "replay") return run_replay(rest);
  if (command == "runs") return run_runs(rest);
  if (command == "show") return run_show(rest);
  if (command == "verify") return run_verify(rest);
  if (command == "gc") return run_gc(rest);
  if (command == "compare") return run_compare(rest);
  if (command == "lineage") return run_lineage(rest);
  if (command == "lsp") return run_lsp(rest);
  if (command == "report") return run_report(rest);
  if (command == "ops") return run_ops(rest);
  if (command == "pin") return run_pin(rest);
  if (command == "unpin") return run_unpin(rest);
  return usage_error("", "unknown command `" + command + "`");
}

}  // namespace
}  // namespace mlf::driver

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    return mlf::driver::dispatch(args);
  } catch (const std::exception& error) {
    std::cerr << "internal error: " << error.what()
              << "\nthis is a bug in mlf, not in your pipeline; please report it with the "
                 "command that caused it\n";
    return mlf::driver::kInternalError;
  } catch (...) {
    std::cerr << "internal error: unknown exception\nthis is a bug in mlf; please report it\n";
    return mlf::driver::kInternalError;
  }
}
