#!/usr/bin/env bash
# Rewrites tests/golden/*.expected from the current `mlf` binary. Review the diff before
# committing: a changed expected file is a changed user-visible message.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MLF_BUILD_DIR:-$root/build}"
cmake --build "$build" --target mlf mlf_tests >/dev/null
MLF_UPDATE_GOLDEN=1 "$build/tests/mlf_tests" --gtest_filter='Golden.EveryFileMatchesItsExpectedOutput'
git -C "$root" status --short tests/golden
