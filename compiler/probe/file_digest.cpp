#include "compiler/probe/file_digest.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <exception>
#include <filesystem>
#include <optional>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>
#include <utility>

#include <toml++/toml.h>

#include "compiler/probe/byte_stream.h"

namespace mlf::probe {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kChunkSize = 1 << 20;
constexpr std::size_t kMinChunkSize = 4096;
constexpr std::int64_t kRacyWindowNs = 2'000'000'000;
constexpr std::int64_t kCacheVersion = 1;
constexpr std::uintmax_t kMaxCacheFileSize = 256u << 20;
constexpr char kTreeDomain[] = "mlf-tree-v1\n";

std::int64_t mtime_ns(const struct stat& info) {
  return static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec;
}

std::int64_t now_ns() {
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

ProbeError unreadable(const std::string& path, int errno_value) {
  return ProbeError{ProbeError::Kind::Unreadable, in_backticks(path) + " cannot be read: " + std::strerror(errno_value)};
}

ProbeError internal_failure(const std::string& path, const std::exception& e) {
  return ProbeError{ProbeError::Kind::Unreadable, in_backticks(path) + " could not be hashed: " + e.what()};
}

std::string absolute_key(const std::string& path) {
  std::error_code ec;
  fs::path absolute = fs::absolute(path, ec);
  if (ec) return path;
  return absolute.lexically_normal().string();
}

// Strict UTF-8 (no overlong forms, surrogates or code points past U+10FFFF): a path that
// fails this is not written, so one odd file name cannot make the whole cache unparsable.
bool valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    std::size_t extra = 0;
    unsigned char low = 0x80, high = 0xbf;
    if (c < 0x80) extra = 0;
    else if (c >= 0xc2 && c <= 0xdf) extra = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      extra = 2;
      if (c == 0xe0) low = 0xa0;
      if (c == 0xed) high = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      extra = 3;
      if (c == 0xf0) low = 0x90;
      if (c == 0xf4) high = 0x8f;
    } else {
      return false;
    }
    if (extra > text.size() - i - 1) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      unsigned char next = static_cast<unsigned char>(text[i + k]);
      if (next < (k == 1 ? low : 0x80) || next > (k == 1 ? high : 0xbf)) return false;
    }
    i += extra + 1;
  }
  return true;
}

// Parses a cache file's text into entries; anything malformed is skipped.
template <class Entries, class MakeEntry>
void parse_cache(const std::string& text, Entries& entries, MakeEntry make_entry) {
  toml::table table;
#if TOML_EXCEPTIONS
  try {
    table = toml::parse(text);
  } catch (const toml::parse_error&) {
    return;
  }
#else
  toml::parse_result result = toml::parse(text);
  if (!result) return;
  table = std::move(result).table();
#endif
  if (table["version"].value<std::int64_t>() != kCacheVersion) return;
  const toml::array* files = table["file"].as_array();
  if (!files) return;
  for (const toml::node& node : *files) {
    const toml::table* file = node.as_table();
    if (!file) continue;
    auto path = (*file)["path"].value<std::string>();
    auto size = (*file)["size"].value<std::int64_t>();
    auto mtime = (*file)["mtime_ns"].value<std::int64_t>();
    auto inode = (*file)["inode"].value<std::int64_t>();
    auto sha256 = (*file)["sha256"].value<std::string>();
    if (!path || !size || !mtime || !inode || !sha256 || *size < 0) continue;
    Digest digest;
    if (!Digest::from_hex(*sha256, digest)) continue;
    entries.emplace(*path, make_entry(static_cast<std::uint64_t>(*size), *mtime,
                                      static_cast<std::uint64_t>(*inode), digest));
  }
}

bool read_whole_file(const std::string& path, std::string& text) {
  std::error_code ec;
  std::uintmax_t size = fs::file_size(path, ec);
  if (ec || size > kMaxCacheFileSize) return false;
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) return false;
  text = std::move(contents).str();
  return true;
}

