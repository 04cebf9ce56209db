#!/usr/bin/env bash
# Runs the front-end fuzzer for SECONDS (default 60) over a scratch copy of the seed corpus.
# Longer runs: scripts/run_fuzzer.sh 3600 (docs/fuzzing.md).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-60}"
fuzzer="${MLF_FUZZ_BUILD_DIR:-$root/build-fuzz}/mlf_fuzz_frontend"
if [ ! -x "$fuzzer" ]; then
  echo "run_fuzzer: $fuzzer is not built; run scripts/build_fuzzer.sh first" >&2
  exit 1
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$root"/tests/fuzz/corpus/* "$work/"
cd "$work"
"$fuzzer" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
  -dict="$root/tests/fuzz/mlflow.dict" -print_final_stats=1 "$work" 2>&1 | tail -n 25
exit "${PIPESTATUS[0]}"
