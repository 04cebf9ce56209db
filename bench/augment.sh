#!/usr/bin/env bash
# bench/augment.sh — the augmentation benchmark: mlf's augment chains P, G and R (issue 4)
# against peers, in one run. See bench/README.md.
#
#   bash bench/augment.sh            # the full run (≈ 10 min on 2 cores once built)
#   bash bench/augment.sh --quick    # a smoke run: few samples, one repetition
#
# Implementations (each a harness in bench/augment/, all at THREADS threads):
#   mlf fused                  runtime/fuse (LLVM kernel; mlf_harness --impl fused) — shown as
#                              not measured when this tree has no runtime/fuse/fused_chain.h
#   mlf reference interpreter  runtime/data/augment_interpreter (mlf_harness --impl reference)
#   Halide 14 JIT              halide_harness.cpp   (libhalide14-0-dev)
#   OpenCV 4.6                 opencv_harness.cpp   (libopencv-dev)
#   LibTorch eager (batched)   libtorch_harness.cpp (libtorch-dev)
#   torchvision per-sample     torchvision_harness.py (python3-torchvision, DataLoader)
#   STREAM-style copy          stream_copy.cpp
# Inputs: the Fashion-MNIST training images (N×1×28×28 u8) and N×3×224×224 random bytes.
#
# Steps: install the peers' Debian packages when missing (apt-get), bring build-bench's
# mlf_runtime (and the fused code generator module) up to date, compile the harnesses with
# g++ -O2 into bench/work/augment/bin (only when their sources changed), write the inputs,
# run every (shape, chain, implementation), then bench/augment/report.py writes
# bench/results/augment.md and the augmentation section of docs/performance.md.
#
# Settings (environment variables)
#   THREADS=2             threads of every implementation and of the STREAM copy
#   REPS=5                warm repetitions (medians are reported); --quick: 1
#   BENCH_WORK=DIR        scratch folder (default bench/work/augment, git-ignored)
#   MLF_BUILD=DIR         mlf build folder providing libmlf_runtime.a (default build-bench)
#   NO_INSTALL=1          do not install packages; fail if one is missing
#
# Exit status: 0 when every harness ran (the targets are a report, not a test); 1 when a
# tool or package is missing or a harness failed (the report still lists what ran).

set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SRC=$REPO/bench/augment
WORK=${BENCH_WORK:-$REPO/bench/work/augment}
BIN=$WORK/bin
BUILD=${MLF_BUILD:-$REPO/build-bench}
RESULTS_MD=$REPO/bench/results/augment.md
PERF_MD=$REPO/docs/performance.md
THREADS=${THREADS:-2}
QUICK=0
[[ ${1:-} == --quick ]] && QUICK=1
PY=/usr/bin/python3   # Debian's python3, which has python3-torchvision (not a pyenv shim)

if ((QUICK)); then
  REPS=${REPS:-1}
  # samples per (shape, implementation class): fast | libtorch | torchvision
  FASHION_N=(2000 2000 256); RGB_N=(16 16 8); RGB_FILE_N=16; STREAM_MIB=64
else
  REPS=${REPS:-5}
  # LibTorch batches the same N as mlf, Halide and OpenCV (the whole Fashion set, as the
  # issue's anchor figure did): on a smaller batch its tensors stay partly in the cache.
  FASHION_N=(60000 60000 2048); RGB_N=(256 256 64); RGB_FILE_N=256; STREAM_MIB=256
fi
SLOW_REPS=$((REPS < 3 ? REPS : 3))   # LibTorch and torchvision take seconds per repetition

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'augment.sh: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------
# Peers: Debian packages, installed here (bench only; not in scripts/setup.sh).
PACKAGES=(g++ python3 python3-torchvision libopencv-dev libhalide14-0-dev libtorch-dev
          dataset-fashion-mnist)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  [[ ${NO_INSTALL:-0} == 1 ]] && die "missing packages: ${missing[*]} (NO_INSTALL=1)"
  log "installing ${missing[*]}"
  sudo=""; [[ $(id -u) -ne 0 ]] && sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi
