// An augment chain made ready to run: each PlanStep's op recognised, its arguments read
// and rounded once, its stream keyed, and the sample type followed through the chain.
//
// Takes: the steps of an augment node (PlanNode::chain) and the dataset they apply to.
// Promises: compile_chain() accepts exactly the catalogue's augment ops at version 1.0.0 (an
// empty version is taken as 1.0.0; any other is an error: a newer op could mean other
// numbers) with the catalogue's defaults for arguments the plan leaves out, and checks what
// the checker checked (f32 where required, [C, H, W] images, crop within the padded image,
// one or C normalize values, a stream on every random step), so a plan that passed the
// checker always compiles; the error names the step (1-based) and the op. Every float
// argument is rounded to the nearest f32 here, once (static_cast<float> of the plan's
// double); integer arguments stay integers; cutout's fill is also kept as a double for f64
// samples. The label form comes from the dataset: class ids (y) stay class ids until mixup,
// which makes them soft rows of `classes` f32 values; a dataset that already has soft rows
// (y empty, y_values f32 [N, classes], the first step's input type not a target) keeps them
// soft; anything else in y_values is a target tensor carried along unchanged.
// Does not: run anything (augment_interpreter.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "compiler/plan/plan.h"
#include "runtime/data/data_result.h"
#include "runtime/data/tensor.h"
#include "runtime/random/random_stream.h"

namespace mlf::runtime {

enum class AugmentKind {
  ToFloat, Normalize, HFlip, VFlip, Crop, Affine, Brightness, Contrast, Noise, Cutout, Clamp, Mixup
};

enum class LabelForm { None, Class, Soft, Target };

struct AugmentStep {
  AugmentKind kind = AugmentKind::ToFloat;
  std::string name;                    // the op's name, for messages
  std::optional<RandomStream> stream;  // random steps only

  // Arguments, as the op uses them (f32 unless integer).
  float scale = 1.0f;                  // to_float
  std::vector<float> mean, std;        // normalize: one value or one per channel
  float p = 0.5f;                      // flips, cutout
  std::int64_t size_h = 0, size_w = 0; // crop window; cutout uses size_h
  std::int64_t padding = 0;            // crop
  float degrees = 0.0f, translate = 0.0f;     // affine
  bool has_scale_range = false;
  float scale_low = 1.0f, scale_high = 1.0f;  // affine
  float fill = 0.0f;                   // affine, cutout (f32 samples)
  double fill_double = 0.0;            // cutout on f64 and integer samples
  float delta = 0.0f;                  // brightness
  float factor = 0.0f;                 // contrast
  float noise_std = 0.0f;              // gaussian_noise
  float low = 0.0f, high = 1.0f;       // clamp
  float alpha = 1.0f;                  // mixup

  // The sample type before and after this step (dims without the sample count).
  DType in_dtype = DType::F32, out_dtype = DType::F32;
  std::vector<std::int64_t> in_dims, out_dims;
  LabelForm in_label = LabelForm::None, out_label = LabelForm::None;
};

struct CompiledChain {
  std::vector<AugmentStep> steps;
  DType in_dtype = DType::F32, out_dtype = DType::F32;
  std::vector<std::int64_t> in_dims, out_dims;
  LabelForm in_label = LabelForm::None, out_label = LabelForm::None;
  std::int64_t classes = 0;
  std::vector<std::int64_t> target_dims;  // Target labels: y_values dims without N
  DType target_dtype = DType::F32;
};

DataResult<CompiledChain> compile_chain(const std::vector<PlanStep>& chain, const Dataset& in);

// A step's `fill` as one element of `type` (the interpreter and fused kernels both use it,
// so the conversion is written once).
std::vector<std::uint8_t> fill_element(const AugmentStep& step, DType type);

}  // namespace mlf::runtime
