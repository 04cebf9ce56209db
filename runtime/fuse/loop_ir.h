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
//   affine also starts a segment unless it is the segment's first op: it reads four
//   neighbours per element, so the ops before it run once per element into scratch rather
//   than four times per output element (and two affines cannot be composed exactly). Within a segment the remaps compose lazily: each output element is
//   evaluated by walking the ops backwards, mapping coordinates, down to one load of the
//   source per needed element (see docs/fusion.md).
//   mixup is a pointwise op with a second operand: the partner sample's prefix (the ops
//   before the mixup, run on sample j with j's draws) is lowered as extra segments, ahead of
//   the segment holding the mixup, that read the chain's input at a byte offset (an integer
//   slot: (j − i)·row) and write a dense f32 scratch plane; the mixup reads that plane at
//   its own element. Every op says for which sample of the mixup tree it draws (`sample`,
//   LoopProgram::samples), so nested mixups lower recursively as the interpreter runs them.
//   text() is a canonical description of everything the generated code depends on (ops,
//   constant arguments, types, shapes, parameter slots) and nothing else: not the seeds, not
//   the data. Its hash is the kernel's identity (kernel_cache.h).
// Does not: generate code (llvm/), draw per-sample values (sample_params.h) or mix labels
// (sample_params.h: mixed_soft_label).
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
  std::size_t step = 0;   // index of the op's step in the CompiledChain
  int sample = 0;         // the sample it draws for (LoopProgram::samples; 0: sample i)
  std::int64_t partner_offset = 0;  // mixup: byte offset of the partner's plane in scratch
  float alpha = 1.0f;               // mixup

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
  int source_segment = -1;     // the segment whose output this one reads; -1: the chain's input
  int source_offset_slot = -1; // reading the input: i64 slot of the byte offset added to it
                               // (a mixup partner's sample), -1: none
  std::vector<LoopOp> ops;
  std::int64_t scratch_offset = 0;  // byte offset of this segment's output in the scratch
                                    // area (unused by the last segment)
  // When the next segment starts with an affine, this segment's output planes are stored
  // framed: `border` elements on every side hold `border_fill` (the affine's fill), the
  // element (c, y, x) sits at (c·(H + 2b) + y + b)·(W + 2b) + x + b. The affine's clamped
  // neighbours (x0 in [−2, W + 1], x0 + 1 ≤ W + 2) then all fall inside the frame, so it
  // reads them with no bounds test, two adjacent pairs per output element. 0: dense (also
  // when the framed planes would hold 2^30 elements or more: the affine indexes in i32).
  std::int64_t border = 0;
  float border_fill = 0.0f;
};

inline constexpr std::int64_t kAffineBorder = 3;

// A sample of the mixup tree: 0 is the output's sample i; every other one is the partner j
// that the mixup at step `mixup_step`, drawing for sample `parent`, picks. Its input sits at
// (j − i)·row bytes from sample i's: i64 slot `offset_slot` holds that offset, the next
// slot j itself (for the labels); `lambda_slot` is the f32 slot of that mixup's lambda.
// parent < its index, and a parent's partners come in the order of their steps.
struct MixupSample {
  int parent = 0;
  std::size_t mixup_step = 0;
  int offset_slot = -1;
  int lambda_slot = -1;
};

struct LoopProgram {
  std::vector<Segment> segments;
  DType in_dtype = DType::F32, out_dtype = DType::F32;
  StageShape in, out;
  int float_slots = 0;             // per-sample f32 parameters
  int int_slots = 0;               // per-sample i64 parameters
  std::int64_t noise_elements = 0; // per-sample values in the noise buffer: always 0 now
                                   // (the kernel draws gaussian_noise's normals itself)
  std::int64_t scratch_bytes = 0;  // per-thread scratch between segments
  std::vector<MixupSample> samples{MixupSample{}};  // [0] is sample i

  std::string text() const;
};

struct Lowering {
  std::optional<LoopProgram> program;
  std::string declined;  // why not, when program is empty
};

Lowering lower_chain(const CompiledChain& chain);

// Slot layout of each random op (sample_params.h fills them, the generated code reads them).
//   mixup: f32 [lambda]; its partner's i64 [(j − i)·row, j] are at MixupSample::offset_slot.
//   flips: i64 [flip ? 1 : 0]          crop: i64 [top, left]
//   cutout: i64 [y0, y1, x0, x1] (an empty rectangle when not applied)
//   affine: f32 [cos, sin, tx, ty, scale]   brightness: f32 [offset]   contrast: f32 [c]
//   gaussian_noise: i64 [k0, k1, epoch, low32(i), tag ^ high32(i)], the key and the fixed
//   counter words of its stream's Philox blocks (random_stream.h); the kernel computes
//   normal(2k) for element k itself, the counter's third word being k / 2.
int float_slots_of(AugmentKind kind);
int int_slots_of(AugmentKind kind);

}  // namespace mlf::runtime
