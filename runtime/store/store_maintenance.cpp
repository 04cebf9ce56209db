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
  ObjectListing listing = store.list_objects();
  std::set<fs::path> touched_folders;
  for (const Digest& digest : listing.objects) {
    if (keep.count(digest)) {
      ++report.objects_kept;
      continue;
    }
    fs::path path = store.object_path(digest);
    struct stat info {};
    std::uint64_t size = ::stat(path.c_str(), &info) == 0 ? static_cast<std::uint64_t>(info.st_size) : 0;
    if (::unlink(path.c_str()) != 0) {
      if (errno != ENOENT) report.errors.push_back(system_error(errno, "remove", path.string()));
      continue;
    }
    ++report.objects_removed;
    report.bytes_freed += size;
    touched_folders.insert(path.parent_path());
  }
  for (const Digest& digest : keep) {
    if (!std::binary_search(listing.objects.begin(), listing.objects.end(), digest))
      report.missing.push_back(digest);
  }
  for (const fs::path& folder : touched_folders) {
    // Fails harmlessly when the folder still holds objects.
    if (::rmdir(folder.c_str()) != 0) (void)sync_directory(folder);
  }
  if (!touched_folders.empty()) (void)sync_directory(store.objects_dir());

  const std::time_t cutoff = std::time(nullptr) - static_cast<std::time_t>(options.temp_age.count());
  std::error_code ec;
  for (fs::directory_iterator entry(store.temp_dir(), ec), end; !ec && entry != end; entry.increment(ec)) {
    const fs::path& path = entry->path();
    struct stat info {};
    if (::lstat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) continue;
    if (info.st_mtime > cutoff) continue;  // possibly a write in progress
    if (::unlink(path.c_str()) != 0) {
      if (errno != ENOENT) report.errors.push_back(system_error(errno, "remove", path.string()));
      continue;
    }
    ++report.temp_files_removed;
    report.bytes_freed += static_cast<std::uint64_t>(info.st_size);
  }
  if (report.temp_files_removed > 0) (void)sync_directory(store.temp_dir());
  return report;
}

}  // namespace mlf::runtime
