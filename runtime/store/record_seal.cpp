#include "runtime/store/record_seal.h"

namespace mlf::runtime {
namespace {

constexpr std::string_view kSealPrefix = "# mlf-seal sha256:";
constexpr std::string_view kNewlineAdded = " newline-added";

StoreError damaged(const std::string& path, const std::string& reason) {
  return StoreError{StoreError::Kind::Corrupt, "record " + backticked(path) + " is damaged: " + reason, path};
}

}  // namespace

void RecordSealer::update(std::string_view part) {
  if (part.empty()) return;
  hasher_.update(part);
  last_ = part.back();
}

std::string RecordSealer::seal_line() {
  const bool add_newline = last_ != '\n';
  if (add_newline) hasher_.update("\n");
  std::string line;
  line.reserve(kSealPrefix.size() + 64 + kNewlineAdded.size() + 2);
  if (add_newline) line += '\n';
  line += kSealPrefix;
  line += hasher_.finish().hex();
  if (add_newline) line += kNewlineAdded;
  line += '\n';
  return line;
}

StoreResult<std::string_view> unseal(std::string_view sealed, const std::string& path) {
  const char* unsealed =
      "it has no seal (it was cut short, or written by a version of mlf that did not seal records)";
  if (sealed.empty() || sealed.back() != '\n') return damaged(path, unsealed);
  std::size_t line_end = sealed.size() - 1;
  std::size_t line_start = sealed.rfind('\n', line_end - (line_end > 0 ? 1 : 0));
  line_start = (line_start == std::string_view::npos || line_end == 0) ? 0 : line_start + 1;
  std::string_view line = sealed.substr(line_start, line_end - line_start);
  if (line.substr(0, kSealPrefix.size()) != kSealPrefix) return damaged(path, unsealed);
  std::string_view rest = line.substr(kSealPrefix.size());
  bool newline_added = false;
  if (rest.size() == 64 + kNewlineAdded.size() && rest.substr(64) == kNewlineAdded) {
    newline_added = true;
    rest = rest.substr(0, 64);
  }
  Digest recorded;
  if (rest.size() != 64 || !Digest::from_hex(rest, recorded)) return damaged(path, "its seal line is malformed");
  std::string_view body = sealed.substr(0, line_start);
  if (Sha256::of(body) != recorded)
    return damaged(path, "its content does not match its seal (it was edited or damaged after mlf wrote it)");
  if (newline_added) {
    if (body.empty() || body.back() != '\n') return damaged(path, "its seal line is malformed");
    body.remove_suffix(1);
  }
  return body;
}

}  // namespace mlf::runtime
