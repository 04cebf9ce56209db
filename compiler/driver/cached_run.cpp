#include "compiler/driver/cached_run.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <variant>

#include "compiler/driver/run_finish.h"
#include "compiler/probe/file_digest.h"
#include "compiler/sema/checker.h"
#include "compiler/sema/project.h"
#include "compiler/source/source_reader.h"
#include "runtime/record/build_info.h"
#include "runtime/record/cached_run_memo.h"
#include "runtime/record/gate_check.h"
#include "runtime/store/store_lock.h"

namespace mlf::driver {

namespace fs = std::filesystem;
using namespace mlf::runtime;

namespace {

// Ends the summary line of a run answered from its memo.
constexpr const char* kUnchangedNote = "no input changed, nothing compiled";

std::string absolute_path(const std::string& path) {
  std::error_code ec;
  return fs::absolute(path, ec).lexically_normal().string();
}

// This build of mlf: a memo written by another build may describe another language.
std::string executable_identity() {
  char path[4096];
  ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return mlf_version() + " " + mlf_commit();
  path[n] = '\0';
  struct stat info {};
  if (::stat(path, &info) != 0) return std::string(path);
  return std::string(path) + " " + std::to_string(info.st_size) + " " +
         std::to_string(info.st_mtim.tv_sec) + "." + std::to_string(info.st_mtim.tv_nsec) + " " +
         std::to_string(info.st_ino);
}

// The SHA-256 of a source file's bytes, read as the front end reads it; nullopt when it
// cannot be read or is over `limit`.
std::optional<Digest> digest_of_source(const std::string& path, std::uint64_t limit) {
  SourceRead read = read_source_file(path, limit);
  if (const auto* text = std::get_if<std::string>(&read)) return Sha256::of(*text);
  return std::nullopt;
}

std::uint64_t max_source_bytes(const ParsedArgs& args) {
  std::uint64_t limit = CheckOptions{}.max_source_bytes;
  if (auto given = args.value("--max-source-bytes")) {
    try {
      limit = std::stoull(*given);
    } catch (const std::exception&) {
      limit = 0;  // the full path reports the bad value
    }
  }
  return limit;
}

// Every input of the memo as the front end would see it now.
bool inputs_unchanged(const CachedRunMemo& memo, const std::string& file, const ParsedArgs& args) {
  Project project = find_project(file);
  if (!args.has("--no-config") && project.config_path != memo.config_path) return false;
  std::uint64_t limit = max_source_bytes(args);
  for (const auto& source : memo.sources) {
    auto digest = digest_of_source(source.path, limit);
    if (!digest || digest->hex() != source.sha256) return false;
  }
  if (memo.files.empty()) return true;
  probe::FileDigestCache digests((fs::path(project.store_path) / "digests.toml").string());
  bool same = true;
  for (const auto& f : memo.files) {
    auto digest = f.directory ? digests.digest_tree(f.path) : digests.digest(f.path);
    if (!probe::ok(digest) || std::get<Digest>(digest).hex() != f.sha256) {
      same = false;
      break;
    }
  }
  (void)digests.save();  // keeps what was hashed, as the front end would
  return same;
}

// Every object and result record the memo names, and the plan, are still in the store.
bool outputs_present(const CachedRunMemo& memo, ObjectStore& store) {
  if (!store.contains_text("plans/" + memo.plan_id + ".toml")) return false;
  // One listing of results/ rather than a stat per node.
  auto results = store.list_text("results");
  if (!results.ok()) return false;
  for (const auto& n : memo.nodes) {
    if (n.outputs.empty()) continue;
    if (!std::binary_search(results.value().begin(), results.value().end(), n.id + ".toml")) return false;
    for (const auto& [name, hex] : n.outputs) {
      Digest digest;
      if (!Digest::from_hex(hex, digest) || !store.contains(digest)) return false;
    }
  }
  return true;
}

bool is_stage(const std::string& kind) { return kind == "train" || kind == "evaluate"; }

}  // namespace

std::string cached_run_memo_path(const std::string& file, const ParsedArgs& args) {
  std::string key = "mlf-cached-run-memo/1\n" + executable_identity() + "\n" + absolute_path(file) +
                    "\nconfig " + (args.has("--no-config") ? "no" : "yes") + "\nmax-source-bytes " +
                    std::to_string(max_source_bytes(args)) + "\n";
  if (auto it = args.values.find("--param"); it != args.values.end())
    for (const auto& p : it->second) key += "param " + p + "\n";
  // Which exports compile depends on the folders allowed outside the project.
  if (auto it = args.values.find("--allow-export-dir"); it != args.values.end())
    for (const auto& dir : it->second) key += "allow-export-dir " + absolute_path(dir) + "\n";
  return "memo/" + Sha256::of(key).hex() + ".txt";
}

std::optional<int> run_from_memo(const std::string& file, const ParsedArgs& args,
                                 const std::string& store_root, const ExecOptions& options,
                                 ProgressConsole& console, const OutputStyle& style) {
  const std::string memo_path = cached_run_memo_path(file, args);
  std::error_code ec;
  if (!fs::is_regular_file(fs::path(store_root) / memo_path, ec)) return std::nullopt;
  auto opened = ObjectStore::open(store_root);
  if (!opened.ok()) return std::nullopt;
  ObjectStore& store = opened.value();
  auto lock = StoreLock::acquire(store.root(), StoreLock::Mode::Shared);
  if (!lock.ok()) return std::nullopt;
  auto text = store.read_text(memo_path);
  if (!text.ok()) return std::nullopt;
  std::optional<CachedRunMemo> memo = parse_cached_run_memo(std::move(text.value()));
  if (!memo || !outputs_present(*memo, store) || !inputs_unchanged(*memo, file, args)) return std::nullopt;

  // The record the full path gives a run in which every stage is cached.
  ExecOutcome outcome;
  RunRecord& record = outcome.record;
  record.id = new_run_id();
  record.plan_id = memo->plan_id;
  record.pipeline = memo->pipeline;
  record.source = options.source;
  record.params = options.params;
  for (const auto& sv : memo->sweep_params)
    if (std::find(record.params.begin(), record.params.end(), sv) == record.params.end())
      record.params.push_back(sv);
  record.options.fuse = options.fuse;
  record.started = utc_now_iso8601();
  record.environment["threads"] = std::to_string(options.threads);
  record.environment["mlf"] = mlf_version();
  if (std::string commit = mlf_commit(); !commit.empty()) record.environment["mlf_commit"] = commit;
  record.nodes = std::move(memo->nodes);
  for (auto& n : record.nodes) n.status = is_stage(n.kind) ? "cached" : "not needed";
  auto node_of = [&record](const std::string& id) -> const NodeRecord* {
    auto it = std::find_if(record.nodes.begin(), record.nodes.end(), [&](const NodeRecord& n) { return n.id == id; });
    return it == record.nodes.end() ? nullptr : &*it;
  };
  bool gates_ok = true;
  for (auto& g : memo->gates) {
    const NodeRecord* node = node_of(g.node);
    settle_gate(g, node ? &node->metrics : nullptr);
    gates_ok = gates_ok && g.passed;
    record.gates.push_back(std::move(g));
  }
  // Exports run only after passing gates, as on the full path; rewriting weights needs LibTorch.
  if (gates_ok)
    for (const auto& e : memo->exports) {
      if (e.kind != "train") continue;
      const NodeRecord* node = node_of(e.node);
      if (!node || !node->outputs.count("weights") ||
          !weights_export_is_current(store, e.path, node->outputs.at("weights")))
        return std::nullopt;
    }

  std::string lines;  // one write for all of them
  for (const auto& n : record.nodes)
    if (is_stage(n.kind)) lines += (lines.empty() ? "" : "\n") + ("cached  " + n.label + "  " + n.id.substr(0, 12));
  if (!lines.empty()) console.line(lines);
  console.clear();
  record.finished = utc_now_iso8601();
  record.status = gates_ok ? "ok" : "gate-failed";
  outcome.exit_code = gates_ok ? 0 : 1;
  if (gates_ok)
    for (const auto& e : memo->exports) {
      if (e.kind == "train") continue;
      const NodeRecord* node = node_of(e.node);
      if (!node || !write_metrics_export(*node, record.id, e.path)) {
        outcome.exit_code = 1;
        record.status = "failed";
      }
    }
  return finish_run(store, outcome, style, kUnchangedNote, memo->node_records);
}

void remember_run(const std::string& file, const ParsedArgs& args, ObjectStore& store, const Plan& plan,
                  const CompiledInputs& inputs, const ExecOutcome& outcome) {
  const RunRecord& record = outcome.record;
  if (inputs.diagnostics != 0) return;
  if (record.status != "ok" && record.status != "gate-failed") return;
  for (const auto& n : record.nodes)
    if (is_stage(n.kind) && ((n.status != "ran" && n.status != "cached") || n.outputs.empty())) return;

  CachedRunMemo memo;
  memo.plan_id = record.plan_id;
  memo.pipeline = record.pipeline;
  memo.config_path = find_project(file).config_path;
  for (const auto& [path, digest] : inputs.sources) memo.sources.push_back({path, digest.hex()});
  for (const auto& node : plan.nodes)
    for (const auto& f : node.files)
      memo.files.push_back({absolute_path(resolve_plan_path(f.path, plan.project_root)), f.directory, f.sha256.hex()});
  for (const auto& label : plan.labels)
    for (const auto& sv : label.sweep_values) memo.sweep_params.push_back(sv);
  std::vector<NodeRecord> as_cached;  // the nodes as a run answered from this memo records them
  for (const auto& n : record.nodes) {
    NodeRecord kept;
    kept.id = n.id;
    kept.label = n.label;
    kept.kind = n.kind;
    kept.status = is_stage(n.kind) ? "cached" : "not needed";
    kept.outputs = n.outputs;
    kept.metrics = n.metrics;
    kept.identity = n.identity;
    as_cached.push_back(kept);
    kept.identity.clear();
    memo.nodes.push_back(std::move(kept));
  }
  memo.node_records = render_node_records(as_cached);
  for (const auto& g : record.gates) {
    GateRecord kept;
    kept.text = g.text;
    kept.node = g.node;
    kept.field = g.field;
    kept.comparison = g.comparison;
    kept.threshold = g.threshold;
    memo.gates.push_back(std::move(kept));
  }
  for (const auto& e : plan.exports) {
    const PlanNode* node = plan.find(e.node);
    memo.exports.push_back({e.node.hex(), node ? node->kind : "", absolute_path(resolve_plan_path(e.path, plan.project_root))});
  }
  if (auto written = store.write_text(cached_run_memo_path(file, args), render_cached_run_memo(memo)); !written.ok())
    std::cerr << "warning: cannot keep the memo of this run (the next run compiles again): "
              << written.error().message << "\n";
}

}  // namespace mlf::driver