version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo "?"; }

# ---------------------------------------------------------------------------------------
# mlf: the runtime library (reference interpreter, fused chains) and the code generator.
mkdir -p "$BIN" "$(dirname "$RESULTS_MD")"
if [[ -z ${MLF_BUILD:-} ]]; then
  log "building mlf_runtime in $BUILD (Release)"
  build_log=$WORK/build.log
  [[ -f $BUILD/build.ninja ]] ||
    cmake -S "$REPO" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >"$build_log" 2>&1 ||
    { cat "$build_log" >&2; die "cmake configure failed"; }
  targets=(mlf_runtime)
  grep -q "mlf_fuse_backend" "$BUILD/build.ninja" && targets+=(mlf_fuse_backend)
  cmake --build "$BUILD" -j "$THREADS" --target "${targets[@]}" >"$build_log" 2>&1 ||
    { tail -30 "$build_log" >&2; die "building ${targets[*]} failed (log: $build_log)"; }
fi
[[ -f $BUILD/libmlf_runtime.a ]] || die "$BUILD/libmlf_runtime.a missing"
export MLF_FUSE_BACKEND=$BUILD/mlf_fuse_backend.so

# ---------------------------------------------------------------------------------------
# Harnesses: g++ -O2, rebuilt when a source, a shared header or the mlf library is newer.
CXX=(g++ -std=c++20 -O2 -Wall -Wextra -I"$REPO" -pthread)
compile() {  # compile NAME SOURCE [FLAGS...] -- [LIBS...]
  local name=$1 source=$2; shift 2
  local flags=() libs=()
  while (($#)) && [[ $1 != -- ]]; do flags+=("$1"); shift; done
  (($#)) && shift
  libs=("$@")
  local out=$BIN/$name
  local deps=("$source" "$SRC/common.h" "$SRC/mlf_chains.h" "$SRC/mlf_fused_slot.h")
  if [[ $name == mlf_harness ]]; then
    deps+=("$BUILD/libmlf_runtime.a")
    shopt -s nullglob
    deps+=("$REPO"/runtime/fuse/*.h)
    shopt -u nullglob
  fi
  local stale=0 d
  [[ -x $out ]] || stale=1
  for d in "${deps[@]}"; do [[ -e $d && $d -nt $out ]] && stale=1; done
  ((stale)) || return 0
  log "compiling $name"
  "${CXX[@]}" "${flags[@]}" "$source" -o "$out" "${libs[@]}" 2>"$WORK/$name.compile.log" ||
    { cat "$WORK/$name.compile.log" >&2; die "compiling $name failed"; }
}
compile stream_copy "$SRC/stream_copy.cpp"
compile mlf_harness "$SRC/mlf_harness.cpp" -I"$BUILD/generated" -- \
  "$BUILD/libmlf_runtime.a" "$BUILD/libmlf_frontend.a" "$BUILD/libmlf_grammar.a" \
  -lantlr4-runtime -lssl -lcrypto -lzstd -lpng -lz -ldl
compile halide_harness "$SRC/halide_harness.cpp" -isystem /usr/include/halide14 -- -lHalide14 -ldl
compile opencv_harness "$SRC/opencv_harness.cpp" -isystem /usr/include/opencv4 -- \
  -lopencv_imgproc -lopencv_core
compile libtorch_harness "$SRC/libtorch_harness.cpp" -isystem /usr/include/torch/csrc/api/include -- \
  -ltorch -ltorch_cpu -lc10

# ---------------------------------------------------------------------------------------
# Inputs.
FASHION_IDX=/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
$PY "$SRC/make_inputs.py" "$WORK" "$FASHION_IDX" "$RGB_FILE_N"

# ---------------------------------------------------------------------------------------
# Runs. One JSON line per (shape, chain, implementation) in results.jsonl.
RESULTS=$WORK/results.jsonl
: >"$RESULTS"
failures=0
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
run() {  # run LABEL COMMAND...
  local label=$1; shift
  log "$label"
  local line
  if line=$("$@" 2>"$WORK/last.err"); then
    echo "$line" | grep '^{' >>"$RESULTS" || true
  else
    local rc=$?
    if [[ $rc -eq 3 ]]; then  # the fused slot is empty: recorded, not a failure
      echo "$line" | grep '^{' >>"$RESULTS" || true
    else
      failures=$((failures + 1))
      printf 'augment.sh: %s failed (exit %d):\n' "$label" "$rc" >&2
      tail -5 "$WORK/last.err" >&2
    fi
  fi
}

start=$(date +%s)
run "STREAM copy, $THREADS threads" "$BIN/stream_copy" --mib "$STREAM_MIB" --reps $((REPS * 2)) \
  --threads "$THREADS"
for shape in fashion rgb224; do
  if [[ $shape == fashion ]]; then counts=("${FASHION_N[@]}"); else counts=("${RGB_N[@]}"); fi
  input=$WORK/$shape.u8
  for chain in P G R; do
    common=(--chain "$chain" --shape "$shape" --input "$input" --threads "$THREADS")
    run "$shape $chain: mlf fused" "$BIN/mlf_harness" --impl fused --store "$WORK/kernel-store" \
      "${common[@]}" --n "${counts[0]}" --reps "$REPS"
    run "$shape $chain: mlf reference interpreter" "$BIN/mlf_harness" --impl reference \
      "${common[@]}" --n "${counts[0]}" --reps "$REPS"
    run "$shape $chain: Halide" "$BIN/halide_harness" "${common[@]}" --n "${counts[0]}" --reps "$REPS"
    run "$shape $chain: OpenCV" "$BIN/opencv_harness" "${common[@]}" --n "${counts[0]}" --reps "$REPS"
    run "$shape $chain: LibTorch eager" "$BIN/libtorch_harness" "${common[@]}" --n "${counts[1]}" \
      --reps "$SLOW_REPS"
    run "$shape $chain: torchvision" $PY "$SRC/torchvision_harness.py" "${common[@]}" \
      --n "${counts[2]}" --reps "$SLOW_REPS"
  done
done
elapsed=$(($(date +%s) - start))
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------
# Report.
commit=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo "?")
dirty=""; [[ -n $(git -C "$REPO" status --porcelain 2>/dev/null) ]] && dirty=" plus the working tree"
cpu=$(grep -m1 "model name" /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
header=$WORK/header.md
{
  echo "# Augmentation benchmark"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), \`bash bench/augment.sh$([[ $QUICK == 1 ]] && echo " --quick")\`" \
       "($elapsed s of runs), $(nproc) × $cpu, Debian $(cat /etc/debian_version)," \
       "mlf commit $commit$dirty (Release, build-bench)."
  echo "Load average (1, 5, 15 min) before the runs: $load_before; after: $load_after" \
       "(on $(nproc) CPUs — above $(nproc), wall times are inflated; the CPU columns are steadier)."
  echo "Peers: Halide $(version libhalide14-0-dev), OpenCV $(version libopencv-dev)," \
       "LibTorch $(version libtorch-dev), torchvision $(version python3-torchvision); g++ -O2;" \
       "$THREADS threads everywhere; warm repetitions: $REPS ($SLOW_REPS for LibTorch and torchvision)."
  echo "Inputs: $(tr '\n' ';' <"$WORK/inputs.txt" | sed 's/;$//; s/;/; /g')."
} >"$header"
$PY "$SRC/report.py" "$RESULTS" "$header" "$RESULTS_MD" "$PERF_MD"
log "wrote $RESULTS_MD and the augmentation section of $PERF_MD"
((failures == 0)) || die "$failures harness(es) failed"
