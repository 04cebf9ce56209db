#!/usr/bin/env bash
# Runs one fuzz target, or all of them one after the other, for SECONDS each (default 60),
# over a scratch copy of the target's seed corpus, with one job:
#   scripts/run_fuzzer.sh TARGET [SECONDS]     TARGET: frontend, plan_reader, run_record,
#   scripts/run_fuzzer.sh all [SECONDS]                lsp_framing
# Exits non-zero when a target finds a crash, leak or timeout; the input that caused it is
# kept in build-fuzz/findings/. See docs/testing.md "Fuzzing".
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MLF_FUZZ_BUILD_DIR:-$root/build-fuzz}"
targets=(frontend plan_reader run_record lsp_framing)
target="${1:-}"
seconds="${2:-60}"

usage() {
  echo "usage: scripts/run_fuzzer.sh TARGET|all [SECONDS]   (targets: ${targets[*]})" >&2
  exit 2
}

# libFuzzer options of each target: the longest input (a little over the largest seed) and
# a dictionary of the format's words.
options_of() {
  case "$1" in
    # Entropic scheduling keeps a frequency table of every feature; the front end has ~35,000
    # (ANTLR's states), and updating the table took 45% of the time (perf, libFuzzer 14).
    frontend) echo "-max_len=4096 -dict=$root/tests/fuzz/mlflow.dict -entropic=0" ;;
    plan_reader) echo "-max_len=16384 -dict=$root/tests/fuzz/plan.dict" ;;
    run_record) echo "-max_len=8192 -dict=$root/tests/fuzz/run_record.dict" ;;
    lsp_framing) echo "-max_len=4096 -dict=$root/tests/fuzz/lsp_framing.dict" ;;
    *) usage ;;
  esac
}

run_one() {
  local name="$1" fuzzer="$build/mlf_fuzz_$1" work status=0
  options_of "$name" >/dev/null
  if [ ! -x "$fuzzer" ]; then
    echo "run_fuzzer: $fuzzer is not built; run scripts/build_fuzzer.sh first" >&2
    return 1
  fi
  work="$(mktemp -d)"
  mkdir "$work/corpus" "$work/findings"
  cp "$root/tests/fuzz/corpus-$name"/* "$work/corpus/"
  echo "== $name, $seconds s"
  # AddressSanitizer keeps 256 MB of freed memory in quarantine by default: the rss libFuzzer
  # reports then climbs for minutes whatever the target does. A smaller quarantine shows a
  # growing cache, or a leak, sooner.
  export ASAN_OPTIONS="${ASAN_OPTIONS:-quarantine_size_mb=32}"
  # shellcheck disable=SC2046
  (cd "$work" && "$fuzzer" $(options_of "$name") -max_total_time="$seconds" -timeout=10 \
     -rss_limit_mb=2048 -artifact_prefix="$work/findings/" -print_final_stats=1 \
     "$work/corpus" >"$work/log" 2>&1) || status=$?
  # The progress lines at start and end (exec/s, rss), the final stats, any report.
  grep -E '^#[0-9]+\s+(INITED|DONE)|^stat::|ERROR|SUMMARY|Test unit written' "$work/log" || true
  if [ "$status" -ne 0 ]; then
    tail -n 60 "$work/log"
    mkdir -p "$build/findings"
    cp "$work/findings"/* "$build/findings/" 2>/dev/null || true
    echo "run_fuzzer: $name failed (exit $status); inputs kept in $build/findings/" >&2
  fi
  rm -rf "$work"
  return "$status"
}

[ -n "$target" ] || usage
case "$seconds" in ''|*[!0-9]*) usage ;; esac
if [ "$target" = all ]; then
  failed=0
  for name in "${targets[@]}"; do run_one "$name" || failed=1; done
  exit "$failed"
fi
run_one "$target"
