#include "runtime/fuse/loop_ir.h"

#include <bit>
#include <cstring>
#include <sstream>

namespace mlf::runtime {
namespace {

StageShape shape_of(const std::vector<std::int64_t>& dims) {
  StageShape s;
  if (dims.empty()) return s;
  if (dims.size() == 3) return {dims[0], dims[1], dims[2]};
  s.c = dims[0];
  s.h = 1;
  s.w = 1;
  for (std::size_t k = 1; k < dims.size(); ++k) s.w *= dims[k];
  return s;
}

const char* kind_name(AugmentKind kind) {
  switch (kind) {
    case AugmentKind::ToFloat: return "to_float";
    case AugmentKind::Normalize: return "normalize";
    case AugmentKind::HFlip: return "hflip";
    case AugmentKind::VFlip: return "vflip";
    case AugmentKind::Crop: return "crop";
    case AugmentKind::Affine: return "affine";
    case AugmentKind::Brightness: return "brightness";
    case AugmentKind::Contrast: return "contrast";
    case AugmentKind::Noise: return "noise";
    case AugmentKind::Cutout: return "cutout";
    case AugmentKind::Clamp: return "clamp";
    case AugmentKind::Mixup: return "mixup";
  }
  return "?";
}

// Floats by their bits: the text must tell apart every value the code could embed.
std::string bits(float v) {
  std::ostringstream out;
  out << std::hex << std::bit_cast<std::uint32_t>(v);
  return out.str();
}

std::string shape_text(const StageShape& s) {
  return std::to_string(s.c) + "x" + std::to_string(s.h) + "x" + std::to_string(s.w);
}

}  // namespace

int float_slots_of(AugmentKind kind) {
  switch (kind) {
    case AugmentKind::Affine: return 5;
    case AugmentKind::Brightness: return 1;
    case AugmentKind::Contrast: return 1;
    case AugmentKind::Mixup: return 1;
    default: return 0;
  }
}

int int_slots_of(AugmentKind kind) {
  switch (kind) {
    case AugmentKind::HFlip:
    case AugmentKind::VFlip: return 1;
    case AugmentKind::Crop: return 2;
    case AugmentKind::Cutout: return 4;
    case AugmentKind::Noise: return 5;
    default: return 0;
  }
}

namespace {

// Segments for a chain's steps, one sample of the mixup tree at a time.
class Lowerer {
 public:
  explicit Lowerer(const CompiledChain& chain) : chain_(chain) {
    program_.in_dtype = chain.in_dtype;
    program_.out_dtype = chain.out_dtype;
    program_.in = shape_of(chain.in_dims);
    program_.out = shape_of(chain.out_dims);
  }

  Lowering run() {
    Lowering out;
    lower(chain_.steps.size(), 0, true);
    if (!declined_.empty()) {
      out.declined = declined_;
      return out;
    }
    out.program = std::move(program_);
    return out;
  }

 private:
  // Pushes the segments computing the stage after steps [0, upto) of `sample`. The last one
  // writes the chain's output (final) or a dense scratch plane, whose offset is returned.
  std::int64_t lower(std::size_t upto, int sample, bool final) {
    Segment current;
    current.source_dtype = chain_.in_dtype;
    current.source = program_.in;
    current.source_offset_slot = program_.samples[static_cast<std::size_t>(sample)].offset_slot;
    auto start_segment = [&](const AugmentStep& step) {
      const StageShape shape = shape_of(step.in_dims);
      const std::int64_t framed = shape.c * (shape.h + 2 * kAffineBorder) * (shape.w + 2 * kAffineBorder);
      if (step.kind == AugmentKind::Affine && framed < (std::int64_t{1} << 30)) {
        // The affine reads its neighbours from a plane framed by its fill (loop_ir.h).
        current.border = kAffineBorder;
        current.border_fill = step.fill;
      }
      const std::int64_t b = current.border;
      current.scratch_offset = allocate(shape.c * (shape.h + 2 * b) * (shape.w + 2 * b) *
                                        static_cast<std::int64_t>(dtype_size(step.in_dtype)));
      program_.segments.push_back(std::move(current));
      current = Segment{};
      current.source_dtype = step.in_dtype;
      current.source = shape;
      current.source_segment = static_cast<int>(program_.segments.size()) - 1;
    };

    for (std::size_t index = 0; index < upto; ++index) {
      const AugmentStep& step = chain_.steps[index];
      // An affine reads four neighbours per output element: recomputing the ops before it
      // for each of them costs four times their work and turns every row read into a gather,
      // so their result is materialised first (exact: the interpreter stores it too).
      const bool needs_barrier = (step.kind == AugmentKind::Contrast || step.kind == AugmentKind::Affine) &&
                                 !current.ops.empty();
      if (needs_barrier) start_segment(step);

      LoopOp op;
      op.kind = step.kind;
      op.step = index;
      op.sample = sample;
      op.in_dtype = step.in_dtype;
      op.out_dtype = step.out_dtype;
      op.in = shape_of(step.in_dims);
      op.out = shape_of(step.out_dims);
      op.scale = step.scale;
      if (step.kind == AugmentKind::Normalize) {
        for (std::int64_t c = 0; c < op.in.c; ++c) {
          const auto k = static_cast<std::size_t>(c);
          op.mean.push_back(step.mean.size() == 1 ? step.mean[0] : step.mean[k]);
          op.std.push_back(step.std.size() == 1 ? step.std[0] : step.std[k]);
        }
      }
      op.padding = step.padding;
      op.fill = step.fill;
      if (step.kind == AugmentKind::Cutout) op.fill_element = fill_element(step, step.in_dtype);
      op.noise_std = step.noise_std;
      op.low = step.low;
      op.high = step.high;
      op.alpha = step.alpha;
      if (float_slots_of(step.kind)) {
        op.slot = program_.float_slots;
        program_.float_slots += float_slots_of(step.kind);
      } else if (int_slots_of(step.kind)) {
        op.slot = program_.int_slots;
        program_.int_slots += int_slots_of(step.kind);
      }
      if (step.kind == AugmentKind::Mixup) {
        // The partner's prefix, as the interpreter's run_prefix(j, index): its own segments,
        // ahead of this one, drawing for j.
        if (program_.samples.size() >= kMaxMixupSamples) {
          declined_ = "too many nested mixups to fuse (the interpreter runs the chain)";
          return 0;
        }
        MixupSample partner;
        partner.parent = sample;
        partner.mixup_step = index;
        partner.offset_slot = program_.int_slots;
        program_.int_slots += 2;
        partner.lambda_slot = op.slot;
        program_.samples.push_back(partner);
        op.partner_offset = lower(index, static_cast<int>(program_.samples.size()) - 1, false);
      }
      current.ops.push_back(std::move(op));
    }
    if (final) {
      current.scratch_offset = 0;
      program_.segments.push_back(std::move(current));
      return 0;
    }
    const StageShape out = current.ops.empty() ? current.source : current.ops.back().out;
    const DType out_dtype = current.ops.empty() ? current.source_dtype : current.ops.back().out_dtype;
    current.scratch_offset = allocate(out.elements() * static_cast<std::int64_t>(dtype_size(out_dtype)));
    const std::int64_t at = current.scratch_offset;
    program_.segments.push_back(std::move(current));
    return at;
  }

