#include "runtime/random/strict_float.h"  // first: no contraction in this file

#include "runtime/fuse/sample_params.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "runtime/random/beta_sampler.h"

#include "runtime/random/det_math.h"
#include "runtime/random/random_stream.h"

namespace mlf::runtime {
namespace {

// Word numbers of mixup (augment_interpreter.h).
constexpr std::uint64_t kMixupPartnerWord = 0;
constexpr std::uint64_t kMixupBetaWord = 2;

void fill_step(const AugmentStep& step, const LoopOp& op, std::uint32_t epoch, std::uint64_t i,
               SampleDraws& draws, float* f, std::int64_t* n) {
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
      // The counter words of block b are (epoch, low32(i), b, tag ^ high32(i)).
      const RandomStream& stream = *step.stream;
      std::int64_t* r = n + op.slot;
      r[0] = stream.key()[0];
      r[1] = stream.key()[1];
      r[2] = epoch;
      r[3] = static_cast<std::uint32_t>(i);
      r[4] = stream.tag() ^ static_cast<std::uint32_t>(i >> 32);
      break;
    }
    case AugmentKind::Mixup: f[op.slot] = beta_symmetric(draws, kMixupBetaWord, step.alpha); break;
    default: break;
  }
}

// The partner j of the mixup at `step` for sample `of` (augment_interpreter.h).
std::uint64_t partner_of(const AugmentStep& step, std::uint32_t epoch, std::uint64_t of,
                         std::uint64_t n) {
  SampleDraws draws(*step.stream, epoch, of);
  return draws.uniform_int(kMixupPartnerWord, n);
}

// Whether an op's block 0 can be computed ahead for a run of samples: it draws on the host
// (gaussian_noise draws in the kernel) for sample i itself (not a mixup partner).
bool batched(const AugmentStep& step, const LoopOp& op) {
  return step.stream && op.sample == 0 && step.kind != AugmentKind::Noise;
}

}  // namespace

SampleDrawBatch::SampleDrawBatch(const LoopProgram& program, const CompiledChain& chain)
    : program_(&program), chain_(&chain) {
  for (const Segment& segment : program.segments)
    for (const LoopOp& op : segment.ops) {
      const bool drawn = batched(chain.steps[op.step], op);
      lane_of_op_.push_back(drawn ? static_cast<int>(lanes_.size()) : -1);
      if (drawn) lanes_.emplace_back();
    }
  blocks_.resize(lanes_.size() * kPhiloxLanes);
}

void SampleDrawBatch::compute(std::uint32_t epoch, std::uint64_t first) {
  first_ = first;
  epoch_ = epoch;
  computed_ = true;
  std::size_t k = 0;
  for (const Segment& segment : program_->segments)
    for (const LoopOp& op : segment.ops) {
      const int set = lane_of_op_[k++];
      if (set < 0) continue;
      const RandomStream& stream = *chain_->steps[op.step].stream;
      PhiloxLanes& lanes = lanes_[static_cast<std::size_t>(set)];
      for (int l = 0; l < kPhiloxLanes; ++l) {
        const PhiloxCounter c = stream.counter(epoch, first + static_cast<std::uint64_t>(l), 0);
        for (int w = 0; w < 4; ++w) lanes.words[w][l] = c[static_cast<std::size_t>(w)];
      }
      philox4x32_10_lanes(lanes, stream.key());
      PhiloxBlock* out = blocks_.data() + static_cast<std::size_t>(set) * kPhiloxLanes;
      for (int l = 0; l < kPhiloxLanes; ++l)
        out[l] = {lanes.words[0][l], lanes.words[1][l], lanes.words[2][l], lanes.words[3][l]};
    }
}

const PhiloxBlock* SampleDrawBatch::block0(std::size_t op, std::uint32_t epoch, std::uint64_t i) const {
  const int set = op < lane_of_op_.size() ? lane_of_op_[op] : -1;
  if (set < 0 || !holds(epoch, i)) return nullptr;
  return blocks_.data() + static_cast<std::size_t>(set) * kPhiloxLanes + (i - first_);
}

