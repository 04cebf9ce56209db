#include "runtime/record/environment_diff.h"

#include <set>

namespace mlf::runtime {

std::vector<EnvironmentChange> environment_changes(const std::map<std::string, std::string>& recorded,
                                                   const std::map<std::string, std::string>& now) {
  const std::string absent = "(not recorded)";
  std::set<std::string> keys;
  for (const auto& [key, value] : recorded) keys.insert(key);
  for (const auto& [key, value] : now) keys.insert(key);
  std::vector<EnvironmentChange> changes;
  for (const auto& key : keys) {
    auto before = recorded.find(key), after = now.find(key);
    std::string old_value = before == recorded.end() ? absent : before->second;
    std::string new_value = after == now.end() ? absent : after->second;
    if (old_value != new_value) changes.push_back({key, old_value, new_value});
  }
  return changes;
}

}  // namespace mlf::runtime
