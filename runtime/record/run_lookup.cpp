#include "runtime/record/run_lookup.h"

#include <algorithm>
#include <set>

#include "runtime/record/environment_diff.h"

namespace mlf::runtime {

long find_run_id(const std::vector<std::string>& ids, std::string_view text, std::string& error) {
  if (text.empty()) {
    error = "an empty run id";
    return -1;
  }
  std::vector<long> matches;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] == text) return static_cast<long>(i);
    if (ids[i].compare(0, text.size(), text) == 0) matches.push_back(static_cast<long>(i));
  }
  if (matches.size() == 1) return matches.front();
  if (matches.empty()) {
    error = "no run `" + std::string(text) + "`";
    return -1;
  }
  std::sort(matches.begin(), matches.end(), [&](long a, long b) { return ids[a] > ids[b]; });
  error = "`" + std::string(text) + "` is the start of " + std::to_string(matches.size()) +
          " run ids: ";
  for (std::size_t i = 0; i < matches.size() && i < 5; ++i) error += (i ? ", " : "") + ids[matches[i]];
  if (matches.size() > 5) error += ", ...";
  error += "; give more of the id";
  return -1;
}

const RunRecord* find_run(const std::vector<RunRecord>& runs, std::string_view text,
                          std::string& error) {
  std::vector<std::string> ids;
  ids.reserve(runs.size());
  for (const auto& run : runs) ids.push_back(run.id);
  long found = find_run_id(ids, text, error);
  return found < 0 ? nullptr : &runs[static_cast<std::size_t>(found)];
}

const RunRecord* find_plan_run(const std::vector<RunRecord>& runs, std::string_view text, std::string& error) {
  std::set<std::string> plans;
  const RunRecord* newest = nullptr;
  const RunRecord* newest_with_facts = nullptr;
  // Run ids sort by time.
  auto newer = [](const RunRecord* a, const RunRecord& b) { return !a || b.id > a->id; };
  for (const auto& run : runs) {
    if (text.empty() || run.plan_id.compare(0, text.size(), text) != 0) continue;
    plans.insert(run.plan_id);
    if (newer(newest, run)) newest = &run;
    if (records_backend_facts(run.environment) && newer(newest_with_facts, run)) newest_with_facts = &run;
  }
  if (plans.size() > 1) {
    error = "`" + std::string(text) + "` is the start of " + std::to_string(plans.size()) + " plan ids: ";
    std::size_t shown = 0;
    for (const auto& plan : plans) {
      if (shown == 5) {
        error += ", ...";
        break;
      }
      error += (shown++ ? ", " : "") + plan;
    }
    error += "; give more of the id";
    return nullptr;
  }
  if (!newest) {
    error = "no plan with runs has an id starting `" + std::string(text) + "`";
    return nullptr;
  }
  return newest_with_facts ? newest_with_facts : newest;
}

}  // namespace mlf::runtime
