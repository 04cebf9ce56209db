#include "runtime/random/strict_float.h"  // first: no contraction in this file

#include "runtime/data/augment_interpreter.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <thread>

#include "runtime/data/augment_steps.h"
#include "runtime/random/beta_sampler.h"
#include "runtime/random/det_math.h"

namespace mlf::runtime {
namespace {

// Word numbers of mixup (augment_interpreter.h).
constexpr std::uint64_t kMixupPartnerWord = 0;
constexpr std::uint64_t kMixupBetaWord = 2;

// One sample on its way through the chain.
struct Sample {
  DType dtype = DType::F32;
  std::vector<std::int64_t> dims;
  std::vector<std::uint8_t> x;
  std::int32_t label = 0;            // Class
  std::vector<float> soft;           // Soft
  std::vector<std::uint8_t> target;  // Target
  std::vector<std::uint8_t> scratch; // output buffer of ops that cannot work in place, reused

  std::int64_t elements() const {
    std::int64_t n = 1;
    for (std::int64_t d : dims) n *= d;
    return n;
  }
  float* f32() { return reinterpret_cast<float*>(x.data()); }
  // `bytes` of scratch space (contents unspecified); keep_scratch() makes it the sample.
  std::uint8_t* scratch_of(std::size_t bytes) {
    if (scratch.size() < bytes) scratch.resize(bytes);
    return scratch.data();
  }
  void keep_scratch(std::size_t bytes) {
    scratch.resize(bytes);
    x.swap(scratch);
  }
};

std::size_t row_bytes(const Tensor& t) {
  return static_cast<std::size_t>(t.sample_elements()) * dtype_size(t.dtype);
}

void load(const CompiledChain& chain, const Dataset& in, std::int64_t i, Sample& s) {
  s.dtype = chain.in_dtype;
  s.dims = chain.in_dims;
  const std::size_t row = row_bytes(in.x);
  const std::uint8_t* from = in.x.bytes.data() + static_cast<std::size_t>(i) * row;
  s.x.assign(from, from + row);
  s.label = 0;
  s.soft.clear();
  s.target.clear();
  switch (chain.in_label) {
    case LabelForm::Class: s.label = in.y[static_cast<std::size_t>(i)]; break;
    case LabelForm::Soft: {
      const auto k = static_cast<std::size_t>(chain.classes);
      s.soft.resize(k);
      if (k) std::memcpy(s.soft.data(), in.y_values.bytes.data() + static_cast<std::size_t>(i) * k * 4, k * 4);
      break;
    }
    case LabelForm::Target: {
      const std::size_t trow = row_bytes(in.y_values);
      const std::uint8_t* t = in.y_values.bytes.data() + static_cast<std::size_t>(i) * trow;
      s.target.assign(t, t + trow);
      break;
    }
    case LabelForm::None: break;
  }
}

// --- to_float, normalize ---

// f32(x): exact for u8/i8/i16, the nearest f32 for i32/i64/f64 (static_cast<float>).
template <class T>
void to_float_from(const std::uint8_t* from, float* to, std::int64_t n, float scale) {
  for (std::int64_t k = 0; k < n; ++k) {
    T v;
    std::memcpy(&v, from + static_cast<std::size_t>(k) * sizeof(T), sizeof(T));
    to[k] = static_cast<float>(v) * scale;
  }
}

void to_float(const AugmentStep& step, Sample& s) {
  const std::int64_t n = s.elements();
  const std::size_t bytes = static_cast<std::size_t>(n) * 4;
  auto* to = reinterpret_cast<float*>(s.scratch_of(bytes));
  const std::uint8_t* from = s.x.data();
  switch (s.dtype) {
    case DType::U8: to_float_from<std::uint8_t>(from, to, n, step.scale); break;
    case DType::I8: to_float_from<std::int8_t>(from, to, n, step.scale); break;
    case DType::I16: to_float_from<std::int16_t>(from, to, n, step.scale); break;
    case DType::I32: to_float_from<std::int32_t>(from, to, n, step.scale); break;
    case DType::I64: to_float_from<std::int64_t>(from, to, n, step.scale); break;
    case DType::F32: to_float_from<float>(from, to, n, step.scale); break;
    case DType::F64: to_float_from<double>(from, to, n, step.scale); break;
  }
  s.keep_scratch(bytes);
  s.dtype = DType::F32;
}

void normalize(const AugmentStep& step, Sample& s) {
  const std::int64_t channels = s.dims.empty() ? 1 : s.dims[0];
  const std::int64_t per = channels == 0 ? 0 : s.elements() / channels;
  float* v = s.f32();
  for (std::int64_t c = 0; c < channels; ++c) {
    const float mean = step.mean.size() == 1 ? step.mean[0] : step.mean[static_cast<std::size_t>(c)];
    const float sd = step.std.size() == 1 ? step.std[0] : step.std[static_cast<std::size_t>(c)];
    for (std::int64_t k = c * per; k < (c + 1) * per; ++k) v[k] = (v[k] - mean) / sd;
  }
}

// --- flips, crop, cutout: element moves on any type ---

// An element of `size` bytes, copied as one value.
template <std::size_t N>
struct Element {
  std::uint8_t bytes[N];
};

template <std::size_t N>
void flip_typed(Sample& s, bool horizontal) {
  const std::int64_t C = s.dims[0], H = s.dims[1], W = s.dims[2];
  auto* v = reinterpret_cast<Element<N>*>(s.x.data());
  for (std::int64_t c = 0; c < C; ++c) {
    Element<N>* plane = v + c * H * W;
    if (horizontal) {
      for (std::int64_t y = 0; y < H; ++y)
        for (std::int64_t x = 0; x < W / 2; ++x) std::swap(plane[y * W + x], plane[y * W + (W - 1 - x)]);
    } else {
      for (std::int64_t y = 0; y < H / 2; ++y)
        for (std::int64_t x = 0; x < W; ++x) std::swap(plane[y * W + x], plane[(H - 1 - y) * W + x]);
    }
  }
}

void flip(const AugmentStep& step, Sample& s, SampleDraws& draws, bool horizontal) {
  if (!(draws.uniform(0) < step.p)) return;
  switch (dtype_size(s.dtype)) {
    case 1: flip_typed<1>(s, horizontal); break;
    case 2: flip_typed<2>(s, horizontal); break;
    case 4: flip_typed<4>(s, horizontal); break;
    default: flip_typed<8>(s, horizontal); break;
  }
}

template <std::size_t N>
void crop_typed(Sample& s, std::int64_t top, std::int64_t left, std::int64_t h, std::int64_t w,
                std::int64_t pad) {
  const std::int64_t C = s.dims[0], H = s.dims[1], W = s.dims[2];
  const std::size_t bytes = static_cast<std::size_t>(C * h * w) * N;
  auto* out = reinterpret_cast<Element<N>*>(s.scratch_of(bytes));
  const auto* in = reinterpret_cast<const Element<N>*>(s.x.data());
  const Element<N> zero{};
  for (std::int64_t c = 0; c < C; ++c)
    for (std::int64_t y = 0; y < h; ++y) {
      const std::int64_t sy = top + y - pad;
      for (std::int64_t x = 0; x < w; ++x) {
        const std::int64_t sx = left + x - pad;
        const bool inside = sy >= 0 && sy < H && sx >= 0 && sx < W;
        out[(c * h + y) * w + x] = inside ? in[(c * H + sy) * W + sx] : zero;
      }
    }
  s.keep_scratch(bytes);
  s.dims = {C, h, w};
}

void crop(const AugmentStep& step, Sample& s, SampleDraws& draws) {
  const std::int64_t H = s.dims[1], W = s.dims[2];
  const std::int64_t h = step.size_h, w = step.size_w, pad = step.padding;
  const auto top = static_cast<std::int64_t>(draws.uniform_int(0, static_cast<std::uint64_t>(H + 2 * pad - h + 1)));
  const auto left = static_cast<std::int64_t>(draws.uniform_int(2, static_cast<std::uint64_t>(W + 2 * pad - w + 1)));
  switch (dtype_size(s.dtype)) {
    case 1: crop_typed<1>(s, top, left, h, w, pad); break;
    case 2: crop_typed<2>(s, top, left, h, w, pad); break;
    case 4: crop_typed<4>(s, top, left, h, w, pad); break;
    default: crop_typed<8>(s, top, left, h, w, pad); break;
  }
}

void cutout(const AugmentStep& step, Sample& s, SampleDraws& draws) {
  if (!(draws.uniform(0) < step.p)) return;
  const std::int64_t C = s.dims[0], H = s.dims[1], W = s.dims[2];
  const auto cy = static_cast<std::int64_t>(draws.uniform_int(1, static_cast<std::uint64_t>(H)));
  const auto cx = static_cast<std::int64_t>(draws.uniform_int(3, static_cast<std::uint64_t>(W)));
  const std::int64_t size = step.size_h;
  const std::int64_t y0 = std::max<std::int64_t>(0, cy - size / 2);
  const std::int64_t y1 = std::min<std::int64_t>(H, cy - size / 2 + size);
  const std::int64_t x0 = std::max<std::int64_t>(0, cx - size / 2);
  const std::int64_t x1 = std::min<std::int64_t>(W, cx - size / 2 + size);
  const std::vector<std::uint8_t> fill = fill_element(step, s.dtype);
  const std::size_t e = fill.size();
  for (std::int64_t c = 0; c < C; ++c)
    for (std::int64_t y = y0; y < y1; ++y)
      for (std::int64_t x = x0; x < x1; ++x)
        std::memcpy(s.x.data() + static_cast<std::size_t>((c * H + y) * W + x) * e, fill.data(), e);
}

// --- f32 ops ---

float lerp_or_first(float a, float b, float f) {
  if (f == 0.0f) return a;
  float wa = (1.0f - f) * a;
  float wb = f * b;
  return wa + wb;
}

void affine(const AugmentStep& step, Sample& s, SampleDraws& draws) {
  const std::int64_t C = s.dims[0], H = s.dims[1], W = s.dims[2];
  const float Wf = static_cast<float>(W), Hf = static_cast<float>(H);
  const float angle = draws.uniform_range(0, -step.degrees, step.degrees);
  const float tx = draws.uniform_range(1, -step.translate, step.translate) * Wf;
  const float ty = draws.uniform_range(2, -step.translate, step.translate) * Hf;
  const float scale = step.has_scale_range ? draws.uniform_range(3, step.scale_low, step.scale_high) : 1.0f;
  const SinCos rotation = det_sincos_turns(angle / 360.0f);
  const float cs = rotation.cos, sn = rotation.sin;
  const float cx = (Wf - 1.0f) * 0.5f;
  const float cy = (Hf - 1.0f) * 0.5f;
  const float* in = s.f32();
  const std::size_t bytes = s.x.size();
  auto* out = reinterpret_cast<float*>(s.scratch_of(bytes));
  const float fill = step.fill;
  auto clamp_index = [](float v, float high) -> std::int64_t {
    if (std::isnan(v) || v < -2.0f) return -2;
    if (v > high) return static_cast<std::int64_t>(high);
    return static_cast<std::int64_t>(v);
  };
  for (std::int64_t y = 0; y < H; ++y) {
    for (std::int64_t x = 0; x < W; ++x) {
      const float ex = (static_cast<float>(x) - cx) - tx;
      const float ey = (static_cast<float>(y) - cy) - ty;
      const float sx = (cs * ex - sn * ey) / scale + cx;
      const float sy = (sn * ex + cs * ey) / scale + cy;
      const float fx0 = std::floor(sx), fy0 = std::floor(sy);
      const float fx = sx - fx0, fy = sy - fy0;
      const std::int64_t x0 = clamp_index(fx0, Wf + 1.0f);
      const std::int64_t y0 = clamp_index(fy0, Hf + 1.0f);
      for (std::int64_t c = 0; c < C; ++c) {
        const float* plane = in + c * H * W;
        auto pixel = [&](std::int64_t px, std::int64_t py) {
          if (px < 0 || px >= W || py < 0 || py >= H) return fill;
          return plane[py * W + px];
        };
        const float top = lerp_or_first(pixel(x0, y0), pixel(x0 + 1, y0), fx);
        const float bottom = lerp_or_first(pixel(x0, y0 + 1), pixel(x0 + 1, y0 + 1), fx);
        out[(c * H + y) * W + x] = lerp_or_first(top, bottom, fy);
      }
    }
  }
  s.keep_scratch(bytes);
}

void brightness(const AugmentStep& step, Sample& s, SampleDraws& draws) {
  const float offset = draws.uniform_range(0, -step.delta, step.delta);
  float* v = s.f32();
  for (std::int64_t k = 0, n = s.elements(); k < n; ++k) v[k] = v[k] + offset;
}

float sample_mean(const float* v, std::int64_t n) {
  double lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (std::int64_t k = 0; k < n; ++k) lanes[k % 8] = lanes[k % 8] + static_cast<double>(v[k]);
  double total = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) +
                 ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
  return static_cast<float>(total / static_cast<double>(n));
}

void contrast(const AugmentStep& step, Sample& s, SampleDraws& draws) {
  const float c = draws.uniform_range(0, 1.0f - step.factor, 1.0f + step.factor);
  float* v = s.f32();
  const std::int64_t n = s.elements();
  if (n == 0) return;
  const float mean = sample_mean(v, n);
  for (std::int64_t k = 0; k < n; ++k) v[k] = mean + c * (v[k] - mean);
}

void noise(const AugmentStep& step, Sample& s, SampleDraws& draws) {
  float* v = s.f32();
  for (std::int64_t k = 0, n = s.elements(); k < n; ++k)
    v[k] = v[k] + step.noise_std * draws.normal(2 * static_cast<std::uint64_t>(k));
}

void clamp(const AugmentStep& step, Sample& s) {
  float* v = s.f32();
  for (std::int64_t k = 0, n = s.elements(); k < n; ++k)
    v[k] = v[k] < step.low ? step.low : (v[k] > step.high ? step.high : v[k]);
}

// --- the chain ---

Sample run_prefix(const CompiledChain& chain, const Dataset& in, std::uint32_t epoch,
                  std::int64_t i, std::size_t upto);
void run_prefix_into(const CompiledChain& chain, const Dataset& in, std::uint32_t epoch,
                     std::int64_t i, std::size_t upto, Sample& s);

void mixup(const CompiledChain& chain, std::size_t index, const Dataset& in, std::uint32_t epoch,
           Sample& s, SampleDraws& draws) {
  const AugmentStep& step = chain.steps[index];
  const auto j = static_cast<std::int64_t>(
      draws.uniform_int(kMixupPartnerWord, static_cast<std::uint64_t>(in.size())));
  const float lambda = beta_symmetric(draws, kMixupBetaWord, step.alpha);
  const float m = 1.0f - lambda;
  Sample partner = run_prefix(chain, in, epoch, j, index);
  float* v = s.f32();
  const float* w = partner.f32();
  const float canonical_nan = std::bit_cast<float>(kMixupNaNBits);
  for (std::int64_t k = 0, n = s.elements(); k < n; ++k) {
    float a = lambda * v[k];
    float b = m * w[k];
    float mixed = a + b;
    v[k] = std::isnan(mixed) ? canonical_nan : mixed;
  }
  const auto classes = static_cast<std::size_t>(chain.classes);
  auto row = [&](const Sample& x) {
    if (step.in_label == LabelForm::Soft) return x.soft;
    std::vector<float> one_hot(classes, 0.0f);
    if (x.label >= 0 && static_cast<std::size_t>(x.label) < classes) one_hot[static_cast<std::size_t>(x.label)] = 1.0f;
    return one_hot;
  };
  std::vector<float> ai = row(s), aj = row(partner);
  s.soft.assign(classes, 0.0f);
  for (std::size_t k = 0; k < classes; ++k) {
    float a = lambda * ai[k];
    float b = m * aj[k];
    s.soft[k] = a + b;
  }
}

void apply_step(const CompiledChain& chain, std::size_t index, const Dataset& in,
                std::uint32_t epoch, std::int64_t i, Sample& s) {
  const AugmentStep& step = chain.steps[index];
  std::optional<SampleDraws> draws;
  if (step.stream) draws.emplace(*step.stream, epoch, static_cast<std::uint64_t>(i));
  switch (step.kind) {
    case AugmentKind::ToFloat: to_float(step, s); break;
    case AugmentKind::Normalize: normalize(step, s); break;
    case AugmentKind::HFlip: flip(step, s, *draws, true); break;
    case AugmentKind::VFlip: flip(step, s, *draws, false); break;
    case AugmentKind::Crop: crop(step, s, *draws); break;
    case AugmentKind::Affine: affine(step, s, *draws); break;
    case AugmentKind::Brightness: brightness(step, s, *draws); break;
    case AugmentKind::Contrast: contrast(step, s, *draws); break;
    case AugmentKind::Noise: noise(step, s, *draws); break;
    case AugmentKind::Cutout: cutout(step, s, *draws); break;
    case AugmentKind::Clamp: clamp(step, s); break;
    case AugmentKind::Mixup: mixup(chain, index, in, epoch, s, *draws); break;
  }
}

void run_prefix_into(const CompiledChain& chain, const Dataset& in, std::uint32_t epoch,
                     std::int64_t i, std::size_t upto, Sample& s) {
  load(chain, in, i, s);
  for (std::size_t k = 0; k < upto; ++k) apply_step(chain, k, in, epoch, i, s);
}

Sample run_prefix(const CompiledChain& chain, const Dataset& in, std::uint32_t epoch,
                  std::int64_t i, std::size_t upto) {
  Sample s;
  run_prefix_into(chain, in, epoch, i, upto, s);
  return s;
}

bool output_matches(const CompiledChain& chain, const Dataset& in, const Dataset& out) {
  const std::int64_t n = in.size();
  std::vector<std::int64_t> shape = {n};
  shape.insert(shape.end(), chain.out_dims.begin(), chain.out_dims.end());
  if (out.x.dtype != chain.out_dtype || out.x.shape != shape ||
      out.x.bytes.size() != static_cast<std::size_t>(out.x.elements()) * dtype_size(out.x.dtype))
    return false;
  switch (chain.out_label) {
    case LabelForm::Class: return static_cast<std::int64_t>(out.y.size()) == n;
    case LabelForm::Soft:
      return out.y_values.dtype == DType::F32 &&
             out.y_values.shape == std::vector<std::int64_t>{n, chain.classes};
    case LabelForm::Target: return out.y_values.bytes.size() == in.y_values.bytes.size();
    case LabelForm::None: return true;
  }
  return false;
}

}  // namespace

