// What every C++ harness of bench/augment.sh shares: the chains P, G and R with their
// arguments, the command line, the input bytes, timing and the one-line JSON result.
//
// A harness runs one (implementation, chain, shape): it reads N u8 images [C, H, W] from a
// raw file, times the first call (cold: includes whatever the implementation compiles or
// initialises on first use) and then `reps` further calls (warm), each producing all N f32
// outputs from the same u8 input with a new epoch (new random parameters), and prints
//   {"impl": ..., "chain": ..., "shape": ..., "n": ..., "cold_ms": ..., "warm_ms": [...],
//    "cpu_ms": [...], "compile_ms": ..., "out_mean": ...}
// on stdout. warm_ms and cpu_ms (user + system of the whole process) are per call;
// out_mean is the mean of the first kMeanSamples samples of the last output, a cheap sanity
// check that the peers compute comparable things (bench/README.md).
#pragma once

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace augment_bench {

// The arguments of the chains, per image shape. Chains (the mlflow `+` concatenates):
//   P = [to_float(1/255), random_hflip(0.5), normalize(mean, std), clamp(-2, 2)]
//   G = P + [random_crop(size: H×W, padding: 2), random_affine(10°, 0.1, [0.9, 1.1]),
//            cutout(size: H/4, p: 1)]
//   R = G + [gaussian_noise(0.05)]
struct ChainSpec {
  char name = 'P';
  int channels = 1, height = 28, width = 28;
  std::vector<float> mean, std;
  float clamp_low = -2.0f, clamp_high = 2.0f;
  float flip_p = 0.5f;
  bool geometric = false;  // G and R: crop, affine, cutout
  int crop_padding = 2;
  float degrees = 10.0f, translate = 0.1f, scale_low = 0.9f, scale_high = 1.1f;
  int cutout_size = 7;
  bool noise = false;      // R
  float noise_std = 0.05f;

  std::int64_t sample_elements() const {
    return static_cast<std::int64_t>(channels) * height * width;
  }
};

inline ChainSpec chain_spec(const std::string& chain, const std::string& shape) {
  ChainSpec spec;
  if (chain != "P" && chain != "G" && chain != "R") throw std::invalid_argument("chain " + chain);
  spec.name = chain[0];
  if (shape == "fashion") {
    spec.channels = 1, spec.height = 28, spec.width = 28;
    spec.mean = {0.286f};
    spec.std = {0.353f};
  } else if (shape == "rgb224") {
    spec.channels = 3, spec.height = 224, spec.width = 224;
    spec.mean = {0.485f, 0.456f, 0.406f};
    spec.std = {0.229f, 0.224f, 0.225f};
  } else {
    throw std::invalid_argument("shape " + shape);
  }
  spec.cutout_size = spec.height / 4;
  spec.geometric = spec.name != 'P';
  spec.noise = spec.name == 'R';
  return spec;
}

struct Options {
  std::string chain = "P", shape = "fashion", input;
  std::int64_t n = 0;  // 0: every image of the input
  int reps = 5;
  int threads = 2;
};

inline Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string key = argv[i], value = argv[i + 1];
    if (key == "--chain") o.chain = value;
    else if (key == "--shape") o.shape = value;
    else if (key == "--input") o.input = value;
    else if (key == "--n") o.n = std::stoll(value);
    else if (key == "--reps") o.reps = std::stoi(value);
    else if (key == "--threads") o.threads = std::stoi(value);
    else throw std::invalid_argument("unknown option " + key);
  }
  if (o.input.empty()) throw std::invalid_argument("--input FILE is required");
  return o;
}

// The first n images (all when n is 0) of a raw file of u8 [C, H, W] images.
inline std::vector<std::uint8_t> read_images(const Options& o, const ChainSpec& spec,
                                             std::int64_t& n) {
  std::ifstream file(o.input, std::ios::binary);
  if (!file) throw std::runtime_error("cannot read " + o.input);
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(file)), {});
  const std::int64_t available = static_cast<std::int64_t>(bytes.size()) / spec.sample_elements();
  n = o.n > 0 ? std::min(o.n, available) : available;
  bytes.resize(static_cast<std::size_t>(n * spec.sample_elements()));
  return bytes;
}

inline double now_ms() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

inline double cpu_ms() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto ms = [](const timeval& t) { return t.tv_sec * 1e3 + t.tv_usec / 1e3; };
  return ms(usage.ru_utime) + ms(usage.ru_stime);
}

