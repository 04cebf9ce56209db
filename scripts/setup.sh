#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine (README: "Set up"):
#   scripts/setup.sh example   install what is missing, build, run the main example
#   scripts/setup.sh test      install what is missing, build, run the whole test suite
# Installing is idempotent and silent when everything is already there.
set -euo pipefail

mode="${1:-}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MLF_BUILD_DIR:-$root/build}"
jobs="$(nproc)"

packages=(
  build-essential cmake ninja-build pkg-config git
  antlr4 libantlr4-runtime-dev default-jre-headless
  libtomlplusplus-dev libboost-graph-dev libzstd-dev libssl-dev zlib1g-dev
  libgtest-dev libpng-dev nlohmann-json3-dev
  libtorch-dev libopenblas0-pthread
  llvm-dev binutils
  dataset-fashion-mnist
)
test_packages=(clang-14 libfuzzer-14-dev graphviz nodejs vim emacs-nox chromium)
# Debian's nodejs comes without npm; a Node.js that bundles it (NodeSource) conflicts with it.
command -v npm >/dev/null || test_packages+=(npm)

install_missing() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "setup: installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

build_mlf() {
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$build" -j "$jobs"
}

case "$mode" in
  example)
    install_missing "${packages[@]}"
    build_mlf
    example="$root/examples/fashion/fashion.mlflow"
    "$build/mlf" check "$example"
    "$build/mlf" build "$example"
    "$build/mlf" run "$example"
    ;;
  test)
    install_missing "${packages[@]}" "${test_packages[@]}"
    build_mlf
    "$root/scripts/build_fuzzer.sh"
    cd "$build" && ctest --output-on-failure -j "$jobs"
    ;;
  *)
    echo "usage: scripts/setup.sh example|test" >&2
    exit 2
    ;;
esac
