// Halide 14 (JIT) peer: each chain written as one Halide pipeline, every stage inlined into
// the output, vectorised over pixels and parallel over samples — the schedule a fusing
// compiler would pick. The per-sample random parameters are drawn on the host (common.h)
// into small buffers each call (timed with the call); Gaussian noise uses Halide's
// random_float (a hash of the coordinates and a seed) with Box–Muller.
//
// Cold = compile_jit (reported as compile_ms) + the first realize.
// Threads: HL_NUM_THREADS (set to --threads before the runtime starts).
//
// Usage: halide_harness --chain P --shape fashion --input FILE [--n N] [--reps K] [--threads 2]
#include <Halide.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench/augment/common.h"

using namespace augment_bench;
using Halide::Expr;
using Halide::Func;
using Halide::Var;

int main(int argc, char** argv) try {
  Options o = parse_options(argc, argv);
  setenv("HL_NUM_THREADS", std::to_string(o.threads).c_str(), 1);
  ChainSpec spec = chain_spec(o.chain, o.shape);
  std::int64_t n = 0;
  std::vector<std::uint8_t> bytes = read_images(o, spec, n);
  const int W = spec.width, H = spec.height, C = spec.channels;
  const int N = static_cast<int>(n);

  Halide::Buffer<std::uint8_t> input(bytes.data(), W, H, C, N);
  Halide::Buffer<std::uint8_t> flip(N);
  Halide::Buffer<int> crop(2, N), cut(2, N);
  Halide::Buffer<float> affine(6, N);
  Halide::Buffer<float> output(W, H, C, N);
  Halide::Param<int> seed;

  Var x("x"), y("y"), c("c"), s("s");
  auto per_channel = [&](const std::vector<float>& v) -> Expr {
    Expr e = v.back();
    for (int k = static_cast<int>(v.size()) - 2; k >= 0; --k) e = Halide::select(c == k, v[k], e);
    return e;
  };

  // P: to_float, random_hflip, normalize, clamp.
  Func p("p");
  Expr xs = Halide::select(flip(s) != 0, W - 1 - x, x);
  Expr v = Halide::cast<float>(input(xs, y, c, s)) * (1.0f / 255.0f);
  v = (v - per_channel(spec.mean)) / per_channel(spec.std);
  p(x, y, c, s) = Halide::clamp(v, spec.clamp_low, spec.clamp_high);

  Func out("out");
  if (!spec.geometric) {
    out(x, y, c, s) = p(x, y, c, s);
  } else {
    // random_crop with zero padding: the window's pixel (x, y) is p at (x + left − pad, ...).
    Func cropped("cropped");
    Expr cx = x + crop(1, s) - spec.crop_padding, cy = y + crop(0, s) - spec.crop_padding;
    Expr inside = cx >= 0 && cx < W && cy >= 0 && cy < H;
    cropped(x, y, c, s) =
        Halide::select(inside, p(Halide::clamp(cx, 0, W - 1), Halide::clamp(cy, 0, H - 1), c, s), 0.0f);
    // random_affine, bilinear, fill 0 outside.
    Func padded("padded");
    Expr in_img = x >= 0 && x < W && y >= 0 && y < H;
    padded(x, y, c, s) =
        Halide::select(in_img, cropped(Halide::clamp(x, 0, W - 1), Halide::clamp(y, 0, H - 1), c, s), 0.0f);
    Expr fx_ = Halide::cast<float>(x), fy_ = Halide::cast<float>(y);
    Expr sx = affine(0, s) * fx_ + affine(1, s) * fy_ + affine(2, s);
    Expr sy = affine(3, s) * fx_ + affine(4, s) * fy_ + affine(5, s);
    Expr x0f = Halide::floor(sx), y0f = Halide::floor(sy);
    Expr x0 = Halide::clamp(Halide::cast<int>(x0f), -2, W + 1);
    Expr y0 = Halide::clamp(Halide::cast<int>(y0f), -2, H + 1);
    Expr fx = sx - x0f, fy = sy - y0f;
    Expr top = (1.0f - fx) * padded(x0, y0, c, s) + fx * padded(x0 + 1, y0, c, s);
    Expr bot = (1.0f - fx) * padded(x0, y0 + 1, c, s) + fx * padded(x0 + 1, y0 + 1, c, s);
    Expr a = (1.0f - fy) * top + fy * bot;
    // cutout: rows and columns [centre − size/2, + size), fill 0.
    const int half = spec.cutout_size / 2;
    Expr cut_here = y >= cut(0, s) - half && y < cut(0, s) - half + spec.cutout_size &&
                    x >= cut(1, s) - half && x < cut(1, s) - half + spec.cutout_size;
    Expr g = Halide::select(cut_here, 0.0f, a);
    if (spec.noise) {
      Expr u1 = 1.0f - Halide::random_float(seed), u2 = Halide::random_float(seed + 1);
      g = g + spec.noise_std * (Halide::sqrt(-2.0f * Halide::log(u1)) *
                                Halide::cos(6.2831853f * u2));
    }
    out(x, y, c, s) = g;
  }

  // Schedule: everything inlined into `out`; vectorised over pixels, parallel over samples.
  Halide::Target target = Halide::get_host_target();
  const int lanes = target.natural_vector_size<float>();
  out.bound(x, 0, W).bound(y, 0, H).bound(c, 0, C);
  Var xy("xy"), so("so"), si("si");
  // (The fastest of the schedules tried on this machine, per case.)
  if (W <= 2 * lanes && !spec.geometric) {
    // Narrow images, P: one vector per row (28 lanes for Fashion-MNIST), so that a flipped
    // row is a reversed dense load rather than a gather.
    out.vectorize(x, W);
    out.split(s, so, si, 64, Halide::TailStrategy::GuardWithIf).parallel(so);
  } else if (W * H <= 4096) {
    // Small images, G and R: the remapped loads are gathers anyway; one vector loop over
    // the whole image plane avoids the partial vectors of 28-wide rows.
    out.fuse(x, y, xy).vectorize(xy, lanes, Halide::TailStrategy::GuardWithIf);
    out.split(s, so, si, 64, Halide::TailStrategy::GuardWithIf).parallel(so);
  } else {
    out.vectorize(x, lanes, Halide::TailStrategy::GuardWithIf);
    out.parallel(s);
  }

  Result r;
  r.impl = "Halide 14 JIT";
  r.chain = o.chain, r.shape = o.shape, r.n = n, r.threads = o.threads;
  auto set_params = [&](int epoch) {
    for (int i = 0; i < N; ++i) {
      SampleParams sp = draw(spec, epoch, i);
      flip(i) = sp.flip;
      if (!spec.geometric) continue;
      crop(0, i) = sp.top, crop(1, i) = sp.left;
      float m[6];
      inverse_affine(spec, sp, m);
      for (int k = 0; k < 6; ++k) affine(k, i) = m[k];
      cut(0, i) = sp.cut_y, cut(1, i) = sp.cut_x;
    }
    seed.set(epoch);
  };
  measure(r, o.reps, [&](int epoch) {
    if (epoch == 0) {
      double t0 = now_ms(), c0 = cpu_ms();
      out.compile_jit(target);
      r.compile_ms = now_ms() - t0;
      r.compile_cpu_ms = cpu_ms() - c0;
    }
    set_params(epoch);
    out.realize(output);
  });
  r.out_mean = sample_mean(output.data(), n, spec);
  r.note = "target " + target.to_string();
  print(r);
  return 0;
} catch (const Halide::Error& e) {
  std::fprintf(stderr, "halide_harness: %s\n", e.what());
  return 1;
} catch (const std::exception& e) {
  std::fprintf(stderr, "halide_harness: %s\n", e.what());
  return 1;
}
