#!/usr/bin/env bash
# bench/frontend.sh — the front-end benchmark: how long mlf takes to check and compile a
# large pipeline, next to how long Snakemake and ninja take to decide that a pipeline of the
# same size has nothing to do.
#
# One run of this script generates every input, measures everything and writes
# bench/results/frontend.md. See bench/README.md.
#
# Cases
#   "1000 stages"  — a fan-out. In .mlflow: one IDX reader; 100 datasets `take(all, n: ...)`,
#                    each split into a training and a validation part; on each, 5 models
#                    trained with different learning rates and evaluated: 500 `train` +
#                    500 `evaluate` = 1000 `stage` declarations, and 500 `expect` gates.
#                    For Snakemake and ninja: the same shape of graph, one rule (build
#                    edge) per node: 100 dataset rules reading the input file, 500 train rules
#                    each reading its dataset, 500 evaluate rules each reading its train
#                    output and its dataset (1100 rules, + `all`).
#   "200-step chain" — every step depends on the previous one. The language has no data flow
#                    from stage to stage except evaluate(train) and dataset ops, so the chain
#                    is modelled as 200 dataset ops in a row, alternately shuffle and take
#                    (c1 = shuffle(c0), c2 = take(c1, n: ...), ... c200), on an IDX reader c0,
#                    ending in one train and one evaluate on c200. For Snakemake and ninja:
#                    200 rules (edges) s1..s200, s1 reading the input file, each next one
#                    reading the previous output; the command is `touch {output}`.
#
# What is measured (hyperfine, wall time)
#   mlf check / mlf build -o PLAN on both files, cold (the project's .mlf/ — the file
#   digest cache — deleted before every run) and warm (digests cached);
#   snakemake -j1 --quiet and ninja with every output up to date (the no-op rerun);
#   `mlf --version`, the cost of starting the process at all.
#
# Settings (environment variables)
#   MLF=path/to/mlf      the binary to measure (default: build-bench/mlf, which the script
#                        first brings up to date with `cmake --build`, Release)
#   RUNS, WARMUP         hyperfine runs and warm-up runs for mlf and ninja (10, 2)
#   SLOW_RUNS, SLOW_WARMUP   the same for Snakemake, whose no-op takes seconds (5, 1)
#   SNAKEMAKE_FULL_FIRST_RUN=1   bring the 1000-stage Snakemake pipeline up to date by
#                        running it (≈ 2–5 min: Snakemake spends ~0.1–0.25 s a job) instead
#                        of creating its outputs in dependency order with `touch` (default).
#   BENCH_WORK=DIR       scratch folder (default bench/work/frontend, git-ignored)
#
# Exit status: 0 when everything ran (the PASS/FAIL column is a report, not a test);
# non-zero when a tool is missing or a command fails.

set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=${BENCH_WORK:-$REPO/bench/work/frontend}
RESULTS_DIR=$REPO/bench/results
RESULTS_MD=$RESULTS_DIR/frontend.md
MLF_GIVEN=${MLF:-}
MLF=${MLF:-$REPO/build-bench/mlf}
RUNS=${RUNS:-10}
WARMUP=${WARMUP:-2}
SLOW_RUNS=${SLOW_RUNS:-5}
SLOW_WARMUP=${SLOW_WARMUP:-1}
SNAKEMAKE_FULL_FIRST_RUN=${SNAKEMAKE_FULL_FIRST_RUN:-0}
TARGET_MS=100          # the issue's target: 1000 stages, check and build, ≤ 100 ms each

DATASETS=100           # 1000-stage case: datasets × MODELS_PER × (train + evaluate)
MODELS_PER=5
CHAIN=200              # chain length

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'frontend.sh: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------
# Tools
for tool in python3 snakemake ninja hyperfine; do
  command -v "$tool" >/dev/null ||
    die "$tool not found (Debian: apt-get install snakemake ninja-build hyperfine python3)"
done
if [[ -z ${MLF_GIVEN:-} ]]; then
  # Bring build-bench/mlf up to date with the tree (incremental), so that the commit in the
  # report is what was measured.
  log "building mlf in $REPO/build-bench (Release)"
  build_log=$(mktemp)
  if ! { [[ -f $REPO/build-bench/build.ninja ]] ||
           cmake -S "$REPO" -B "$REPO/build-bench" -G Ninja -DCMAKE_BUILD_TYPE=Release; } \
       >"$build_log" 2>&1 ||
     ! cmake --build "$REPO/build-bench" --target mlf >>"$build_log" 2>&1; then
    tail -n 30 "$build_log" >&2
    die "building mlf failed (log: $build_log)"
  fi
  rm -f "$build_log"
