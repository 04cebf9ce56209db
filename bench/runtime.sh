#!/usr/bin/env bash
# bench/runtime.sh — the runtime benchmark: how long `mlf run` takes when everything is
# cached, next to Snakemake's and ninja's no-op on a pipeline of the same shape; and how long
# mlf takes to train the Fashion-MNIST CNN for an epoch, next to a hand-written LibTorch C++
# loop and a PyTorch script doing the same work.
#
# One run of this script generates every input, measures everything and writes
# bench/results/runtime.md. See bench/README.md.
#
# Cases
#   "no-op, 200 stages" — a fan-out on a tiny CSV file (64 rows, 4 features, 3 classes): 20
#       datasets `take(all, n: ...)`, each split into a training and a validation part; on
#       each, 5 MLPs trained with different learning rates (1 epoch) and evaluated: 100
#       `train` + 100 `evaluate` = 200 stages. Run once to fill the store, then measured fully
#       cached. For Snakemake and ninja: the same graph, one rule per node (20 dataset rules,
#       100 train rules, 100 evaluate rules), each `touch {output}`, measured as a no-op.
#       The cached run must not load LibTorch: checked with LD_DEBUG=libs (and, as a
#       control, that the first run does load it). Measured twice: unchanged (answered from
#       the memo of the previous run, no compilation) and after a comment-only edit of the
#       source before each run (compiled, every stage cached).
#   "training" — the CNN of examples/fashion/fashion.mlflow, the example's `prep` (no random
#       augmentation), Adam lr 1e-3, batch 128, 1 epoch on the first TRAIN_SAMPLES images of
#       the Fashion-MNIST training set, by (a) `mlf run` with the data already in its store
#       and only the train stage to run (its result record removed before each run), (b)
#       bench/torch_loop.cpp, (c) bench/torch_loop.py; the same intra-op thread count for
#       all three. Runs interleaved (mlf, C++, Python, mlf, ...), TRAIN_REPEATS each.
#
# Settings (environment variables)
#   MLF=path/to/mlf      the binary to measure (default: build-bench/mlf, which the script
#                        first brings up to date with `cmake --build`, Release, together with
#                        the LibTorch backend module beside it)
#   RUNS, WARMUP         hyperfine runs and warm-up runs for mlf and ninja (20, 3)
#   SLOW_RUNS, SLOW_WARMUP   the same for Snakemake, whose no-op takes seconds (5, 1)
#   THREADS              intra-op threads for all three trainers (default: nproc, at most 8)
#   TRAIN_SAMPLES        training images (10000)
#   TRAIN_REPEATS        runs of each trainer (5)
#   PYTHON               the Python with PyTorch (default /usr/bin/python3, Debian's)
#   FASHION_DIR          the Fashion-MNIST files (/usr/share/datasets/fashion-mnist)
#   BENCH_WORK=DIR       scratch folder (default bench/work/runtime, git-ignored)
#   SKIP_TRAINING=1      only the no-op case
#
# Exit status: 0 when everything ran (the PASS/FAIL column is a report, not a test);
# non-zero when a tool is missing, a command fails, or a cached run loaded LibTorch.

set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=${BENCH_WORK:-$REPO/bench/work/runtime}
LOOP_BUILD=$REPO/bench/work/torch-loop-build   # kept between runs (WORK is not)
RESULTS_DIR=$REPO/bench/results
RESULTS_MD=$RESULTS_DIR/runtime.md
MLF_GIVEN=${MLF:-}
MLF=${MLF:-$REPO/build-bench/mlf}
RUNS=${RUNS:-20}
WARMUP=${WARMUP:-3}
SLOW_RUNS=${SLOW_RUNS:-5}
SLOW_WARMUP=${SLOW_WARMUP:-1}
NPROC=$(nproc)
THREADS=${THREADS:-$(( NPROC < 8 ? NPROC : 8 ))}
TRAIN_SAMPLES=${TRAIN_SAMPLES:-10000}
TRAIN_REPEATS=${TRAIN_REPEATS:-5}
PYTHON=${PYTHON:-/usr/bin/python3}
FASHION_DIR=${FASHION_DIR:-/usr/share/datasets/fashion-mnist}
SKIP_TRAINING=${SKIP_TRAINING:-0}
NOOP_TARGET_MS=20       # the issue's target: a 200-stage pipeline's fully cached run ≤ 20 ms
CPP_TARGET=1.05         # training: mlf ÷ hand-written LibTorch loop ≤ 1.05
PYTHON_TARGET=1.0       # training: mlf ÷ PyTorch script ≤ 1.0

