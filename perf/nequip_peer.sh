#!/usr/bin/env bash
# NequIP 0.19 (PyTorch, eager and AOTInductor as `nequip-compile --mode aotinductor` makes it) against e3j on
# e3j's perf cases M and C, energy + forces + stress, on e3j's exact graphs, 1 and 2 threads, in one run;
# prints the medians and the ratios NequIP / e3j. Outside CI: torch from PyPI is gigabytes.
#
#   perf/nequip_peer.sh [OUT_DIR]       (from anywhere; OUT_DIR default perf/results/nequip-peer-<date>)
#
# Steps: (1) venv $NEQUIP_VENV (default perf/.venv-nequip, git-ignored) with torch==$TORCH_VERSION and
# nequip==$NEQUIP_VERSION from PyPI, made once; (2) in $NEQUIP_WORK (default perf/.nequip-peer-work,
# git-ignored, reused between runs; REBUILD=1 redoes it) the matched model with and without NequIP's
# self-connection (perf/nequip_peer/make_inputs.py), a Lightning checkpoint of it from `nequip-train` (one
# epoch at learning rate 0: NequIP's own random init, speed only), and `nequip-compile --mode aotinductor
# --target ase --device cpu` once per thread count (OMP_NUM_THREADS=T at compile time: Inductor bakes the
# thread count into its kernels); (3) e3j: JMH ModelForcesBench (FastPotential.compute) on M and C at 1 and 2
# threads (perf/target/benchmarks.jar, built if missing); (4) NequIP eager and AOTI (perf/nequip_peer/bench.py);
# (5) the table (perf/nequip_peer/summary.py) -> OUT_DIR/summary.txt. Nothing runs concurrently.
#
# Env: THREADS ("1 2"), VARIANTS ("sc nosc"), REPS (30: NequIP timed calls per row, at most), BUDGET (20: NequIP
# seconds per row), WARMUP (3), FORKS (1), WI (4), I (5): JMH forks and 2 s warm-up / measurement iterations
# (use FORKS=3 WI=8 on a quiet machine), SETUP_ONLY=1 (venv and compiled models, no timing), SKIP_E3J=1 (reuse OUT_DIR/jmh-forces.json), JAVA_HOME (temurin-25).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-perf/results/nequip-peer-$(date +%F-%H%M)}
VENV=${NEQUIP_VENV:-perf/.venv-nequip}
WORK=${NEQUIP_WORK:-perf/.nequip-peer-work}
TORCH_VERSION=${TORCH_VERSION:-2.13.0}
NEQUIP_VERSION=${NEQUIP_VERSION:-0.19.1}
THREADS=${THREADS:-1 2}; VARIANTS=${VARIANTS:-sc nosc}
REPS=${REPS:-30}; BUDGET=${BUDGET:-20}; WARMUP=${WARMUP:-3}; FORKS=${FORKS:-1}; WI=${WI:-4}; I=${I:-5}
if [ -z "${JAVA_HOME:-}" ] && [ -d /usr/lib/jvm/temurin-25-jdk-amd64 ]; then JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64; fi
export JAVA_HOME
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
mkdir -p "$OUT" "$WORK"
OUT=$(cd "$OUT" && pwd); WORK=$(cd "$WORK" && pwd)
load() { cut -d' ' -f1-3 /proc/loadavg; }

# (1) the venv
if [ ! -x "$VENV/bin/nequip-compile" ]; then
  echo "== venv $VENV: torch==$TORCH_VERSION nequip==$NEQUIP_VERSION from PyPI (several GB)" >&2
  PY311=$(command -v python3.11 || command -v python3)
  "$PY311" -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q "torch==$TORCH_VERSION" "nequip==$NEQUIP_VERSION"
fi
VENV=$(cd "$VENV" && pwd)   # absolute: nequip-train runs inside $WORK
PY=$VENV/bin/python
have=$("$PY" -c "import torch, nequip; print(torch.__version__.split('+')[0], nequip.__version__)" 2>/dev/null | grep -v '^\[' | tail -1)
if [ "$have" != "$TORCH_VERSION $NEQUIP_VERSION" ]; then
  echo "nequip_peer.sh: $VENV has torch/nequip '$have', expected '$TORCH_VERSION $NEQUIP_VERSION' (remove the venv or set TORCH_VERSION/NEQUIP_VERSION)" >&2
  exit 2
