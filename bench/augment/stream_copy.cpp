// A STREAM-style copy (c[i] = a[i] over f32 arrays far larger than the caches), split into
// `threads` contiguous parts on std::threads: the memory bandwidth the chains are measured
// against. Counts bytes read + bytes written, as STREAM does for Copy.
//
// Usage: stream_copy [--mib 256] [--reps 10] [--threads 2]
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "bench/augment/common.h"

using namespace augment_bench;

int main(int argc, char** argv) {
  std::int64_t mib = 256;
  int reps = 10, threads = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string key = argv[i];
    if (key == "--mib") mib = std::stoll(argv[i + 1]);
    else if (key == "--reps") reps = std::stoi(argv[i + 1]);
    else if (key == "--threads") threads = std::stoi(argv[i + 1]);
  }
  const std::int64_t count = mib * 1024 * 1024 / 4;
  std::vector<float> a(static_cast<std::size_t>(count)), c(static_cast<std::size_t>(count));
  for (std::int64_t k = 0; k < count; ++k) a[static_cast<std::size_t>(k)] = static_cast<float>(k & 1023);

  auto copy = [&] {
    std::vector<std::thread> workers;
    const std::int64_t chunk = (count + threads - 1) / threads;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        const std::int64_t begin = std::min(count, t * chunk), end = std::min(count, begin + chunk);
        const float* __restrict src = a.data();
        float* __restrict dst = c.data();
        for (std::int64_t k = begin; k < end; ++k) dst[k] = src[k];
      });
    }
    for (auto& w : workers) w.join();
  };

  Result r;
  r.impl = "STREAM copy";
  r.chain = "copy";
  r.shape = std::to_string(mib) + "MiB";
  r.n = count;
  r.threads = threads;
  measure(r, reps, [&](int) { copy(); });
  r.out_mean = c[static_cast<std::size_t>(count / 2)];
  r.note = "bytes=" + std::to_string(2 * count * 4);
  print(r);
}
