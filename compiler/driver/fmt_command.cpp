// `mlf fmt [--check] FILE...`: rewrites files in the canonical layout, or with --check lists
// those that are not in it. A file with syntax errors is reported and left untouched.
#include <iostream>
#include <variant>

#include "compiler/driver/commands.h"
#include "compiler/driver/compilation.h"
#include "compiler/driver/help_text.h"
#include "compiler/format/formatter.h"
#include "compiler/sema/checker.h"
#include "compiler/source/source_reader.h"
#include "compiler/syntax/parse.h"

namespace mlf::driver {

int run_fmt(const std::vector<std::string>& argv) {
  ParsedArgs args;
  std::vector<FlagSpec> flags = {{"--check", "", false, false},
                                 {"--color", "", true, false},
                                 {"--json", "", false, false},
                                 {"--help", "-h", false, false}};
  if (auto error = parse_args(argv, flags, args)) return usage_error("fmt", *error);
  if (args.has("--help")) {
    std::cout << help_text("fmt");
    return kOk;
  }
  if (args.positional.empty()) return usage_error("fmt", "missing FILE");
  OutputStyle style = output_style(args);
  bool check = args.has("--check");
  int status = kOk;
  for (const auto& path : args.positional) {
    const std::uint64_t limit = CheckOptions{}.max_source_bytes;
    SourceRead read = read_source_file(path, limit);
    if (auto* error = std::get_if<SourceReadError>(&read)) {
      std::cerr << "error: cannot read `" << path << "`: ";
      if (error->kind == SourceReadError::Kind::TooLarge)
        std::cerr << error->size << " bytes, more than the limit of " << limit << "\n";
      else if (error->kind == SourceReadError::Kind::NotRegular)
        std::cerr << error->reason << ", not a regular file\n";
      else
        std::cerr << error->reason << "\n";
      status = kUserError;
      continue;
    }
    SourceMap sources;
    DiagnosticEngine diagnostics;
    const SourceFile& file = sources.add(path, std::move(std::get<std::string>(read)));
    ast::Module module = parse_module(file, diagnostics);
    if (diagnostics.has_errors()) {
      print_diagnostics(diagnostics, sources, style, path);
      status = kUserError;
      continue;
    }
    std::string formatted = format_module(module, file);
    if (formatted == file.text()) continue;
    if (check) {
      std::cout << path << "\n";
      status = kUserError;
      continue;
    }
    std::string error;
    if (!write_file_atomically(path, formatted, error)) {
      std::cerr << "error: " << error << "\n";
      status = kUserError;
    }
  }
  return status;
}

}  // namespace mlf::driver