bool write_all(int fd, const std::string& text) {
  std::size_t written = 0;
  while (written < text.size()) {
    ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    written += static_cast<std::size_t>(n);
  }
  return true;
}

struct TreeFile {
  std::string relative;
  std::string path;
};

// Collects the regular files below `directory`, following symlinks; `ancestors` holds the
// (device, inode) of every directory on the way down, to catch symlink cycles.
std::optional<ProbeError> collect_tree(const std::string& directory, const std::string& prefix,
                                       std::set<std::pair<dev_t, ino_t>>& ancestors,
                                       std::vector<TreeFile>& files) {
  std::error_code ec;
  fs::directory_iterator it(directory, ec);
  if (ec) return open_error(directory, ec.value());
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) break;
    std::string name = it->path().filename().string();
    std::string path = directory + "/" + name;
    std::string relative = prefix + name;
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
      if (errno == ENOENT) continue;  // a dangling symlink has no content to digest
      return open_error(path, errno);
    }
    if (S_ISDIR(info.st_mode)) {
      auto id = std::make_pair(info.st_dev, info.st_ino);
      if (ancestors.count(id))
        return ProbeError{ProbeError::Kind::BadFormat,
                          in_backticks(path) + " leads back to a directory above it (a symbolic link cycle)"};
      ancestors.insert(id);
      if (auto failure = collect_tree(path, relative + "/", ancestors, files)) return failure;
      ancestors.erase(id);
    } else if (S_ISREG(info.st_mode)) {
      files.push_back(TreeFile{std::move(relative), std::move(path)});
    }
  }
  if (ec) return open_error(directory, ec.value());
  return std::nullopt;
}

std::atomic<unsigned> temp_counter{0};

}  // namespace

FileDigestCache::FileDigestCache(std::string cache_file_path) : cache_file_path_(std::move(cache_file_path)) {
  try {
    load();
  } catch (const std::exception&) {
    entries_.clear();  // only a cache
  }
}

void FileDigestCache::load() {
  if (cache_file_path_.empty()) return;
  std::string text;
  if (!read_whole_file(cache_file_path_, text)) return;
  parse_cache(text, entries_, [](std::uint64_t size, std::int64_t mtime, std::uint64_t inode, const Digest& digest) {
    return Entry{Identity{size, mtime, inode}, digest};
  });
}

ProbeResult<Digest> FileDigestCache::digest(const std::string& path) {
  try {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) return open_error(path, errno);
    if (S_ISDIR(info.st_mode))
      return ProbeError{ProbeError::Kind::Unreadable, in_backticks(path) + " is a directory, not a file"};
    if (!S_ISREG(info.st_mode))
      return ProbeError{ProbeError::Kind::Unreadable, in_backticks(path) + " is not a regular file"};
    Identity identity{static_cast<std::uint64_t>(info.st_size), mtime_ns(info), static_cast<std::uint64_t>(info.st_ino)};
    std::string key = absolute_key(path);
    auto found = entries_.find(key);
    if (found != entries_.end() && found->second.identity == identity) {
      ++cache_hits_;
      return found->second.digest;
    }
    return hash_file(path, key, identity);
  } catch (const std::exception& e) {
    return internal_failure(path, e);
  }
}

ProbeResult<Digest> FileDigestCache::hash_file(const std::string& path, const std::string& key,
                                               const Identity& before) {
  std::int64_t started = now_ns();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return open_error(path, errno);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};

  struct stat opened {};
  if (::fstat(fd, &opened) != 0) return unreadable(path, errno);
  // Sized for the file, up to one chunk: a whole chunk for a file of a few hundred bytes was
  // 1 MiB allocated and zeroed by every check that hashed it.
  std::size_t wanted = std::clamp<std::uint64_t>(static_cast<std::uint64_t>(opened.st_size) + 1,
                                                 kMinChunkSize, kChunkSize);
  if (buffer_.size() < wanted) buffer_.resize(wanted);
  Sha256 hasher;
  while (true) {
    ssize_t n = ::read(fd, buffer_.data(), buffer_.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return unreadable(path, errno);
    }
    if (n == 0) break;
    hasher.update(buffer_.data(), static_cast<std::size_t>(n));
  }
  Digest digest = hasher.finish();
  ++files_hashed_;

  struct stat after {};
  if (::fstat(fd, &after) != 0) return digest;
  Identity at_open{static_cast<std::uint64_t>(opened.st_size), mtime_ns(opened), static_cast<std::uint64_t>(opened.st_ino)};
  Identity at_end{static_cast<std::uint64_t>(after.st_size), mtime_ns(after), static_cast<std::uint64_t>(after.st_ino)};
  bool stable = at_open == before && at_end == before;
  bool settled = started - before.mtime_ns >= kRacyWindowNs;
  if (stable && settled) {
    entries_[key] = Entry{before, digest};
    dirty_ = true;
  } else {
    entries_.erase(key);
  }
  return digest;
}

