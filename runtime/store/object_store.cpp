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

namespace mlf::runtime {
namespace {

namespace fs = std::filesystem;

constexpr const char* kFolders[] = {"objects", "tmp", "quarantine", "results", "runs", "pins"};
// A record may not be written over the store's own machinery.
constexpr const char* kReservedTops[] = {"objects", "tmp", "quarantine", "lock"};
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
  fs::path moved_to;
  std::string failure;
};

// Moves the file at `path` to `quarantine_dir` only if it is still the file that was read
// (`read_info`): a concurrent put() may have renamed a good copy over it meanwhile, and
// that copy must stay.
Quarantine quarantine(const fs::path& path, const struct stat& read_info, const fs::path& quarantine_dir,
                      const std::string& hex) {
  static std::atomic<unsigned long long> counter{0};
  struct stat now {};
  if (::stat(path.c_str(), &now) != 0) {
    if (errno == ENOENT) return {Quarantine::Outcome::AlreadyGone, {}, {}};
    return {Quarantine::Outcome::Failed, {}, system_error(errno, "inspect", path.string()).message};
  }
  if (!same_file(now, read_info)) return {Quarantine::Outcome::Replaced, {}, {}};

  char suffix[64];
  std::snprintf(suffix, sizeof suffix, ".%ld-%llu", static_cast<long>(::getpid()), counter.fetch_add(1));
  fs::path target = quarantine_dir / (hex + "." + utc_timestamp() + suffix);
  if (::rename(path.c_str(), target.c_str()) != 0) {
    if (errno == ENOENT) return {Quarantine::Outcome::AlreadyGone, {}, {}};
    return {Quarantine::Outcome::Failed, {}, system_error(errno, "move to quarantine", path.string()).message};
  }
  struct stat moved {};
  if (::stat(target.c_str(), &moved) == 0 && !same_file(moved, read_info)) {
    // A good copy landed between the check and the rename: put it back.
    ::rename(target.c_str(), path.c_str());
    return {Quarantine::Outcome::Replaced, {}, {}};
  }
  // No fsync here: if a crash loses this rename, the corrupt file is back in place and the
  // next read detects it again.
  return {Quarantine::Outcome::Moved, target, {}};
}

}  // namespace

StoreResult<ObjectStore> ObjectStore::open(const fs::path& root, StoreOptions options) {
  std::error_code ec;
  fs::path absolute = fs::absolute(root, ec);
  if (ec) return system_error(ec.value(), "use the store folder", root.string());
  absolute = absolute.lexically_normal();
  if (!absolute.has_filename() && absolute.has_parent_path()) absolute = absolute.parent_path();
  if (auto made = ensure_directory(absolute); !made.ok()) return made.error();
  for (const char* folder : kFolders) {
    if (auto made = ensure_directory(absolute / folder); !made.ok()) return made.error();
  }
  return ObjectStore(std::move(absolute), std::move(options));
}

ObjectStore::ObjectStore(fs::path root, StoreOptions options)
    : root_(std::move(root)), options_(std::move(options)) {}

// Paths are built as strings: a fully cached run checks hundreds of objects and records, and
// composing std::filesystem paths cost more than the stat calls themselves.
std::string ObjectStore::object_path_text(const Digest& digest) const {
  std::string hex = digest.hex();
  std::string path;
  path.reserve(root_.native().size() + 80);
  path += root_.native();
  path += "/objects/";
  path.append(hex, 0, 2);
  path += '/';
  path.append(hex, 2);
  return path;
}

fs::path ObjectStore::object_path(const Digest& digest) const { return object_path_text(digest); }

