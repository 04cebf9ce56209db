// LibTorch (Debian libtorch 1.13) eager, batched peer: the chain as whole-batch tensor ops,
// each one pass (or two) over the batch in memory, per-sample random parameters drawn as
// tensors of N values with torch's generator:
//   to_float   x.to(f32).div(255)
//   hflip      where(flip[N], x.flip(-1), x)
//   normalize  sub_(mean[C]).div_(std[C])            clamp  clamp_(min, max)
//   crop       constant_pad_nd, then gather of each sample's window
//   affine     affine_grid(theta[N, 2, 3]) + grid_sample(bilinear, zeros, align_corners)
//              — theta is mlf's inverse map in normalised coordinates (same geometry)
//   cutout     masked_fill_ of a [N, 1, H, W] mask     noise  add_(randn_like(x), std)
// Threads: at::set_num_threads(--threads), one inter-op thread.
//
// Usage: libtorch_harness --chain P --shape fashion --input FILE [--n N] [--reps K] [--threads 2]
#include <torch/torch.h>

#include <cstdio>
#include <string>
#include <vector>

#include "bench/augment/common.h"

using namespace augment_bench;

namespace {

torch::Tensor range_draw(std::int64_t n, float lo, float hi) {
  return torch::rand({n}) * (hi - lo) + lo;
}

torch::Tensor chain(const ChainSpec& spec, const torch::Tensor& u8) {
  using torch::indexing::Slice;
  const std::int64_t n = u8.size(0), C = spec.channels, H = spec.height, W = spec.width;
  torch::Tensor x = u8.to(torch::kFloat32).div(255);
  torch::Tensor flip = (torch::rand({n}) < spec.flip_p).view({n, 1, 1, 1});
  x = torch::where(flip, x.flip(-1), x);
  x.sub_(torch::tensor(spec.mean).view({1, C, 1, 1})).div_(torch::tensor(spec.std).view({1, C, 1, 1}));
  x.clamp_(spec.clamp_low, spec.clamp_high);
  if (!spec.geometric) return x;

  // random_crop: the padded batch, then each sample's window by index.
  const std::int64_t pad = spec.crop_padding, Hp = H + 2 * pad, Wp = W + 2 * pad;
  torch::Tensor padded = torch::constant_pad_nd(x, {pad, pad, pad, pad}, 0);
  torch::Tensor top = torch::randint(0, 2 * pad + 1, {n}, torch::kLong);
  torch::Tensor left = torch::randint(0, 2 * pad + 1, {n}, torch::kLong);
  torch::Tensor rows = (top.view({n, 1, 1}) + torch::arange(H).view({1, H, 1})) * Wp;
  torch::Tensor cols = left.view({n, 1, 1}) + torch::arange(W).view({1, 1, W});
  torch::Tensor index = (rows + cols).view({n, 1, H * W}).expand({n, C, H * W});
  x = padded.view({n, C, Hp * Wp}).gather(2, index).view({n, C, H, W});

  // random_affine: mlf's inverse pixel map (common.h inverse_affine), in the normalised
  // coordinates of affine_grid with align_corners (−1 and 1 are the outer pixel centres).
  const float cx = (static_cast<float>(W) - 1) * 0.5f, cy = (static_cast<float>(H) - 1) * 0.5f;
  torch::Tensor angle = range_draw(n, -spec.degrees, spec.degrees) * (3.14159265358979f / 180.0f);
  torch::Tensor tx = range_draw(n, -spec.translate, spec.translate) * static_cast<float>(W);
  torch::Tensor ty = range_draw(n, -spec.translate, spec.translate) * static_cast<float>(H);
  torch::Tensor s = range_draw(n, spec.scale_low, spec.scale_high);
  torch::Tensor m0 = angle.cos() / s, m1 = -angle.sin() / s, m3 = angle.sin() / s, m4 = angle.cos() / s;
  torch::Tensor m2 = cx - m0 * (cx + tx) - m1 * (cy + ty);
  torch::Tensor m5 = cy - m3 * (cx + tx) - m4 * (cy + ty);
  const float aw = static_cast<float>(W - 1), ah = static_cast<float>(H - 1);
  torch::Tensor theta = torch::stack(
      {m0, m1 * (ah / aw), m0 + m1 * (ah / aw) + m2 * (2 / aw) - 1,
       m3 * (aw / ah), m4, m3 * (aw / ah) + m4 + m5 * (2 / ah) - 1}, 1).view({n, 2, 3});
  torch::Tensor grid = torch::affine_grid_generator(theta, {n, C, H, W}, true);
  x = torch::grid_sampler(x, grid, /*bilinear*/ 0, /*zeros*/ 0, true);

  // cutout: a size×size square at a random centre, clipped at the borders.
  const std::int64_t half = spec.cutout_size / 2;
  torch::Tensor cut_y = torch::randint(0, H, {n}, torch::kLong).view({n, 1, 1, 1}) - half;
  torch::Tensor cut_x = torch::randint(0, W, {n}, torch::kLong).view({n, 1, 1, 1}) - half;
  torch::Tensor ys = torch::arange(H).view({1, 1, H, 1}), xs = torch::arange(W).view({1, 1, 1, W});
  torch::Tensor mask = (ys >= cut_y) & (ys < cut_y + spec.cutout_size) & (xs >= cut_x) &
                       (xs < cut_x + spec.cutout_size);
  x.masked_fill_(mask, 0.0f);
  if (spec.noise) x.add_(torch::randn_like(x), spec.noise_std);
  return x;
}

}  // namespace

int main(int argc, char** argv) try {
  Options o = parse_options(argc, argv);
  ChainSpec spec = chain_spec(o.chain, o.shape);
  std::int64_t n = 0;
  std::vector<std::uint8_t> bytes = read_images(o, spec, n);
  at::set_num_threads(o.threads);
  at::set_num_interop_threads(1);
  torch::NoGradGuard no_grad;
  torch::Tensor input = torch::from_blob(bytes.data(), {n, spec.channels, spec.height, spec.width},
                                         torch::kUInt8);
  torch::Tensor out;

  Result r;
  r.impl = "LibTorch eager (batched)";
  r.chain = o.chain, r.shape = o.shape, r.n = n, r.threads = o.threads;
  measure(r, o.reps, [&](int epoch) {
    torch::manual_seed(static_cast<std::uint64_t>(epoch));
    out = chain(spec, input).contiguous();
  });
  r.out_mean = sample_mean(out.data_ptr<float>(), n, spec);
  r.note = "torch " TORCH_VERSION ", intra-op threads " + std::to_string(at::get_num_threads());
  print(r);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "libtorch_harness: %s\n", e.what());
  return 1;
}