fi
[[ -x $MLF ]] || die "no mlf binary at $MLF"
MLF=$(cd "$(dirname "$MLF")" && pwd)/$(basename "$MLF")

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
STARTED=$(date +%s)

# ---------------------------------------------------------------------------------------
# 1. Inputs
log "generating inputs in $WORK"
rm -rf "$WORK"
mkdir -p "$WORK"/{data,mlf/wide,mlf/chain,snakemake/wide,snakemake/chain,ninja/wide,ninja/chain,json}

python3 - "$WORK" "$DATASETS" "$MODELS_PER" "$CHAIN" <<'PY'
import os, random, struct, sys

work, datasets, models_per, chain = sys.argv[1], *map(int, sys.argv[2:5])
rng = random.Random(20261124)

# A tiny IDX pair: 256 images of 8×8 u8, labels 0..9 (real headers, real bytes to digest).
n, h, w = 256, 8, 8
with open(f"{work}/data/images-idx3-ubyte", "wb") as f:
    f.write(struct.pack(">BBBBIII", 0, 0, 0x08, 3, n, h, w))
    f.write(bytes(rng.randrange(256) for _ in range(n * h * w)))
with open(f"{work}/data/labels-idx1-ubyte", "wb") as f:
    f.write(struct.pack(">BBBBI", 0, 0, 0x08, 1, n))
    f.write(bytes(i % 10 for i in range(n)))
with open(f"{work}/data/input", "w") as f:          # the peers' source file
    f.write("input\n")

def write(path, text):
    with open(path, "w") as f:
        f.write(text)

reader = 'idx(images: "../../data/images-idx3-ubyte", labels: "../../data/labels-idx1-ubyte")'
lrs = [f"{0.01 * (j + 1):.2f}" for j in range(models_per)]

# ---- mlf, 1000 stages
out = ["# generated by bench/frontend.sh: the 1000-stage fan-out", "pipeline wide", "seed 1", "",
       f"dataset all = {reader}",
       "augment prep = [ to_float(scale: 1/255), normalize(mean: 0.5, std: 0.25) ]",
       "model mlp = sequential [ flatten, linear(out: 32), relu, linear(out: 10) ]", ""]
for i in range(datasets):
    out.append(f"dataset d{i} = take(all, n: {100 + i})")
    out.append(f"dataset t{i} = split(d{i}, fraction: 0.8)")
    out.append(f'dataset v{i} = split(d{i}, fraction: 0.8, part: "second")')
    for j, lr in enumerate(lrs):
        out.append(f"stage fit_{i}_{j} = train(mlp, data: t{i} |> prep, loss: cross_entropy,\n"
                   f"                  optimizer: sgd(lr: {lr}, momentum: 0.9), epochs: 2, batch: 16)")
        out.append(f"stage score_{i}_{j} = evaluate(fit_{i}_{j}, data: v{i} |> prep, "
                   f"metrics: [accuracy, loss])")
        out.append(f"expect score_{i}_{j}.accuracy >= 0.1")
    out.append("")
write(f"{work}/mlf/wide/wide.mlflow", "\n".join(out) + "\n")

# ---- mlf, 200-step chain
out = ["# generated by bench/frontend.sh: a chain of dataset ops, then train + evaluate",
       "pipeline chain", "seed 1", "", f"dataset c0 = {reader}"]
for k in range(1, chain + 1):
    if k % 2:
        out.append(f"dataset c{k} = shuffle(c{k - 1})")
    else:
        out.append(f"dataset c{k} = take(c{k - 1}, n: {n - k // 2})")
out += ["",
        "augment prep = [ to_float(scale: 1/255) ]",
        "model mlp = sequential [ flatten, linear(out: 10) ]",
        f"stage fit = train(mlp, data: c{chain} |> prep, loss: cross_entropy,",
        "                  optimizer: sgd(lr: 0.1), epochs: 1, batch: 16)",
        f"stage score = evaluate(fit, data: c{chain} |> prep, metrics: [accuracy])",
        "expect score.accuracy >= 0.1"]
write(f"{work}/mlf/chain/chain.mlflow", "\n".join(out) + "\n")
# An empty mlflow.toml pins each project root (and its .mlf/ store) to its own folder.
write(f"{work}/mlf/wide/mlflow.toml", "")
write(f"{work}/mlf/chain/mlflow.toml", "")

