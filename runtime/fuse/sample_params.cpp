#include "runtime/random/strict_float.h"  // first: no contraction in this file

#include "runtime/fuse/sample_params.h"

#include <algorithm>

#include "runtime/random/det_math.h"
#include "runtime/random/random_stream.h"

namespace mlf::runtime {
namespace {

void fill_step(const AugmentStep& step, const LoopOp& op, SampleDraws& draws, float* f,
               std::int64_t* n, float* noise) {
  const std::int64_t H = op.in.h, W = op.in.w;
  switch (step.kind) {
    case AugmentKind::HFlip:
    case AugmentKind::VFlip: n[op.slot] = draws.uniform(0) < step.p ? 1 : 0; break;
    case AugmentKind::Crop: {
      const std::int64_t pad = step.padding;
      n[op.slot] = static_cast<std::int64_t>(
          draws.uniform_int(0, static_cast<std::uint64_t>(H + 2 * pad - step.size_h + 1)));
      n[op.slot + 1] = static_cast<std::int64_t>(
          draws.uniform_int(2, static_cast<std::uint64_t>(W + 2 * pad - step.size_w + 1)));
      break;
    }
    case AugmentKind::Cutout: {
      std::int64_t* r = n + op.slot;
      r[0] = r[1] = r[2] = r[3] = 0;
      if (!(draws.uniform(0) < step.p)) break;
      const auto cy = static_cast<std::int64_t>(draws.uniform_int(1, static_cast<std::uint64_t>(H)));
      const auto cx = static_cast<std::int64_t>(draws.uniform_int(3, static_cast<std::uint64_t>(W)));
      const std::int64_t size = step.size_h;
      r[0] = std::max<std::int64_t>(0, cy - size / 2);
      r[1] = std::min<std::int64_t>(H, cy - size / 2 + size);
      r[2] = std::max<std::int64_t>(0, cx - size / 2);
      r[3] = std::min<std::int64_t>(W, cx - size / 2 + size);
      break;
    }
    case AugmentKind::Affine: {
      const float Wf = static_cast<float>(W), Hf = static_cast<float>(H);
      const float angle = draws.uniform_range(0, -step.degrees, step.degrees);
      const float tx = draws.uniform_range(1, -step.translate, step.translate) * Wf;
      const float ty = draws.uniform_range(2, -step.translate, step.translate) * Hf;
      const float scale =
          step.has_scale_range ? draws.uniform_range(3, step.scale_low, step.scale_high) : 1.0f;
      const SinCos rotation = det_sincos_turns(angle / 360.0f);
      float* a = f + op.slot;
      a[0] = rotation.cos;
      a[1] = rotation.sin;
      a[2] = tx;
      a[3] = ty;
      a[4] = scale;
      break;
    }
    case AugmentKind::Brightness: f[op.slot] = draws.uniform_range(0, -step.delta, step.delta); break;
    case AugmentKind::Contrast:
      f[op.slot] = draws.uniform_range(0, 1.0f - step.factor, 1.0f + step.factor);
      break;
    case AugmentKind::Noise: {
      float* z = noise + op.noise_offset;
      for (std::int64_t k = 0, count = op.in.elements(); k < count; ++k)
        z[k] = draws.normal(2 * static_cast<std::uint64_t>(k));
      break;
    }
    default: break;
  }
}

}  // namespace

void fill_sample_params(const LoopProgram& program, const CompiledChain& chain,
                        std::uint32_t epoch, std::uint64_t i, float* floats,
                        std::int64_t* ints, float* noise) {
  std::size_t index = 0;
  for (const Segment& segment : program.segments)
    for (const LoopOp& op : segment.ops) {
      const AugmentStep& step = chain.steps[index++];
      if (!step.stream) continue;
      SampleDraws draws(*step.stream, epoch, i);
      fill_step(step, op, draws, floats, ints, noise);
    }
}

}  // namespace mlf::runtime
