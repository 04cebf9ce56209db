#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/*_fuzzer.cpp) with clang-14, AddressSanitizer and
# UndefinedBehaviorSanitizer in their own build folder, next to the ordinary build; through
# ccache when it is installed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MLF_FUZZ_BUILD_DIR:-$root/build-fuzz}"
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -S "$root" -B "$build" -G Ninja -DMLF_FUZZ=ON -DMLF_BUILD_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  "${launcher[@]}" >/dev/null
cmake --build "$build" -j "$(nproc)" --target \
  mlf_fuzz_frontend mlf_fuzz_plan_reader mlf_fuzz_run_record mlf_fuzz_lsp_framing