void fill_sample_params(const LoopProgram& program, const CompiledChain& chain,
                        std::uint32_t epoch, std::uint64_t i, std::uint64_t n, float* floats,
                        std::int64_t* ints, float* /*noise: unused, see sample_params.h*/,
                        const SampleDrawBatch* batch) {
  // The index of every sample of the mixup tree; parents come before their partners.
  std::int64_t local[16];
  std::vector<std::int64_t> heap;
  std::int64_t* index = local;
  if (program.samples.size() > 16) {
    heap.resize(program.samples.size());
    index = heap.data();
  }
  index[0] = static_cast<std::int64_t>(i);
  const auto row = program.in.elements() * static_cast<std::int64_t>(dtype_size(program.in_dtype));
  for (std::size_t s = 1; s < program.samples.size(); ++s) {
    const MixupSample& sample = program.samples[s];
    const auto parent = static_cast<std::uint64_t>(index[static_cast<std::size_t>(sample.parent)]);
    index[s] = static_cast<std::int64_t>(partner_of(chain.steps[sample.mixup_step], epoch, parent, n));
    ints[sample.offset_slot] = (index[s] - static_cast<std::int64_t>(i)) * row;
    ints[sample.offset_slot + 1] = index[s];
  }
  std::size_t number = 0;
  for (const Segment& segment : program.segments)
    for (const LoopOp& op : segment.ops) {
      const std::size_t this_op = number++;
      const AugmentStep& step = chain.steps[op.step];
      if (!step.stream) continue;
      const auto of = static_cast<std::uint64_t>(index[static_cast<std::size_t>(op.sample)]);
      const PhiloxBlock* block0 = batch ? batch->block0(this_op, epoch, of) : nullptr;
      SampleDraws draws = block0 ? SampleDraws(*step.stream, epoch, of, *block0)
                                 : SampleDraws(*step.stream, epoch, of);
      fill_step(step, op, epoch, of, draws, floats, ints);
    }
}

bool has_mixup(const CompiledChain& chain) {
  return std::any_of(chain.steps.begin(), chain.steps.end(),
                     [](const AugmentStep& step) { return step.kind == AugmentKind::Mixup; });
}

void mixed_soft_label(const LoopProgram& program, const CompiledChain& chain, const Dataset& in,
                      std::uint64_t i, const float* floats, const std::int64_t* ints,
                      std::vector<float>& work, float* row) {
  // Rows of the tree's samples, the last first: a sample's partners come after it, so their
  // rows (after their own prefixes) are ready when it mixes them in, in step order — the
  // interpreter's recursion, unrolled.
  const auto classes = static_cast<std::size_t>(chain.classes);
  const std::size_t count = program.samples.size();
  work.assign(count * classes, 0.0f);
  for (std::size_t s = count; s-- > 0;) {
    float* mine = work.data() + s * classes;
    const auto at = s == 0 ? static_cast<std::size_t>(i)
                           : static_cast<std::size_t>(ints[program.samples[s].offset_slot + 1]);
    if (chain.in_label == LabelForm::Soft) {
      if (classes) std::memcpy(mine, in.y_values.bytes.data() + at * classes * 4, classes * 4);
    } else {
      const std::int32_t label = in.y[at];
      if (label >= 0 && static_cast<std::size_t>(label) < classes) mine[static_cast<std::size_t>(label)] = 1.0f;
    }
    for (std::size_t partner = s + 1; partner < count; ++partner) {
      if (program.samples[partner].parent != static_cast<int>(s)) continue;
      const float lambda = floats[program.samples[partner].lambda_slot];
      const float m = 1.0f - lambda;
      const float* theirs = work.data() + partner * classes;
      for (std::size_t c = 0; c < classes; ++c) {
        float a = lambda * mine[c];
        float b = m * theirs[c];
        mine[c] = a + b;
      }
    }
  }
  if (classes) std::memcpy(row, work.data(), classes * sizeof(float));
}

}  // namespace mlf::runtime
