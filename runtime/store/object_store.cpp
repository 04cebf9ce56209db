#include "runtime/store/object_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <system_error>
#include <utility>

#include "runtime/store/object_codec.h"
#include "runtime/store/record_seal.h"

namespace mlf::runtime {
namespace {

namespace fs = std::filesystem;

constexpr const char* kFolders[] = {"objects", "tmp", "quarantine", "results", "runs", "pins"};
// Folders made when first written to; open() checks them like the others when present.
constexpr const char* kLaterFolders[] = {"plans", "memo", "kernels", "exports"};
// A record may not be written over the store's own machinery.
constexpr const char* kReservedTops[] = {"objects", "tmp", "quarantine", "lock"};
// Files at the top of a store that are not records: the lock and the front end's cache of
// file digests (compiler/probe/file_digest.h), which proves itself by re-hashing.
constexpr const char* kNotRecords[] = {"lock", "digests.toml"};
// What get() reserves up front, whatever the frame declares: the rest grows as bytes
// actually decode, so a frame that lies about its size costs at most this much.
constexpr std::uint64_t kInitialReserve = std::uint64_t{64} << 20;

bool is_lower_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string utc_timestamp() {
  std::time_t now = std::time(nullptr);
  std::tm parts{};
  ::gmtime_r(&now, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &parts);
  return text;
}

bool same_file(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// What happened when a corrupt object was to be moved aside.
struct Quarantine {
  enum class Outcome { Moved, AlreadyGone, Replaced, Failed } outcome;
  std::string moved_to;  // full path
  std::string failure;
};

std::string quarantine_name(const std::string& stem) {
  static std::atomic<unsigned long long> counter{0};
  char suffix[64];
  std::snprintf(suffix, sizeof suffix, ".%ld-%llu", static_cast<long>(::getpid()), counter.fetch_add(1));
  return "quarantine/" + stem + "." + utc_timestamp() + suffix;
}

// Moves the file at `relative` to quarantine/ only if it is still the file that was read
// (`read_info`): a concurrent put() may have renamed a good copy over it meanwhile, and
// that copy must stay.
Quarantine quarantine(const StoreRoot& dir, const std::string& relative, const struct stat& read_info,
                      const std::string& stem) {
  struct stat now {};
  if (dir.stat(relative, now) != 0) {
    if (errno == ENOENT) return {Quarantine::Outcome::AlreadyGone, {}, {}};
    return {Quarantine::Outcome::Failed, {}, dir.error(errno, "inspect", relative).message};
  }
  if (!same_file(now, read_info)) return {Quarantine::Outcome::Replaced, {}, {}};
  if (auto made = dir.ensure_folder("quarantine"); !made.ok())
    return {Quarantine::Outcome::Failed, {}, made.error().message};

  std::string target = quarantine_name(stem);
  if (dir.rename(relative, target) != 0) {
    if (errno == ENOENT) return {Quarantine::Outcome::AlreadyGone, {}, {}};
    return {Quarantine::Outcome::Failed, {}, dir.error(errno, "move to quarantine", relative).message};
  }
  struct stat moved {};
  if (dir.stat(target, moved) == 0 && !same_file(moved, read_info)) {
    // A good copy landed between the check and the rename: put it back.
    (void)dir.rename(target, relative);
    return {Quarantine::Outcome::Replaced, {}, {}};
  }
  // No fsync here: if a crash loses this rename, the corrupt file is back in place and the
  // next read detects it again.
  return {Quarantine::Outcome::Moved, dir.full(target), {}};
}

// Why a folder of the store may not be used (owned by someone else, writable by others, a
// link or not a folder), or "" when it may.
std::string unsafe_reason(const struct stat& info) {
  if (S_ISLNK(info.st_mode)) return "it is a symbolic link (mlf never follows links inside a store)";
  if (!S_ISDIR(info.st_mode)) return "it is not a folder";
  if (info.st_uid != ::geteuid()) return "it is owned by another user (uid " + std::to_string(info.st_uid) + ")";
  if (info.st_mode & (S_IWGRP | S_IWOTH)) return "it is writable by other users";
  return {};
}

StoreError unsafe(const std::string& path, const std::string& reason) {
  std::string fix = reason.rfind("it is writable", 0) == 0 ? "run `chmod go-w " + path + "`"
                    : reason.rfind("it is owned", 0) == 0  ? "use a store of your own (`--store`), or have its owner run mlf"
                                                            : "replace it with a real folder, or remove it";
  return StoreError{StoreError::Kind::Io,
                    "refusing to use the store folder " + backticked(path) + ": " + reason + "; " + fix, path};
}

// The root and each folder of the store that exists are safe to use.
StoreResult<void> check_safe(const StoreRoot& dir) {
  struct stat info {};
  if (::fstat(dir.fd(), &info) != 0) return system_error(errno, "inspect", dir.path());
  if (std::string why = unsafe_reason(info); !why.empty()) return unsafe(dir.path(), why);
  auto check_folder = [&](const char* name) -> StoreResult<void> {
    if (::fstatat(dir.fd(), name, &info, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) return {};
      return system_error(errno, "inspect", dir.full(name));
    }
    if (std::string why = unsafe_reason(info); !why.empty()) return unsafe(dir.full(name), why);
    return {};
  };
  for (const char* folder : kFolders)
    if (auto checked = check_folder(folder); !checked.ok()) return checked;
  for (const char* folder : kLaterFolders)
    if (auto checked = check_folder(folder); !checked.ok()) return checked;
  return {};
}

}  // namespace

StoreResult<ObjectStore> ObjectStore::open(const fs::path& root, StoreOptions options, OpenMode mode) {
  std::error_code ec;
  fs::path absolute = fs::absolute(root, ec);
  if (ec) return system_error(ec.value(), "use the store folder", root.string());
  absolute = absolute.lexically_normal();
  if (!absolute.has_filename() && absolute.has_parent_path()) absolute = absolute.parent_path();
  if (mode == OpenMode::Existing) {
    struct stat info {};
    if (::stat(absolute.c_str(), &info) != 0 && errno == ENOENT)
      return StoreError{StoreError::Kind::NotFound, "there is no store at " + backticked(absolute.string()),
                        absolute.string()};
  }
  auto dir = StoreRoot::open_root(absolute.string(), mode == OpenMode::Create);
  if (!dir.ok()) return dir.error();
  if (auto safe = check_safe(dir.value()); !safe.ok()) return safe.error();
  if (mode == OpenMode::Create) {
    for (const char* folder : kFolders) {
      if (auto made = dir.value().ensure_folder(folder); !made.ok()) return made.error();
    }
  }
  return ObjectStore(std::move(absolute), std::move(dir.value()), std::move(options));
}

ObjectStore::ObjectStore(fs::path root, StoreRoot dir, StoreOptions options)
    : root_(std::move(root)), dir_(std::move(dir)), options_(std::move(options)) {}

// Paths are built as strings: a fully cached run checks hundreds of objects and records, and
// composing std::filesystem paths cost more than the stat calls themselves.
std::string ObjectStore::object_relative(const Digest& digest) {
  std::string hex = digest.hex();
  std::string path;
  path.reserve(80);
  path += "objects/";
  path.append(hex, 0, 2);
  path += '/';
  path.append(hex, 2);
  return path;
}

fs::path ObjectStore::object_path(const Digest& digest) const { return dir_.full(object_relative(digest)); }

bool ObjectStore::contains(const Digest& digest) const {
  struct stat info {};
  return dir_.stat(object_relative(digest), info) == 0 && S_ISREG(info.st_mode);
}

StoreResult<Digest> ObjectStore::put(std::string_view bytes) {
  if (bytes.size() > options_.max_object_bytes) {
    return StoreError{StoreError::Kind::Io,
                      "cannot store an object of " + std::to_string(bytes.size()) +
                          " bytes: the store's limit is " + std::to_string(options_.max_object_bytes),
                      root_.string()};
  }
  Digest digest = Sha256::of(bytes);
  const std::string relative = object_relative(digest);

  if (contains(digest)) {
    auto existing = check(digest);
    if (existing.ok()) return digest;  // present and intact: nothing is written
    // Corrupt ones are quarantined by now: say so, as no caller sees this error. A vanished
    // one is simply written again.
    if (existing.error().kind == StoreError::Kind::Corrupt) {
      if (options_.replaced_corrupt) options_.replaced_corrupt(existing.error());
    } else if (existing.error().kind != StoreError::Kind::NotFound) {
      return existing.error();
    }
  }

  if (auto made = dir_.ensure_folder(std::string_view(relative).substr(0, 10)); !made.ok()) return made.error();
  auto file = AtomicFile::create(dir_, relative, "tmp", 0444, options_.faults);
  if (!file.ok()) return file.error();
  auto encoded = encode_object(bytes, options_.compression_level,
                               [&](std::string_view chunk) { return file.value().write(chunk); });
  if (!encoded.ok()) return encoded.error();  // the AtomicFile removes its temp file
  if (auto committed = file.value().commit(); !committed.ok()) return committed.error();
  return digest;
}

StoreResult<std::string> ObjectStore::get(const Digest& digest) {
  std::string bytes;
  auto read = read_object(digest, &bytes);
  if (!read.ok()) return read.error();
  return bytes;
}

StoreResult<std::uint64_t> ObjectStore::check(const Digest& digest) { return read_object(digest, nullptr); }

StoreResult<std::uint64_t> ObjectStore::read_object(const Digest& digest, std::string* out) {
  const std::string relative = object_relative(digest);
  const std::string path = dir_.full(relative);
  const std::string hex = digest.hex();
  // A second attempt only when a concurrent put() replaced the corrupt file while it was read.
  for (int attempt = 0;; ++attempt) {
    int fd = dir_.open(relative, O_RDONLY);
    if (fd < 0) {
      if (errno == ENOENT)
        return StoreError{StoreError::Kind::NotFound,
                          "object `" + hex + "` is not in the store (" + backticked(path) + ")", path};
      return dir_.error(errno, "open", relative);
    }
    struct stat read_info {};
    if (::fstat(fd, &read_info) != 0) {
      int saved = errno;
      ::close(fd);
      return system_error(saved, "inspect", path);
    }

    Sha256 hasher;
    std::uint64_t declared_bytes = 0;
    DecodeSink sink;
    sink.begin = [&](std::uint64_t declared) {
      declared_bytes = declared;
      if (!out) return;
      out->clear();
      out->reserve(static_cast<std::size_t>(std::min(declared, kInitialReserve)));
    };
    sink.chunk = [&](std::string_view chunk) {
      hasher.update(chunk);
      if (!out) return;
      std::size_t needed = out->size() + chunk.size();
      if (needed > out->capacity()) {
        // Grow geometrically but never past what the frame declared (decode_object
        // guarantees the output never exceeds it).
        std::uint64_t grown = std::max<std::uint64_t>(needed, std::uint64_t{out->capacity()} * 2);
        out->reserve(static_cast<std::size_t>(std::min(grown, declared_bytes)));
      }
      out->append(chunk);
    };

    auto decoded = decode_object(fd, path, options_.max_object_bytes, sink);
    ::close(fd);

    std::string reason;
    if (decoded.ok()) {
      Digest actual = hasher.finish();
      if (actual == digest) return decoded.value();
      reason = "its content hashes to `" + actual.hex() + "`";
    } else if (decoded.error().kind != StoreError::Kind::Corrupt) {
      return decoded.error();
    } else {
      reason = "the file " + decoded.error().message;
    }
    if (out) {
      out->clear();
      out->shrink_to_fit();
    }

    Quarantine moved = quarantine(dir_, relative, read_info, hex);
    if (moved.outcome == Quarantine::Outcome::Replaced && attempt == 0) continue;
    std::string message = "object `" + hex + "` is corrupt: " + reason;
    switch (moved.outcome) {
      case Quarantine::Outcome::Moved:
        message += "; moved to " + backticked(moved.moved_to);
        break;
      case Quarantine::Outcome::AlreadyGone:
        message += "; another reader has already moved it to quarantine";
        break;
      case Quarantine::Outcome::Replaced:
        message += "; a concurrent writer has replaced it";
        break;
      case Quarantine::Outcome::Failed:
        message += "; it could not be quarantined: " + moved.failure;
        break;
    }
    return StoreError{StoreError::Kind::Corrupt, std::move(message), path};
  }
}

ObjectListing ObjectStore::list_objects() const {
  ObjectListing listing;
  std::vector<FolderEntry> fans;
  if (dir_.list("objects", fans) != 0) return listing;
  for (const FolderEntry& fan : fans) {
    const std::string prefix = fan.name;
    if (!fan.is_folder || prefix.size() != 2 || !is_lower_hex(prefix)) {
      listing.stray.push_back(dir_.full("objects/" + prefix));
      continue;
    }
    std::vector<FolderEntry> files;
    if (dir_.list("objects/" + prefix, files) != 0) continue;
    for (const FolderEntry& file : files) {
      const std::string& rest = file.name;
      Digest digest;
      if (file.is_file && rest.size() == 62 && is_lower_hex(rest) && Digest::from_hex(prefix + rest, digest)) {
        listing.objects.push_back(digest);
      } else {
        listing.stray.push_back(dir_.full("objects/" + prefix + "/" + rest));
      }
    }
  }
  std::sort(listing.objects.begin(), listing.objects.end());
  std::sort(listing.stray.begin(), listing.stray.end());
  return listing;
}

StoreResult<std::string> ObjectStore::resolve_record(const std::string& relative) const {
  auto refuse = [&](const char* why) {
    return StoreError{StoreError::Kind::Io, "cannot use record " + backticked(relative) + ": " + why,
                      dir_.full(relative)};
  };
  if (relative.empty() || relative.front() == '/') return refuse("it must be a path relative to the store");
  // Each '/'-separated part; an empty one is a doubled or trailing '/'.
  std::string_view rest = relative;
  std::string_view top = rest.substr(0, rest.find('/'));
  while (true) {
    std::size_t slash = rest.find('/');
    std::string_view part = rest.substr(0, slash);
    if (part == ".." || part == "." || part.empty()) return refuse("it must not contain `.` or `..`");
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  for (const char* reserved : kReservedTops) {
    if (top == reserved) return refuse("that part of the store holds objects, not records");
  }
  return relative;
}

StoreResult<void> ObjectStore::write_text(const std::string& relative, std::string_view text) {
  return write_text_parts(relative, {text});
}

StoreResult<void> ObjectStore::write_text_parts(const std::string& relative,
                                                std::initializer_list<std::string_view> parts) {
  auto checked = resolve_record(relative);
  if (!checked.ok()) return checked.error();
  if (std::size_t slash = relative.rfind('/'); slash != std::string::npos) {
    if (auto made = dir_.ensure_folder(std::string_view(relative).substr(0, slash)); !made.ok()) return made;
  }
  auto file = AtomicFile::create(dir_, relative, "tmp", 0644, options_.faults);
  if (!file.ok()) return file.error();
  RecordSealer sealer;
  for (std::string_view part : parts) {
    sealer.update(part);
    if (auto written = file.value().write(part); !written.ok()) return written;
  }
  if (auto written = file.value().write(sealer.seal_line()); !written.ok()) return written;
  return file.value().commit();
}

bool ObjectStore::contains_text(const std::string& relative) const {
  struct stat info {};
  return resolve_record(relative).ok() && dir_.stat(relative, info) == 0 && S_ISREG(info.st_mode);
}

StoreResult<std::string> ObjectStore::read_text(const std::string& relative) const {
  auto resolved = resolve_record(relative);
  if (!resolved.ok()) return resolved.error();
  const std::string path = dir_.full(relative);
  int fd = dir_.open(relative, O_RDONLY);
  if (fd < 0) return dir_.error(errno, "read", relative);
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    int saved = errno;
    ::close(fd);
    return system_error(saved, "inspect", path);
  }
  if (!S_ISREG(info.st_mode) || static_cast<std::uint64_t>(info.st_size) > options_.max_record_bytes) {
    ::close(fd);
    return StoreError{StoreError::Kind::Io,
                      "cannot read " + backticked(path) + ": not a regular file of at most " +
                          std::to_string(options_.max_record_bytes) + " bytes",
                      path};
  }
  std::string text;
  text.reserve(static_cast<std::size_t>(info.st_size));
  char buffer[1 << 16];
  for (;;) {
    ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      ::close(fd);
      return system_error(saved, "read", path);
    }
    if (got == 0) break;
    text.append(buffer, static_cast<std::size_t>(got));
    if (text.size() > options_.max_record_bytes) {
      ::close(fd);
      return StoreError{StoreError::Kind::Io, "cannot read " + backticked(path) + ": it grew while being read",
                        path};
    }
  }
  ::close(fd);
  auto body = unseal(text, path);
  if (!body.ok()) return body.error();
  text.resize(body.value().size());  // the body is a prefix of the text
  return text;
}

StoreResult<std::string> ObjectStore::quarantine_text(const std::string& relative) {
  auto resolved = resolve_record(relative);
  if (!resolved.ok()) return resolved.error();
  struct stat info {};
  if (dir_.stat(relative, info) != 0) return dir_.error(errno, "inspect", relative);
  std::string stem = relative;
  std::replace(stem.begin(), stem.end(), '/', '-');
  Quarantine moved = quarantine(dir_, relative, info, stem);
  switch (moved.outcome) {
    case Quarantine::Outcome::Moved: return moved.moved_to;
    case Quarantine::Outcome::Failed:
      return StoreError{StoreError::Kind::Io, moved.failure, dir_.full(relative)};
    default:
      return StoreError{StoreError::Kind::NotFound,
                        "record " + backticked(dir_.full(relative)) + " was replaced or removed meanwhile",
                        dir_.full(relative)};
  }
}

StoreResult<void> ObjectStore::remove_text(const std::string& relative) {
  auto resolved = resolve_record(relative);
  if (!resolved.ok()) return resolved.error();
  if (dir_.unlink(relative) != 0) return dir_.error(errno, "remove", relative);
  std::size_t slash = relative.rfind('/');
  return dir_.sync_folder(slash == std::string::npos ? std::string_view() : std::string_view(relative).substr(0, slash));
}

StoreResult<std::vector<std::string>> ObjectStore::list_text(const std::string& relative) const {
  auto resolved = resolve_record(relative);
  if (!resolved.ok()) return resolved.error();
  std::vector<std::string> names;
  std::vector<FolderEntry> entries;
  if (dir_.list(relative, entries) != 0) {
    if (errno == ENOENT) return names;
    return dir_.error(errno, "list", relative);
  }
  for (FolderEntry& entry : entries) {
    if (entry.name.empty() || entry.name[0] == '.' || !entry.is_file) continue;
    names.push_back(std::move(entry.name));
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> ObjectStore::list_records(std::vector<std::string>* odd) const {
  std::vector<std::string> records;
  // Breadth first over the folders of the root (records nest at most a level or two).
  std::vector<std::string> folders = {""};
  for (std::size_t i = 0; i < folders.size(); ++i) {
    const std::string folder = folders[i];
    std::vector<FolderEntry> entries;
    if (dir_.list(folder, entries) != 0) {
      if (odd) odd->push_back(dir_.full(folder));
      continue;
    }
    for (const FolderEntry& entry : entries) {
      std::string relative = folder.empty() ? entry.name : folder + "/" + entry.name;
      if (folder.empty()) {
        bool skip = false;
        for (const char* reserved : kReservedTops) skip = skip || entry.name == reserved;
        for (const char* name : kNotRecords) skip = skip || entry.name == name;
        if (skip) continue;
      }
      if (entry.is_folder) folders.push_back(std::move(relative));
      else if (entry.is_file && entry.name[0] != '.') records.push_back(std::move(relative));
      else if (odd) odd->push_back(dir_.full(relative));
    }
  }
  std::sort(records.begin(), records.end());
  if (odd) std::sort(odd->begin(), odd->end());
  return records;
}

}  // namespace mlf::runtime
