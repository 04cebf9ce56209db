#include "compiler/driver/help_text.h"

namespace mlf::driver {

namespace {

const char* kCommonOptions =
    "  -p, --param NAME=VALUE  override a param (repeatable; beats [params] in mlflow.toml)\n"
    "      --no-config         ignore mlflow.toml\n"
    "      --max-source-bytes N  refuse source files larger than N bytes (default 16 MiB)\n"
    "      --allow-export-dir DIR  let `export` write into DIR outside the project\n"
    "                          (repeatable; adds to [exports] allow in mlflow.toml)\n"
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
  if (command == "run") return "mlf run [OPTIONS] FILE [-j N] [--threads N] [--no-fuse] [--store DIR]";
  if (command == "replay") return "mlf replay RUN|PLAN [-j N] [--threads N] [--no-fuse] [--store DIR]";
  if (command == "runs") return "mlf runs [--store DIR] [--json]";
  if (command == "show") return "mlf show RUN [--store DIR]";
  if (command == "verify") return "mlf verify [--store DIR]";
  if (command == "gc") return "mlf gc [--keep-runs N] [--store DIR]";
  if (command == "compare") return "mlf compare RUN... [--json] [--store DIR]";
  if (command == "lineage") return "mlf lineage ARTIFACT [--store DIR]";
  if (command == "lsp") return "mlf lsp [--stdio]";
  if (command == "report") return "mlf report RUN... [-o FILE] [--store DIR]";
  if (command == "ops") return "mlf ops [NAME...] [--markdown]";
  if (command == "pin") return "mlf pin [RUN...] [--store DIR]";
  if (command == "unpin") return "mlf unpin RUN... [--store DIR]";
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
           "when a stage must train or evaluate. Training shows epoch, batch, loss, samples/s\n"
           "and the time left: on a terminal in one line updated in place, otherwise as a line\n"
           "every few seconds and at the end of (slow) epochs. Ctrl-C stops cleanly after the\n"
           "current batch (exit 130); finished stages are kept and reused by the next run. A\n"
           "second Ctrl-C stops at once. A run whose sources, data and results are unchanged\n"
           "since the same command last ran is answered from the store's memo without compiling\n"
           "(the summary says \"no input changed, nothing compiled\").\n\n"
           "Options:\n"
           "  -j, --jobs N            run up to N independent stages at once (default 1); the\n"
           "                          results and the record are the same for any N\n"
           "      --threads N         intra-op threads of training and data (default: cores, max 8);\n"
           "                          recorded, and used again by `replay`\n"
           "      --no-fuse           apply augment chains with the reference interpreter, not\n"
           "                          fused kernels (same bytes; recorded in the run's options)\n"
           "      --store DIR         the store (default: .mlf/ in the project root)\n";
    out += kCommonOptions;
  } else if (command == "replay") {
    out += "Re-executes a recorded run from its stored plan, from scratch (no cache reads), and\n"
           "compares every output digest, metric and gate value with the record, bit for bit.\n"
           "RUN is a run id or a unique prefix of one; PLAN a plan id (prefix of at least 8\n"
           "digits), meaning its newest run that recorded LibTorch's facts. Data files are read\n"
           "in the project around the current folder and must be the run's. First says which\n"
           "fields of the environment both sides recorded differ (recorded → now: LibTorch\n"
           "version, BLAS library, CPU capability, thread counts, mlf version), then compares.\n"
           "Exit 0 only when every value matches; otherwise names the first divergence with\n"
           "both values, then the others.\n\n"
           "Options:\n"
           "  -j, --jobs N            run up to N independent stages at once (default 1)\n"
           "      --threads N         intra-op threads (default: the recorded count)\n"
           "      --no-fuse           the reference interpreter for augment chains\n"
           "      --store DIR         the store (default: .mlf/ in the project root)\n";
  } else if (command == "runs" || command == "show") {
    out += "Lists the recorded runs (`runs`) or prints one run record (`show`; RUN is a run id\n"
           "or a unique prefix of one).\n";
  } else if (command == "compare") {
    out += "Prints the metrics of the given runs side by side: one row per `stage.metric`, one\n"
           "column per run. When a run has sweeps, one row per point of the sweep instead, with\n"
           "the swept values as the first columns. RUN is a run id or a unique prefix of one.\n\n"
           "Options:\n"
           "      --json              the table as one JSON object: runs, swept, metrics, rows\n"
           "      --store DIR         the store (default: .mlf/ in the project root)\n";
  } else if (command == "lineage") {
    out += "Prints what produced ARTIFACT: its node and every node it came from back to the data\n"
           "files, with their content digests, ops and versions, seeds and random streams, the\n"
           "plan id, and the mlf version (and commit) of the run. ARTIFACT is an object digest or\n"
           "a node id (a unique prefix of 4 or more hex digits will do), or RUN:stage, e.g.\n"
           "`mlf lineage 20261124T0750:fit`.\n\n"
           "Options:\n"
           "      --store DIR         the store (default: .mlf/ in the project root)\n";
  } else if (command == "verify") {
    out += "Re-hashes every object in the store and checks every record: its seal, that it\n"
           "parses, and that the objects a result names are intact; checks that every cached\n"
           "kernel record (kernels/) authenticates under this user's kernel key. Corrupt objects\n"
           "and damaged records are quarantined. Exit 1 when anything is wrong.\n";
  } else if (command == "gc") {
    out += "Removes objects that neither the most recent runs (default 10) nor pinned runs\n"
           "reference, and stale temporary files. Drops the memos of cached runs: the next run\n"
           "of each pipeline compiles once and keeps a new one.\n";
  } else if (command == "lsp") {
    out += "Runs the language server on stdin/stdout (JSON-RPC with Content-Length headers, as\n"
           "editors start it): diagnostics as `mlf check` reports them, document symbols, hover\n"
           "(type and shape, content hash, whether the result is in the store), go to\n"
           "definition across imports, formatting as `mlf fmt`, and completion of op names and\n"
           "their parameters. Positions are UTF-16, as LSP requires.\n";
  } else if (command == "pin" || command == "unpin") {
    out += "`pin` marks runs that `mlf gc` keeps whatever their age, with every object they\n"
           "reference; without RUN it lists the pinned runs. `unpin` removes the mark.\n";
  } else if (command == "ops") {
    out += "Lists the op catalogue: every reader, dataset op, augment op, layer, loss,\n"
           "optimizer, schedule, metric and stage. With NAMEs, prints each op's signature and\n"
           "its parameters with types, defaults and ranges.\n\nOptions:\n"
           "      --markdown          the whole reference as Markdown (docs/ops.md)\n";
  } else if (command == "report") {
    out += "Writes one self-contained HTML file about a recorded run: the pipeline graph, each\n"
           "stage's status and time, training curves, metrics, confusion matrix and the test\n"
           "samples with the highest loss. Several RUNs are shown side by side. The file needs\n"
           "no network to view.\n\nOptions:\n"
           "  -o, --output FILE       where to write it (default: report-<RUN>.html)\n"
           "      --samples N         how many highest-loss samples to show (default 12)\n"
           "      --store DIR         the store (default: .mlf/ in the project root)\n";
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
          "  compare tabulate the metrics of runs side by side (sweeps by swept value)\n"
          "  lineage show what produced an artifact: nodes, data files, seeds, versions\n"
          "  verify  check the store;  gc: remove unreferenced objects\n"
          "  report  write an HTML report of one or more runs\n"
          "  lsp     run the language server (for editors)\n"
          "  pin     keep runs through gc;  unpin RUN: stop keeping them\n"
          "  ops     list the op catalogue, or describe ops by NAME\n\n"
          "`mlf COMMAND --help` describes each command.\n";
  }
  return out + kExitCodes;
}

}  // namespace mlf::driver