DATASETS=20             # no-op case: DATASETS × MODELS_PER × (train + evaluate) = 200 stages
MODELS_PER=5

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'runtime.sh: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------
# Tools
for tool in python3 snakemake ninja hyperfine cmake; do
  command -v "$tool" >/dev/null ||
    die "$tool not found (Debian: apt-get install snakemake ninja-build hyperfine python3 cmake)"
done
if [[ $SKIP_TRAINING != 1 ]]; then
  [[ -f $FASHION_DIR/train-images-idx3-ubyte.gz ]] ||
    die "no Fashion-MNIST in $FASHION_DIR (Debian: apt-get install dataset-fashion-mnist)"
  if ! "$PYTHON" -c 'import torch, numpy' 2>/dev/null; then
    # Debian's PyTorch, the peer the issue names; installed when we may.
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
      log "installing python3-torch (Debian's PyTorch)"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        python3-torch python3-numpy >/dev/null || die "cannot install python3-torch"
    fi
    "$PYTHON" -c 'import torch, numpy' 2>/dev/null ||
      die "$PYTHON cannot import torch (Debian: apt-get install python3-torch)"
  fi
fi
if [[ -z ${MLF_GIVEN:-} ]]; then
  # Bring build-bench/mlf and its LibTorch module up to date with the tree (incremental), so
  # that the commit in the report is what was measured.
  log "building mlf in $REPO/build-bench (Release)"
  build_log=$(mktemp)
  if ! { [[ -f $REPO/build-bench/build.ninja ]] ||
           cmake -S "$REPO" -B "$REPO/build-bench" -G Ninja -DCMAKE_BUILD_TYPE=Release; } \
       >"$build_log" 2>&1 ||
     ! cmake --build "$REPO/build-bench" --target mlf mlf_torch_backend >>"$build_log" 2>&1; then
    tail -n 30 "$build_log" >&2
    die "building mlf failed (log: $build_log)"
  fi
  rm -f "$build_log"
fi
[[ -x $MLF ]] || die "no mlf binary at $MLF"
MLF=$(cd "$(dirname "$MLF")" && pwd)/$(basename "$MLF")
[[ -f $(dirname "$MLF")/mlf_torch_backend.so ]] ||
  die "no LibTorch backend module beside $MLF (build the target mlf_torch_backend)"

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
STARTED=$(date +%s)

# ---------------------------------------------------------------------------------------
# 1. Inputs
log "generating inputs in $WORK"
rm -rf "$WORK"
mkdir -p "$WORK"/{noop/data,noop/mlf,noop/snakemake,noop/ninja,train/mlf,json}

python3 - "$WORK" "$DATASETS" "$MODELS_PER" "$FASHION_DIR" "$TRAIN_SAMPLES" <<'PY'
import random, sys

work, datasets, models_per, fashion, samples = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
rng = random.Random(20261124)

def write(path, text):
    with open(path, "w") as f:
        f.write(text)

# A tiny CSV: 64 rows, 4 features around a class centre, 3 classes.
rows = ["a,b,c,d,label"]
for i in range(64):
    k = i % 3
    rows.append(",".join(f"{k + rng.gauss(0, 0.3):.4f}" for _ in range(4)) + f",c{k}")
