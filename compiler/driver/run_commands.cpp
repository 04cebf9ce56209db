// The commands that execute plans and read the store: run, replay, runs, show, verify, gc
// (compare and lineage have files of their own). None of them links LibTorch: the executor
// loads the training backend only when a stage must train or evaluate.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <set>

#include "compiler/driver/cached_run.h"
#include "compiler/driver/commands.h"
#include "compiler/driver/compilation.h"
#include "compiler/driver/help_text.h"
#include "compiler/driver/replay_finish.h"
#include "compiler/driver/run_finish.h"
#include "compiler/driver/store_access.h"
#include "compiler/plan/plan_reader.h"
#include "compiler/plan/plan_writer.h"
#include "compiler/sema/value.h"
#include "runtime/backend/backend_loader.h"
#include "runtime/exec/executor.h"
#include "runtime/exec/progress_console.h"
#include "runtime/exec/weights_codec.h"
#include "runtime/fuse/kernel_record.h"
#include "runtime/record/environment_diff.h"
#include "runtime/record/record_verify.h"
#include "runtime/record/run_lookup.h"
#include "runtime/record/run_record.h"
#include "runtime/store/object_store.h"
#include "runtime/store/store_lock.h"
#include "runtime/store/store_maintenance.h"

namespace mlf::driver {

namespace fs = std::filesystem;
using namespace mlf::runtime;

namespace {

std::atomic<bool> g_cancelled{false};

// The first Ctrl-C asks for a clean stop after the current batch; a second one stops at
// once (the default action), for when the current batch takes too long.
extern "C" void on_interrupt(int signal) {
  g_cancelled.store(true);
  std::signal(signal, SIG_DFL);
}

void stop_cleanly_on_interrupt() {
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
}

int default_threads() {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(std::min<long>(n, 8)) : 1;
}

// Stages run one at a time unless -j says otherwise: training and evaluation take turns in
// the backend anyway, and one at a time keeps the output in plan order.
constexpr int kDefaultJobs = 1;

// A count of at least 1 from a flag's value; nullopt when it is not one.
std::optional<int> positive_count(const std::string& text) {
  if (text.empty() || text.size() > 6 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  int n = std::atoi(text.c_str());
  return n >= 1 ? std::optional<int>(n) : std::nullopt;
}

// -j/--jobs and --threads into `options`; a usage message when a value is not a count.
std::optional<std::string> read_counts(const ParsedArgs& args, ExecOptions& options) {
  if (auto jobs = args.value("--jobs")) {
    auto n = positive_count(*jobs);
    if (!n) return "`-j` needs a number of stages of at least 1, found `" + *jobs + "`";
    options.jobs = *n;
  }
  if (auto threads = args.value("--threads")) {
    auto n = positive_count(*threads);
    if (!n) return "`--threads` needs a number of at least 1, found `" + *threads + "`";
    options.threads = *n;
  }
  return std::nullopt;
}

// Progress to stderr: a status line redrawn in place on a terminal, plain lines otherwise.
void show_progress(ProgressConsole& console, ExecOptions& options) {
  options.say = [&console](const std::string& line) { console.line(line); };
  if (console.terminal()) options.status = [&console](const std::string& line) { console.status(line); };
}

// The newest recorded run of `pipeline`, reading records from the newest back (run ids sort
// by time) until one matches: a store's history can hold thousands of large records, and a
// cached run must not parse them all.
std::optional<RunRecord> latest_run_of(ObjectStore& store, const std::string& pipeline) {
  auto names = store.list_text("runs");
  if (!names.ok()) return std::nullopt;
  for (auto name = names.value().rbegin(); name != names.value().rend(); ++name) {
    auto text = store.read_text("runs/" + *name);
    RunRecord record;
    std::string error;
    if (text.ok() && parse_run_record(text.value(), record, error) && record.kind == "run" &&
        record.pipeline == pipeline)
      return record;
  }
  return std::nullopt;
}

}  // namespace

int run_run(const std::vector<std::string>& argv) {
  ParsedArgs args;
  auto flags = compile_flags();
  flags.push_back({"--threads", "", true, false});
  flags.push_back({"--jobs", "-j", true, false});
  flags.push_back({"--store", "", true, false});
  flags.push_back({"--no-fuse", "", false, false});
  if (auto error = parse_args(argv, flags, args)) return usage_error("run", *error);
  if (args.has("--help")) {
    std::cout << help_text("run");
    return kOk;
  }
  if (args.positional.size() != 1) return usage_error("run", "expected one FILE");
  ExecOptions options;
  options.threads = default_threads();
  options.jobs = kDefaultJobs;
  if (auto error = read_counts(args, options)) return usage_error("run", *error);
  options.fuse = !args.has("--no-fuse");
  const std::string& file = args.positional[0];
  OutputStyle style = output_style(args);
  options.source = file;
  if (auto it = args.values.find("--param"); it != args.values.end())
    for (const auto& p : it->second) {
      auto eq = p.find('=');
      if (eq != std::string::npos) options.params.emplace_back(p.substr(0, eq), p.substr(eq + 1));
    }
  ProgressConsole console = ProgressConsole::for_stderr();
  const std::string store_root = store_root_for(args, file);
  if (auto finished = run_from_memo(file, args, store_root, options, console, style)) return *finished;

  CompiledInputs inputs;
  auto graph = compile(file, args, style, &inputs);
  if (!graph) return kUserError;
  PlanText text = write_plan(*graph);
  const std::string plan_file = plan_file_text(text.body, text.labels);
  auto read = read_plan(plan_file);
  if (!read.ok()) {
    std::cerr << "internal error: the plan just written does not read back: " << read.errors.front() << "\n";
    return kInternalError;
  }
  auto store = open_store(store_root);
  if (!store) return kUserError;
  auto lock = StoreLock::acquire(store->root(), StoreLock::Mode::Shared);
  if (!lock.ok()) {
    std::cerr << "error: " << lock.error().message << "\n";
    return kUserError;
  }
  // Written once per plan text: a cached run should not pay a large write and two fsyncs.
  const std::string plan_path = "plans/" + text.id.hex() + ".toml";
  if (auto stored = store->read_text(plan_path); !stored.ok() || stored.value() != plan_file)
    (void)store->write_text(plan_path, plan_file);

  std::optional<RunRecord> latest = latest_run_of(*store, read.plan.pipeline);
  const RunRecord* previous = latest ? &*latest : nullptr;

  for (const auto& label : read.plan.labels)
    for (const auto& sv : label.sweep_values)
      if (std::find(options.params.begin(), options.params.end(), sv) == options.params.end())
        options.params.push_back(sv);
  show_progress(console, options);
  options.cancelled = &g_cancelled;
  stop_cleanly_on_interrupt();

  ExecOutcome outcome = execute_plan(read.plan, *store, options, previous);
  console.clear();
  bool exported = outcome.exit_code == 0 ? run_exports(read.plan, *store, outcome.record) : true;
  if (!exported && outcome.exit_code == 0) {
    outcome.exit_code = 1;
    outcome.record.status = "failed";
  }
  int exit_code = finish_run(*store, outcome, style);
  remember_run(file, args, *store, read.plan, inputs, outcome);
  return exit_code;
}

int run_replay(const std::vector<std::string>& argv) {
  ParsedArgs args;
  std::vector<FlagSpec> flags = {{"--store", "", true, false}, {"--help", "-h", false, false},
                                 {"--threads", "", true, false}, {"--jobs", "-j", true, false},
                                 {"--no-fuse", "", false, false}};
  if (auto error = parse_args(argv, flags, args)) return usage_error("replay", *error);
  if (args.has("--help")) {
    std::cout << help_text("replay");
    return kOk;
  }
  if (args.positional.size() != 1) return usage_error("replay", "expected one RUN or PLAN id");
  ExecOptions options;
  options.jobs = kDefaultJobs;
  if (auto error = read_counts(args, options)) return usage_error("replay", *error);
  options.fuse = !args.has("--no-fuse");
  auto store = open_store(store_root_for(args, ""));
  if (!store) return kUserError;
  std::string id = args.positional[0];
  std::vector<RunRecord> runs;
  for (auto& r : load_runs(*store))
    if (r.kind == "run") runs.push_back(std::move(r));
  std::string not_a_run, not_a_plan;
  const RunRecord* original = find_run(runs, id, not_a_run);
  if (!original && id.size() >= 8) original = find_plan_run(runs, id, not_a_plan);
  if (!original) {
    std::cerr << "error: " << not_a_run << (id.size() >= 8 ? "; " + not_a_plan : "") << " (store `"
              << store->root().string() << "`)\n";
    return kUserError;
  }
  auto plan_text = store->read_text("plans/" + original->plan_id + ".toml");
  if (!plan_text.ok()) {
    std::cerr << "error: the plan " << original->plan_id << " of run " << original->id
              << " is not in the store: " << plan_text.error().message << "\n";
    return kUserError;
  }
  Digest expected;
  Digest::from_hex(original->plan_id, expected);
  auto read = read_plan(plan_text.value(), expected);
  if (!read.ok()) {
    std::cerr << "error: the stored plan " << original->plan_id << " is damaged: " << read.errors.front() << "\n";
    return kUserError;
  }
  // The plan's data paths are relative to its project: resolve them in the project the replay
  // runs in, not in the folder the run was made in (a copy or a checkout elsewhere checks the
  // result it holds; the files' digests decide whether the data is the same).
  read.plan.project_root = project_around("").root;
  if (!args.has("--threads")) {
    // The recorded count: the results depend on it.
    auto recorded = original->environment.find("threads");
    auto n = recorded == original->environment.end() ? std::nullopt : positive_count(recorded->second);
    options.threads = n ? *n : default_threads();
  }
  options.read_cache = false;
  options.source = original->source;
  options.params = original->params;
  ProgressConsole console = ProgressConsole::for_stderr();
  show_progress(console, options);
  options.cancelled = &g_cancelled;
  stop_cleanly_on_interrupt();
  console.line("replaying run " + original->id + " (plan " + original->plan_id.substr(0, 12) +
               ") from scratch with " + std::to_string(options.threads) + " threads");
  ExecOutcome outcome = execute_plan(read.plan, *store, options, original);
  console.clear();
  return finish_replay(*store, *original, outcome);
}

int run_runs(const std::vector<std::string>& argv) {
  ParsedArgs args;
  std::vector<FlagSpec> flags = {{"--store", "", true, false}, {"--help", "-h", false, false},
                                 {"--json", "", false, false}};
  if (auto error = parse_args(argv, flags, args)) return usage_error("runs", *error);
  if (args.has("--help")) {
    std::cout << help_text("runs");
    return kOk;
  }
  bool no_store = false;
  auto store = open_store_to_read(args, &no_store);
  if (no_store) {
    std::cerr << "no runs: there is no store here yet\n";
    return kOk;
  }
  if (!store) return kUserError;
  for (const auto& r : load_runs(*store)) {
    std::size_t passed = 0;
    for (const auto& g : r.gates) passed += g.passed;
    if (args.has("--json")) {
      std::cout << "{\"id\":\"" << r.id << "\",\"kind\":\"" << r.kind << "\",\"pipeline\":\""
                << r.pipeline << "\",\"plan\":\"" << r.plan_id << "\",\"status\":\"" << r.status
                << "\",\"started\":\"" << r.started << "\"}\n";
      continue;
    }
    std::cout << r.id << "  " << r.kind << "  " << r.pipeline << "  plan " << r.plan_id.substr(0, 12)
              << "  " << r.status << "  gates " << passed << "/" << r.gates.size() << "\n";
  }
  return kOk;
}

int run_show(const std::vector<std::string>& argv) {
  ParsedArgs args;
  std::vector<FlagSpec> flags = {{"--store", "", true, false}, {"--help", "-h", false, false}};
  if (auto error = parse_args(argv, flags, args)) return usage_error("show", *error);
  if (args.has("--help")) {
    std::cout << help_text("show");
    return kOk;
  }
  if (args.positional.size() != 1) return usage_error("show", "expected one RUN id");
  auto store = open_store_to_read(args);
  if (!store) return kUserError;
  auto run = load_run_or_say(*store, args.positional[0]);
  if (!run) return kUserError;
  auto text = store->read_text("runs/" + run->id + ".toml");
  if (!text.ok()) {
    std::cerr << "error: cannot read run " << run->id << ": " << text.error().message << "\n";
    return kUserError;
  }
  std::cout << text.value();
  return kOk;
}

// The kernel records that do not authenticate under this user's kernel key: their objects
// would never be loaded (the next run compiles those kernels again), but someone wrote them.
// false when any was found.
static bool report_kernel_records(ObjectStore& store) {
  const KernelRecordCheck check = check_kernel_records(store);
  if (!check.key_problem.empty()) {
    std::cerr << "note: kernel records not checked: " << check.key_problem << "\n";
    return true;
  }
  for (const auto& line : check.refused) std::cerr << "unauthenticated kernel record: " << line << "\n";
  if (check.records_checked > 0)
    std::cerr << check.records_checked << " kernel records checked, " << check.refused.size()
              << " not authenticated\n";
  return check.refused.empty();
}

int run_verify(const std::vector<std::string>& argv) {
  ParsedArgs args;
  std::vector<FlagSpec> flags = {{"--store", "", true, false}, {"--help", "-h", false, false}};
  if (auto error = parse_args(argv, flags, args)) return usage_error("verify", *error);
  if (args.has("--help")) {
    std::cout << help_text("verify");
    return kOk;
  }
  auto store = open_store_to_read(args);
  if (!store) return kUserError;
  VerifyReport report = verify(*store);
  RecordsReport records = verify_records(*store, report.intact);
  for (const auto& e : report.corrupt) std::cerr << "corrupt: " << e.message << "\n";
  for (const auto& e : report.unreadable) std::cerr << "unreadable: " << e.message << "\n";
  for (const auto& p : report.stray) std::cerr << "stray file: " << p.string() << "\n";
  for (const auto& e : records.damaged) std::cerr << "damaged: " << e.message << "\n";
  for (const auto& m : records.invalid) std::cerr << "invalid: " << m << "\n";
  for (const auto& m : records.stale) std::cerr << "stale: " << m << "\n";
  for (const auto& e : records.unreadable) std::cerr << "unreadable: " << e.message << "\n";
  for (const auto& p : records.odd) std::cerr << "not a record: `" << p << "` (a link or special file)\n";
  std::cerr << report.objects_checked << " objects checked, " << report.corrupt.size()
            << " corrupt (quarantined), " << report.unreadable.size() << " unreadable; "
            << records.records_checked << " records checked, " << records.damaged.size()
            << " damaged (quarantined), " << records.invalid.size() << " invalid, " << records.stale.size()
            << " stale (removed)\n";
  const bool kernels_clean = report_kernel_records(*store);
  return report.clean() && records.clean() && kernels_clean ? kOk : kUserError;
}

int run_gc(const std::vector<std::string>& argv) {
  ParsedArgs args;
  std::vector<FlagSpec> flags = {{"--store", "", true, false}, {"--help", "-h", false, false},
                                 {"--keep-runs", "", true, false}};
  if (auto error = parse_args(argv, flags, args)) return usage_error("gc", *error);
  if (args.has("--help")) {
    std::cout << help_text("gc");
    return kOk;
  }
  auto store = open_store(store_root_for(args, ""));
  if (!store) return kUserError;
  auto lock = StoreLock::acquire(store->root(), StoreLock::Mode::Exclusive);
  if (!lock.ok()) {
    std::cerr << "error: " << lock.error().message << "\n";
    return kUserError;
  }
  std::size_t keep_runs = 10;
  if (auto n = args.value("--keep-runs")) keep_runs = static_cast<std::size_t>(std::max(0, std::atoi(n->c_str())));
  auto runs = load_runs(*store);
  std::set<std::string> pinned;
  if (auto pins = store->list_text("pins"); pins.ok())
    for (const auto& p : pins.value()) pinned.insert(p);
  std::set<Digest> keep;
  std::set<std::string> kept_nodes;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    bool recent = i + keep_runs >= runs.size();
    if (!recent && !pinned.count(runs[i].id)) continue;
    for (const auto& n : runs[i].nodes) {
      kept_nodes.insert(n.id);
      for (const auto& [name, hex] : n.outputs) {
        Digest d;
        if (Digest::from_hex(hex, d)) keep.insert(d);
      }
    }
  }
  GcReport report = gc(*store, keep);
  // Result records of nodes whose objects are gone would point nowhere: drop them.
  if (auto results = store->list_text("results"); results.ok())
    for (const auto& name : results.value())
      if (!kept_nodes.count(name.substr(0, name.find('.')))) (void)store->remove_text("results/" + name);
  // Memos of cached runs are caches whose keys change with every build of mlf: drop them all
  // (the next run of each pipeline takes the full path once and writes a fresh one).
  if (auto memos = store->list_text("memo"); memos.ok())
    for (const auto& name : memos.value()) (void)store->remove_text("memo/" + name);
  std::cerr << "kept " << report.objects_kept << " objects, removed " << report.objects_removed
            << " (" << report.bytes_freed << " bytes), " << report.temp_files_removed
            << " stale temp files\n";
  return report.errors.empty() ? kOk : kUserError;
}

}  // namespace mlf::driver
