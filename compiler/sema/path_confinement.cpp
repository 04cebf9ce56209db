#include "compiler/sema/path_confinement.h"

#include <filesystem>
#include <system_error>

namespace mlf {

namespace fs = std::filesystem;

std::string resolved_location(const std::string& path, LastComponent last) {
  std::error_code ec;
  fs::path written = fs::absolute(path, ec).lexically_normal();
  if (ec) written = fs::path(path).lexically_normal();
  fs::path name = written.filename();
  // A written-to path keeps its last component; "out/" has none, so it is a folder to resolve.
  bool keep_last = last == LastComponent::AsWritten && !name.empty() && name != "." && name != "..";
  fs::path folder = keep_last ? written.parent_path() : written;
  fs::path resolved = fs::weakly_canonical(folder, ec);
  if (ec) resolved = folder;
  if (keep_last) resolved /= name;
  return resolved.lexically_normal().string();
}

bool lies_within(const std::string& path, const std::string& folder) {
  fs::path relative = fs::path(path).lexically_relative(fs::path(folder));
  return !relative.empty() && *relative.begin() != "..";
}

PathConfinement::PathConfinement(const std::string& project_root, const std::vector<std::string>& allowed)
    : root_(resolved_location(project_root, LastComponent::Resolve)) {
  for (const auto& folder : allowed) allowed_.push_back(resolved_location(folder, LastComponent::Resolve));
}

bool PathConfinement::admits(const std::string& path, LastComponent last) const {
  std::string where = resolved_location(path, last);
  if (lies_within(where, root_)) return true;
  for (const auto& folder : allowed_)
    if (lies_within(where, folder)) return true;
  return false;
}

}  // namespace mlf
