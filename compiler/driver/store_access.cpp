#include "compiler/driver/store_access.h"

#include "runtime/report/run_report_data.h"

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "compiler/sema/project.h"
#include "runtime/record/run_lookup.h"

namespace mlf::driver {

namespace fs = std::filesystem;
using namespace mlf::runtime;

Project project_around(const std::string& file_or_dir) {
  // find_project() starts at the folder of a file: a name in the current folder stands for it.
  return find_project(file_or_dir.empty() ? (fs::current_path() / "x.mlflow").string() : file_or_dir);
}

std::string store_root_for(const ParsedArgs& args, const std::string& file_or_dir) {
  if (auto store = args.value("--store")) return *store;
  return project_around(file_or_dir).store_path;
}

namespace {

StoreOptions reporting_options() {
  StoreOptions options;
  options.replaced_corrupt = [](const StoreError& error) {
    std::cerr << "warning: " << error.message << "; stored again\n";
  };
  return options;
}

}  // namespace

std::optional<ObjectStore> open_store(const std::string& root) {
  auto store = ObjectStore::open(root, reporting_options());
  if (!store.ok()) {
    std::cerr << "error: cannot open the store `" << root << "`: " << store.error().message << "\n";
    return std::nullopt;
  }
  return std::move(store.value());
}

std::optional<ObjectStore> open_store_to_read(const ParsedArgs& args, bool* none_here) {
  const std::string root = store_root_for(args, "");
  auto store = ObjectStore::open(root, reporting_options(), OpenMode::Existing);
  if (store.ok()) return std::move(store.value());
  if (store.error().kind == StoreError::Kind::NotFound) {
    if (!args.has("--store") && none_here) {
      *none_here = true;
      return std::nullopt;
    }
    std::cerr << "error: " << store.error().message
              << (args.has("--store") ? "" : " (run a pipeline first, or pass --store)") << "\n";
    return std::nullopt;
  }
  std::cerr << "error: cannot open the store `" << root << "`: " << store.error().message << "\n";
  return std::nullopt;
}

std::vector<RunRecord> load_runs(ObjectStore& store) {
  std::vector<StoreError> damaged;
  auto runs = runtime::read_run_records(store, &damaged);
  for (const auto& error : damaged) std::cerr << "warning: " << error.message << "; left out\n";
  return runs;
}

std::optional<RunRecord> load_run_or_say(ObjectStore& store, const std::string& id_or_prefix) {
  std::vector<std::string> ids;
  if (auto names = store.list_text("runs"); names.ok())
    for (const auto& name : names.value())
      if (name.size() > 5 && name.compare(name.size() - 5, 5, ".toml") == 0)
        ids.push_back(name.substr(0, name.size() - 5));
  std::string error;
  long found = find_run_id(ids, id_or_prefix, error);
  if (found < 0) {
    std::cerr << "error: " << error << " (store `" << store.root().string() << "`)\n";
    return std::nullopt;
  }
  const std::string& id = ids[static_cast<std::size_t>(found)];
  auto text = store.read_text("runs/" + id + ".toml");
  RunRecord record;
  if (!text.ok() || !parse_run_record(text.value(), record, error)) {
    std::cerr << "error: cannot read run " << id << ": " << (text.ok() ? error : text.error().message) << "\n";
    return std::nullopt;
  }
  return record;
}

}  // namespace mlf::driver
