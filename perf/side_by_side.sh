#!/usr/bin/env bash
# e3nn-jax (jax.jit, CPU, all cores, after warm-up) and e3j (JMH, fast engine) on the same model
# files and structures, in one go; prints a table of times and ratios and the FMA-peak efficiency.
#
#   perf/side_by_side.sh [OUT_DIR]        (from the repository root; builds nothing: run
#                                          mvn -o install -DskipTests first)
# Env: FORKS (3), WI (5), I (5), REPS (300, JAX timed calls), JAVA_HOME (default temurin-25), SKIP_JAX.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-perf/results/side-by-side-$(date +%F-%H%M)}
mkdir -p "$OUT"
if [ -z "${JAVA_HOME:-}" ] && [ -d /usr/lib/jvm/temurin-25-jdk-amd64 ]; then JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64; fi
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java   # JDK 25: the benchmarks are compiled for it
PY=python/.venv/bin/python
FORKS=${FORKS:-3}; WI=${WI:-5}; I=${I:-5}; REPS=${REPS:-300}

{
  echo "date: $(date -Is)"; echo "host: $(hostname)"; uname -a
  grep -m1 "model name" /proc/cpuinfo || true; echo "cores: $(nproc)"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  "$JAVA" -version 2>&1 | head -1
} > "$OUT/machine.txt"

if [ -z "${SKIP_JAX:-}" ] || [ ! -s "$OUT/jax.jsonl" ]; then   # SKIP_JAX=1 reuses OUT/jax.jsonl
  echo "== e3nn-jax" >&2
  (cd python && PYTHONPATH=. "../$PY" -m e3j_jax.bench_jax --root .. --reps "$REPS") > "$OUT/jax.jsonl"
fi

echo "== e3j JMH" >&2
"$JAVA" -jar perf/target/benchmarks.jar 'ModelForwardBench|FmaPeakBench' -f "$FORKS" -wi "$WI" -w 2s -i "$I" -r 2s \
  -prof gc -rf json -rff "$OUT/jmh.json" > "$OUT/jmh.txt" 2>&1
"$JAVA" --add-modules jdk.incubator.vector -cp perf/target/benchmarks.jar org.e3j.perf.ModelForwardBench \
  2>/dev/null > "$OUT/flops.txt"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"

"$PY" - "$OUT" <<'EOF'
import json, sys, statistics
out = sys.argv[1]
jax = {}
for line in open(f"{out}/jax.jsonl"):
    r = json.loads(line); jax[(r["case"], r["kind"])] = r
flops = {l.split()[0]: float(l.split()[3]) for l in open(f"{out}/flops.txt") if l.strip()}
jmh = json.load(open(f"{out}/jmh.json"))
e3j, peak = {}, {}
for b in jmh:
    raw = [x for fork in b["primaryMetric"]["rawData"] for x in fork]
    alloc = b.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score", float("nan"))
    if "FmaPeakBench" in b["benchmark"]:
        peak[b["benchmark"].split(".")[-1]] = max(raw)  # Gflop/s
    else:
        p = b["params"]; e3j[(p["bcase"], int(p["threads"]))] = (min(raw), statistics.median(raw), alloc)
pk = max(peak.values()) if peak else float("nan")
print(f"FMA peak (1 core, best of {sorted(peak)}): {pk:.1f} Gflop/s")
print(f"{'case':4} {'thr':>3} {'e3j min us':>11} {'e3j med us':>11} {'B/op':>7} {'jax min us':>11} {'jax med us':>11} {'ratio(med)':>10} {'Gflop/s':>8} {'%peak':>6}")
for (c, t), (mn, med, alloc) in sorted(e3j.items()):
    j = jax.get((c, "forward"))
    gf = flops.get(c, 0) / (med * 1e3)
    print(f"{c:4} {t:3d} {mn:11.1f} {med:11.1f} {alloc:7.1f} {j['min_us'] if j else float('nan'):11.1f} "
          f"{j['median_us'] if j else float('nan'):11.1f} {(j['median_us'] / med) if j else float('nan'):10.1f} "
          f"{gf:8.2f} {100 * gf / (pk * t):6.1f}")
for c in ("S", "M", "C"):
    if (c, 1) in e3j and (c, 2) in e3j:
        print(f"{c}: 2 threads vs 1: {e3j[(c, 1)][1] / e3j[(c, 2)][1]:.2f}x")
print("versions:", next(iter(jax.values()))["jax"] if jax else "?", "jax;", next(iter(jax.values()))["e3nn_jax"] if jax else "?", "e3nn-jax")
EOF
