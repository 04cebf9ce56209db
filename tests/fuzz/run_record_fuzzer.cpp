// libFuzzer target for the run-record reader (runtime/record/run_record.h): bytes →
// parse_run_record. A record is read back from the store by `mlf runs`, `show`, `compare`,
// `replay` and the report; a damaged file must give a reason, never a crash.
// Invariants, each a trap when broken:
//   - a rejected text comes with a reason;
//   - a record that parses, rendered with render_run_record and parsed again, is the same
//     record, field by field, and renders to the same bytes (what is read is never lost).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "runtime/record/run_record.h"

namespace {

using mlf::runtime::GateRecord;
using mlf::runtime::NodeRecord;
using mlf::runtime::RunRecord;

// Equal as numbers, or both NaN: a NaN read from a record is written back as `nan`.
bool same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

bool same(const std::map<std::string, double>& a, const std::map<std::string, double>& b) {
  if (a.size() != b.size()) return false;
  for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j)
    if (i->first != j->first || !same(i->second, j->second)) return false;
  return true;
}

bool same(const NodeRecord& a, const NodeRecord& b) {
  return a.id == b.id && a.label == b.label && a.kind == b.kind && a.status == b.status &&
         a.why == b.why && same(a.seconds, b.seconds) && a.outputs == b.outputs &&
         same(a.metrics, b.metrics) && a.identity == b.identity;
}

bool same(const GateRecord& a, const GateRecord& b) {
  if (a.value.has_value() != b.value.has_value()) return false;
  if (a.value && !same(*a.value, *b.value)) return false;
  return a.text == b.text && a.node == b.node && a.field == b.field &&
         a.comparison == b.comparison && same(a.threshold, b.threshold) && a.passed == b.passed;
}

bool same(const RunRecord& a, const RunRecord& b) {
  if (a.nodes.size() != b.nodes.size() || a.gates.size() != b.gates.size()) return false;
  for (std::size_t i = 0; i < a.nodes.size(); ++i)
    if (!same(a.nodes[i], b.nodes[i])) return false;
  for (std::size_t i = 0; i < a.gates.size(); ++i)
    if (!same(a.gates[i], b.gates[i])) return false;
  return a.id == b.id && a.plan_id == b.plan_id && a.pipeline == b.pipeline &&
         a.source == b.source && a.kind == b.kind && a.replay_of == b.replay_of &&
         a.started == b.started && a.finished == b.finished && a.status == b.status &&
         a.params == b.params && a.options.fuse == b.options.fuse &&
         a.environment == b.environment;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  RunRecord record;
  std::string error;
  if (!mlf::runtime::parse_run_record(text, record, error)) {
    if (error.empty()) __builtin_trap();
    return 0;
  }
  const std::string rendered = mlf::runtime::render_run_record(record);
  RunRecord again;
  std::string again_error;
  if (!mlf::runtime::parse_run_record(rendered, again, again_error)) __builtin_trap();
  if (!same(record, again)) __builtin_trap();
  if (mlf::runtime::render_run_record(again) != rendered) __builtin_trap();
  return 0;
}
