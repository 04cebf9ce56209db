// `mlf compare RUN...`: the metrics of recorded runs side by side, sweeps by their swept
// values (runtime/record/run_comparison.h). Reads run records and plans; runs nothing.
#include <iostream>

#include "compiler/driver/commands.h"
#include "compiler/driver/help_text.h"
#include "compiler/driver/store_access.h"
#include "compiler/plan/plan_reader.h"
#include "runtime/record/run_comparison.h"

namespace mlf::driver {

using namespace mlf::runtime;

int run_compare(const std::vector<std::string>& argv) {
  ParsedArgs args;
  std::vector<FlagSpec> flags = {{"--store", "", true, false}, {"--help", "-h", false, false},
                                 {"--json", "", false, false}};
  if (auto error = parse_args(argv, flags, args)) return usage_error("compare", *error);
  if (args.has("--help")) {
    std::cout << help_text("compare");
    return kOk;
  }
  if (args.positional.empty()) return usage_error("compare", "expected at least one RUN id");
  auto store = open_store_to_read(args);
  if (!store) return kUserError;
  // Only the records asked for are read: a store's history can be long.
  std::vector<RunRecord> runs;
  for (const auto& id : args.positional) {
    auto run = load_run_or_say(*store, id);
    if (!run) return kUserError;
    runs.push_back(std::move(*run));
  }
  std::vector<ComparedRun> compared;
  for (const auto& run : runs) {
    ComparedRun entry;
    entry.record = &run;
    // The plan's labels name every sweep point of a node shared by several; without the
    // plan, the record's labels serve.
    if (auto text = store->read_text("plans/" + run.plan_id + ".toml"); text.ok()) {
      auto plan = read_plan(text.value());
      if (plan.ok()) entry.labels = plan.plan.labels;
    }
    compared.push_back(std::move(entry));
  }
  Comparison comparison = compare_runs(compared);
  if (args.has("--json")) std::cout << comparison_json(comparison);
  else std::cout << comparison_text(comparison);
  return kOk;
}

}  // namespace mlf::driver
