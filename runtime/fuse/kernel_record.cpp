#include "runtime/fuse/kernel_record.h"

#include <toml++/toml.h>

#include <array>
#include <utility>

#include "compiler/hash/hmac_sha256.h"
#include "compiler/plan/toml_text.h"

namespace mlf::runtime {
namespace {

constexpr std::array<const char*, 8> kFields = {"kernel", "object", "inputs", "codegen",
                                                "target", "build",  "key",    "mac"};

// The fields as (name, value), in the order the MAC and the text use.
std::array<std::pair<const char*, std::string>, 7> signed_fields(const KernelRecord& r) {
  return {{{"kernel", r.kernel.hex()},
           {"object", r.object.hex()},
           {"inputs", r.inputs.hex()},
           {"codegen", r.codegen},
           {"target", r.target.hex()},
           {"build", r.build},
           {"key", r.key}}};
}

// Domain-separated and unambiguous: no value may hold a newline (parse_kernel_record and
// printable() see to it), so `name=value\n` lines cannot be re-split into other fields.
Digest record_mac(const KernelRecord& record, const KernelKey& key) {
  std::string message = "mlf kernel record 1\n";
  for (const auto& [name, value] : signed_fields(record)) message += std::string(name) + "=" + value + "\n";
  return hmac_sha256(key.bytes, message);
}

bool printable(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  return true;
}

}  // namespace

std::string kernel_record_name(const Digest& kernel) { return "kernels/" + kernel.hex(); }

std::string kernel_record_text(const KernelRecord& record) {
  toml_text::Writer out;
  out.comment("A fused kernel compiled by mlf; `mac` authenticates the fields above it under");
  out.comment("the kernel key of the user who compiled it (docs/fusion.md, the kernel cache).");
  for (const auto& [name, value] : signed_fields(record)) out.entry(name, toml_text::string(value));
  out.entry("mac", toml_text::string(record.mac.hex()));
  return out.take();
}

std::optional<KernelRecord> parse_kernel_record(std::string_view text, std::string& problem) {
  toml::table table;
  try {
    table = toml::parse(text);
  } catch (const toml::parse_error& e) {
    problem = "is not a kernel record (line " + std::to_string(e.source().begin.line) + ": " +
              std::string(e.description()) + ")";
    return std::nullopt;
  }
  std::array<std::string, kFields.size()> values;
  for (std::size_t i = 0; i < kFields.size(); ++i) {
    const auto value = table[kFields[i]].value<std::string>();
    if (!value || !printable(*value)) {
      problem = std::string("is not a kernel record (no well-formed `") + kFields[i] + "`)";
      return std::nullopt;
    }
    values[i] = *value;
  }
  if (table.size() != kFields.size()) {
    problem = "is not a kernel record (fields other than " + std::to_string(kFields.size()) + " known ones)";
    return std::nullopt;
  }
  KernelRecord record;
  const std::array<std::pair<std::size_t, Digest*>, 5> digests = {
      {{0, &record.kernel}, {1, &record.object}, {2, &record.inputs}, {4, &record.target}, {7, &record.mac}}};
  for (const auto& [index, into] : digests)
    if (!Digest::from_hex(values[index], *into)) {
      problem = std::string("is not a kernel record (`") + kFields[index] + "` is not a SHA-256 in hex)";
      return std::nullopt;
    }
  record.codegen = values[3];
  record.build = values[5];
  record.key = values[6];
  return record;
}

void sign_kernel_record(KernelRecord& record, const KernelKey& key) {
  record.key = key.id;
  record.mac = record_mac(record, key);
}

std::string kernel_record_refusal(const KernelRecord& record, const KernelKey& key) {
  if (record.key != key.id)
    return "was signed with another kernel key (" + record.key + ", this user's is " + key.id +
           "): a store copied from another user or machine, or a planted kernel";
  if (!same_digest(record.mac, record_mac(record, key)))
    return "does not authenticate under this user's kernel key: it was altered or forged";
  return "";
}

KernelRecordCheck check_kernel_records(ObjectStore& store) {
  KernelRecordCheck out;
  auto names = store.list_text("kernels");
  if (!names.ok()) {
    out.refused.push_back("kernels/: " + names.error().message);
    return out;
  }
  if (names.value().empty()) return out;
  const KernelKey* key = process_kernel_key(out.key_problem);
  if (!key) return out;
  for (const auto& name : names.value()) {
    const std::string relative = "kernels/" + name;
    ++out.records_checked;
    auto text = store.read_text(relative);
    if (!text.ok()) {
      out.refused.push_back(relative + ": " + text.error().message);
      continue;
    }
    std::string problem;
    auto record = parse_kernel_record(text.value(), problem);
    if (record) problem = kernel_record_refusal(*record, *key);
    if (record && problem.empty() && record->kernel.hex() != name)
      problem = "authenticates but was written for kernel " + record->kernel.hex();
    if (!problem.empty()) out.refused.push_back(relative + ": " + problem);
  }
  return out;
}

}  // namespace mlf::runtime