  // Scratch regions never overlap: a partner's plane lives until its mixup runs.
  std::int64_t allocate(std::int64_t bytes) {
    const std::int64_t at = program_.scratch_bytes;
    program_.scratch_bytes += (bytes + 7) / 8 * 8;
    return at;
  }

  // Each mixup doubles the samples its prefix runs for; beyond this the kernel gets too big.
  static constexpr std::size_t kMaxMixupSamples = 16;

  const CompiledChain& chain_;
  LoopProgram program_;
  std::string declined_;
};

}  // namespace

Lowering lower_chain(const CompiledChain& chain) { return Lowerer(chain).run(); }

std::string LoopProgram::text() const {
  std::ostringstream text;
  text << "program " << dtype_name(in_dtype) << "[" << shape_text(in) << "] -> "
      << dtype_name(out_dtype) << "[" << shape_text(out) << "] slots f" << float_slots << " i"
      << int_slots << " noise " << noise_elements << " scratch " << scratch_bytes << "\n";
  for (const MixupSample& sample : samples)
    text << "sample parent " << sample.parent << " step " << sample.mixup_step << " offset slot "
        << sample.offset_slot << " lambda slot " << sample.lambda_slot << "\n";
  for (const Segment& segment : segments) {
    text << "segment from " << dtype_name(segment.source_dtype) << "[" << shape_text(segment.source)
        << "] segment " << segment.source_segment
        << " offset slot " << segment.source_offset_slot
        << " scratch@" << segment.scratch_offset << " border " << segment.border << " "
        << bits(segment.border_fill) << "\n";
    for (const LoopOp& op : segment.ops) {
      text << "  " << kind_name(op.kind) << " " << dtype_name(op.in_dtype) << "["
          << shape_text(op.in) << "] -> " << dtype_name(op.out_dtype) << "[" << shape_text(op.out)
          << "] slot " << op.slot << " step " << op.step << " sample " << op.sample;
      switch (op.kind) {
        case AugmentKind::ToFloat: text << " scale " << bits(op.scale); break;
        case AugmentKind::Normalize:
          for (std::size_t c = 0; c < op.mean.size(); ++c)
            text << " (" << bits(op.mean[c]) << " " << bits(op.std[c]) << ")";
          break;
        case AugmentKind::Crop: text << " padding " << op.padding; break;
        case AugmentKind::Affine: text << " fill " << bits(op.fill); break;
        case AugmentKind::Cutout:
          text << " fill";
          for (std::uint8_t b : op.fill_element) text << " " << static_cast<int>(b);
          break;
        case AugmentKind::Noise: text << " std " << bits(op.noise_std); break;
        case AugmentKind::Clamp: text << " " << bits(op.low) << " " << bits(op.high); break;
        case AugmentKind::Mixup: text << " partner@" << op.partner_offset; break;
        default: break;
      }
      text << "\n";
    }
  }
  return text.str();
}

}  // namespace mlf::runtime
