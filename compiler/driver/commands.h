// The subcommands of `mlf`. Each takes the arguments after its name and returns an exit
// code (command_line.h: 0 ok, 1 user error, 2 usage error, 3 internal error).
#pragma once

#include <string>
#include <vector>

namespace mlf::driver {

int run_check(const std::vector<std::string>& args);
int run_build(const std::vector<std::string>& args);
int run_graph(const std::vector<std::string>& args);
int run_fmt(const std::vector<std::string>& args);
int run_run(const std::vector<std::string>& args);
int run_replay(const std::vector<std::string>& args);
int run_runs(const std::vector<std::string>& args);
int run_show(const std::vector<std::string>& args);
int run_verify(const std::vector<std::string>& args);
int run_gc(const std::vector<std::string>& args);
int run_compare(const std::vector<std::string>& args);  // compare_command.cpp
int run_lineage(const std::vector<std::string>& args);  // lineage_command.cpp
int run_lsp(const std::vector<std::string>& args);     // lsp_command.cpp
int run_report(const std::vector<std::string>& args);  // report_command.cpp
int run_ops(const std::vector<std::string>& args);     // ops_command.cpp
int run_pin(const std::vector<std::string>& args);     // pin_command.cpp
int run_unpin(const std::vector<std::string>& args);   // pin_command.cpp

// Prints `message` and the command's usage line to stderr; returns the usage exit code.
int usage_error(const std::string& command, const std::string& message);

}  // namespace mlf::driver
