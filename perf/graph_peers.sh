#!/usr/bin/env bash
# e3j against each package's OWN jitted energy + forces (nequip-eqx, jax-md) on the same model and
# structures (M and C shaped), in one run; prints package / e3j ratios. Outside CI.
#
#   perf/graph_peers.sh [OUT_DIR]        (from anywhere; OUT_DIR default perf/results/graph-peers-<date>)
#
# Steps (python/e3j_jax/bench_graph_peers.py does the Python parts):
#  (1) prepare: in $WORK (default perf/.graph-peers-work, git-ignored; remade every run) a model per
#      package shaped like perf's bench model, built and initialised by the package's own code, saved in
#      the package's own format and exported with e3j_jax.export to WORK/<package>.safetensors; the
#      structures M (perf/models/case_M), C (case_C, periodic) and Copen (256 Cu, open cluster) as XYZ;
#  (2) e3j eval of every (package, case) pair, then the check: e3j's energy within 1e-5 max(1,|E|) of
#      the package's (else exit 1: a timing of two different models means nothing);
#  (3) each package's jax.jit(value_and_grad) (XLA's default threads), min / median after warm-up;
#  (4) ./e3j bench -m WORK/<package>.safetensors -s WORK/<case>.xyz -t T for T in $THREADS;
#  (5) the table -> OUT_DIR/summary.txt. Nothing runs concurrently.
#
# Env: THREADS ("1 2"), ENGINE (fast; "reference" only to smoke-test the script), REPS (50: package timed
# calls at most), BUDGET (30: package seconds per row for warm-up and for timing, each), WARMUP (10: package
# warm-up calls at most), E3J_WARMUP (5) / E3J_TIME (10): seconds of warm-up and measurement of e3j bench,
# PAIRS (all: e.g. "jax-md:M,nequip-eqx:M"), WORK, PYTHON (python/.venv/bin/python or /work/main's),
# JAVA_HOME (temurin-25).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
OUT=${1:-perf/results/graph-peers-$(date +%F-%H%M)}
WORK=${WORK:-perf/.graph-peers-work}
THREADS=${THREADS:-1 2}; ENGINE=${ENGINE:-fast}
REPS=${REPS:-50}; BUDGET=${BUDGET:-30}; WARMUP=${WARMUP:-10}; E3J_WARMUP=${E3J_WARMUP:-5}; E3J_TIME=${E3J_TIME:-10}
PAIRS=${PAIRS:-}
if [ -z "${JAVA_HOME:-}" ] && [ -d /usr/lib/jvm/temurin-25-jdk-amd64 ]; then JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64; fi
export JAVA_HOME
if [ -z "${PYTHON:-}" ]; then
  PYTHON=python/.venv/bin/python
  [ -x "$PYTHON" ] || PYTHON=/work/main/python/.venv/bin/python
fi
[ -x "$PYTHON" ] || { echo "graph_peers.sh: no Python venv ($PYTHON): run python/setup_venv.sh or set PYTHON" >&2; exit 2; }
PYTHON=$(cd "$(dirname "$PYTHON")" && pwd)/$(basename "$PYTHON")
export PYTHONPATH="$ROOT/python${PYTHONPATH:+:$PYTHONPATH}" JAX_PLATFORMS=cpu
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
load() { cut -d' ' -f1-3 /proc/loadavg; }
peers() { "$PYTHON" -m e3j_jax.bench_graph_peers "$@"; }

{
  echo "date: $(date -Is)"; echo "host: $(hostname)"; uname -a
  grep -m1 "model name" /proc/cpuinfo || true; echo "cores: $(nproc)"
  echo "load before: $(load)"
  "$JAVA_HOME/bin/java" -version 2>&1 | head -1
  echo "e3j commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' (+ uncommitted changes)')"
  echo "e3j engine: $ENGINE; threads: $THREADS; e3j bench --warmup $E3J_WARMUP --time $E3J_TIME"
  echo "package timing: reps $REPS, budget $BUDGET s, warm-up $WARMUP calls; XLA default threads"
} > "$OUT/machine.txt"

# (1) models and structures
echo "== prepare $WORK (models by nequip-eqx / jax-md, exported; structures)" >&2
rm -rf "$WORK"
peers prepare "$WORK" --root "$ROOT" 2> >(tee "$OUT/prepare.txt" >&2)
cp "$WORK/plan.json" "$OUT/plan.json"
pairs=$("$PYTHON" -c "import json,sys; print(' '.join(f'{p}:{c}' for p, c in json.load(open(sys.argv[1]))['pairs']))" "$WORK/plan.json")
if [ -n "$PAIRS" ]; then pairs=$(echo "$PAIRS" | tr ',' ' '); fi
only=$(echo $pairs | tr ' ' ',')

# (3 first for its references, then 2) the package timing also writes the energies and forces the check reads
echo "== package jax.jit energy+forces (load $(load))" >&2
echo "load before packages: $(load)" >> "$OUT/machine.txt"
peers time "$WORK" --reps "$REPS" --budget "$BUDGET" --warmup "$WARMUP" --only "$only" > "$OUT/peers.jsonl"
echo "load after packages: $(load)" >> "$OUT/machine.txt"

echo "== e3j eval ($ENGINE) and the energy check" >&2
./e3j --version > /dev/null 2>&1 || true   # build once, outside any timing
for pc in $pairs; do
  p=${pc%%:*}; c=${pc##*:}
  ./e3j eval --engine "$ENGINE" -m "$WORK/$p.safetensors" "$WORK/$c.xyz" -o "$OUT/eval-$p-$c.xyz" > /dev/null
done
peers check "$WORK" "$OUT" | tee "$OUT/check.txt" >&2 \
  || { echo "graph_peers.sh: e3j and the package disagree (see $OUT/check.txt): not timing different models" >&2; exit 1; }

# (4) e3j bench
echo "== e3j bench ($ENGINE engine, load $(load))" >&2
echo "load before e3j: $(load)" >> "$OUT/machine.txt"
: > "$OUT/e3j.jsonl"
for pc in $pairs; do
  p=${pc%%:*}; c=${pc##*:}
  for t in $THREADS; do
    ./e3j bench --engine "$ENGINE" -m "$WORK/$p.safetensors" -s "$WORK/$c.xyz" -t "$t" \
      --warmup "$E3J_WARMUP" --time "$E3J_TIME" > "$OUT/bench-$p-$c-t$t.txt" 2>&1 \
      || { echo "graph_peers.sh: e3j bench $p $c -t $t failed:" >&2; tail -3 "$OUT/bench-$p-$c-t$t.txt" >&2; exit 1; }
    peers parse-bench --package "$p" --case "$c" --threads "$t" --engine "$ENGINE" < "$OUT/bench-$p-$c-t$t.txt" >> "$OUT/e3j.jsonl"
  done
done
echo "load after e3j: $(load)" >> "$OUT/machine.txt"
echo "load after: $(load)" >> "$OUT/machine.txt"

# (5) the table
peers summary "$WORK" "$OUT" | tee "$OUT/summary.txt"
