// `mlf pin RUN...` / `mlf unpin RUN...`: mark runs that `mlf gc` must keep whatever their
// age (a released model, the run a paper quotes). A pin is an empty record pins/<run id>;
// `mlf pin` without RUN lists the pinned runs.
#include <iostream>

#include "compiler/driver/commands.h"
#include "compiler/driver/help_text.h"
#include "compiler/driver/store_access.h"

namespace mlf::driver {
namespace {

int pin_or_unpin(const std::string& command, const std::vector<std::string>& argv, bool pin) {
  ParsedArgs args;
  std::vector<FlagSpec> flags = {{"--store", "", true, false}, {"--help", "-h", false, false}};
  if (auto error = parse_args(argv, flags, args)) return usage_error(command, *error);
  if (args.has("--help")) {
    std::cout << help_text(command);
    return kOk;
  }
  auto store = open_store(store_root_for(args, ""));
  if (!store) return kUserError;
  if (args.positional.empty()) {
    if (!pin) return usage_error(command, "missing RUN");
    auto pins = store->list_text("pins");
    if (!pins.ok()) {
      std::cerr << "error: cannot list the pins of `" << store->root().string()
                << "`: " << pins.error().message << "\n";
      return kUserError;
    }
    for (const auto& id : pins.value()) std::cout << id << "\n";
    return kOk;
  }
  int status = kOk;
  for (const auto& given : args.positional) {
    auto run = load_run_or_say(*store, given);
    if (!run) {
      status = kUserError;
      continue;
    }
    auto done = pin ? store->write_text("pins/" + run->id, "") : store->remove_text("pins/" + run->id);
    if (!done.ok()) {
      std::cerr << "error: cannot " << command << " run " << run->id << ": " << done.error().message << "\n";
      status = kUserError;
      continue;
    }
    std::cout << (pin ? "pinned " : "unpinned ") << run->id << "\n";
  }
  return status;
}

}  // namespace

int run_pin(const std::vector<std::string>& args) { return pin_or_unpin("pin", args, true); }
int run_unpin(const std::vector<std::string>& args) { return pin_or_unpin("unpin", args, false); }

}  // namespace mlf::driver
