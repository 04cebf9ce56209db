// `mlf ops [NAME...] [--markdown]`: the op catalogue for people. Without NAME, one line per
// op grouped by kind; with NAMEs, each op's signature, parameters, defaults and ranges;
// with --markdown, the reference page docs/ops.md is generated from.
#include <iostream>

#include "compiler/diagnostics/diagnostic_engine.h"
#include "compiler/driver/command_line.h"
#include "compiler/driver/commands.h"
#include "compiler/driver/help_text.h"
#include "stdlib/catalogue.h"
#include "stdlib/catalogue_reference.h"

namespace mlf::driver {

int run_ops(const std::vector<std::string>& argv) {
  ParsedArgs args;
  std::vector<FlagSpec> flags = {{"--markdown", "", false, false}, {"--help", "-h", false, false}};
  if (auto error = parse_args(argv, flags, args)) return usage_error("ops", *error);
  if (args.has("--help")) {
    std::cout << help_text("ops");
    return kOk;
  }
  const Catalogue& ops = catalogue();
  if (args.has("--markdown")) {
    if (!args.positional.empty()) return usage_error("ops", "--markdown takes no NAME");
    std::cout << render_catalogue_markdown(ops);
    return kOk;
  }
  if (args.positional.empty()) {
    for (const auto& [name, op] : ops.ops())
      std::cout << name << std::string(name.size() < 16 ? 16 - name.size() : 1, ' ')
                << op_kind_name(op.kind) << " — " << op.summary << "\n";
    return kOk;
  }
  int status = kOk;
  bool first = true;
  for (const auto& name : args.positional) {
    const OpSpec* op = ops.find(name);
    if (!op) {
      std::cerr << "error: no op named `" << name << "`";
      std::string near = nearest_name(name, ops.names());
      if (!near.empty()) std::cerr << "; did you mean `" << near << "`?";
      std::cerr << "\n";
      status = kUserError;
      continue;
    }
    std::cout << (first ? "" : "\n") << render_op_text(*op);
    first = false;
  }
  return status;
}

}  // namespace mlf::driver
