#include "runtime/record/environment_diff.h"

#include "runtime/backend/training_backend.h"

namespace mlf::runtime {

std::vector<EnvironmentChange> environment_changes(const std::map<std::string, std::string>& recorded,
                                                   const std::map<std::string, std::string>& now) {
  std::vector<EnvironmentChange> changes;
  for (const auto& [key, value] : recorded) {
    auto after = now.find(key);
    if (after != now.end() && after->second != value) changes.push_back({key, value, after->second});
  }
  return changes;
}

bool records_backend_facts(const std::map<std::string, std::string>& environment) {
  return environment.count(std::string(BackendEnvironment::kVersionFact)) > 0;
}

}  // namespace mlf::runtime
