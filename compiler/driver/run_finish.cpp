#include "compiler/driver/run_finish.h"

#include <cstdio>
#include <iostream>

#include "compiler/sema/value.h"
#include "runtime/backend/backend_loader.h"
#include "runtime/exec/export_file.h"
#include "runtime/exec/weights_codec.h"

namespace mlf::driver {

namespace fs = std::filesystem;
using namespace mlf::runtime;

namespace {

std::string gate_line(const GateRecord& g) {
  char buffer[256];
  if (g.value)
    std::snprintf(buffer, sizeof buffer, "%s  %s (value %.6g)", g.passed ? "pass" : "FAIL",
                  g.text.c_str(), *g.value);
  else
    std::snprintf(buffer, sizeof buffer, "FAIL  %s (no value: the stage did not run)", g.text.c_str());
  return buffer;
}

// Built whole and written at once: stderr is unbuffered, and a 200-stage summary written
// piece by piece costs a thousand system calls.
void print_summary(const RunRecord& record, const std::string& note) {
  std::size_t ran = 0, cached = 0;
  for (const auto& n : record.nodes) {
    ran += n.status == "ran" && (n.kind == "train" || n.kind == "evaluate");
    cached += n.status == "cached";
  }
  std::string out;
  for (const auto& n : record.nodes)
    for (const auto& [k, v] : n.metrics)
      if (k != "final_loss") out += "  " + n.label + "." + k + " = " + canonical_float(v) + "\n";
  for (const auto& g : record.gates) out += "  " + gate_line(g) + "\n";
  out += "run " + record.id + ": " + record.status + " (" + std::to_string(ran) + " stages ran, " +
         std::to_string(cached) + " cached" + (note.empty() ? "" : "; " + note) + ")\n";
  std::cerr << out;
}

std::string export_marker(const fs::path& target) {
  return "exports/" + Sha256::of(target.string()).hex() + ".toml";
}

}  // namespace

bool write_metrics_export(const NodeRecord& node, const std::string& run_id, const fs::path& target) {
  std::string text = "# metrics of `" + node.label + "` (run " + run_id + ")\n";
  for (const auto& [k, v] : node.metrics) text += k + " = " + canonical_float(v) + "\n";
  std::string error;
  if (!write_export(target, text, error)) {
    std::cerr << "error: cannot export `" << node.label << "`: " << error << "\n";
    return false;
  }
  return true;
}

bool weights_export_is_current(ObjectStore& store, const fs::path& target, const std::string& digest_hex) {
  auto previous = store.read_text(export_marker(target));
  std::error_code ec;
  // A link put in the file's place is not the file we wrote: the full path refuses it.
  return previous.ok() && previous.value() == digest_hex && fs::is_regular_file(fs::symlink_status(target, ec));
}

bool run_exports(const Plan& plan, ObjectStore& store, const RunRecord& record) {
  bool ok = true;
  for (const auto& exported : plan.exports) {
    const NodeRecord* node = nullptr;
    for (const auto& n : record.nodes)
      if (n.id == exported.node.hex()) node = &n;
    fs::path target = resolve_plan_path(exported.path, plan.project_root);
    if (!node || node->outputs.empty()) {
      std::cerr << "error: cannot export to `" << exported.path << "`: the node has no result\n";
      ok = false;
      continue;
    }
    if (node->kind != "train") {
      ok = write_metrics_export(*node, record.id, target) && ok;
      continue;
    }
    Digest digest;
    Digest::from_hex(node->outputs.at("weights"), digest);
    if (weights_export_is_current(store, target, digest.hex())) continue;
    auto bytes = store.get(digest);
    std::vector<NamedTensor> weights;
    std::string error;
    if (!bytes.ok() || !decode_weights(bytes.value(), weights, error)) {
      std::cerr << "error: cannot export `" << exported.path << "`: "
                << (bytes.ok() ? error : bytes.error().message) << "\n";
      ok = false;
      continue;
    }
    // Opened first: a refused target (a symbolic link) costs no LibTorch start-up.
    std::optional<ExportFile> file = ExportFile::open(target, error);
    if (!file) {
      std::cerr << "error: cannot export `" << exported.path << "`: " << error << "\n";
      ok = false;
      continue;
    }
    TrainingBackend* backend = load_training_backend(error);
    const PlanNode* plan_node = plan.find(exported.node);
    if (!backend || !plan_node) {
      std::cerr << "error: cannot export `" << exported.path << "`: " << error << "\n";
      ok = false;
      continue;
    }
    // The executor's conversion of plan layers is the one the backend trained with.
    std::vector<BackendOp> layers = backend_layers_of(*plan_node);
    std::vector<std::int64_t> shape = plan_node->model_input ? plan_node->model_input->dims
                                                             : std::vector<std::int64_t>{};
    // LibTorch writes (and reads back) the temp file, which then replaces the target whole.
    if (!backend->export_model(layers, shape, weights, file->temp_path().string(), error) ||
        !file->commit(error)) {
      std::cerr << "error: cannot export `" << exported.path << "`: " << error << "\n";
      ok = false;
      continue;
    }
    (void)store.write_text(export_marker(target), digest.hex());
    std::cerr << "exported " << exported.path << "\n";
  }
  return ok;
}

int finish_run(ObjectStore& store, ExecOutcome& outcome, const OutputStyle& style,
               const std::string& note, std::optional<std::string_view> node_records) {
  const std::string path = "runs/" + outcome.record.id + ".toml";
  auto written = node_records ? store.write_text_parts(path, {render_run_record_head(outcome.record), *node_records,
                                                              render_gate_records(outcome.record.gates)})
                              : store.write_text(path, render_run_record(outcome.record));
  // The run's own error first: on a full disk it is the cause, the record's failure a result.
  if (!outcome.error.empty()) std::cerr << "error: " << outcome.error << "\n";
  if (!written.ok()) {
    std::cerr << "error: cannot write the run record: " << written.error().message << "\n";
    if (outcome.exit_code == 0) outcome.exit_code = 1;  // a run without its record did not happen
  }
  print_summary(outcome.record, note);
  if (style.json) std::cout << "{\"run\":\"" << outcome.record.id << "\",\"status\":\"" << outcome.record.status << "\"}\n";
  else std::cout << outcome.record.id << "\n";
  return outcome.exit_code == 130 ? 130 : outcome.exit_code;
}

}  // namespace mlf::driver
