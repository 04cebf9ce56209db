#include <filesystem>

#include "compiler/lsp/features.h"
#include "compiler/lsp/text_positions.h"

namespace mlf::lsp {

using nlohmann::json;
namespace fs = std::filesystem;

json definition(const DocumentAnalysis& analysis, std::uint32_t offset) {
  auto name = name_at(analysis.main().module, offset);
  if (!name) return nullptr;
  if (name->role == NameAt::Role::Import) {
    std::error_code ec;
    fs::path target = fs::path(analysis.path).parent_path() / name->name;
    if (!fs::is_regular_file(target, ec)) return nullptr;
    return {{"uri", uri_of_path(target.string())}, {"range", empty_range_json()}};
  }
  if (name->role != NameAt::Role::Reference && name->role != NameAt::Role::Declared) return nullptr;
  // The document's own declarations first, then those of its imports in load order, as one
  // global scope (imports share the importer's namespace).
  for (const auto& parsed : analysis.modules) {
    if (const Declaration* d = find_declaration(parsed.declarations, name->name))
      return {{"uri", uri_of_path(parsed.path)}, {"range", range_json(*parsed.file, d->name_span)}};
  }
  return nullptr;
}

}  // namespace mlf::lsp
