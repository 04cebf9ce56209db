// Where a path really leads, and whether that is inside the project or inside a folder
// outside it that the user allowed (docs/language.md, "Paths outside the project").
//
// Takes: absolute paths (the project root of compiler/sema/project.h, allowed folders, the
// path to judge).
// Promises: a path is judged by where it leads, not by how it is written: `..` is resolved
// lexically first, then every existing folder on the way is resolved through symbolic links,
// so `out/model.pt` with `out -> /elsewhere` lies in `/elsewhere`. What does not exist yet is
// taken as written. The last component is resolved too unless the caller writes to it (a
// symbolic link there is the writer's business: it refuses to write through one). The root
// and the allowed folders are resolved the same way, so a project reached through a link
// still contains its own files.
// Does not: read files, report diagnostics (the checker does), or guard against a folder
// being swapped for a link after the check (the export writer re-checks the last component).
#pragma once

#include <string>
#include <vector>

namespace mlf {

enum class LastComponent { Resolve, AsWritten };

// `path` made absolute and lexically normal, its existing folders resolved through links.
std::string resolved_location(const std::string& path, LastComponent last);

// Whether the resolved `path` is `folder` or below it (both resolved).
bool lies_within(const std::string& path, const std::string& folder);

class PathConfinement {
 public:
  PathConfinement() = default;
  // `allowed` are absolute folders outside the project that are accepted too.
  PathConfinement(const std::string& project_root, const std::vector<std::string>& allowed);

  // Whether `path` leads into the project or into an allowed folder.
  bool admits(const std::string& path, LastComponent last) const;

  const std::string& root() const { return root_; }

 private:
  std::string root_;
  std::vector<std::string> allowed_;
};

}  // namespace mlf
