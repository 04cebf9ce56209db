#include "compiler/driver/compilation.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "compiler/diagnostics/json_renderer.h"
#include "compiler/diagnostics/text_renderer.h"
#include "compiler/hash/content_hash.h"
#include "compiler/sema/checker.h"

namespace mlf::driver {

namespace fs = std::filesystem;

std::vector<FlagSpec> compile_flags() {
  return {{"--param", "-p", true, true},
          {"--json", "", false, false},
          {"--color", "", true, false},
          {"--no-config", "", false, false},
          {"--max-source-bytes", "", true, false},
          {"--allow-export-dir", "", true, true},
          {"--help", "-h", false, false}};
}

OutputStyle output_style(const ParsedArgs& args) {
  OutputStyle style;
  style.json = args.has("--json");
  std::string color = args.value("--color").value_or("auto");
  if (color == "always") style.color = true;
  else if (color == "never") style.color = false;
  else style.color = isatty(STDERR_FILENO) && !std::getenv("NO_COLOR");
  return style;
}

void print_diagnostics(const DiagnosticEngine& diagnostics, const SourceMap& sources,
                       const OutputStyle& style, const std::string& file) {
  auto sorted = diagnostics.sorted();
  if (style.json) {
    for (const auto& d : sorted) std::cout << render_json(d, sources) << "\n";
    std::cout.flush();
    return;
  }
  std::cerr << render_text(sorted, sources, style.color);
  std::size_t errors = diagnostics.error_count(), warnings = diagnostics.warning_count();
  if (diagnostics.total() > sorted.size())
    std::cerr << "note: " << diagnostics.total() - sorted.size()
              << " more diagnostics not shown (limit " << diagnostics.limit() << ")\n";
  auto plural = [](std::size_t n, const char* word) {
    return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
  };
  if (errors > 0) {
    std::cerr << (style.color ? "\x1b[1;31merror\x1b[0m" : "error") << ": `" << file
              << "` has " << plural(errors, "error");
    if (warnings) std::cerr << " and " << plural(warnings, "warning");
    std::cerr << "\n";
  } else if (warnings > 0) {
    std::cerr << (style.color ? "\x1b[1;33mwarning\x1b[0m" : "warning") << ": `" << file
              << "` has " << plural(warnings, "warning") << "\n";
  }
}

std::optional<Graph> compile(const std::string& file, const ParsedArgs& args,
                             const OutputStyle& style, CompiledInputs* inputs) {
  CheckOptions options;
  options.main_file = file;
  options.read_config = !args.has("--no-config");
  if (auto it = args.values.find("--allow-export-dir"); it != args.values.end())
    options.allowed_export_dirs = it->second;
  if (auto limit = args.value("--max-source-bytes")) {
    try {
      options.max_source_bytes = std::stoull(*limit);
    } catch (const std::exception&) {
      std::cerr << "error: --max-source-bytes needs a number of bytes, found `" << *limit << "`\n";
      return std::nullopt;
    }
  }
  if (auto it = args.values.find("--param"); it != args.values.end()) {
    for (const auto& text : it->second) {
      auto eq = text.find('=');
      // A malformed override still reaches the checker so that it is reported with the rest.
      if (eq != std::string::npos && eq > 0 && eq + 1 < text.size())
        options.overrides.emplace_back(text.substr(0, eq), text.substr(eq + 1));
    }
  }
  SourceMap sources;
  DiagnosticEngine diagnostics;
  if (auto it = args.values.find("--param"); it != args.values.end()) {
    for (const auto& text : it->second) {
      auto eq = text.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
        diagnostics.report(DiagnosticKind::BadOverride, Span{},
                           "`-p " + text + "` is not of the form name=value");
    }
  }
  std::optional<Graph> graph = check_pipeline(options, sources, diagnostics);
  if (graph && !diagnostics.has_errors()) hash_graph(*graph);
  print_diagnostics(diagnostics, sources, style, file);
  if (inputs) {
    inputs->diagnostics = diagnostics.total();
    std::error_code ec;
    for (std::size_t i = 0; i < sources.size(); ++i) {
      const SourceFile& source = sources.file(static_cast<FileId>(i));
      inputs->sources.emplace_back(fs::absolute(source.path(), ec).lexically_normal().string(),
                                   Sha256::of(source.text()));
    }
  }
  if (diagnostics.has_errors()) return std::nullopt;
  return graph;
}

bool write_file_atomically(const std::string& path, const std::string& text, std::string& error) {
  fs::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  fs::path temp = target;
  temp += ".tmp." + std::to_string(getpid());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) {
      error = "cannot write `" + temp.string() + "`";
      return false;
    }
    out << text;
    out.flush();
    if (!out) {
      error = "cannot write `" + temp.string() + "` (disk full?)";
      out.close();
      fs::remove(temp, ec);
      return false;
    }
  }
  fs::rename(temp, target, ec);
  if (ec) {
    error = "cannot move the new file into `" + path + "`: " + ec.message();
    fs::remove(temp, ec);
    return false;
  }
  return true;
}

}  // namespace mlf::driver
