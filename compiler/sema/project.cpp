#include "compiler/sema/project.h"

#include <filesystem>
#include <system_error>

namespace mlf {

namespace fs = std::filesystem;

Project find_project(const std::string& source_file) {
  std::error_code ec;
  fs::path file = fs::absolute(source_file, ec).lexically_normal();
  fs::path start = file.parent_path();
  Project project;
  for (fs::path dir = start; !dir.empty(); dir = dir.parent_path()) {
    if (fs::is_regular_file(dir / "mlflow.toml", ec)) {
      project.root = dir.string();
      project.config_path = (dir / "mlflow.toml").string();
      break;
    }
    if (dir == dir.parent_path()) break;
  }
  if (project.root.empty()) project.root = start.string();
  project.store_path = (fs::path(project.root) / ".mlf").string();
  return project;
}

std::string relative_to(const std::string& path, const std::string& root) {
  fs::path p = fs::path(path).lexically_normal();
  fs::path r = fs::path(root).lexically_normal();
  fs::path relative = p.lexically_relative(r);
  if (relative.empty() || *relative.begin() == "..") return p.string();
  return relative.string();
}

}  // namespace mlf