# ---- the peers' graphs: (output, [inputs]) in dependency order
src = "../../data/input"
wide_edges = []
for i in range(datasets):
    wide_edges.append((f"d{i}", [src]))
for i in range(datasets):
    for j in range(models_per):
        wide_edges.append((f"fit_{i}_{j}", [f"d{i}"]))
        wide_edges.append((f"score_{i}_{j}", [f"fit_{i}_{j}", f"d{i}"]))
wide_final = [o for o, _ in wide_edges if o.startswith("score_")]
chain_edges = [(f"s{k}", [src if k == 1 else f"s{k - 1}"]) for k in range(1, chain + 1)]
chain_final = [f"s{chain}"]

def snakefile(edges, final):
    rules = ["rule all:\n    input: " + ", ".join(f'"{o}"' for o in final) + "\n"]
    for o, ins in edges:
        rules.append(f"rule {o}:\n    input: " + ", ".join(f'"{x}"' for x in ins) +
                     f'\n    output: "{o}"\n    shell: "touch {{output}}"\n')
    return "# generated by bench/frontend.sh\n" + "\n".join(rules)

def ninjafile(edges, final):
    lines = ["# generated by bench/frontend.sh", "rule touch", "  command = touch $out", ""]
    for o, ins in edges:
        lines.append(f"build {o}: touch " + " ".join(ins))
    lines += ["", "build all: phony " + " ".join(final), "default all"]
    return "\n".join(lines) + "\n"

for case, edges, final in (("wide", wide_edges, wide_final), ("chain", chain_edges, chain_final)):
    write(f"{work}/snakemake/{case}/Snakefile", snakefile(edges, final))
    write(f"{work}/ninja/{case}/build.ninja", ninjafile(edges, final))
    # outputs in dependency order, one batch per level, for the touch-based set-up
    with open(f"{work}/snakemake/{case}/outputs-by-level", "w") as f:
        level = {src: 0}
        for o, ins in edges:
            level[o] = 1 + max(level[x] for x in ins)
        for o, _ in edges:
            f.write(f"{level[o]} {o}\n")
PY

