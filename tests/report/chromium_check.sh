#!/usr/bin/env bash
# Renders the report of a small real run in headless Chromium and checks that the page draws
# something (hundreds of colours in the screenshot: a blank page has 1, a line of text about
# 70, a report about 2000) and logs no console message (no error, no failed load: the report
# must need nothing outside itself).
# Usage: chromium_check.sh MLF PNG_COLOURS      (ctest label `browser`; exit 77 = skipped)
set -euo pipefail
mlf="$1"
colours="$2"
chromium="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$chromium" ]; then
  echo "chromium is not installed (scripts/setup.sh test installs it)" >&2
  exit 1
fi
if [ ! -f "$(dirname "$mlf")/mlf_torch_backend.so" ]; then
  echo "skipped: the LibTorch backend is not built" >&2
  exit 77
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
{
  echo "a,b,label"
  for i in $(seq 0 39); do
    if [ $((i % 2)) -eq 1 ]; then echo "1.5,-1.0,yes"; else echo "-1.5,1.$i,no"; fi
  done
} > points.csv
cat > points.mlflow <<'MLFLOW'
pipeline points
seed 3
dataset all = csv("points.csv", label: "label")
dataset train = split(all, fraction: 0.75)
dataset test = split(all, fraction: 0.75, part: "second")
model mlp = sequential [ linear(out: 4), relu, linear(out: 2) ]
stage fit = train(mlp, data: train, loss: cross_entropy, optimizer: adam(lr: 0.05), epochs: 3, batch: 8)
stage score = evaluate(fit, data: test, metrics: [accuracy, confusion, loss])
MLFLOW
"$mlf" run points.mlflow --threads 1 > run.log 2>&1 || { cat run.log; exit 1; }
run_id="$(ls .mlf/runs | head -n 1)"
run_id="${run_id%.toml}"
"$mlf" report "$run_id" -o report.html

# A fresh profile, no network: anything the page tried to fetch would fail and be logged.
timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --user-data-dir="$work/profile" \
  --no-first-run --disable-extensions --enable-logging=stderr --v=0 \
  --screenshot="$work/shot.png" --window-size=1280,1600 "file://$work/report.html" \
  > chromium.out 2> chromium.err || { cat chromium.err; exit 1; }

status=0
# Console messages of the page (a failed load among them: "Failed to load resource").
if grep -E ":CONSOLE|Uncaught" chromium.err; then
  echo "FAIL: the page logged console messages or failed loads" >&2
  status=1
fi
n="$("$colours" shot.png)"
echo "screenshot: $n distinct colours"
if [ "$n" -lt 300 ]; then
  echo "FAIL: the screenshot looks blank ($n colours)" >&2
  status=1
fi
exit $status
