// The reference interpreter of augment chains: THE specification of every augment op. The
// fused LLVM kernel of a chain must produce the same bytes as this file, sample for sample.
//
// Takes: the chain of an augment node (PlanNode::chain), the dataset it applies to (`in`,
// N samples, images [C, H, W]), the epoch, and a sample range.
// Promises:
//   * Randomness. A random step draws only from RandomStream(step.stream) with epoch `epoch`
//     and sample = i, the sample's index in `in` (0..N-1), at the fixed word numbers listed
//     below (random_stream.h defines words, uniform, uniform_open, uniform_int, normal and
//     uniform_range(k, lo, hi) = lo + (hi − lo)·uniform(k)). Why i and not source_index:
//     the stream already covers the identity of `in` (the hash of the dataset the chain is
//     applied to), so i names the sample uniquely and stably; source_index can repeat
//     (concat of a dataset with itself), which would give two copies the same draws. So a
//     sample's output depends on (chain, in, epoch, i) only — never on threads, on how
//     [0, N) is split into ranges, or on the order ranges run in.
//   * Arithmetic. IEEE-754 f32, round to nearest even, no contraction (strict_float.h), each
//     formula evaluated exactly as written below, left to right, one rounding per operation.
//     Arguments are rounded to f32 once (augment_steps.h). Element order is row-major.
//   * The ops (x is one sample; [C, H, W] images index as x[c][y][x]):
//     to_float(scale)     v = f32(x) · scale, where f32(x) is the exact value for u8/i8/i16,
//                         the nearest f32 for i32/i64/f64 (static_cast<float>).
//     normalize(mean, std) channel c = the first dimension (one channel if the sample is a
//                         scalar); v = (x − mean[c]) / std[c] (a true division; one value
//                         applies to all channels).
//     random_hflip(p)     word 0: flip iff uniform(0) < p; out[c][y][x] = in[c][y][W−1−x].
//     random_vflip(p)     word 0: flip iff uniform(0) < p; out[c][y][x] = in[c][H−1−y][x].
//                         Flips, crop and cutout work on any element type, moving elements.
//     random_crop(size, padding)  the image padded with `padding` zero elements on every
//                         side (Hp = H + 2·padding, Wp likewise); top = uniform_int(0, Hp −
//                         h + 1) (words 0, 1), left = uniform_int(2, Wp − w + 1) (words 2,
//                         3); out[c][y][x] = in[c][top + y − padding][left + x − padding],
//                         zero where that is outside the image.
//     random_affine(degrees, translate, scale, fill)
//                         angle = uniform_range(0, −degrees, degrees)   (degrees)
//                         tx = uniform_range(1, −translate, translate) · f32(W)
//                         ty = uniform_range(2, −translate, translate) · f32(H)
//                         s  = uniform_range(3, low, high) with `scale`, else 1
//                         (cs, sn) = det_sincos_turns(angle / 360).(cos, sin)
//                         cx = (f32(W) − 1) · 0.5;  cy = (f32(H) − 1) · 0.5
//                         The forward map turns the image by `angle` counter-clockwise as
//                         seen on screen (y grows downwards) about its centre, zooms by s and
//                         shifts by (tx, ty) pixels; each output pixel (x, y) is sampled at
//                         the inverse image of its position:
//                           ex = (f32(x) − cx) − tx;   ey = (f32(y) − cy) − ty
//                           sx = (cs·ex − sn·ey) / s + cx
//                           sy = (sn·ex + cs·ey) / s + cy
//                         bilinear: x0 = floor(sx), y0 = floor(sy), fx = sx − x0,
//                         fy = sy − y0; a neighbour (x0 or x0+1, y0 or y0+1) outside the
//                         image reads `fill`;
//                           top = fx == 0 ? p00 : (1 − fx)·p00 + fx·p01
//                           bot = fx == 0 ? p10 : (1 − fx)·p10 + fx·p11
//                           v   = fy == 0 ? top : (1 − fy)·top + fy·bot
//                         (so degrees 0, translate 0, no scale is the identity, bit for bit).
//                         Indices are computed after clamping x0 to [−2, W + 1] and y0 to
//                         [−2, H + 1] (or −2 for NaN), which changes no result.
//     brightness(delta)   o = uniform_range(0, −delta, delta); v = x + o.
//     contrast(factor)    c = uniform_range(0, 1 − factor, 1 + factor) (bounds in f32);
//                         mean: the sample's elements summed in f64 over 8 lanes, lane
//                         L = k mod 8 summing elements k in increasing k, then
//                         total = ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)),
//                         mean = f32(total / f64(count));  v = mean + c·(x − mean).
//     gaussian_noise(std) element k (row-major): v = x + std·normal(2k) (words 2k, 2k+1).
//     cutout(size, p, fill)  word 0: apply iff uniform(0) < p; cy = uniform_int(1, H) (words
//                         1, 2), cx = uniform_int(3, W) (words 3, 4); the rows
//                         [cy − floor(size/2), + size) and columns likewise, clipped to the
//                         image, are set to `fill` in every channel (fill converted to the
//                         element type: exact for integer types, f32 or f64 for floats).
//     clamp(min, max)     v = x < min ? min : (x > max ? max : x)  (NaN stays NaN).
//     mixup(alpha)        partner j = uniform_int(0, N) (words 0, 1; j may equal i);
//                         lambda = beta_symmetric(words from 2, alpha) (beta_sampler.h);
//                         the partner is sample j of `in` put through the steps BEFORE this
//                         one with its own draws (sample j, same epoch) — recursively if an
//                         earlier step is a mixup too; with m = 1 − lambda:
//                           v = lambda·x_i + m·x_j                  (each element)
//                         a NaN v is written as the quiet NaN 0x7FC00000: when both
//                         products are NaN (0·inf gives one), which of the two an addition
//                         returns is the compiler's choice, so it is not left to it;
//                           label[k] = lambda·a_i[k] + m·a_j[k]     (k < classes)
//                         where a is the one-hot row (1 at the class id, 0 elsewhere) of a
//                         class label, or the soft row of a soft label. Class labels become
//                         soft: the output has y empty and y_values f32 [N, classes].
//   * Labels. Class ids are copied to out.y, soft rows to out.y_values, target rows are
//     copied unchanged; source_index is copied from `in` by prepare_output.
// prepare_output() validates the chain against `in` (augment_steps.h) and allocates the
// output: x zeros [N, ...out sample], labels as above. apply_chain() fills samples
// [begin, end) of that output; disjoint ranges may run concurrently on one output.
// apply_chain_parallel() splits [0, N) into `threads` contiguous ranges on std::threads.
// Preconditions: prepare_output succeeded for this (chain, in) and `out` is what it gave;
// 0 <= begin <= end <= N; epoch >= 0. apply_chain throws std::invalid_argument otherwise.
// Does not: compile anything (the fused kernel is elsewhere) or cache results.
#pragma once

#include <cstdint>
#include <vector>

#include "compiler/plan/plan.h"
#include "runtime/data/data_result.h"
#include "runtime/data/tensor.h"

namespace mlf::runtime {

// The one NaN mixup writes (see mixup above); the fused kernels write the same.
inline constexpr std::uint32_t kMixupNaNBits = 0x7FC00000u;

DataResult<Dataset> prepare_output(const std::vector<PlanStep>& chain, const Dataset& in);

void apply_chain(const std::vector<PlanStep>& chain, const Dataset& in, int epoch,
                 std::int64_t begin, std::int64_t end, Dataset& out);

void apply_chain_parallel(const std::vector<PlanStep>& chain, const Dataset& in, int epoch,
                          int threads, Dataset& out);

// prepare_output + apply_chain_parallel.
DataResult<Dataset> run_chain(const std::vector<PlanStep>& chain, const Dataset& in, int epoch,
                              int threads);

}  // namespace mlf::runtime
