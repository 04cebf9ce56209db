// Paths that lead out of the project (docs/language.md, "Paths outside the project"):
// an export there is an error unless its folder is allowed; a data file or an import there
// is a warning unless its folder is allowed. The judgement itself is path_confinement.h.
#include <filesystem>

#include "compiler/sema/checker_state.h"

namespace mlf::sema_detail {

namespace fs = std::filesystem;

namespace {

// How a resolved location is named in a message: relative to the working folder when it
// lies below it, as the other diagnostics name files.
std::string shown_location(const std::string& resolved) {
  std::error_code ec;
  fs::path cwd = fs::current_path(ec);
  std::string relative = fs::path(resolved).lexically_relative(cwd).string();
  if (ec || relative.empty() || relative.rfind("..", 0) == 0) return resolved;
  return relative;
}

std::string absolute_from(const std::string& folder, const std::string& base) {
  fs::path p(folder);
  if (p.is_relative()) p = fs::path(base) / p;
  return p.lexically_normal().string();
}

}  // namespace

void Checker::confine_paths() {
  std::vector<std::string> exports = allowed_export_dirs_;
  std::error_code ec;
  std::string cwd = fs::current_path(ec).string();
  for (const auto& folder : options_.allowed_export_dirs) exports.push_back(absolute_from(folder, cwd));
  export_confinement_ = PathConfinement(project_.root, exports);
  input_confinement_ = PathConfinement(project_.root, allowed_input_dirs_);
}

void Checker::note_import(const std::string& absolute, Span import_span) {
  imports_.emplace_back(absolute, import_span);
}

bool Checker::outside_project(const std::string& input) const {
  return !input_confinement_.admits(input, LastComponent::Resolve);
}

void Checker::warn_imports_outside_project() {
  for (const auto& [path, span] : imports_) {
    if (!outside_project(path)) continue;
    std::string where = shown_location(resolved_location(path, LastComponent::Resolve));
    diagnostics_.report(DiagnosticKind::InputOutsideProject, span,
                        "imported file `" + where + "` lies outside the project")
        .primary_label("outside the project `" + input_confinement_.root() + "`")
        .note("a pipeline that reads outside its project does not move or share with it")
        .help("copy the file into the project, or list its folder under `allow` in the "
              "`[inputs]` table of mlflow.toml");
  }
}

void Checker::warn_data_outside_project(const OpCall& call, Span span) {
  for (const auto& arg : call.args) {
    if (arg.value.kind != Value::Kind::Path || !outside_project(arg.value.text)) continue;
    Span where = arg.value.span.valid() ? arg.value.span : span;
    // A reader inside a sweep is checked once per instance; one warning is enough.
    if (!warned_outside_.insert({where.file, where.begin}).second) continue;
    std::string shown = shown_location(resolved_location(arg.value.text, LastComponent::Resolve));
    diagnostics_.report(DiagnosticKind::InputOutsideProject, where,
                        "data file `" + shown + "` lies outside the project")
        .primary_label("outside the project `" + input_confinement_.root() + "`")
        .note("diagnostics never quote the content of a file outside the project")
        .help("move the data into the project, or list its folder under `allow` in the "
              "`[inputs]` table of mlflow.toml");
  }
}

bool Checker::export_admitted(const std::string& target, Span path_span) {
  if (export_confinement_.admits(target, LastComponent::AsWritten)) return true;
  // An export inside a sweep is checked once per instance; one error is enough.
  if (!warned_outside_.insert({path_span.file, path_span.begin}).second) return false;
  std::string leads_to = resolved_location(target, LastComponent::AsWritten);
  std::string folder = fs::path(leads_to).parent_path().string();
  diagnostics_.report(DiagnosticKind::ExportOutsideProject, path_span,
                      "`export` would write `" + shown_location(leads_to) + "`, outside the project")
      .primary_label("outside the project `" + export_confinement_.root() + "`")
      .note("exports are written inside the project folder (the folder of its mlflow.toml) "
            "unless a folder outside it is allowed")
      .help("to allow it, add \"" + folder + "\" to `allow` in the `[exports]` table of "
            "mlflow.toml, or pass `--allow-export-dir " + folder + "`");
  return false;
}

}  // namespace mlf::sema_detail
