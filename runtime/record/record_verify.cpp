#include "runtime/record/record_verify.h"

#include <toml++/toml.h>

#include <algorithm>

#include "compiler/plan/plan_reader.h"
#include "runtime/record/cached_run_memo.h"
#include "runtime/record/run_record.h"

namespace mlf::runtime {
namespace {

bool starts_with(const std::string& text, std::string_view prefix) { return text.rfind(prefix, 0) == 0; }

bool ends_with(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// What is wrong inside a result record whose seal holds, or "".
// `stale` is set when the only fault is an output object that is absent or was found corrupt.
std::string check_result(const std::string& text, const std::vector<Digest>& intact, bool& stale) {
  toml::table table;
  try {
    table = toml::parse(text);
  } catch (const toml::parse_error& error) {
    return "it is not valid TOML: " + std::string(error.description());
  }
  const toml::table* outputs = table["outputs"].as_table();
  if (!outputs) return "it has no `outputs` table";
  for (const auto& [name, value] : *outputs) {
    auto hex = value.value<std::string>();
    Digest digest;
    if (!hex || !Digest::from_hex(*hex, digest))
      return "its output `" + std::string(name.str()) + "` is not an object digest";
    if (!std::binary_search(intact.begin(), intact.end(), digest)) {
      stale = true;
      return "its output `" + std::string(name.str()) + "` names object `" + *hex +
             "`, which is missing or corrupt";
    }
  }
  if (const toml::node* metrics = table.get("metrics"); metrics && !metrics->is_table())
    return "its `metrics` is not a table";
  return {};
}

// What is wrong inside the record at `relative`, by the folder it is in, or "".
std::string check_content(const std::string& relative, const std::string& text, const std::vector<Digest>& intact,
                          bool& stale) {
  if (starts_with(relative, "results/") && ends_with(relative, ".toml")) return check_result(text, intact, stale);
  if (starts_with(relative, "runs/") && ends_with(relative, ".toml")) {
    RunRecord record;
    std::string error;
    if (!parse_run_record(text, record, error)) return "it is not a run record: " + error;
    return {};
  }
  if (starts_with(relative, "plans/") && ends_with(relative, ".toml")) {
    Digest id;
    std::string name = relative.substr(6, relative.size() - 6 - 5);
    if (!Digest::from_hex(name, id)) return "its name is not a plan id";
    auto plan = read_plan(text, id);
    if (!plan.ok()) return "it is not the plan its name says: " + plan.errors.front();
    return {};
  }
  if (starts_with(relative, "memo/")) {
    if (!parse_cached_run_memo(text)) return "it is not a cached-run memo";
    return {};
  }
  return {};
}

}  // namespace

RecordsReport verify_records(ObjectStore& store, const std::vector<Digest>& intact_objects) {
  RecordsReport report;
  for (const std::string& relative : store.list_records(&report.odd)) {
    ++report.records_checked;
    auto text = store.read_text(relative);
    if (!text.ok()) {
      if (text.error().kind == StoreError::Kind::NotFound) continue;  // removed since it was listed
      if (text.error().kind != StoreError::Kind::Corrupt) {
        report.unreadable.push_back(text.error());
        continue;
      }
      StoreError damaged = text.error();
      auto moved = store.quarantine_text(relative);
      damaged.message += moved.ok() ? "; moved to " + backticked(moved.value())
                                    : "; it could not be quarantined: " + moved.error().message;
      report.damaged.push_back(std::move(damaged));
      continue;
    }
    bool stale = false;
    std::string wrong = check_content(relative, text.value(), intact_objects, stale);
    if (wrong.empty()) continue;
    std::string message = "record " + backticked(store.folder().full(relative)) + ": " + wrong;
    if (stale) {
      // What a quarantine or a removed object leaves behind: the result can no longer be
      // used, and removing it keeps the store consistent (its node runs again).
      auto removed = store.remove_text(relative);
      message += removed.ok() ? "; removed, its node runs again on the next run"
                              : "; it could not be removed: " + removed.error().message;
      (removed.ok() ? report.stale : report.invalid).push_back(std::move(message));
    } else {
      report.invalid.push_back(std::move(message));
    }
  }
  return report;
}

}  // namespace mlf::runtime