fi

{
  echo "date: $(date -Is)"; echo "host: $(hostname)"; uname -a
  grep -m1 "model name" /proc/cpuinfo || true; echo "cores: $(nproc)"
  echo "load at start: $(load)"
  "$JAVA" -version 2>&1 | head -1
  "$VENV/bin/pip" list 2>/dev/null | grep -iE '^(torch|nequip|e3nn|numpy) '
  echo "c++: $(c++ --version | head -1)"
} > "$OUT/machine.txt"

# (2) matched models: checkpoint, then one AOTI artifact per thread count
if [ -n "${REBUILD:-}" ]; then rm -rf "$WORK"/train-* "$WORK"/*.nequip.pt2; fi
"$PY" perf/nequip_peer/make_inputs.py "$WORK" >&2
for v in $VARIANTS; do
  if [ ! -s "$WORK/train-$v/last.ckpt" ]; then
    echo "== nequip-train $v (1 epoch, lr 0: the checkpoint nequip-compile reads)" >&2
    (cd "$WORK" && "$VENV/bin/nequip-train" -cp "$WORK" -cn "$v.yaml" hydra.run.dir="$WORK/train-$v" > "$WORK/train-$v.log" 2>&1) \
      || { echo "nequip_peer.sh: nequip-train $v failed, see $WORK/train-$v.log" >&2; exit 1; }
  fi
  for t in $THREADS; do
    if [ ! -s "$WORK/$v-t$t.nequip.pt2" ]; then
      echo "== nequip-compile $v, $t thread(s) (load $(load); minutes)" >&2
      s=$(date +%s)
      OMP_NUM_THREADS=$t "$VENV/bin/nequip-compile" "$WORK/train-$v/last.ckpt" "$WORK/$v-t$t.nequip.pt2.tmp.nequip.pt2" \
        --mode aotinductor --device cpu --target ase > "$WORK/compile-$v-t$t.log" 2>&1 \
        || { echo "nequip_peer.sh: nequip-compile $v t$t failed, see $WORK/compile-$v-t$t.log" >&2; exit 1; }
      mv "$WORK/$v-t$t.nequip.pt2.tmp.nequip.pt2" "$WORK/$v-t$t.nequip.pt2"
      echo "compile $v t$t: $(( $(date +%s) - s )) s, load after $(load)" >> "$OUT/machine.txt"
    fi
  done
done

if [ -n "${SETUP_ONLY:-}" ]; then   # venv and compiled models only (e.g. while the machine is busy): time later
  echo "nequip_peer.sh: set-up done in $VENV and $WORK" >&2; exit 0
fi

# (3) e3j
if [ -z "${SKIP_E3J:-}" ] || [ ! -s "$OUT/jmh-forces.json" ]; then
  if [ ! -s perf/target/benchmarks.jar ]; then
    echo "== building perf/target/benchmarks.jar" >&2
    mvn -o -B -q -DskipTests -pl engine,perf -am package >&2
  fi
  echo "== e3j JMH ModelForcesBench (load $(load))" >&2
  echo "load before e3j: $(load)" >> "$OUT/machine.txt"
  tlist=$(echo $THREADS | tr ' ' ',')
  "$JAVA" -jar perf/target/benchmarks.jar 'ModelForcesBench' -p bcase=M,C -p threads="$tlist" -f "$FORKS" \
    -wi "$WI" -w 2s -i "$I" -r 2s -rf json -rff "$OUT/jmh-forces.json" > "$OUT/jmh-forces.txt" 2>&1
  echo "load after e3j: $(load)" >> "$OUT/machine.txt"
fi

# (4) NequIP
echo "== NequIP eager and AOTInductor (load $(load))" >&2
echo "load before NequIP: $(load)" >> "$OUT/machine.txt"
"$PY" perf/nequip_peer/bench.py --work "$WORK" --threads $THREADS --variants $VARIANTS --reps "$REPS" \
  --budget "$BUDGET" --warmup "$WARMUP" > "$OUT/nequip.jsonl"
echo "load after NequIP: $(load)" >> "$OUT/machine.txt"

# (5) the table
"$PY" perf/nequip_peer/summary.py "$OUT" | tee "$OUT/summary.txt"