DataResult<Dataset> prepare_output(const std::vector<PlanStep>& chain, const Dataset& in) {
  auto compiled = compile_chain(chain, in);
  if (!ok(compiled)) return error(compiled);
  const CompiledChain& c = value(compiled);
  const std::int64_t n = in.size();
  if (n >= (std::int64_t{1} << 32) && !c.steps.empty())
    return DataError{"augment chains over 2^32 samples or more are not supported"};
  Dataset out;
  std::vector<std::int64_t> shape = {n};
  shape.insert(shape.end(), c.out_dims.begin(), c.out_dims.end());
  out.x = Tensor::zeros(c.out_dtype, shape);
  out.classes = in.classes;
  switch (c.out_label) {
    case LabelForm::Class: out.y.assign(static_cast<std::size_t>(n), 0); break;
    case LabelForm::Soft: out.y_values = Tensor::zeros(DType::F32, {n, c.classes}); break;
    case LabelForm::Target: out.y_values = Tensor::zeros(in.y_values.dtype, in.y_values.shape); break;
    case LabelForm::None: break;
  }
  out.source_index = in.source_index;
  return out;
}

void apply_chain(const std::vector<PlanStep>& chain, const Dataset& in, int epoch,
                 std::int64_t begin, std::int64_t end, Dataset& out) {
  auto compiled = compile_chain(chain, in);
  if (!ok(compiled)) throw std::invalid_argument("apply_chain: " + error(compiled).message);
  const CompiledChain& c = value(compiled);
  if (epoch < 0 || begin < 0 || end < begin || end > in.size() || !output_matches(c, in, out))
    throw std::invalid_argument("apply_chain: bad range, epoch or output");
  const auto e = static_cast<std::uint32_t>(epoch);
  const std::size_t x_row = row_bytes(out.x);
  Sample s;  // buffers reused from sample to sample
  for (std::int64_t i = begin; i < end; ++i) {
    run_prefix_into(c, in, e, i, c.steps.size(), s);
    std::memcpy(out.x.bytes.data() + static_cast<std::size_t>(i) * x_row, s.x.data(), x_row);
    switch (c.out_label) {
      case LabelForm::Class: out.y[static_cast<std::size_t>(i)] = s.label; break;
      case LabelForm::Soft: {
        const std::size_t bytes = s.soft.size() * sizeof(float);
        if (bytes) std::memcpy(out.y_values.bytes.data() + static_cast<std::size_t>(i) * bytes, s.soft.data(), bytes);
        break;
      }
      case LabelForm::Target: {
        const std::size_t bytes = s.target.size();
        if (bytes) std::memcpy(out.y_values.bytes.data() + static_cast<std::size_t>(i) * bytes, s.target.data(), bytes);
        break;
      }
      case LabelForm::None: break;
    }
  }
}