write(f"{work}/noop/data/points.csv", "\n".join(rows) + "\n")
write(f"{work}/noop/data/input", "input\n")          # the peers' source file

# ---- mlf, 200 stages
lrs = [f"{0.02 * (j + 1):.2f}" for j in range(models_per)]
out = ["# generated by bench/runtime.sh: 200 cheap stages on a tiny CSV file", "pipeline wide", "seed 1", "",
       'dataset all = csv("../data/points.csv", label: "label")',
       "model mlp = sequential [ linear(out: 8), relu, linear(out: 3) ]", ""]
for i in range(datasets):
    out.append(f"dataset d{i} = take(all, n: {40 + i})")
    out.append(f"dataset t{i} = split(d{i}, fraction: 0.75)")
    out.append(f'dataset v{i} = split(d{i}, fraction: 0.75, part: "second")')
    for j, lr in enumerate(lrs):
        out.append(f"stage fit_{i}_{j} = train(mlp, data: t{i}, loss: cross_entropy,\n"
                   f"                  optimizer: sgd(lr: {lr}), epochs: 1, batch: 16)")
        out.append(f"stage score_{i}_{j} = evaluate(fit_{i}_{j}, data: v{i}, metrics: [accuracy])")
    out.append("")
write(f"{work}/noop/mlf/wide.mlflow", "\n".join(out) + "\n")
write(f"{work}/noop/mlf/mlflow.toml", "")   # pins the project root (and its .mlf/ store) here

# ---- the peers: the same graph, one rule per node, in dependency order
src = "../data/input"
edges = [(f"d{i}", [src]) for i in range(datasets)]
for i in range(datasets):
    for j in range(models_per):
        edges.append((f"fit_{i}_{j}", [f"d{i}"]))
        edges.append((f"score_{i}_{j}", [f"fit_{i}_{j}", f"d{i}"]))
final = [o for o, _ in edges if o.startswith("score_")]
rules = ["rule all:\n    input: " + ", ".join(f'"{o}"' for o in final) + "\n"]
for o, ins in edges:
    rules.append(f"rule {o}:\n    input: " + ", ".join(f'"{x}"' for x in ins) +
                 f'\n    output: "{o}"\n    shell: "touch {{output}}"\n')
write(f"{work}/noop/snakemake/Snakefile", "# generated by bench/runtime.sh\n" + "\n".join(rules))
lines = ["# generated by bench/runtime.sh", "rule touch", "  command = touch $out", ""]
lines += [f"build {o}: touch " + " ".join(ins) for o, ins in edges]
lines += ["", "build all: phony " + " ".join(final), "default all"]
write(f"{work}/noop/ninja/build.ninja", "\n".join(lines) + "\n")
write(f"{work}/noop/rules", f"{len(edges)}\n")

# ---- mlf, training: the example's CNN and prep, one epoch on a subset
write(f"{work}/train/mlf/fashion_epoch.mlflow", f"""# generated by bench/runtime.sh: examples/fashion's CNN, one epoch on {samples} images
pipeline fashion_epoch
seed 42

dataset all = idx(images: "{fashion}/train-images-idx3-ubyte.gz",
                  labels: "{fashion}/train-labels-idx1-ubyte.gz")
dataset subset = take(all, n: {samples})

augment prep = [ to_float(scale: 1/255), normalize(mean: 0.286, std: 0.353) ]

model cnn = sequential [
  conv2d(out: 32, kernel: 3, padding: 1), relu, max_pool(2),
  conv2d(out: 64, kernel: 3, padding: 1), relu, max_pool(2),
  flatten,
  linear(out: 128), relu, dropout(0.25),
  linear(out: 10),
]

stage fit = train(cnn, data: subset |> prep, loss: cross_entropy,
                  optimizer: adam(lr: 1e-3), epochs: 1, batch: 128)
""")
write(f"{work}/train/mlf/mlflow.toml", "")
PY