# mlf caches a file's digest only once the file is older than its 2 s racy window; date the
# generated data back so that the warm runs do find their digests cached.
touch -d '@'$(( $(date +%s) - 600 )) "$WORK"/data/*

# ---------------------------------------------------------------------------------------
# 2. mlf must accept both files
declare -A SUMMARY
for c in wide chain; do
  file=$WORK/mlf/$c/$c.mlflow
  if ! SUMMARY[$c]=$("$MLF" check --color never "$file" 2>&1); then
    printf '%s\n' "${SUMMARY[$c]}" >&2
    die "mlf check failed on $file"
  fi
  "$MLF" build --color never "$file" -o "$WORK/mlf/$c/plan.toml" >/dev/null ||
    die "mlf build failed on $file"
  [[ -s $WORK/mlf/$c/.mlf/digests.toml ]] ||
    die "mlf did not cache the data digests in $WORK/mlf/$c/.mlf (warm runs would be cold)"
  SUMMARY[$c]=$(printf '%s\n' "${SUMMARY[$c]}" | tail -n1)
  log "mlf: ${SUMMARY[$c]}"
done
grep -c '^stage ' "$WORK/mlf/wide/wide.mlflow" | {
  read -r stages; [[ $stages -ge 1000 ]] || die "only $stages stage declarations"; }

# ---------------------------------------------------------------------------------------
# 3. Bring the peers' outputs up to date
log "ninja: first run"
for c in wide chain; do
  ninja -C "$WORK/ninja/$c" >/dev/null
  ninja -C "$WORK/ninja/$c" -n | grep -q 'no work to do' || die "ninja ($c) is not up to date"
done

log "snakemake: first run of the chain"
(cd "$WORK/snakemake/chain" && snakemake -j2 --quiet >/dev/null 2>&1) ||
  die "snakemake failed on the chain"
if [[ $SNAKEMAKE_FULL_FIRST_RUN == 1 ]]; then
  log "snakemake: first run of the 1000-stage pipeline (slow)"
  (cd "$WORK/snakemake/wide" && snakemake -j2 --quiet >/dev/null 2>&1) ||
    die "snakemake failed on the 1000-stage pipeline"
  SNAKE_WIDE_SETUP="run once by Snakemake (-j2)"
else
  log "snakemake: creating the 1000-stage outputs in dependency order"
  (cd "$WORK/snakemake/wide" &&
    for lvl in $(cut -d' ' -f1 outputs-by-level | sort -un); do
      awk -v l="$lvl" '$1 == l { print $2 }' outputs-by-level | xargs touch
      sleep 0.05
    done)
  SNAKE_WIDE_SETUP="outputs created with touch in dependency order (no .snakemake/metadata)"
fi
for c in wide chain; do
  (cd "$WORK/snakemake/$c" && snakemake -j1 -n 2>&1) | grep -q 'Nothing to be done' ||
    die "snakemake ($c) is not up to date"
done

# ---------------------------------------------------------------------------------------
# 4. Measure
# bench NAME RUNS WARMUP [hyperfine options...] -- COMMAND...
bench() {
  local name=$1 runs=$2 warmup=$3; shift 3
  local opts=()
  while [[ $1 != -- ]]; do opts+=("$1"); shift; done
  shift
  log "hyperfine: $name"
  hyperfine -N --style basic --runs "$runs" --warmup "$warmup" "${opts[@]}" \
    --export-json "$WORK/json/$name.json" --command-name "$name" -- "$*" >&2
}

# Process start alone (dynamic linking, static initialisers): the floor under every mlf row.
bench "mlf-start" "$RUNS" "$WARMUP" -- "$MLF" --version

for c in wide chain; do
  file=$WORK/mlf/$c/$c.mlflow
  plan=$WORK/mlf/$c/plan.toml
  store=$WORK/mlf/$c/.mlf
  bench "$c.mlf-check-cold" "$RUNS" "$WARMUP" --prepare "rm -rf $store" -- \
    "$MLF" check --color never "$file"
  bench "$c.mlf-build-cold" "$RUNS" "$WARMUP" --prepare "rm -rf $store" -- \
    "$MLF" build --color never "$file" -o "$plan"
  "$MLF" check --color never "$file" >/dev/null 2>&1   # fill the digest cache
  bench "$c.mlf-check-warm" "$RUNS" "$WARMUP" -- "$MLF" check --color never "$file"
  bench "$c.mlf-build-warm" "$RUNS" "$WARMUP" -- \
    "$MLF" build --color never "$file" -o "$plan"
  bench "$c.ninja-noop" "$RUNS" "$WARMUP" -- ninja -C "$WORK/ninja/$c"
  bench "$c.snakemake-noop" "$SLOW_RUNS" "$SLOW_WARMUP" -- \
    snakemake -j1 -d "$WORK/snakemake/$c" -s "$WORK/snakemake/$c/Snakefile" --quiet
done

# The measured no-ops must still have been no-ops.
for c in wide chain; do
  ninja -C "$WORK/ninja/$c" -n | grep -q 'no work to do' || die "ninja ($c) did work"
  (cd "$WORK/snakemake/$c" && snakemake -j1 -n 2>&1) | grep -q 'Nothing to be done' ||
    die "snakemake ($c) has work to do"
done

# ---------------------------------------------------------------------------------------
# 5. Report
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
ELAPSED=$(( $(date +%s) - STARTED ))
mkdir -p "$RESULTS_DIR"

export WORK RESULTS_MD TARGET_MS RUNS WARMUP SLOW_RUNS SLOW_WARMUP LOAD_BEFORE LOAD_AFTER \
  ELAPSED SNAKE_WIDE_SETUP
export BENCH_DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
export BENCH_NPROC=$(nproc)
export BENCH_CPU=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
export BENCH_KERNEL=$(uname -r)
export V_MLF=$("$MLF" --version 2>&1 | head -1)
export V_COMMIT=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)$(
  git -C "$REPO" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')
export V_SNAKEMAKE=$(snakemake --version 2>&1 | head -1)
export V_NINJA=$(ninja --version 2>&1 | head -1)
export V_HYPERFINE=$(hyperfine --version 2>&1 | head -1)
export SUM_WIDE=${SUMMARY[wide]##*: } SUM_CHAIN=${SUMMARY[chain]##*: }

python3 - <<'PY'
import json, os

env = os.environ
work, target = env["WORK"], float(env["TARGET_MS"])
cases = [("wide", "1000 stages"), ("chain", "200-step chain")]
tools = [("mlf-check-cold", "mlf check (cold)"), ("mlf-check-warm", "mlf check (warm)"),
         ("mlf-build-cold", "mlf build (cold)"), ("mlf-build-warm", "mlf build (warm)"),
         ("snakemake-noop", "snakemake no-op"), ("ninja-noop", "ninja no-op")]

def load(case, tool):
    with open(f"{work}/json/{case}.{tool}.json") as f:
        r = json.load(f)["results"][0]
    return r["median"] * 1e3, r["min"] * 1e3, (r["user"] + r["system"]) * 1e3, len(r["times"])

def ratio(x):
    return f"{x:.1f}×" if x >= 10 else f"{x:.2f}×"

header = ["case", "tool", "median ms", "min ms", "CPU ms", "runs", "÷ mlf check warm",
          "÷ mlf build warm", f"target ≤ {target:.0f} ms"]
rows = []
for case, case_name in cases:
    data = {t: load(case, t) for t, _ in tools}
    ref_check, ref_build = data["mlf-check-warm"][0], data["mlf-build-warm"][0]
    for t, name in tools:
        med, mn, cpu, n = data[t]
        peer = not t.startswith("mlf")
        verdict = "—"
        if case == "wide" and not peer:
            verdict = "PASS" if med <= target else "FAIL"
        rows.append([case_name, name, f"{med:.1f}", f"{mn:.1f}", f"{cpu:.1f}", str(n),
                     ratio(med / ref_check) if peer else "—",
                     ratio(med / ref_build) if peer else "—", verdict])

widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
def line(cells):
    return "  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
print()
print(line(header))
print(line(["-" * w for w in widths]))
for r in rows:
    print(line(r))
print()

md = []
md.append("# Front-end benchmark\n")
md.append(f"Generated by `bash bench/frontend.sh` on {env['BENCH_DATE']} "
          f"(generating, setting up and measuring took {env['ELAPSED']} s).\n")
md.append("| | |\n|---|---|")
md.append(f"| machine | {env['BENCH_NPROC']} × {env['BENCH_CPU']}, Linux {env['BENCH_KERNEL']} |")
md.append(f"| load average (1, 5, 15 min) | before {env['LOAD_BEFORE']}; after {env['LOAD_AFTER']} |")
md.append(f"| mlf | {env['V_MLF']}, commit {env['V_COMMIT']}, Release build |")
md.append(f"| snakemake | {env['V_SNAKEMAKE']} |")
md.append(f"| ninja | {env['V_NINJA']} |")
md.append(f"| hyperfine | {env['V_HYPERFINE']} |")
md.append(f"| runs | mlf and ninja: {env['RUNS']} (+{env['WARMUP']} warm-up); "
          f"snakemake: {env['SLOW_RUNS']} (+{env['SLOW_WARMUP']} warm-up) |")
md.append(f"| 1000 stages | mlf: {env['SUM_WIDE']}; peers: 1100 rules (+ `all`) |")
md.append(f"| 200-step chain | mlf: {env['SUM_CHAIN']}; peers: 200 rules (+ `all`) |")
md.append(f"| snakemake set-up, 1000 stages | {env['SNAKE_WIDE_SETUP']} |")
with open(f"{work}/json/mlf-start.json") as f:
    start = json.load(f)["results"][0]
md.append(f"| mlf process start (`mlf --version`) | median {start['median'] * 1e3:.1f} ms, "
          f"CPU {(start['user'] + start['system']) * 1e3:.1f} ms |")
md.append("")
md.append("| " + " | ".join(header) + " |")
md.append("|" + "|".join(["---", "---"] + ["---:"] * (len(header) - 2)) + "|")
for r in rows:
    md.append("| " + " | ".join(r) + " |")
md.append("")
md.append("*median*, *min*: wall time of one process, measured by hyperfine (`-N`, no "
          "shell); *CPU*: mean user + system time of the process. *cold*: the "
          "project's `.mlf/` (file digest cache) deleted before every run; *warm*: digests "
          "cached. Peers: the no-op rerun with every output up to date (`snakemake -j1 "
          "--quiet`, `ninja`). The ratio columns divide a peer's median by mlf's warm median "
          f"for the same case. The target (the issue's: 1000 stages, check and build, ≤ "
          f"{target:.0f} ms) applies to the median of each mlf command on the 1000-stage file.")
busy = max(float(env["LOAD_BEFORE"].split()[0]), float(env["LOAD_AFTER"].split()[0]))
if busy > int(env["BENCH_NPROC"]):
    md.append("")
    md.append(f"**The machine was busy** (1-minute load average up to {busy:.1f} on "
              f"{env['BENCH_NPROC']} CPUs): every process got only part of a CPU, so the wall "
              "times are inflated, the peers' as much as mlf's. The CPU column and the ratios "
              "are the more reliable figures; re-run on an idle machine before quoting "
              "absolute times.")
md.append("")
with open(env["RESULTS_MD"], "w") as f:
    f.write("\n".join(md))
PY

log "wrote $RESULTS_MD"