ProbeResult<Digest> FileDigestCache::digest_tree(const std::string& root) {
  try {
    struct stat info {};
    if (::stat(root.c_str(), &info) != 0) return open_error(root, errno);
    if (!S_ISDIR(info.st_mode))
      return ProbeError{ProbeError::Kind::BadFormat, in_backticks(root) + " is not a directory"};
    std::string directory = root;
    while (directory.size() > 1 && directory.back() == '/') directory.pop_back();

    std::set<std::pair<dev_t, ino_t>> ancestors{{info.st_dev, info.st_ino}};
    std::vector<TreeFile> files;
    if (auto failure = collect_tree(directory, "", ancestors, files)) return *failure;
    std::sort(files.begin(), files.end(), [](const TreeFile& a, const TreeFile& b) { return a.relative < b.relative; });

    Sha256 hasher;
    hasher.update(kTreeDomain);
    for (const TreeFile& file : files) {
      auto file_digest = digest(file.path);
      if (!ok(file_digest)) return error(file_digest);
      hasher.update(file.relative);
      hasher.update(std::string_view("\0", 1));
      hasher.update(std::get<Digest>(file_digest).bytes.data(), 32);
    }
    return hasher.finish();
  } catch (const std::exception& e) {
    return internal_failure(root, e);
  }
}

bool FileDigestCache::save() {
  if (cache_file_path_.empty() || !dirty_) return true;
  try {
    // Keep what another process wrote meanwhile; our own entries win.
    std::map<std::string, Entry> merged;
    std::string existing;
    if (read_whole_file(cache_file_path_, existing)) {
      parse_cache(existing, merged, [](std::uint64_t size, std::int64_t mtime, std::uint64_t inode, const Digest& digest) {
        return Entry{Identity{size, mtime, inode}, digest};
      });
    }
    for (const auto& [path, entry] : entries_) merged[path] = entry;

    toml::array files;
    for (const auto& [path, entry] : merged) {
      if (!valid_utf8(path)) continue;  // TOML strings are UTF-8; such a file is just not remembered
      files.push_back(toml::table{
          {"path", path},
          {"size", static_cast<std::int64_t>(entry.identity.size)},
          {"mtime_ns", entry.identity.mtime_ns},
          {"inode", static_cast<std::int64_t>(entry.identity.inode)},
          {"sha256", entry.digest.hex()},
      });
    }
    toml::table table{{"version", kCacheVersion}, {"file", std::move(files)}};
    std::ostringstream out;
    out << "# mlf file digest cache: safe to delete\n" << table << "\n";
    std::string text = std::move(out).str();

    fs::path target(cache_file_path_);
    std::error_code ec;
    if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
    std::string temp = cache_file_path_ + ".tmp-" + std::to_string(::getpid()) + "-" +
                       std::to_string(temp_counter.fetch_add(1));
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return false;
    bool written = write_all(fd, text) && ::fsync(fd) == 0;
    written = ::close(fd) == 0 && written;
    if (!written || ::rename(temp.c_str(), cache_file_path_.c_str()) != 0) {
      ::unlink(temp.c_str());
      return false;
    }
    dirty_ = false;
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace mlf::probe