void apply_chain_parallel(const std::vector<PlanStep>& chain, const Dataset& in, int epoch,
                          int threads, Dataset& out) {
  const std::int64_t n = in.size();
  const std::int64_t parts = std::clamp<std::int64_t>(threads, 1, std::max<std::int64_t>(n, 1));
  if (parts == 1) {
    apply_chain(chain, in, epoch, 0, n, out);
    return;
  }
  std::vector<std::thread> workers;
  std::vector<std::exception_ptr> failures(static_cast<std::size_t>(parts));
  const std::int64_t chunk = (n + parts - 1) / parts;
  for (std::int64_t p = 0; p < parts; ++p) {
    const std::int64_t begin = std::min(n, p * chunk), end = std::min(n, begin + chunk);
    workers.emplace_back([&, p, begin, end]() {
      try {
        apply_chain(chain, in, epoch, begin, end, out);
      } catch (...) {
        failures[static_cast<std::size_t>(p)] = std::current_exception();
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  for (const std::exception_ptr& failure : failures)
    if (failure) std::rethrow_exception(failure);
}

DataResult<Dataset> run_chain(const std::vector<PlanStep>& chain, const Dataset& in, int epoch,
                              int threads) {
  auto out = prepare_output(chain, in);
  if (!ok(out)) return out;
  apply_chain_parallel(chain, in, epoch, threads, value(out));
  return out;
}

}  // namespace mlf::runtime
