// `mlf lineage ARTIFACT`: what produced an object, a node or a run's stage — its nodes back
// to the data files, seeds, plan, op versions and mlf version (runtime/record/lineage.h).
// Reads run records and the plan; runs nothing.
#include <iostream>

#include "compiler/driver/commands.h"
#include "compiler/driver/help_text.h"
#include "compiler/driver/store_access.h"
#include "compiler/plan/plan_reader.h"
#include "runtime/record/lineage.h"

namespace mlf::driver {

using namespace mlf::runtime;

int run_lineage(const std::vector<std::string>& argv) {
  ParsedArgs args;
  std::vector<FlagSpec> flags = {{"--store", "", true, false}, {"--help", "-h", false, false}};
  if (auto error = parse_args(argv, flags, args)) return usage_error("lineage", *error);
  if (args.has("--help")) {
    std::cout << help_text("lineage");
    return kOk;
  }
  if (args.positional.size() != 1) return usage_error("lineage", "expected one ARTIFACT");
  auto store = open_store_to_read(args);
  if (!store) return kUserError;
  auto runs = load_runs(*store);
  ArtifactMatch match;
  std::string error;
  if (!find_artifact(runs, args.positional[0], match, error)) {
    std::cerr << "error: " << error << " (store `" << store->root().string() << "`)\n";
    return kUserError;
  }
  const RunRecord& run = *match.run;
  auto text = store->read_text("plans/" + run.plan_id + ".toml");
  if (!text.ok()) {
    std::cerr << "error: the plan " << run.plan_id << " of run " << run.id
              << " is not in the store: " << text.error().message << "\n";
    return kUserError;
  }
  Digest plan_id, node;
  Digest::from_hex(run.plan_id, plan_id);
  Digest::from_hex(match.node, node);
  auto plan = read_plan(text.value(), plan_id);
  if (!plan.ok()) {
    std::cerr << "error: the stored plan " << run.plan_id << " is damaged: " << plan.errors.front() << "\n";
    return kUserError;
  }
  if (!plan.plan.find(node)) {
    std::cerr << "error: the plan of run " << run.id << " has no node " << match.node << "\n";
    return kUserError;
  }
  std::cout << lineage_text(lineage_of(plan.plan, node, run), match);
  return kOk;
}

}  // namespace mlf::driver
