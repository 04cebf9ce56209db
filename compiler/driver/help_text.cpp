#include "compiler/driver/help_text.h"

namespace mlf::driver {

namespace {

const char* kCommonOptions =
    "  -p, --param NAME=VALUE  override a param (repeatable; beats [params] in mlflow.toml)\n"
    "      --no-config         ignore mlflow.toml\n"
    "      --max-source-bytes N  refuse source files larger than N bytes (default 16 MiB)\n"
    "      --json              diagnostics as JSON lines on stdout (fields map to LSP)\n"
    "      --color WHEN        auto (default: on a terminal, unless NO_COLOR is set),\n"
    "                          always or never\n"
    "  -h, --help              this text\n";

const char* kExitCodes =
    "\nExit codes: 0 ok, 1 the input has errors, 2 usage error, 3 internal error.\n";

}  // namespace

std::string usage_line(const std::string& command) {
  if (command == "check") return "mlf check [OPTIONS] FILE";
  if (command == "build") return "mlf build [OPTIONS] FILE [-o PLAN]";
  if (command == "graph") return "mlf graph [OPTIONS] FILE";
  if (command == "fmt") return "mlf fmt [--check] FILE...";
  if (command == "run") return "mlf run [OPTIONS] FILE [--threads N] [--store DIR]";
  if (command == "replay") return "mlf replay RUN|PLAN [--store DIR] [--threads N]";
  if (command == "runs") return "mlf runs [--store DIR] [--json]";
  if (command == "show") return "mlf show RUN [--store DIR]";
  if (command == "verify") return "mlf verify [--store DIR]";
  if (command == "gc") return "mlf gc [--keep-runs N] [--store DIR]";
  return "mlf COMMAND [OPTIONS] ...";
}

std::string help_text(const std::string& command) {
  std::string out = "usage: " + usage_line(command) + "\n\n";
  if (command == "check") {
    out += "Parses, resolves, type- and shape-checks FILE and its imports, reading data file\n"
           "headers, and reports every problem in one pass. Runs nothing.\n\nOptions:\n";
    out += kCommonOptions;
  } else if (command == "build") {
    out += "Checks FILE and writes its compiled plan: canonical TOML that is enough to run\n"
           "the pipeline without the source. Prints the plan id (SHA-256 of the plan body).\n"
           "The plan goes to .mlf/plans/<id>.toml in the project unless -o says otherwise.\n\n"
           "Options:\n  -o, --output PLAN       where to write the plan\n";
    out += kCommonOptions;
  } else if (command == "graph") {
    out += "Checks FILE and prints its graph in Graphviz DOT: nodes labelled with their kind\n"
           "and short content hash. Render with `mlf graph f.mlflow | dot -Tsvg > g.svg`.\n\n"
           "Options:\n";
    out += kCommonOptions;
  } else if (command == "fmt") {
    out += "Rewrites each FILE in the one canonical layout, keeping every comment. Formatting\n"
           "never changes a hash.\n\nOptions:\n"
           "      --check             change nothing; list files not in canonical layout and\n"
           "                          exit 1 if there are any\n"
           "      --color WHEN        auto, always or never\n"
           "  -h, --help              this text\n";
  } else if (command == "run") {
    out += "Checks and compiles FILE, then executes its plan: every stage whose result is in the\n"
           "store is reused (\"cached\"), the others run and say why. Records the run in the\n"
           "store, checks the `expect` gates and writes the `export`s. LibTorch is loaded only\n"
           "when a stage must train or evaluate. Ctrl-C stops cleanly; finished stages are kept.\n\n"
           "Options:\n"
           "      --threads N         intra-op threads of training and data (default: cores, max 8);\n"
           "                          recorded, and used again by `replay`\n"
           "      --store DIR         the store (default: .mlf/ in the project root)\n";
    out += kCommonOptions;
  } else if (command == "replay") {
    out += "Re-executes a recorded run from its stored plan, from scratch (no cache reads), and\n"
           "compares every output digest with the record. Exit 0 only when all match; otherwise\n"
           "names the first diverging node and both digests, and any difference of environment.\n";
  } else if (command == "runs" || command == "show") {
    out += "Lists the recorded runs (`runs`) or prints one run record (`show`).\n";
  } else if (command == "verify") {
    out += "Re-hashes every object in the store; corrupt ones are quarantined. Exit 1 when any\n"
           "object is corrupt.\n";
  } else if (command == "gc") {
    out += "Removes objects that neither the most recent runs (default 10) nor pinned runs\n"
           "reference, and stale temporary files.\n";
  } else {
    out = "mlf: compile and run ML experiments described in .mlflow files\n\n"
          "usage: mlf COMMAND [OPTIONS] ...\n\n"
          "Commands:\n"
          "  check   type- and shape-check a pipeline; run nothing\n"
          "  build   compile a pipeline to its plan and print the plan id\n"
          "  graph   print the pipeline graph in Graphviz DOT\n"
          "  fmt     format .mlflow files canonically\n"
          "  run     execute a pipeline, reusing cached results\n"
          "  replay  re-execute a recorded run from scratch and compare every output\n"
          "  runs    list recorded runs;  show RUN: print one\n"
          "  verify  re-hash the store;  gc: remove unreferenced objects\n\n"
          "`mlf COMMAND --help` describes each command.\n";
  }
  return out + kExitCodes;
}

}  // namespace mlf::driver