// Per-sample random numbers for the peers that take their parameters from the host
// (OpenCV, Halide): splitmix64 of (epoch, sample, word). Cheap and reproducible; the peers
// are not asked to reproduce mlf's streams, only to draw the same distributions.
inline std::uint64_t mix(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
inline float uniform(int epoch, std::int64_t sample, int word) {
  std::uint64_t z = mix(mix(static_cast<std::uint64_t>(epoch) * 0x100000001b3ull +
                            static_cast<std::uint64_t>(sample)) +
                        static_cast<std::uint64_t>(word));
  return static_cast<float>(z >> 40) * (1.0f / 16777216.0f);
}
inline int uniform_int(int epoch, std::int64_t sample, int word, int bound) {
  const float u = uniform(epoch, sample, word) * static_cast<float>(bound);
  return std::min(bound - 1, static_cast<int>(u));
}

// The parameters of one sample, from the distributions of mlf's ops (augment_interpreter.h).
struct SampleParams {
  bool flip = false;
  int top = 0, left = 0;             // crop window in the padded image
  float angle = 0, tx = 0, ty = 0, scale = 1;
  int cut_y = 0, cut_x = 0;          // cutout centre
};

inline SampleParams draw(const ChainSpec& spec, int epoch, std::int64_t i) {
  SampleParams s;
  s.flip = uniform(epoch, i, 0) < spec.flip_p;
  if (!spec.geometric) return s;
  s.top = uniform_int(epoch, i, 1, 2 * spec.crop_padding + 1);
  s.left = uniform_int(epoch, i, 2, 2 * spec.crop_padding + 1);
  auto range = [&](int word, float lo, float hi) {
    return lo + (hi - lo) * uniform(epoch, i, word);
  };
  s.angle = range(3, -spec.degrees, spec.degrees);
  s.tx = range(4, -spec.translate, spec.translate) * static_cast<float>(spec.width);
  s.ty = range(5, -spec.translate, spec.translate) * static_cast<float>(spec.height);
  s.scale = range(6, spec.scale_low, spec.scale_high);
  s.cut_y = uniform_int(epoch, i, 7, spec.height);
  s.cut_x = uniform_int(epoch, i, 8, spec.width);
  return s;
}

// The inverse affine map of mlf's random_affine: output (x, y) samples the source at
// (m[0]·x + m[1]·y + m[2], m[3]·x + m[4]·y + m[5]).
inline void inverse_affine(const ChainSpec& spec, const SampleParams& s, float m[6]) {
  const float pi = 3.14159265358979f;
  const float cs = std::cos(s.angle * pi / 180.0f), sn = std::sin(s.angle * pi / 180.0f);
  const float cx = (static_cast<float>(spec.width) - 1) * 0.5f;
  const float cy = (static_cast<float>(spec.height) - 1) * 0.5f;
  // sx = (cs·(x − cx − tx) − sn·(y − cy − ty)) / s + cx, sy likewise.
  m[0] = cs / s.scale, m[1] = -sn / s.scale;
  m[2] = cx - m[0] * (cx + s.tx) - m[1] * (cy + s.ty);
  m[3] = sn / s.scale, m[4] = cs / s.scale;
  m[5] = cy - m[3] * (cx + s.tx) - m[4] * (cy + s.ty);
}

struct Result {
  std::string impl, chain, shape;
  std::int64_t n = 0;
  int threads = 2;
  double cold_ms = 0, compile_ms = -1, compile_cpu_ms = -1, warm_compile_ms = -1, out_mean = 0;
  std::vector<double> warm_ms, warm_cpu_ms;
  std::string note;
};

// out_mean covers the first kMeanSamples samples: the same images whatever N a peer runs.
inline constexpr std::int64_t kMeanSamples = 64;

inline double mean_of(const float* v, std::int64_t count) {
  double sum = 0;
  for (std::int64_t k = 0; k < count; ++k) sum += v[k];
  return count > 0 ? sum / static_cast<double>(count) : 0.0;
}

inline double sample_mean(const float* v, std::int64_t n, const ChainSpec& spec) {
  return mean_of(v, std::min(n, kMeanSamples) * spec.sample_elements());
}

inline void print(const Result& r) {
  auto list = [](const std::vector<double>& v) {
    std::string s = "[";
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
    return s + "]";
  };
  std::printf(
      "{\"impl\": \"%s\", \"chain\": \"%s\", \"shape\": \"%s\", \"n\": %lld, \"threads\": %d, "
      "\"cold_ms\": %.4f, \"compile_ms\": %.4f, \"compile_cpu_ms\": %.4f, "
      "\"warm_compile_ms\": %.4f, \"warm_ms\": %s, \"cpu_ms\": %s, "
      "\"out_mean\": %.6f, \"note\": \"%s\"}\n",
      r.impl.c_str(), r.chain.c_str(), r.shape.c_str(), static_cast<long long>(r.n), r.threads,
      r.cold_ms, r.compile_ms, r.compile_cpu_ms, r.warm_compile_ms, list(r.warm_ms).c_str(),
      list(r.warm_cpu_ms).c_str(), r.out_mean,
      r.note.c_str());
  std::fflush(stdout);
}

// Times `call(epoch)`: once cold, then `reps` times warm.
template <class Call>
void measure(Result& r, int reps, Call call) {
  double t0 = now_ms();
  call(0);
  r.cold_ms = now_ms() - t0;
  for (int rep = 1; rep <= reps; ++rep) {
    double c0 = cpu_ms();
    t0 = now_ms();
    call(rep);
    r.warm_ms.push_back(now_ms() - t0);
    r.warm_cpu_ms.push_back(cpu_ms() - c0);
  }
}

}  // namespace augment_bench
