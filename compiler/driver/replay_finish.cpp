#include "compiler/driver/replay_finish.h"

#include <iostream>
#include <string>
#include <vector>

#include "runtime/record/environment_diff.h"
#include "runtime/record/replay_check.h"

namespace mlf::driver {

using namespace mlf::runtime;

namespace {

// Divergences after the first are one line each, up to this many: past the first diverging
// stage every later one usually differs too, and the first is the one to look at.
constexpr std::size_t kMoreDivergencesShown = 20;

std::string where(const ReplayDivergence& d) {
  return "`" + d.label + "` (" + d.kind + ", node " + d.node.substr(0, 12) + ") " +
         divergence_kind_name(d.what) + " `" + d.name + "`";
}

void print_divergences(const std::vector<ReplayDivergence>& divergences) {
  if (divergences.empty()) return;
  const ReplayDivergence& first = divergences.front();
  std::string text = "DIVERGED at " + where(first) + ":\n  recorded " + first.recorded + "\n  replayed " +
                     first.replayed + "\n";
  for (std::size_t i = 1; i < divergences.size() && i <= kMoreDivergencesShown; ++i) {
    const ReplayDivergence& d = divergences[i];
    text += "  also " + where(d) + ": recorded " + d.recorded + ", replayed " + d.replayed + "\n";
  }
  if (divergences.size() > kMoreDivergencesShown + 1)
    text += "  and " + std::to_string(divergences.size() - kMoreDivergencesShown - 1) + " more\n";
  std::cerr << text;
}

// "2 output(s) and 1 metric(s)": the divergences counted by what diverged.
std::string divergence_counts(const std::vector<ReplayDivergence>& divergences) {
  std::vector<std::string> parts;
  for (auto what : {ReplayDivergence::What::Output, ReplayDivergence::What::Metric, ReplayDivergence::What::Gate}) {
    std::size_t n = 0;
    for (const auto& d : divergences) n += d.what == what;
    if (n) parts.push_back(std::to_string(n) + " " + divergence_kind_name(what) + "(s)");
  }
  std::string text;
  for (std::size_t i = 0; i < parts.size(); ++i)
    text += (i == 0 ? "" : i + 1 == parts.size() ? " and " : ", ") + parts[i];
  return text;
}

// "1 gate", "6 metrics".
std::string count_of(std::size_t n, const std::string& noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

// The executor's message says to rebuild the plan, which is how a run picks up new data; a
// replay re-derives a recorded run, which only the data it was made from can do.
std::string changed_data_message(const ChangedData& changed, const RunRecord& original) {
  return "the data file `" + changed.path + "` has changed since run " + original.id +
         " was recorded: its SHA-256 is " + changed.found.hex() + " but the run was made from " +
         changed.expected.hex() + "; a run can only be replayed with the data it was made from";
}

}  // namespace

int finish_replay(ObjectStore& store, const RunRecord& original, ExecOutcome& outcome) {
  RunRecord& replay = outcome.record;
  replay.kind = "replay";
  replay.replay_of = original.id;

  // Environment differences first: they explain divergence.
  auto differences = environment_changes(original.environment, replay.environment);
  if (!differences.empty()) {
    std::cerr << "environment differs from run " << original.id << " (recorded → now):\n";
    for (const auto& d : differences) std::cerr << "  " << d.key << ": " << d.recorded << " → " << d.now << "\n";
  }

  ReplayCheck check = check_replay(original, replay);
  print_divergences(check.divergences);
  if (!check.divergences.empty()) replay.status = "diverged";

  auto written = store.write_text("runs/" + replay.id + ".toml", render_run_record(replay));
  if (!written.ok()) std::cerr << "error: cannot write the replay record: " << written.error().message << "\n";

  if (outcome.exit_code == 130) {
    std::cerr << "replay " << replay.id << ": cancelled\n";
    return 130;
  }
  if (!outcome.error.empty())
    std::cerr << "error: "
              << (outcome.changed_data ? changed_data_message(*outcome.changed_data, original) : outcome.error)
              << "\n";
  if (!check.divergences.empty()) {
    std::cerr << "replay " << replay.id << ": " << divergence_counts(check.divergences) << " differ from run "
              << original.id << (differences.empty() ? "" : " (the environment differs, see above)") << "\n";
    return 1;
  }
  if (!outcome.error.empty() || !written.ok()) return 1;
  std::cerr << "replay " << replay.id << ": every recorded value matches run " << original.id << " ("
            << count_of(check.outputs, "output digest") << ", " << count_of(check.metrics, "metric") << ", "
            << count_of(check.gates, "gate") << ")\n";
  std::cout << replay.id << "\n";
  return 0;
}

}  // namespace mlf::driver
