#include "runtime/store/store_maintenance.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <system_error>

namespace mlf::runtime {
namespace {

namespace fs = std::filesystem;

}  // namespace

VerifyReport verify(ObjectStore& store) {
  VerifyReport report;
  ObjectListing listing = store.list_objects();
  report.stray = std::move(listing.stray);
  for (const Digest& digest : listing.objects) {
    ++report.objects_checked;
    auto checked = store.check(digest);
    if (checked.ok()) {
      report.content_bytes += checked.value();
      report.intact.push_back(digest);  // listed in order, so sorted
      continue;
    }
    switch (checked.error().kind) {
      case StoreError::Kind::Corrupt: report.corrupt.push_back(checked.error()); break;
      case StoreError::Kind::NotFound: break;  // removed since it was listed
      default: report.unreadable.push_back(checked.error()); break;
    }
  }
  return report;
}

GcReport gc(ObjectStore& store, const std::set<Digest>& keep, const GcOptions& options) {
  GcReport report;
  const StoreRoot& dir = store.folder();
  ObjectListing listing = store.list_objects();
  std::set<std::string> touched_folders;
  for (const Digest& digest : listing.objects) {
    if (keep.count(digest)) {
      ++report.objects_kept;
      continue;
    }
    const std::string hex = digest.hex();
    const std::string relative = "objects/" + hex.substr(0, 2) + "/" + hex.substr(2);
    struct stat info {};
    std::uint64_t size = dir.stat(relative, info) == 0 ? static_cast<std::uint64_t>(info.st_size) : 0;
    if (dir.unlink(relative) != 0) {
      if (errno != ENOENT) report.errors.push_back(dir.error(errno, "remove", relative));
      continue;
    }
    ++report.objects_removed;
    report.bytes_freed += size;
    touched_folders.insert(relative.substr(0, 10));
  }
  for (const Digest& digest : keep) {
    if (!std::binary_search(listing.objects.begin(), listing.objects.end(), digest))
      report.missing.push_back(digest);
  }
  for (const std::string& folder : touched_folders) {
    // Fails harmlessly when the folder still holds objects.
    if (dir.remove_folder(folder) != 0) (void)dir.sync_folder(folder);
  }
  if (!touched_folders.empty()) (void)dir.sync_folder("objects");

  const std::time_t cutoff = std::time(nullptr) - static_cast<std::time_t>(options.temp_age.count());
  std::vector<FolderEntry> temps;
  (void)dir.list("tmp", temps);
  for (const FolderEntry& entry : temps) {
    const std::string relative = "tmp/" + entry.name;
    struct stat info {};
    if (!entry.is_file || dir.stat(relative, info) != 0 || !S_ISREG(info.st_mode)) continue;
    if (info.st_mtime > cutoff) continue;  // possibly a write in progress
    if (dir.unlink(relative) != 0) {
      if (errno != ENOENT) report.errors.push_back(dir.error(errno, "remove", relative));
      continue;
    }
    ++report.temp_files_removed;
    report.bytes_freed += static_cast<std::uint64_t>(info.st_size);
  }
  if (report.temp_files_removed > 0) (void)dir.sync_folder("tmp");
  return report;
}

}  // namespace mlf::runtime
