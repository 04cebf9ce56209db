#include "compiler/lsp/stored_result.h"

#include <toml++/toml.h>

#include <filesystem>

#include "runtime/store/object_store.h"

namespace mlf::lsp {

std::optional<StoredResult> stored_result(const std::string& store_path, const Digest& node) {
  std::error_code ec;
  // Nothing to show without results; and a hover creates nothing (OpenMode::Existing).
  if (!std::filesystem::is_directory(std::filesystem::path(store_path) / "results", ec))
    return std::nullopt;
  auto store = runtime::ObjectStore::open(store_path, {}, runtime::OpenMode::Existing);
  if (!store.ok()) return std::nullopt;
  auto text = store.value().read_text("results/" + node.hex() + ".toml");
  if (!text.ok()) return std::nullopt;
  toml::table table;
  try {
    table = toml::parse(text.value());
  } catch (const toml::parse_error&) {
    return std::nullopt;
  }
  StoredResult result;
  result.seconds = table["seconds"].value_or(0.0);
  if (const auto* outputs = table["outputs"].as_table()) {
    for (const auto& [name, value] : *outputs) {
      Digest digest;
      auto hex = value.value<std::string>();
      if (!hex || !Digest::from_hex(*hex, digest) || !store.value().contains(digest))
        return std::nullopt;
    }
  }
  if (const auto* metrics = table["metrics"].as_table())
    for (const auto& [name, value] : *metrics)
      if (auto number = value.value<double>()) result.metrics[std::string(name.str())] = *number;
  return result;
}

}  // namespace mlf::lsp
