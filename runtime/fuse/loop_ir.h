// The loop IR of the fusion pass: an augment chain lowered to a few loop nests ("segments")
// that each compute every element of their output from their source in one pass.
//
// Takes: a CompiledChain (augment_steps.h), i.e. a chain already checked against a dataset.
// Promises: lower_chain() either returns a program that, run by the code generator
// (runtime/fuse/llvm/) with the per-sample parameters of sample_params.h, computes exactly
// what the reference interpreter computes (augment_interpreter.h), or says why it cannot
// (then the caller uses the interpreter for that chain). Every stage is seen as [C, H, W]
// (an image as it is; other samples as [first dim, 1, the rest], a scalar as [1, 1, 1]), so
// the element number k of a stage is (c·H + y)·W + x in every op's own coordinates.
//   The three op classes: pointwise maps (to_float, normalize, brightness, contrast's map,
//   gaussian_noise, clamp) act on one element; coordinate remaps (flips, crop, cutout,
//   affine) name, for an output element, which element(s) of their input it reads; a
//   reduction (contrast's per-sample mean) needs all of its input and so starts a new
//   segment, whose source is the previous segment's output kept in a scratch buffer. An
//   affine after another affine also starts a segment (two bilinear samplings cannot be
//   composed exactly). Within a segment the remaps compose lazily: each output element is
//   evaluated by walking the ops backwards, mapping coordinates, down to one load of the
//   source per needed element (see docs/fusion.md).
//   text() is a canonical description of everything the generated code depends on (ops,
//   constant arguments, types, shapes, parameter slots) and nothing else: not the seeds, not
//   the data. Its hash is the kernel's identity (kernel_cache.h).
// Does not: generate code (llvm/), draw random numbers (sample_params.h), or handle mixup
// (whose partner sample needs another sample's chain: lower_chain() declines it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "compiler/sema/types.h"
#include "runtime/data/augment_steps.h"

namespace mlf::runtime {

// [C, H, W] of one stage.
struct StageShape {
  std::int64_t c = 1, h = 1, w = 1;
  std::int64_t elements() const { return c * h * w; }
};

// One op inside a segment. Random ops read their per-sample values from the parameter
// arrays at `slot` (layout: sample_params.h).
struct LoopOp {
  AugmentKind kind = AugmentKind::ToFloat;
  DType in_dtype = DType::F32, out_dtype = DType::F32;
  StageShape in, out;
  int slot = -1;          // first parameter slot of a random op (f32 or i64 array: see kind)
  std::int64_t noise_offset = 0;  // gaussian_noise: first element in the noise buffer

  // Constant arguments (augment_steps.h).
  float scale = 1.0f;
  std::vector<float> mean, std;   // normalize: one value per channel (expanded)
  std::int64_t padding = 0;       // crop
  float fill = 0.0f;              // affine
  std::vector<std::uint8_t> fill_element;  // cutout: the fill as one element of in_dtype
  float noise_std = 0.0f;
  float low = 0.0f, high = 1.0f;  // clamp
};

// A loop nest over the output elements of its last op. The source is the chain's input
// sample (segment 0) or the scratch buffer the previous segment wrote (f32 or the element
// type of that stage); the output is the chain's output sample (last segment) or a scratch
// buffer. A segment whose first op is contrast first reduces its source to the mean.
struct Segment {
  DType source_dtype = DType::F32;
  StageShape source;
  std::vector<LoopOp> ops;
  std::int64_t scratch_offset = 0;  // byte offset of this segment's output in the scratch
                                    // area (unused by the last segment)
};

struct LoopProgram {
  std::vector<Segment> segments;
  DType in_dtype = DType::F32, out_dtype = DType::F32;
  StageShape in, out;
  int float_slots = 0;             // per-sample f32 parameters
  int int_slots = 0;               // per-sample i64 parameters
  std::int64_t noise_elements = 0; // per-sample normal draws (all gaussian_noise ops)
  std::int64_t scratch_bytes = 0;  // per-thread scratch between segments

  std::string text() const;
};

struct Lowering {
  std::optional<LoopProgram> program;
  std::string declined;  // why not, when program is empty
};

Lowering lower_chain(const CompiledChain& chain);

// Slot layout of each random op (sample_params.h fills them, the generated code reads them).
//   flips: i64 [flip ? 1 : 0]          crop: i64 [top, left]
//   cutout: i64 [y0, y1, x0, x1] (an empty rectangle when not applied)
//   affine: f32 [cos, sin, tx, ty, scale]   brightness: f32 [offset]   contrast: f32 [c]
//   gaussian_noise: no slot; its normals sit at noise_offset in the noise buffer.
int float_slots_of(AugmentKind kind);
int int_slots_of(AugmentKind kind);

}  // namespace mlf::runtime