# mlf caches a file's digest only once the file is older than its 2 s racy window; date the
# generated data back so that the cached runs find their digests cached.
touch -d '@'$(( $(date +%s) - 600 )) "$WORK"/noop/data/*

# ---------------------------------------------------------------------------------------
# 2. No-op: fill mlf's store, bring the peers up to date
NOOP_FILE=$WORK/noop/mlf/wide.mlflow
log "mlf: first run of the 200-stage pipeline (fills the store)"
first_start=$(date +%s.%N)
LD_DEBUG=libs "$MLF" run --color never "$NOOP_FILE" >"$WORK/noop/first-run.log" 2>&1 ||
  { tail -n 30 "$WORK/noop/first-run.log" >&2; die "mlf run failed on $NOOP_FILE"; }
NOOP_FIRST_S=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" \
  "$first_start" "$(date +%s.%N)")
grep -q '200 stages ran, 0 cached' "$WORK/noop/first-run.log" ||
  die "the first run did not run 200 stages (see $WORK/noop/first-run.log)"
# The control for the check below: the first run must be seen loading LibTorch.
grep -q 'libtorch' "$WORK/noop/first-run.log" ||
  die "LD_DEBUG=libs did not show the first run loading LibTorch: the check below would prove nothing"

LD_DEBUG=libs "$MLF" run --color never "$NOOP_FILE" >"$WORK/noop/cached-run.log" 2>&1 ||
  { tail -n 30 "$WORK/noop/cached-run.log" >&2; die "the cached mlf run failed"; }
grep -q '0 stages ran, 200 cached' "$WORK/noop/cached-run.log" ||
  die "the second run was not fully cached (see $WORK/noop/cached-run.log)"
if grep -q 'libtorch' "$WORK/noop/cached-run.log"; then
  grep 'libtorch' "$WORK/noop/cached-run.log" | head -n 5 >&2
  die "a fully cached run loaded LibTorch"
fi
grep -q 'no input changed, nothing compiled' "$WORK/noop/cached-run.log" ||
  die "the second run was not answered from its memo (see $WORK/noop/cached-run.log)"
NOOP_LIBS=$(grep -c 'calling init:' "$WORK/noop/cached-run.log" || true)
NOOP_TORCH="no (LD_DEBUG=libs: $NOOP_LIBS libraries initialised, none of LibTorch's)"

log "ninja, snakemake: first run"
ninja -C "$WORK/noop/ninja" >/dev/null
ninja -C "$WORK/noop/ninja" -n | grep -q 'no work to do' || die "ninja is not up to date"
(cd "$WORK/noop/snakemake" && snakemake -j2 --quiet >/dev/null 2>&1) || die "snakemake failed"
(cd "$WORK/noop/snakemake" && snakemake -j1 -n 2>&1) | grep -q 'Nothing to be done' ||
  die "snakemake is not up to date"

# ---------------------------------------------------------------------------------------
# 3. No-op: measure
bench() {
  local name=$1 runs=$2 warmup=$3; shift 3
  log "hyperfine: $name"
  hyperfine -N --style basic --runs "$runs" --warmup "$warmup" \
    --export-json "$WORK/json/$name.json" --command-name "$name" -- "$*" >&2
}
bench mlf-run-cached "$RUNS" "$WARMUP" "$MLF" run --color never "$NOOP_FILE"
# The same run after an edit that leaves the plan as it was (a comment appended before each
# run): the memo no longer applies, so mlf compiles the file, finds every stage cached and
# writes a new memo. The edit itself is hyperfine's --prepare, not timed.
log "hyperfine: mlf-run-cached-compiled"
hyperfine -N --style basic --runs "$RUNS" --warmup "$WARMUP" \
  --prepare "sh -c 'echo \"# edited \$(date +%s%N)\" >> $NOOP_FILE'" \
  --export-json "$WORK/json/mlf-run-cached-compiled.json" --command-name mlf-run-cached-compiled \
  -- "$MLF run --color never $NOOP_FILE" >&2
bench ninja-noop "$RUNS" "$WARMUP" ninja -C "$WORK/noop/ninja"
bench snakemake-noop "$SLOW_RUNS" "$SLOW_WARMUP" \
  snakemake -j1 -d "$WORK/noop/snakemake" -s "$WORK/noop/snakemake/Snakefile" --quiet

# The measured no-ops must still have been no-ops.
"$MLF" run --color never "$NOOP_FILE" >"$WORK/noop/after.log" 2>&1 ||
  die "the cached mlf run failed after measuring"
grep -q '0 stages ran, 200 cached' "$WORK/noop/after.log" || die "mlf's cached run did work"
ninja -C "$WORK/noop/ninja" -n | grep -q 'no work to do' || die "ninja did work"
(cd "$WORK/noop/snakemake" && snakemake -j1 -n 2>&1) | grep -q 'Nothing to be done' ||
  die "snakemake has work to do"
NOOP_RECORDS=$(find "$WORK/noop/mlf/.mlf/runs" -name '*.toml' | wc -l)

# ---------------------------------------------------------------------------------------
# 4. Training
if [[ $SKIP_TRAINING != 1 ]]; then
  log "building bench/torch_loop.cpp"
  build_log=$(mktemp)
  if ! { [[ -f $LOOP_BUILD/build.ninja ]] ||
           cmake -S "$REPO/bench" -B "$LOOP_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release; } \
       >"$build_log" 2>&1 ||
     ! cmake --build "$LOOP_BUILD" >>"$build_log" 2>&1; then
    tail -n 30 "$build_log" >&2
    die "building bench/torch_loop.cpp failed (log: $build_log)"
  fi
  rm -f "$build_log"
  TORCH_LOOP=$LOOP_BUILD/torch_loop

  TRAIN_FILE=$WORK/train/mlf/fashion_epoch.mlflow
  log "mlf: first run of the training pipeline (reads and prepares the data, trains once)"
  "$MLF" run --color never --threads "$THREADS" "$TRAIN_FILE" >"$WORK/train/first-run.log" 2>&1 ||
    { tail -n 30 "$WORK/train/first-run.log" >&2; die "mlf run failed on $TRAIN_FILE"; }

  export REPO WORK MLF TORCH_LOOP PYTHON THREADS TRAIN_SAMPLES TRAIN_REPEATS FASHION_DIR TRAIN_FILE
  python3 - <<'PY'
import glob, json, os, resource, statistics, subprocess, sys, time, tomllib

env = os.environ
work, threads, repeats = env["WORK"], env["THREADS"], int(env["TRAIN_REPEATS"])
store = os.path.join(os.path.dirname(env["TRAIN_FILE"]), ".mlf")
images = os.path.join(env["FASHION_DIR"], "train-images-idx3-ubyte.gz")
labels = os.path.join(env["FASHION_DIR"], "train-labels-idx1-ubyte.gz")
child_env = dict(os.environ, OMP_NUM_THREADS=threads, OPENBLAS_NUM_THREADS=threads, MKL_NUM_THREADS=threads)

def records():
    return set(glob.glob(os.path.join(store, "runs", "*.toml")))

def fit_node(record):
    return next(n for n in record["node"] if n["kind"] == "train")

# The train node's id, from the first run's record: its result record is what makes it cached.
with open(max(records()), "rb") as f:
    fit_id = fit_node(tomllib.load(f))["id"]

def timed(argv):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, env=child_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"runtime.sh: {' '.join(argv)} failed:\n{done.stdout[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout

def reported(text, key):
    for line in text.splitlines():
        if line.startswith(key + " "):
            return float(line.split()[1])
    sys.exit(f"runtime.sh: no `{key}` in:\n{text}")

def run_mlf():
    try:
        os.remove(os.path.join(store, "results", fit_id + ".toml"))  # so the stage runs again
    except FileNotFoundError:
        pass
    seen = records()
    wall, cpu, out = timed([env["MLF"], "run", "--color", "never", "--threads", threads, env["TRAIN_FILE"]])
    new = records() - seen
    if len(new) != 1:
        sys.exit(f"runtime.sh: mlf wrote {len(new)} run records:\n{out[-3000:]}")
    with open(new.pop(), "rb") as f:
        record = tomllib.load(f)
    node = fit_node(record)
    if node["status"] != "ran":
        sys.exit(f"runtime.sh: the train stage did not run ({node['status']}):\n{out[-3000:]}")
    environment.update(record.get("environment", {}))
    return {"wall": wall, "cpu": cpu, "inner": node["seconds"]}

def run_peer(argv):
    wall, cpu, out = timed(argv + [images, labels, env["TRAIN_SAMPLES"], threads])
    if int(reported(out, "threads")) != int(threads):
        sys.exit(f"runtime.sh: {argv[0]} ran with {reported(out, 'threads')} threads, not {threads}")
    return {"wall": wall, "cpu": cpu, "inner": reported(out, "train_seconds"),
            "load": reported(out, "load_seconds"), "loss": reported(out, "loss")}

tools = {"mlf": run_mlf,
         "cpp": lambda: run_peer([env["TORCH_LOOP"]]),
         "python": lambda: run_peer([env["PYTHON"], os.path.join(env["REPO"], "bench", "torch_loop.py")])}
samples = {name: [] for name in tools}
environment = {}  # what mlf's run record says the training depended on
for r in range(repeats):
    for name, fn in tools.items():
        print(f"==> training: {name}, run {r + 1}/{repeats}", file=sys.stderr)
        samples[name].append(fn())
        print(f"    wall {samples[name][-1]['wall']:.2f} s, cpu {samples[name][-1]['cpu']:.2f} s, "
              f"in-process {samples[name][-1]['inner']:.2f} s", file=sys.stderr)
with open(os.path.join(work, "json", "training.json"), "w") as f:
    json.dump({"samples": samples, "environment": environment}, f, indent=1)
PY
fi

# ---------------------------------------------------------------------------------------
# 5. Report
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
ELAPSED=$(( $(date +%s) - STARTED ))
mkdir -p "$RESULTS_DIR"

export WORK RESULTS_MD NOOP_TARGET_MS CPP_TARGET PYTHON_TARGET RUNS WARMUP SLOW_RUNS SLOW_WARMUP \
  LOAD_BEFORE LOAD_AFTER ELAPSED NOOP_FIRST_S NOOP_TORCH NOOP_RECORDS THREADS TRAIN_SAMPLES \
  TRAIN_REPEATS SKIP_TRAINING
export BENCH_DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
export BENCH_NPROC=$NPROC
export BENCH_CPU=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
export BENCH_KERNEL=$(uname -r)
export V_MLF=$("$MLF" --version 2>&1 | head -1)
export V_COMMIT=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)$(
  git -C "$REPO" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')
export V_SNAKEMAKE=$(snakemake --version 2>&1 | head -1)
export V_NINJA=$(ninja --version 2>&1 | head -1)
export V_HYPERFINE=$(hyperfine --version 2>&1 | head -1)
export NOOP_RULES=$(cat "$WORK/noop/rules")
if [[ $SKIP_TRAINING != 1 ]]; then
  export V_LIBTORCH=$(dpkg-query -W -f='${Version}' libtorch1.13 2>/dev/null || echo unknown)
  export V_PYTORCH=$("$PYTHON" -c 'import torch; print(torch.__version__)' 2>/dev/null)
  export V_PYTHON=$("$PYTHON" --version 2>&1)
fi

python3 - <<'PY'
import json, os, statistics

env = os.environ
work = env["WORK"]
target = float(env["NOOP_TARGET_MS"])

def load(name):
    with open(f"{work}/json/{name}.json") as f:
        r = json.load(f)["results"][0]
    return r["median"] * 1e3, r["min"] * 1e3, (r["user"] + r["system"]) * 1e3, len(r["times"])

def ratio(x):
    return f"{x:.1f}×" if x >= 10 else f"{x:.2f}×"

def table(header, rows, numeric_from=1):
    md = ["| " + " | ".join(header) + " |",
          "|" + "|".join(["---"] * numeric_from + ["---:"] * (len(header) - numeric_from)) + "|"]
    md += ["| " + " | ".join(r) + " |" for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    def line(cells):
        return "  ".join(c.ljust(w) if i < numeric_from else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths)))
    print()
    print(line(header))
    print(line(["-" * w for w in widths]))
    for r in rows:
        print(line(r))
    return md

# ---- no-op
noop_header = ["tool", "median ms", "min ms", "CPU ms", "runs", "÷ mlf", f"target ≤ {target:.0f} ms"]
mlf = load("mlf-run-cached")
noop_rows = []
for name, label in (("mlf-run-cached", "mlf run (fully cached, unchanged: answered from its memo)"),
                    ("mlf-run-cached-compiled", "mlf run (fully cached, source edited: compiled)"),
                    ("ninja-noop", "ninja no-op"), ("snakemake-noop", "snakemake -j1 no-op")):
    med, mn, cpu, n = load(name)
    is_mlf = name == "mlf-run-cached"
    noop_rows.append([label, f"{med:.1f}", f"{mn:.1f}", f"{cpu:.1f}", str(n),
                      "—" if is_mlf else ratio(med / mlf[0]),
                      ("PASS" if med <= target else "FAIL") if is_mlf else "—"])
noop_md = table(noop_header, noop_rows)

# ---- training
train_md = []
if env["SKIP_TRAINING"] != "1":
    with open(f"{work}/json/training.json") as f:
        training = json.load(f)
    samples, mlf_env = training["samples"], training["environment"]
    med = {tool: {k: statistics.median(s[k] for s in runs) for k in ("wall", "cpu", "inner")}
           for tool, runs in samples.items()}
    low = {tool: {k: min(s[k] for s in runs) for k in ("wall", "cpu")} for tool, runs in samples.items()}
    header = ["trainer", "wall s median", "wall s min", "CPU s median", "CPU s min",
              "in-process s median", "runs", "mlf ÷ it, wall min", "mlf ÷ it, CPU min", "target"]
    rows = []
    names = {"mlf": "mlf run (train stage only)", "cpp": "LibTorch C++ loop", "python": "PyTorch script"}
    targets = {"cpp": float(env["CPP_TARGET"]), "python": float(env["PYTHON_TARGET"])}
    for tool in ("mlf", "cpp", "python"):
        m, l = med[tool], low[tool]
        if tool == "mlf":
            rw = rc = verdict = "—"
        else:
            w, c = low["mlf"]["wall"] / l["wall"], low["mlf"]["cpu"] / l["cpu"]
            rw, rc = f"{w:.3f}", f"{c:.3f}"
            verdict = f"≤ {targets[tool]:.2f}: " + ("PASS" if w <= targets[tool] else "FAIL")
        rows.append([names[tool], f"{m['wall']:.2f}", f"{l['wall']:.2f}", f"{m['cpu']:.2f}",
                     f"{l['cpu']:.2f}", f"{m['inner']:.2f}", str(len(samples[tool])), rw, rc, verdict])
    train_md = table(header, rows)

print()
md = ["# Runtime benchmark\n",
      f"Generated by `bash bench/runtime.sh` on {env['BENCH_DATE']} "
      f"(generating, setting up and measuring took {env['ELAPSED']} s).\n",
      "| | |", "|---|---|",
      f"| machine | {env['BENCH_NPROC']} × {env['BENCH_CPU']}, Linux {env['BENCH_KERNEL']} |",
      f"| load average (1, 5, 15 min) | before {env['LOAD_BEFORE']}; after {env['LOAD_AFTER']} |",
      f"| mlf | {env['V_MLF']}, commit {env['V_COMMIT']}, Release build |",
      f"| snakemake | {env['V_SNAKEMAKE']} |",
      f"| ninja | {env['V_NINJA']} |",
      f"| hyperfine | {env['V_HYPERFINE']} |"]
if env["SKIP_TRAINING"] != "1":
    md += [f"| LibTorch (mlf, C++ loop) | Debian libtorch {env.get('V_LIBTORCH', '?')} |",
           f"| PyTorch | {env.get('V_PYTORCH', '?')} ({env.get('V_PYTHON', '?')}) |",
           f"| intra-op threads | {env['THREADS']} for all three trainers (inter-op: 1) |"]
    with open(f"{work}/json/training.json") as f:
        facts = json.load(f)["environment"]
    md += [f"| BLAS, CPU (mlf's run record) | {facts.get('blas_config', '?')}; "
           f"LibTorch CPU capability {facts.get('cpu_capability', '?')} |"]
md += ["",
       "## No-op: a fully cached run of 200 stages\n",
       f"mlf: 100 `train` + 100 `evaluate` stages on a tiny CSV file ({env['NOOP_FIRST_S']} s to "
       f"fill the store the first time); peers: the same graph as {env['NOOP_RULES']} rules "
       f"(+ `all`), each `touch {{output}}`. mlf and ninja: {env['RUNS']} runs "
       f"(+{env['WARMUP']} warm-up); snakemake: {env['SLOW_RUNS']} (+{env['SLOW_WARMUP']}).\n"]
md += noop_md
md += ["",
       f"LibTorch loaded by the cached run: {env['NOOP_TORCH']}; the first run, as a control, "
       f"was seen loading it. Run records in the store after measuring: {env['NOOP_RECORDS']} "
       "(every cached run writes one).\n",
       "*median*, *min*: wall time of one process, measured by hyperfine (`-N`, no shell); "
       "*CPU*: mean user + system time. *÷ mlf*: the peer's median divided by mlf's.\n"]
if train_md:
    md += [f"## Training: one epoch of the Fashion-MNIST CNN on {env['TRAIN_SAMPLES']} images\n",
           "The CNN, `prep` and optimiser of `examples/fashion/fashion.mlflow`, batch 128, 1 epoch. "
           "mlf: `mlf run` with the prepared subset already in its store and only the train stage "
           "to run (its result record removed before each run). Runs interleaved, "
           f"{env['TRAIN_REPEATS']} of each.\n"]
    md += train_md
    md += ["",
           "*wall s*, *CPU s* (user + system): the whole process — mlf: compiling the file, "
           "opening the store, loading the LibTorch module, reading the prepared images from the "
           "store, training, storing the weights and writing the records; C++: loading LibTorch "
           "(dynamic linking), reading and preparing the images from the `.gz` files, training; "
           "Python: the interpreter, `import torch`, the same reading, training. "
           "*in-process s*: mlf: the train node's `seconds` in the run record (loading the "
           "module, reading the data from the store, building the model, the epoch, storing the "
           "weights); C++ and Python: their own timer around building the model and the epoch "
           "(no loading). *min*: the fastest of the runs, the one least disturbed by other work "
           "on the machine; the ratios and the targets use the minima of the whole-process "
           "figures, the medians show how much the load moved them.\n"]
busy = max(float(env["LOAD_BEFORE"].split()[0]), float(env["LOAD_AFTER"].split()[0]))
if busy > int(env["BENCH_NPROC"]):
    md += [f"**The machine was busy** (1-minute load average up to {busy:.1f} on "
           f"{env['BENCH_NPROC']} CPUs): every process got only part of a CPU, so the wall times "
           "are inflated, the peers' as much as mlf's. The CPU columns and the ratios are the more "
           "reliable figures; re-run on an idle machine before quoting absolute times.\n"]
with open(env["RESULTS_MD"], "w") as f:
    f.write("\n".join(md))
PY

log "wrote $RESULTS_MD"
