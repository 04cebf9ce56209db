// libFuzzer target for the plan reader (compiler/plan/plan_reader.h): bytes → read_plan.
// `mlf run PLAN` and `mlf replay` read plan files that may be damaged or edited by hand.
// Invariants, each a trap when broken (an exception escaping is a crash too):
//   - a rejected plan names its problems, lower-case and without a trailing period;
//   - an accepted plan's id is the SHA-256 of its canonical body, and the plan written out
//     again (body + labels) reads back as an accepted plan with the same id and the same
//     texts;
//   - the type parsers (parse_sample_type, parse_tensor_type, parse_label_type), given the
//     input as a type: what they accept, written with `str()`, parses back to the same type.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "compiler/hash/sha256.h"
#include "compiler/plan/plan.h"
#include "compiler/plan/plan_reader.h"

namespace {

// Types are short; longer inputs are plans.
constexpr std::size_t kMaxTypeText = 256;

template <typename Parse>
void check_type_round_trip(std::string_view text, Parse parse) {
  auto type = parse(text);
  if (!type) return;
  std::string shown = type->str();
  auto again = parse(shown);
  if (!again || again->str() != shown) __builtin_trap();
}

void check_messages(const mlf::PlanReadResult& result) {
  for (const std::string& message : result.errors) {
    if (message.empty()) __builtin_trap();
    if (std::isupper(static_cast<unsigned char>(message.front())) || message.back() == '.')
      __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (size <= kMaxTypeText) {
    check_type_round_trip(text, mlf::parse_sample_type);
    check_type_round_trip(text, mlf::parse_tensor_type);
    check_type_round_trip(text, mlf::parse_label_type);
  }

  mlf::PlanReadResult result = mlf::read_plan(text);
  check_messages(result);
  if (!result.ok()) return 0;

  const mlf::Plan& plan = result.plan;
  const std::string body = mlf::render_plan_body(plan);
  if (mlf::Sha256::of(body) != plan.id) __builtin_trap();
  if (mlf::plan_id_of_file(text) != plan.id) __builtin_trap();
  const std::string labels = mlf::render_plan_labels(plan, plan.id);
  mlf::PlanReadResult again = mlf::read_plan(mlf::plan_file_text(body, labels), plan.id);
  check_messages(again);
  if (!again.ok() || again.plan.id != plan.id) __builtin_trap();
  if (mlf::render_plan_body(again.plan) != body) __builtin_trap();
  if (mlf::render_plan_labels(again.plan, again.plan.id) != labels) __builtin_trap();
  return 0;
}
