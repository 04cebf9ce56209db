#include "runtime/exec/export_file.h"

#include "runtime/store/store_root.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace mlf::runtime {

namespace fs = std::filesystem;

namespace {

std::string quoted(const fs::path& path) { return "`" + path.string() + "`"; }

// A symbolic link in the target's place: an error naming it (and where it points), else "".
std::string refuse_symlink(const fs::path& target) {
  struct stat info {};
  if (::lstat(target.c_str(), &info) != 0 || !S_ISLNK(info.st_mode)) return "";
  std::error_code ec;
  fs::path points_to = fs::read_symlink(target, ec);
  return quoted(target) + " is a symbolic link" + (ec ? "" : " to " + quoted(points_to)) +
         "; an export never writes through one (remove the link to export there)";
}

// ensure_directory (atomic_file.h) creates folders with mode 0755 less the umask; the ones
// it creates here are set to exactly kExportFolderMode afterwards.
bool make_folders(const fs::path& folder, std::string& error) {
  std::vector<fs::path> missing;
  struct stat info {};
  for (fs::path dir = folder; !dir.empty() && ::lstat(dir.c_str(), &info) != 0 && errno == ENOENT;
       dir = dir.parent_path()) {
    missing.push_back(dir);
    if (dir == dir.parent_path()) break;
  }
  if (auto made = ensure_directory(folder); !made.ok()) {
    error = made.error().message;
    return false;
  }
  for (const auto& dir : missing)
    if (::chmod(dir.c_str(), kExportFolderMode) != 0) {
      error = "cannot set the mode of the folder " + quoted(dir) + ": " + std::strerror(errno);
      return false;
    }
  return true;
}

}  // namespace

std::optional<ExportFile> ExportFile::open(const fs::path& target, std::string& error) {
  if (error = refuse_symlink(target); !error.empty()) return std::nullopt;
  if (!make_folders(target.parent_path(), error)) return std::nullopt;
  // The folder is held open and the file reached relative to it, as the store does, so the
  // rename cannot be redirected through a link swapped in for the folder meanwhile.
  auto folder = StoreRoot::open_root(target.parent_path().string(), false);
  if (!folder.ok()) {
    error = folder.error().message;
    return std::nullopt;
  }
  auto created = AtomicFile::create(folder.value(), target.filename().string(), ".", kExportFileMode);
  if (!created.ok()) {
    error = created.error().message;
    return std::nullopt;
  }
  fs::path temp_path = target.parent_path() / fs::path(created.value().temp_path()).filename();
  // The temp file was created with kExportFileMode less the umask; the export's mode must
  // not depend on who ran mlf with which umask.
  if (::chmod(temp_path.c_str(), kExportFileMode) != 0) {
    error = "cannot set the mode of " + quoted(temp_path) + ": " + std::strerror(errno);
    return std::nullopt;
  }
  return ExportFile(std::move(created.value()), target, std::move(temp_path));
}

bool ExportFile::write(std::string_view bytes, std::string& error) {
  if (auto written = file_.write(bytes); !written.ok()) {
    error = written.error().message;
    return false;
  }
  return true;
}

bool ExportFile::commit(std::string& error) {
  // rename() would replace a link rather than follow it, but a link placed there since
  // open() is somebody's intent: leave it, and say so.
  if (error = refuse_symlink(target_); !error.empty()) return false;
  if (auto committed = file_.commit(); !committed.ok()) {
    error = committed.error().message;
    return false;
  }
  return true;
}

bool write_export(const fs::path& target, std::string_view bytes, std::string& error) {
  std::optional<ExportFile> file = ExportFile::open(target, error);
  return file && file->write(bytes, error) && file->commit(error);
}

}  // namespace mlf::runtime
