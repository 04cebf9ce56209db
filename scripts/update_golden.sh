#!/usr/bin/env bash
# Rewrites every golden file from the current build: the diagnostic goldens
# (tests/golden/*.expected) and the output goldens that tests compare through
# tests/golden_file.h. Review the diff before committing: a changed expected file is a
# changed user-visible message.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MLF_BUILD_DIR:-$root/build}"
cmake --build "$build" --target mlf mlf_tests >/dev/null
MLF_UPDATE_GOLDEN=1 "$build/tests/mlf_tests" --gtest_brief=1
git -C "$root" status --short tests
