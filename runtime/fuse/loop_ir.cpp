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
    default: return 0;
  }
}

int int_slots_of(AugmentKind kind) {
  switch (kind) {
    case AugmentKind::HFlip:
    case AugmentKind::VFlip: return 1;
    case AugmentKind::Crop: return 2;
    case AugmentKind::Cutout: return 4;
    default: return 0;
  }
}

Lowering lower_chain(const CompiledChain& chain) {
  Lowering out;
  LoopProgram program;
  program.in_dtype = chain.in_dtype;
  program.out_dtype = chain.out_dtype;
  program.in = shape_of(chain.in_dims);
  program.out = shape_of(chain.out_dims);

  Segment current;
  current.source_dtype = chain.in_dtype;
  current.source = program.in;
  bool affine_in_segment = false;
  auto start_segment = [&](const AugmentStep& step) {
    current.scratch_offset = program.scratch_bytes;
    program.scratch_bytes += shape_of(step.in_dims).elements() * static_cast<std::int64_t>(dtype_size(step.in_dtype));
    program.segments.push_back(std::move(current));
    current = Segment{};
    current.source_dtype = step.in_dtype;
    current.source = shape_of(step.in_dims);
    affine_in_segment = false;
  };

  for (const AugmentStep& step : chain.steps) {
    if (step.kind == AugmentKind::Mixup) {
      out.declined = "mixup mixes two samples (the interpreter runs chains with mixup)";
      return out;
    }
    const bool needs_barrier = (step.kind == AugmentKind::Contrast && !current.ops.empty()) ||
                               (step.kind == AugmentKind::Affine && affine_in_segment);
    if (needs_barrier) start_segment(step);
    if (step.kind == AugmentKind::Affine) affine_in_segment = true;

    LoopOp op;
    op.kind = step.kind;
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
    if (float_slots_of(step.kind)) {
      op.slot = program.float_slots;
      program.float_slots += float_slots_of(step.kind);
    } else if (int_slots_of(step.kind)) {
      op.slot = program.int_slots;
      program.int_slots += int_slots_of(step.kind);
    }
    if (step.kind == AugmentKind::Noise) {
      op.noise_offset = program.noise_elements;
      program.noise_elements += op.in.elements();
    }
    current.ops.push_back(std::move(op));
  }
  current.scratch_offset = 0;
  program.segments.push_back(std::move(current));
  out.program = std::move(program);
  return out;
}

std::string LoopProgram::text() const {
  std::ostringstream text;
  text << "program " << dtype_name(in_dtype) << "[" << shape_text(in) << "] -> "
      << dtype_name(out_dtype) << "[" << shape_text(out) << "] slots f" << float_slots << " i"
      << int_slots << " noise " << noise_elements << " scratch " << scratch_bytes << "\n";
  for (const Segment& segment : segments) {
    text << "segment from " << dtype_name(segment.source_dtype) << "[" << shape_text(segment.source)
        << "] scratch@" << segment.scratch_offset << "\n";
    for (const LoopOp& op : segment.ops) {
      text << "  " << kind_name(op.kind) << " " << dtype_name(op.in_dtype) << "["
          << shape_text(op.in) << "] -> " << dtype_name(op.out_dtype) << "[" << shape_text(op.out)
          << "] slot " << op.slot;
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
        case AugmentKind::Noise: text << " std " << bits(op.noise_std) << " at " << op.noise_offset; break;
        case AugmentKind::Clamp: text << " " << bits(op.low) << " " << bits(op.high); break;
        default: break;
      }
      text << "\n";
    }
  }
  return text.str();
}

}  // namespace mlf::runtime
