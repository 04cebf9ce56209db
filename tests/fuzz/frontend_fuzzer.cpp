// libFuzzer target for the whole front end: bytes → parse → format → check.
// Any crash, hang, sanitizer report or uncaught exception here is a bug: user input must
// only ever produce diagnostics. See docs/testing.md "Fuzzing" for running it longer.
//
// The input is checked as `fuzz.mlflow` in a scratch project (scratch_project.h) whose small
// data files the seed corpus names, so inputs reach the model and stage checks while every
// check reads only a few kilobytes of data.
#include <cstddef>
#include <cstdint>
#include <string>

#include "compiler/diagnostics/diagnostic_engine.h"
#include "compiler/format/formatter.h"
#include "compiler/sema/checker.h"
#include "compiler/syntax/parse.h"
#include "tests/fuzz/scratch_project.h"

namespace {

// ANTLR's prediction caches only grow (compiler/syntax/parse.h); emptying them this often
// keeps the process's memory flat at a cost of well under 1% of the executions.
constexpr std::uint64_t kInputsBetweenCacheClears = 2000;

const mlf::fuzz::ScratchProject& project() {
  static const mlf::fuzz::ScratchProject scratch;
  return scratch;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  project();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static std::uint64_t inputs = 0;
  if (++inputs % kInputsBetweenCacheClears == 0) mlf::clear_parser_caches();

  std::string text(reinterpret_cast<const char*>(data), size);
  {
    mlf::SourceMap sources;
    mlf::DiagnosticEngine diagnostics;
    const auto& file = sources.add("fuzz.mlflow", text);
    auto module = mlf::parse_module(file, diagnostics);
    if (!diagnostics.has_errors()) {
      std::string formatted = mlf::format_module(module, file);
      // The formatter's output must itself parse cleanly and be a fixed point.
      mlf::SourceMap again_sources;
      mlf::DiagnosticEngine again_diagnostics;
      const auto& again = again_sources.add("fuzz.mlflow", formatted);
      auto reparsed = mlf::parse_module(again, again_diagnostics);
      if (again_diagnostics.has_errors()) __builtin_trap();
      if (mlf::format_module(reparsed, again) != formatted) __builtin_trap();
    }
  }
  {
    mlf::CheckOptions options;
    options.main_file = project().root() + "/fuzz.mlflow";
    options.main_text = text;
    options.has_main_text = true;
    options.read_config = false;
    options.cache_digests = false;
    mlf::SourceMap sources;
    mlf::DiagnosticEngine diagnostics;
    mlf::check_pipeline(options, sources, diagnostics);
  }
  return 0;
}
