// OpenCV 4.6 peer: each sample through one OpenCV call per op (convertTo, flip, convertTo
// for normalize, max/min, copyMakeBorder + ROI, warpAffine, setTo, RNG::fill + add), one
// channel plane at a time, samples spread over `threads` with cv::parallel_for_ (OpenCV
// calls inside it run single-threaded). The last op of a chain writes straight into the
// output buffer. Per-sample parameters are drawn on the host (common.h).
//
// Differences from mlf's ops (bench/README.md): normalize is x·(1/std) − mean/std (one
// convertTo) rather than a division; warpAffine's bilinear weights are fixed-point (1/32 of
// a pixel); noise comes from cv::RNG.
//
// Usage: opencv_harness --chain P --shape fashion --input FILE [--n N] [--reps K] [--threads 2]
#include <opencv2/core.hpp>
#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "bench/augment/common.h"

using namespace augment_bench;

int main(int argc, char** argv) try {
  Options o = parse_options(argc, argv);
  ChainSpec spec = chain_spec(o.chain, o.shape);
  std::int64_t n = 0;
  std::vector<std::uint8_t> bytes = read_images(o, spec, n);
  const int W = spec.width, H = spec.height, C = spec.channels, pad = spec.crop_padding;
  const std::int64_t plane = static_cast<std::int64_t>(W) * H;
  std::vector<float> output(static_cast<std::size_t>(n * C * plane));
  cv::setNumThreads(o.threads);

  auto run = [&](int epoch) {
    cv::parallel_for_(cv::Range(0, static_cast<int>(n)), [&](const cv::Range& range) {
      cv::Mat f, flipped, norm, padded, noise;
      for (int i = range.start; i < range.end; ++i) {
        SampleParams sp = draw(spec, epoch, i);
        float m[6];
        if (spec.geometric) inverse_affine(spec, sp, m);
        for (int ch = 0; ch < C; ++ch) {
          const std::int64_t offset = (static_cast<std::int64_t>(i) * C + ch) * plane;
          cv::Mat src(H, W, CV_8U, bytes.data() + offset);
          cv::Mat dst(H, W, CV_32F, output.data() + offset);
          src.convertTo(f, CV_32F, 1.0 / 255);
          const cv::Mat* x = &f;
          if (sp.flip) {
            cv::flip(f, flipped, 1);
            x = &flipped;
          }
          const double inv_std = 1.0 / spec.std[static_cast<std::size_t>(ch)];
          x->convertTo(norm, CV_32F, inv_std, -spec.mean[static_cast<std::size_t>(ch)] * inv_std);
          cv::max(norm, spec.clamp_low, norm);
          if (!spec.geometric) {
            cv::min(norm, spec.clamp_high, dst);
            continue;
          }
          cv::min(norm, spec.clamp_high, norm);
          cv::copyMakeBorder(norm, padded, pad, pad, pad, pad, cv::BORDER_CONSTANT, 0);
          cv::Mat window = padded(cv::Rect(sp.left, sp.top, W, H));
          cv::Mat matrix(2, 3, CV_32F, m);
          cv::warpAffine(window, dst, matrix, dst.size(), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP,
                         cv::BORDER_CONSTANT, 0);
          const int half = spec.cutout_size / 2;
          cv::Rect square = cv::Rect(sp.cut_x - half, sp.cut_y - half, spec.cutout_size, spec.cutout_size) &
                            cv::Rect(0, 0, W, H);
          if (square.area() > 0) dst(square).setTo(0);
          if (spec.noise) {
            noise.create(H, W, CV_32F);
            cv::RNG rng(mix(static_cast<std::uint64_t>(epoch) << 40 ^ static_cast<std::uint64_t>(offset)));
            rng.fill(noise, cv::RNG::NORMAL, 0.0, spec.noise_std);
            cv::add(dst, noise, dst);
          }
        }
      }
    }, static_cast<double>(o.threads) * 8);
  };

  Result r;
  r.impl = "OpenCV 4.6";
  r.chain = o.chain, r.shape = o.shape, r.n = n, r.threads = o.threads;
  measure(r, o.reps, run);
  r.out_mean = sample_mean(output.data(), n, spec);
  r.note = "cv::getNumThreads() " + std::to_string(cv::getNumThreads());
  print(r);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "opencv_harness: %s\n", e.what());
  return 1;
}
