// The chains P, G and R as mlf plan steps (what `mlf build` puts in PlanNode::chain for the
// .mlflow text in bench/README.md), and the input as an mlf Dataset.
#pragma once

#include <string>
#include <vector>

#include "bench/augment/common.h"
#include "compiler/hash/sha256.h"
#include "compiler/plan/plan.h"
#include "runtime/data/tensor.h"

namespace augment_bench {

inline mlf::PlanValue number(double v) {
  mlf::PlanValue out;
  out.kind = mlf::PlanValue::Kind::Float;
  out.real = v;
  return out;
}
inline mlf::PlanValue integer(std::int64_t v) {
  mlf::PlanValue out;
  out.kind = mlf::PlanValue::Kind::Int;
  out.integer = v;
  return out;
}
inline mlf::PlanValue numbers(const std::vector<float>& values) {
  mlf::PlanValue out;
  out.kind = mlf::PlanValue::Kind::List;
  for (float v : values) out.items.push_back(number(v));
  return out;
}

inline mlf::PlanStep plan_step(const std::string& name, std::vector<mlf::PlanArgument> args,
                               const std::string& stream_key = {}) {
  mlf::PlanStep step;
  step.op = mlf::PlanOp{name, "1.0.0", std::move(args), {}};
  if (!stream_key.empty()) step.stream = mlf::Sha256::of("bench/augment/" + stream_key);
  return step;
}

inline std::vector<mlf::PlanStep> plan_chain(const ChainSpec& spec) {
  std::vector<mlf::PlanStep> chain = {
      plan_step("to_float", {{"scale", number(1.0 / 255)}}),
      plan_step("random_hflip", {{"p", number(spec.flip_p)}}, "hflip"),
      plan_step("normalize", {{"mean", numbers(spec.mean)}, {"std", numbers(spec.std)}}),
      plan_step("clamp", {{"min", number(spec.clamp_low)}, {"max", number(spec.clamp_high)}}),
  };
  if (spec.geometric) {
    chain.push_back(plan_step("random_crop",
                              {{"size", integer(spec.height)}, {"padding", integer(spec.crop_padding)}},
                              "crop"));
    chain.push_back(plan_step("random_affine",
                              {{"degrees", number(spec.degrees)},
                               {"translate", number(spec.translate)},
                               {"scale", numbers({spec.scale_low, spec.scale_high})}},
                              "affine"));
    chain.push_back(plan_step("cutout", {{"size", integer(spec.cutout_size)}, {"p", number(1.0)}},
                              "cutout"));
  }
  if (spec.noise) chain.push_back(plan_step("gaussian_noise", {{"std", number(spec.noise_std)}}, "noise"));
  return chain;
}

inline mlf::runtime::Dataset dataset_of(const ChainSpec& spec, const std::vector<std::uint8_t>& bytes,
                                        std::int64_t n) {
  mlf::runtime::Dataset d;
  d.x.dtype = mlf::DType::U8;
  d.x.shape = {n, spec.channels, spec.height, spec.width};
  d.x.bytes = bytes;
  d.classes = 10;
  for (std::int64_t i = 0; i < n; ++i) {
    d.y.push_back(static_cast<std::int32_t>(i % 10));
    d.source_index.push_back(i);
  }
  return d;
}

}  // namespace augment_bench
