// `mlf report RUN... [-o FILE]`: one self-contained HTML page about recorded runs
// (runtime/report/html_report.h). Reads the store only; loads neither LibTorch nor LLVM.
#include <filesystem>
#include <iostream>

#include "compiler/driver/command_line.h"
#include "compiler/driver/commands.h"
#include "compiler/driver/compilation.h"
#include "compiler/driver/help_text.h"
#include "compiler/driver/store_access.h"
#include "compiler/sema/project.h"
#include "runtime/report/html_report.h"
#include "runtime/record/run_lookup.h"
#include "runtime/report/run_report_data.h"
#include "runtime/store/object_store.h"

namespace mlf::driver {

namespace fs = std::filesystem;

int run_report(const std::vector<std::string>& argv) {
  ParsedArgs args;
  std::vector<FlagSpec> flags = {{"--output", "-o", true, false},
                                 {"--samples", "", true, false},
                                 {"--store", "", true, false},
                                 {"--help", "-h", false, false}};
  if (auto error = parse_args(argv, flags, args)) return usage_error("report", *error);
  if (args.has("--help")) {
    std::cout << help_text("report");
    return kOk;
  }
  if (args.positional.empty()) return usage_error("report", "expected at least one RUN id");
  int samples = 12;
  if (auto text = args.value("--samples")) {
    try {
      samples = std::stoi(*text);
    } catch (const std::exception&) {
      samples = -1;
    }
    if (samples < 0 || samples > 1000)
      return usage_error("report", "--samples needs a number from 0 to 1000, found `" + *text + "`");
  }
  auto store = open_store_to_read(args);
  if (!store) return kUserError;
  std::vector<runtime::RunRecord> records = load_runs(*store);
  std::vector<runtime::ReportRun> runs;
  for (const auto& given : args.positional) {
    std::string error;
    const runtime::RunRecord* record = runtime::find_run(records, given, error);
    if (!record) {
      std::cerr << "error: " << error << "\n";
      return kUserError;
    }
    runs.push_back(runtime::load_report_run(*store, *record, samples));
  }
  std::string output = args.value("--output").value_or("report-" + runs.front().record.id + ".html");
  std::string error;
  if (!write_file_atomically(output, runtime::render_html_report(runs), error)) {
    std::cerr << "error: " << error << "\n";
    return kUserError;
  }
  std::cerr << "wrote " << output << "\n";
  return kOk;
}

}  // namespace mlf::driver
