// Params: declared default → `[params]` of mlflow.toml → `-p name=value`, the last one wins;
// each value is checked against the declared type. Also reads the rest of mlflow.toml: the
// folders outside the project allowed for exports (`[exports] allow`) and for data files and
// imports (`[inputs] allow`).
#include <charconv>
#include <filesystem>
#include <toml++/toml.h>

#include "compiler/sema/checker_state.h"

namespace mlf::sema_detail {

namespace fs = std::filesystem;

namespace {

enum class ScalarType { Int, Float, Bool, String, Path, Unknown };

ScalarType scalar_type(const std::string& name) {
  if (name == "int") return ScalarType::Int;
  if (name == "float") return ScalarType::Float;
  if (name == "bool") return ScalarType::Bool;
  if (name == "string") return ScalarType::String;
  if (name == "path") return ScalarType::Path;
  return ScalarType::Unknown;
}

std::optional<Value> convert(const Value& value, ScalarType type) {
  switch (type) {
    case ScalarType::Int:
      if (value.kind == Value::Kind::Int) return value;
      break;
    case ScalarType::Float:
      if (value.kind == Value::Kind::Float) return value;
      if (value.kind == Value::Kind::Int) return Value::of_float(value.as_real(), value.span);
      break;
    case ScalarType::Bool:
      if (value.kind == Value::Kind::Bool) return value;
      break;
    case ScalarType::String:
      if (value.kind == Value::Kind::String) return value;
      break;
    case ScalarType::Path:
      if (value.kind == Value::Kind::String || value.kind == Value::Kind::Path) {
        Value out = value;
        out.kind = Value::Kind::String;  // resolved where an op takes it as a path
        return out;
      }
      break;
    case ScalarType::Unknown:
      break;
  }
  return std::nullopt;
}

// `-p` text → a value of the declared type.
std::optional<Value> parse_override(const std::string& text, ScalarType type) {
  switch (type) {
    case ScalarType::Int: {
      std::int64_t v = 0;
      auto r = std::from_chars(text.data(), text.data() + text.size(), v);
      if (r.ec == std::errc() && r.ptr == text.data() + text.size()) return Value::of_int(v);
      return std::nullopt;
    }
    case ScalarType::Float: {
      double v = 0;
      auto r = std::from_chars(text.data(), text.data() + text.size(), v);
      if (r.ec == std::errc() && r.ptr == text.data() + text.size()) return Value::of_float(v);
      return std::nullopt;
    }
    case ScalarType::Bool:
      if (text == "true") return Value::of_bool(true);
      if (text == "false") return Value::of_bool(false);
      return std::nullopt;
    case ScalarType::String:
    case ScalarType::Path: {
      std::string s = text;
      if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
      return Value::of_string(s);
    }
    case ScalarType::Unknown:
      break;
  }
  return std::nullopt;
}

Span toml_span(const SourceFile& file, const toml::source_region& region) {
  if (region.begin.line == 0) return Span{file.id(), 0, 0};
  std::uint32_t line = std::min<std::uint32_t>(region.begin.line, file.line_count());
  std::uint32_t begin = file.line_start(line) + region.begin.column - 1;
  std::uint32_t end = begin + 1;
  if (region.end.line == region.begin.line && region.end.column > region.begin.column)
    end = begin + (region.end.column - region.begin.column);
  auto limit = static_cast<std::uint32_t>(file.text().size());
  return Span{file.id(), std::min(begin, limit), std::min(end, limit)};
}

// `[TABLE] allow = ["folder", ...]`: folders outside the project, each absolute or relative
// to the project root, appended to `folders`.
void read_allowed_folders(const toml::table& table, const char* name, const SourceFile& file,
                          const std::string& root, DiagnosticEngine& diagnostics,
                          std::vector<std::string>& folders) {
  const toml::node* node = table.get(name);
  if (!node) return;
  const toml::table* section = node->as_table();
  if (!section) {
    diagnostics.report(DiagnosticKind::BadConfig, toml_span(file, node->source()),
                       std::string("`") + name + "` in `mlflow.toml` must be a table");
    return;
  }
  for (const auto& [key, value] : *section) {
    Span span = toml_span(file, value.source());
    if (key.str() != "allow") {
      diagnostics.report(DiagnosticKind::BadConfig, span,
                         std::string("`") + name + "." + std::string(key.str()) + "` is not a setting")
          .help(std::string("the `[") + name + "]` table takes `allow`, a list of folders");
      continue;
    }
    const toml::array* list = value.as_array();
    bool all_strings = list != nullptr;
    if (list)
      for (const auto& item : *list) all_strings = all_strings && item.as_string() && !item.as_string()->get().empty();
    if (!all_strings) {
      diagnostics.report(DiagnosticKind::BadConfig, span,
                         std::string("`") + name + ".allow` must be a list of folder paths")
          .help("write e.g. `allow = [\"/data/shared\", \"../common\"]`");
      continue;
    }
    for (const auto& item : *list) {
      fs::path folder(item.as_string()->get());
      if (folder.is_relative()) folder = fs::path(root) / folder;
      folders.push_back(folder.lexically_normal().string());
    }
  }
}

}  // namespace

void Checker::load_config() {
  if (project_.config_path.empty()) return;
  std::error_code ec;
  std::string shown = fs::path(project_.config_path).lexically_relative(fs::current_path(ec)).string();
  if (shown.empty() || shown.rfind("..", 0) == 0) shown = project_.config_path;
  SourceRead read = read_source_file(project_.config_path, options_.max_source_bytes);
  if (auto* error = std::get_if<SourceReadError>(&read)) {
    std::string why = error->kind == SourceReadError::Kind::TooLarge
                          ? std::to_string(error->size) + " bytes, more than the limit of " +
                                std::to_string(options_.max_source_bytes)
                      : error->kind == SourceReadError::Kind::NotRegular
                          ? error->reason + ", not a regular file"
                          : error->reason;
    diagnostics_.report(DiagnosticKind::BadConfig, Span{},
                        "cannot read `" + shown + "`: " + why);
    return;
  }
  const SourceFile& file = sources_.add(shown, std::move(std::get<std::string>(read)));
  toml::table table;
  try {
    table = toml::parse(file.text(), project_.config_path);
  } catch (const toml::parse_error& error) {
    diagnostics_.report(DiagnosticKind::BadConfig, toml_span(file, error.source()),
                        "`mlflow.toml` is not valid TOML: " + std::string(error.description()));
    return;
  }
  read_allowed_folders(table, "exports", file, project_.root, diagnostics_, allowed_export_dirs_);
  read_allowed_folders(table, "inputs", file, project_.root, diagnostics_, allowed_input_dirs_);
  const toml::node* params = table.get("params");
  if (!params) return;
  const toml::table* params_table = params->as_table();
  if (!params_table) {
    diagnostics_.report(DiagnosticKind::BadConfig, toml_span(file, params->source()),
                        "`params` in `mlflow.toml` must be a table");
    return;
  }
  for (const auto& [key, node] : *params_table) {
    Span span = toml_span(file, node.source());
    Value value;
    if (auto v = node.as_integer()) value = Value::of_int(v->get(), span);
    else if (auto f = node.as_floating_point()) value = Value::of_float(f->get(), span);
    else if (auto b = node.as_boolean()) value = Value::of_bool(b->get(), span);
    else if (auto s = node.as_string()) value = Value::of_string(s->get(), span);
    else {
      diagnostics_.report(DiagnosticKind::BadConfig, span,
                          "`params." + std::string(key.str()) +
                              "` must be an int, float, bool or string");
      continue;
    }
    config_params_[std::string(key.str())] = {value, span};
  }
}

std::optional<Value> Checker::override_value(const std::string& name,
                                             const ast::ParamDecl& param) {
  ScalarType type = param.type.is_list ? ScalarType::Unknown : scalar_type(param.type.name.name);
  std::optional<Value> result;
  if (auto it = config_params_.find(name); it != config_params_.end()) {
    auto converted = convert(it->second.first, type);
    if (!converted) {
      diagnostics_.report(DiagnosticKind::BadConfig, it->second.second,
                          "`params." + name + "` must be " + param.type.name.name + ", found " +
                              value_kind_name(it->second.first.kind))
          .label(param.type.span, "declared here");
    } else {
      result = converted;
    }
  }
  for (const auto& [key, text] : options_.overrides) {
    if (key != name) continue;
    auto parsed = parse_override(text, type);
    if (!parsed) {
      diagnostics_.report(DiagnosticKind::BadOverride, Span{},
                          "`-p " + key + "=" + text + "`: `" + text + "` is not " +
                              (type == ScalarType::Int ? "an int" : "a " + param.type.name.name))
          .note("`" + name + "` is declared as " + param.type.name.name);
      continue;
    }
    result = parsed;
  }
  return result;
}

Value Checker::evaluate_param(Definition& def) {
  const auto& param = std::get<ast::ParamDecl>(def.decl->node);
  ScalarType type = scalar_type(param.type.name.name);
  if (type == ScalarType::Unknown) {
    std::string near = nearest_name(param.type.name.name, {"int", "float", "bool", "string", "path"});
    auto builder = diagnostics_.report(DiagnosticKind::TypeMismatch, param.type.name.span,
                                       "`" + param.type.name.name + "` is not a param type")
                       .primary_label("unknown type")
                       .note("param types are int, float, bool, string, path and lists of them");
    if (!near.empty()) builder.help("the type `" + near + "` exists");
    return Value::error(param.type.span);
  }
  Value value = eval(*param.value, *def.scope);
  if (value.poisoned) return value;
  auto check = [&](const Value& v) -> std::optional<Value> {
    auto converted = convert(v, type);
    if (!converted) {
      diagnostics_.report(DiagnosticKind::TypeMismatch, v.span.valid() ? v.span : param.value->span,
                          "param `" + def.name + "` is declared as " + param.type.name.name +
                              " but its value is " + describe(v))
          .primary_label("expected " + param.type.name.name)
          .label(param.type.span, "the type is declared here");
    }
    return converted;
  };
  if (param.type.is_list) {
    if (value.kind != Value::Kind::List) {
      diagnostics_.report(DiagnosticKind::TypeMismatch, param.value->span,
                          "param `" + def.name + "` is declared as [" + param.type.name.name +
                              "] but its value is " + describe(value))
          .label(param.type.span, "the type is declared here");
      return Value::error(param.value->span);
    }
    Value out = value;
    for (auto& item : out.items) {
      auto converted = check(item);
      if (!converted) return Value::error(param.value->span);
      item = *converted;
    }
    return out;
  }
  auto converted = check(value);
  if (!converted) return Value::error(param.value->span);
  if (auto overridden = override_value(def.name, param)) {
    Value out = *overridden;
    out.span = param.value->span;
    return out;
  }
  return *converted;
}

}  // namespace mlf::sema_detail
