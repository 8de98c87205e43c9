#!/usr/bin/env bash
# issue13-8: C only, JMH forward and energy + forces at 1 and 2 threads with the FMA peak, in one JMH run
# (session 8, after issue13-7 ran on a contended host); then the % of peak on the model's flops.
# Usage: bash perf/results/issue13-8/run.sh [OUT_DIR]
set -u
cd "$(dirname "$0")/../../.."   # the repository root, wherever it is cloned
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 PATH=/usr/lib/jvm/temurin-25-jdk-amd64/bin:$PATH
OUT=${1:-perf/results/issue13-8}   # issue13-9 is the same run with OUT=perf/results/issue13-9
mkdir -p "$OUT"
exec > >(tee -a $OUT/log.txt) 2>&1
echo "== start $(date -u +%FT%TZ) main $(git rev-parse --short HEAD) load $(cut -d' ' -f1-3 /proc/loadavg)"
java -jar perf/target/benchmarks.jar 'ModelForwardBench|ModelForcesBench|FmaPeakBench' -p bcase=C -p threads=1,2 \
  -f 2 -wi 6 -w 2s -i 4 -r 2s -prof gc -rf json -rff $OUT/jmh.json > $OUT/jmh.txt 2>&1; echo "jmh rc=$?"
java --add-modules jdk.incubator.vector -cp perf/target/benchmarks.jar org.e3j.perf.ModelForwardBench C 2>/dev/null > $OUT/flops.txt
echo "== end $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - $OUT <<'PY'
import json, sys, statistics
out = sys.argv[1]
mflops = float(open(f"{out}/flops.txt").read().split()[5])
peak, rows = 0.0, {}
for b in json.load(open(f"{out}/jmh.json")):
    raw = [x for f in b["primaryMetric"]["rawData"] for x in f]
    if "FmaPeakBench" in b["benchmark"]:
        peak = max(peak, max(raw)); continue
    kind = "forces" if "Forces" in b["benchmark"] else "forward"
    alloc = b.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score", float("nan"))
    rows[(kind, int(b["params"]["threads"]))] = (min(raw), statistics.median(raw), alloc)
print(f"FMA peak (1 core, best iteration): {peak:.1f} Gflop/s; C forward model flops {mflops / 1e9:.3f} G")
for (kind, t), (mn, med, alloc) in sorted(rows.items()):
    f = mflops * (3 if kind == "forces" else 1)
    print(f"C {kind:7} thr {t}: min {mn:9.1f} med {med:9.1f} us, {alloc:6.1f} B/op; "
          f"%peak(model{', 3x forward' if kind == 'forces' else ''}) med {100 * f / (med * 1e3) / (peak * t):.1f} min {100 * f / (mn * 1e3) / (peak * t):.1f}")
for kind in ("forward", "forces"):
    if (kind, 1) in rows and (kind, 2) in rows:
        print(f"C {kind}: 2 threads vs 1: {rows[(kind, 1)][1] / rows[(kind, 2)][1]:.2f}x medians, "
              f"{rows[(kind, 1)][0] / rows[(kind, 2)][0]:.2f}x minima")
PY
