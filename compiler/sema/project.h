// Where a pipeline's project lives: the folder of the nearest mlflow.toml above the file
// (or the file's own folder when there is none), its config file and its store.
#pragma once

#include <string>

namespace mlf {

struct Project {
  std::string root;         // absolute folder
  std::string config_path;  // absolute path of mlflow.toml, or "" when there is none
  std::string store_path;   // absolute path of the store folder (default `<root>/.mlf`)
};

Project find_project(const std::string& source_file);

// `path` relative to `root` when it lies inside it, else `path` unchanged.
std::string relative_to(const std::string& path, const std::string& root);

}  // namespace mlf
