// Writing one export (`export NODE to "PATH"`) out of the store, as carefully as the store
// writes its own files.
//
// Takes: the export's absolute target path; its bytes, or a writer that needs a file name
// (LibTorch's torch::save), pointed at temp_path().
// Promises: missing folders of the target are created with mode 0755 and the file ends
// with mode 0644, whatever the umask. The file is written like a store object
// (runtime/store/atomic_file.h: a fresh temp file in the target's own folder, fsync, rename),
// so a reader sees the old file or the whole new one, and a failure leaves no temp file. A
// target that is a symbolic link is refused with an error naming it — checked before any
// byte is written and again just before the rename — so nothing is written and the file
// the link points to is untouched.
// Does not: judge whether the target lies inside the project: the checker did
// (compiler/sema/path_confinement.h, docs/language.md "Paths outside the project").
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/store/atomic_file.h"

namespace mlf::runtime {

inline constexpr mode_t kExportFolderMode = 0755;
inline constexpr mode_t kExportFileMode = 0644;

class ExportFile {
 public:
  // Creates the target's folders and the temp file. nullopt (with `error` set) when the
  // target is a symbolic link or a folder or file cannot be created.
  static std::optional<ExportFile> open(const std::filesystem::path& target, std::string& error);

  // The temp file, for writers that take a file name; it becomes the target on commit().
  const std::filesystem::path& temp_path() const { return temp_path_; }

  bool write(std::string_view bytes, std::string& error);

  // Moves the temp file into place unless the target has become a symbolic link meanwhile.
  bool commit(std::string& error);

 private:
  ExportFile(AtomicFile file, std::filesystem::path target, std::filesystem::path temp_path)
      : file_(std::move(file)), target_(std::move(target)), temp_path_(std::move(temp_path)) {}
  // Relative to the target's folder, which the file holds open (runtime/store/store_root.h).
  AtomicFile file_;
  std::filesystem::path target_, temp_path_;
};

// The whole export in one call: open, write `bytes`, commit.
bool write_export(const std::filesystem::path& target, std::string_view bytes, std::string& error);

}  // namespace mlf::runtime