bool ObjectStore::contains(const Digest& digest) const {
  struct stat info {};
  return ::stat(object_path_text(digest).c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

StoreResult<Digest> ObjectStore::put(std::string_view bytes) {
  if (bytes.size() > options_.max_object_bytes) {
    return StoreError{StoreError::Kind::Io,
                      "cannot store an object of " + std::to_string(bytes.size()) +
                          " bytes: the store's limit is " + std::to_string(options_.max_object_bytes),
                      root_.string()};
  }
  Digest digest = Sha256::of(bytes);
  fs::path path = object_path(digest);

  if (contains(digest)) {
    auto existing = check(digest);
    if (existing.ok()) return digest;  // present and intact: nothing is written
    // Corrupt ones are quarantined by now; a vanished one is simply written again.
    if (existing.error().kind != StoreError::Kind::Corrupt &&
        existing.error().kind != StoreError::Kind::NotFound)
      return existing.error();
  }

  if (auto made = ensure_directory(path.parent_path()); !made.ok()) return made.error();
  auto file = AtomicFile::create(path, temp_dir(), 0444, options_.faults);
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
  const fs::path path = object_path(digest);
  const std::string hex = digest.hex();
  // A second attempt only when a concurrent put() replaced the corrupt file while it was read.
  for (int attempt = 0;; ++attempt) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT)
        return StoreError{StoreError::Kind::NotFound,
                          "object `" + hex + "` is not in the store (" + backticked(path.string()) + ")",
                          path.string()};
      return system_error(errno, "open", path.string());
    }
    struct stat read_info {};
    if (::fstat(fd, &read_info) != 0) {
      int saved = errno;
      ::close(fd);
      return system_error(saved, "inspect", path.string());
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

    auto decoded = decode_object(fd, path.string(), options_.max_object_bytes, sink);
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

    Quarantine moved = quarantine(path, read_info, quarantine_dir(), hex);
    if (moved.outcome == Quarantine::Outcome::Replaced && attempt == 0) continue;
    std::string message = "object `" + hex + "` is corrupt: " + reason;
    switch (moved.outcome) {
      case Quarantine::Outcome::Moved:
        message += "; moved to " + backticked(moved.moved_to.string());
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
    return StoreError{StoreError::Kind::Corrupt, std::move(message), path.string()};
  }
}

ObjectListing ObjectStore::list_objects() const {
  ObjectListing listing;
  std::error_code ec;
  for (fs::directory_iterator fan(objects_dir(), ec), end; !ec && fan != end; fan.increment(ec)) {
    const fs::path& dir = fan->path();
    std::string prefix = dir.filename().string();
    std::error_code type_ec;
    if (!fan->is_directory(type_ec) || prefix.size() != 2 || !is_lower_hex(prefix)) {
      listing.stray.push_back(dir);
      continue;
    }
    std::error_code inner_ec;
    for (fs::directory_iterator file(dir, inner_ec), file_end; !inner_ec && file != file_end;
         file.increment(inner_ec)) {
      std::string rest = file->path().filename().string();
      Digest digest;
      std::error_code file_ec;
      if (file->is_regular_file(file_ec) && rest.size() == 62 && is_lower_hex(rest) &&
          Digest::from_hex(prefix + rest, digest)) {
        listing.objects.push_back(digest);
      } else {
        listing.stray.push_back(file->path());
      }
    }
  }
  std::sort(listing.objects.begin(), listing.objects.end());
  std::sort(listing.stray.begin(), listing.stray.end());
  return listing;
}

StoreResult<fs::path> ObjectStore::resolve_record(const std::string& relative) const {
  auto refuse = [&](const char* why) {
    return StoreError{StoreError::Kind::Io, "cannot use record " + backticked(relative) + ": " + why,
                      (root_ / relative).string()};
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
  return fs::path(root_.native() + "/" + relative);
}

StoreResult<void> ObjectStore::write_text(const std::string& relative, std::string_view text) {
  return write_text_parts(relative, {text});
}

StoreResult<void> ObjectStore::write_text_parts(const std::string& relative,
                                                std::initializer_list<std::string_view> parts) {
  auto path = resolve_record(relative);
  if (!path.ok()) return path.error();
  if (auto made = ensure_directory(path.value().parent_path()); !made.ok()) return made;
  auto file = AtomicFile::create(path.value(), temp_dir(), 0644, options_.faults);
  if (!file.ok()) return file.error();
  for (std::string_view part : parts)
    if (auto written = file.value().write(part); !written.ok()) return written;
  return file.value().commit();
}

bool ObjectStore::contains_text(const std::string& relative) const {
  auto path = resolve_record(relative);
  struct stat info {};
  return path.ok() && ::stat(path.value().c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

StoreResult<std::string> ObjectStore::read_text(const std::string& relative) const {
  auto resolved = resolve_record(relative);
  if (!resolved.ok()) return resolved.error();
  const std::string path = resolved.value().string();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return system_error(errno, "read", path);
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
  return text;
}

StoreResult<void> ObjectStore::remove_text(const std::string& relative) {
  auto path = resolve_record(relative);
  if (!path.ok()) return path.error();
  if (::unlink(path.value().c_str()) != 0) return system_error(errno, "remove", path.value().string());
  return sync_directory(path.value().parent_path());
}

StoreResult<std::vector<std::string>> ObjectStore::list_text(const std::string& relative) const {
  auto dir = resolve_record(relative);
  if (!dir.ok()) return dir.error();
  std::vector<std::string> names;
  std::error_code ec;
  if (!fs::exists(dir.value(), ec)) return names;
  for (fs::directory_iterator entry(dir.value(), ec), end; !ec && entry != end; entry.increment(ec)) {
    std::string name = entry->path().filename().string();
    std::error_code type_ec;
    if (name.empty() || name[0] == '.' || !entry->is_regular_file(type_ec)) continue;
    names.push_back(std::move(name));
  }
  if (ec) return system_error(ec.value(), "list", dir.value().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace mlf::runtime
