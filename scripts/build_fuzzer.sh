#!/usr/bin/env bash
# Builds the front-end fuzzer with clang-14 (libFuzzer + AddressSanitizer + UBSan) in its
# own build folder, next to the ordinary build.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MLF_FUZZ_BUILD_DIR:-$root/build-fuzz}"
cmake -S "$root" -B "$build" -G Ninja -DMLF_FUZZ=ON -DMLF_BUILD_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  >/dev/null
cmake --build "$build" --target mlf_fuzz_frontend -j "$(nproc)"
