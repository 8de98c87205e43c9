#!/usr/bin/env bash
# e3nn-jax (jax.jit, CPU, all cores, after warm-up) and e3j (JMH, fast engine) on the same model
# files and structures, in one go; prints a table of times and ratios and the FMA-peak efficiency.
#
#   perf/side_by_side.sh [OUT_DIR]        (from the repository root; builds nothing: run
#                                          mvn -o install -DskipTests first, and the cli for MD)
# Env: FORKS (3), WI (5), I (5), REPS (300, JAX timed calls), BUDGET (60: JAX seconds per case and
# kind for warm-up and for timing, slow cases get fewer calls), FWI (8: forces warm-up iterations),
# JAVA_HOME (default temurin-25), SKIP_JAX, SKIP_FORCES, SKIP_MD, MD_STEPS_256 (400), MD_STEPS_2048 (80),
# W / R (2s: JMH warm-up / measurement iteration time), CASES (all: S,M,C,M-l1x16,C-l1x16,M-l2x8,C-l2x8; a case
# STRUCTURE-NAME is structure M or C with perf/models/potential_NAME.safetensors, the small models of issue #13),
# PYTHON (python/.venv/bin/python), SMOKE=1 (proves the script works in a few minutes, numbers meaningless: 1 fork, 1 x 1 s warm-up and measurement,
# 5 JAX calls, no MD; explicit settings still win).
# Every potential case's energy from e3j (fast engine) must equal e3nn-jax's within 1e-5 relative
# (|dE| / max(1, |E|)): the summary says so per case and the script exits 1 if not.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-perf/results/side-by-side-$(date +%F-%H%M)}
mkdir -p "$OUT"
if [ -z "${JAVA_HOME:-}" ] && [ -d /usr/lib/jvm/temurin-25-jdk-amd64 ]; then JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64; fi
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java   # JDK 25: the benchmarks are compiled for it
PY=${PYTHON:-python/.venv/bin/python}; case "$PY" in /*) ;; *) PY=$PWD/$PY ;; esac   # PYTHON: another venv with jax
if [ -n "${SMOKE:-}" ]; then
  FORKS=${FORKS:-1}; WI=${WI:-1}; I=${I:-1}; W=${W:-1s}; R=${R:-1s}; REPS=${REPS:-5}; BUDGET=${BUDGET:-2}; FWI=${FWI:-1}
  SKIP_MD=${SKIP_MD:-1}; CWI=1; CR=1s
fi
FORKS=${FORKS:-3}; WI=${WI:-5}; I=${I:-5}; W=${W:-2s}; R=${R:-2s}; REPS=${REPS:-300}; BUDGET=${BUDGET:-60}; FWI=${FWI:-8}
CWI=${CWI:-3}; CR=${CR:-10s}   # the C allocation check's iterations and their length
CASES=${CASES:-S,M,C,M-l1x16,C-l1x16,M-l2x8,C-l2x8}
FORCE_CASES=$(echo "$CASES" | tr ',' '\n' | grep -v '^S$' | paste -sd, || true)   # S has no energy

{
  echo "date: $(date -Is)"; echo "host: $(hostname)"; uname -a
  grep -m1 "model name" /proc/cpuinfo || true; echo "cores: $(nproc)"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  "$JAVA" -version 2>&1 | head -1
} > "$OUT/machine.txt"

if [ -z "${SKIP_JAX:-}" ] || [ ! -s "$OUT/jax.jsonl" ]; then   # SKIP_JAX=1 reuses OUT/jax.jsonl
  echo "== e3nn-jax" >&2
  echo "load before jax: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"
  (cd python && PYTHONPATH=. "$PY" -m e3j_jax.bench_jax --root .. --reps "$REPS" --budget "$BUDGET" --forces --cases "$CASES") > "$OUT/jax.jsonl"
  echo "load after jax: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"
  "$PY" -c "import jax, e3nn_jax, numpy; print('jax', jax.__version__, 'e3nn-jax', e3nn_jax.__version__, 'numpy', numpy.__version__)" >> "$OUT/machine.txt"
fi

echo "== e3j JMH" >&2
echo "load before jmh: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"
"$JAVA" -jar perf/target/benchmarks.jar 'ModelForwardBench|FmaPeakBench' -p bcase="$CASES" -f "$FORKS" -wi "$WI" -w "$W" \
  -i "$I" -r "$R" -prof gc -rf json -rff "$OUT/jmh.json" > "$OUT/jmh.txt" 2>&1
echo "load after jmh forward: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"
# S with 256-bit vectors (the seed's small multiplicities are padded to 16 lanes at 512 bits, 8 at 256)
"$JAVA" -jar perf/target/benchmarks.jar 'ModelForwardBench' -p bcase=S -p threads=1 -p bits=256 -f "$FORKS" -wi "$WI" -w "$W" \
  -i "$I" -r "$R" -prof gc -rf json -rff "$OUT/jmh-s256.json" > "$OUT/jmh-s256.txt" 2>&1
# S per call (JMH sample mode: each call timed, percentiles), the statistic jax's row is (the median of
# single timed calls): at a few µs per call the JMH average above also carries the host's rare long
# calls (interrupts, neighbours), which the per-call median of either side leaves out
if echo ",$CASES," | grep -q ',S,'; then
  "$JAVA" -jar perf/target/benchmarks.jar 'ModelForwardBench' -p bcase=S -p threads=1 -p bits=0,256 -bm sample -tu us \
    -f "$FORKS" -wi "$WI" -w "$W" -i "$I" -r "$R" -rf json -rff "$OUT/jmh-s-sample.json" > "$OUT/jmh-s-sample.txt" 2>&1
fi
# allocation check on C: 10 s iterations (~250 calls each instead of ~50) to separate JMH's per-iteration overhead
"$JAVA" -jar perf/target/benchmarks.jar 'ModelForwardBench' -p bcase=C -p threads=1 -f 1 -wi "$CWI" -w "$W" -i "$CWI" -r "$CR" \
  -prof gc -rf json -rff "$OUT/jmh-c-long.json" > "$OUT/jmh-c-long.txt" 2>&1
echo "load after jmh S-256 and C-long: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"
if [ -z "${SKIP_FORCES:-}" ]; then
  echo "== e3j JMH forces" >&2
  "$JAVA" -jar perf/target/benchmarks.jar 'ModelForcesBench' -p bcase="$FORCE_CASES" -f "$FORKS" -wi "$FWI" -w "$W" -i "$I" -r "$R" \
    -prof gc -rf json -rff "$OUT/jmh-forces.json" > "$OUT/jmh-forces.txt" 2>&1
  echo "load after jmh forces: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"
fi
if [ -z "${SKIP_MD:-}" ]; then
  echo "== e3j md (models/cu-emt.safetensors, NVE 300 K, 2 fs; steps/s over the whole run incl. JIT warm-up)" >&2
  : > "$OUT/md.txt"
  for t in 1 2; do
    for s in 256 2048; do
      if [ "$s" = 256 ]; then args=(--steps "${MD_STEPS_256:-400}"); else args=(--steps "${MD_STEPS_2048:-80}" -s perf/md/cu2048.xyz); fi
      l0=$(cut -d' ' -f1 /proc/loadavg)
      r=$("$JAVA" --add-modules jdk.incubator.vector -XX:+UseParallelGC -jar cli/target/e3j.jar md "${args[@]}" -t "$t" \
          --quiet --every 1000000 -o "$OUT/md-$s-$t.xyz" 2>/dev/null | grep '^done:')
      echo "atoms=$s threads=$t load=$l0 $r" >> "$OUT/md.txt"
      rm -f "$OUT/md-$s-$t.xyz" "$OUT/md-$s-$t.png"
    done
  done
  cat "$OUT/md.txt" >&2
fi
# flops per forward and the fast engine's energy per case (compared with JAX's below)
"$JAVA" --add-modules jdk.incubator.vector -cp perf/target/benchmarks.jar org.e3j.perf.ModelForwardBench \
  $(echo "$CASES" | tr ',' ' ') 2>/dev/null > "$OUT/flops.txt"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"

"$PY" - "$OUT" "$CASES" <<'EOF' | tee "$OUT/summary.txt"
import json, sys, statistics
out = sys.argv[1]
order = {c: i for i, c in enumerate(sys.argv[2].split(","))}
jax = {}
import os
for line in open(f"{out}/jax.jsonl"):
    r = json.loads(line); jax[(r["case"], r["kind"])] = r
flops = {l.split()[0]: float(l.split()[3]) for l in open(f"{out}/flops.txt") if l.strip()}
e3j_energy = {l.split()[0]: float(l.split()[4]) for l in open(f"{out}/flops.txt") if len(l.split()) > 4}
# the model's own flops (radial MLP per edge, as JAX runs it), where the plan tabulates it
mflops = {l.split()[0]: float(l.split()[5]) for l in open(f"{out}/flops.txt") if len(l.split()) > 5}
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
print(f"{'case':7} {'thr':>3} {'e3j min us':>11} {'e3j med us':>11} {'B/op':>7} {'jax min us':>11} {'jax med us':>11} {'ratio(med)':>10} {'Gflop/s':>8} {'%peak':>6} {'model Gf/s':>10} {'%peak(model)':>12}")
for (c, t), (mn, med, alloc) in sorted(e3j.items(), key=lambda kv: (order.get(kv[0][0], len(order)), kv[0])):
    j = jax.get((c, "forward"))
    gf = flops.get(c, 0) / (med * 1e3)
    print(f"{c:7} {t:3d} {mn:11.1f} {med:11.1f} {alloc:7.1f} {j['min_us'] if j else float('nan'):11.1f} "
          f"{j['median_us'] if j else float('nan'):11.1f} {(j['median_us'] / med) if j else float('nan'):10.1f} "
          f"{gf:8.2f} {100 * gf / (pk * t):6.1f} {mflops.get(c, 0) / (med * 1e3):10.2f} "
          f"{100 * mflops.get(c, 0) / (med * 1e3) / (pk * t):12.1f}")
for c in order:
    if (c, 1) in e3j and (c, 2) in e3j:
        print(f"{c}: 2 threads vs 1: {e3j[(c, 1)][1] / e3j[(c, 2)][1]:.2f}x")
for extra in ("jmh-s256.json", "jmh-c-long.json"):
    if os.path.exists(f"{out}/{extra}"):
        for b in json.load(open(f"{out}/{extra}")):
            raw = [x for fork in b["primaryMetric"]["rawData"] for x in fork]
            alloc = b.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score", float("nan"))
            p = b["params"]; j = jax.get((p["bcase"], "forward"))
            print(f"{extra}: {p}: min {min(raw):.1f} med {statistics.median(raw):.1f} us, {alloc:.1f} B/op, "
                  f"jax/e3j(med) {(j['median_us'] / statistics.median(raw)) if j else float('nan'):.1f}")
sf = f"{out}/jmh-s-sample.json"
if os.path.exists(sf):
    for b in json.load(open(sf)):
        pc = b["primaryMetric"]["scorePercentiles"]; p = b["params"]; j = jax.get(("S", "forward"))
        print(f"S per call (JMH sample mode, bits {p['bits']}): median {pc['50.0']:.2f} us, p90 {pc['90.0']:.2f}, "
              f"mean {b['primaryMetric']['score']:.2f} us; "
              f"jax per-call median / e3j per-call median {(j['median_us'] / pc['50.0']) if j else float('nan'):.1f}")
ff = f"{out}/jmh-forces.json"
fmed = {}
if os.path.exists(ff):
    for b in sorted(json.load(open(ff)), key=lambda b: (order.get(b["params"]["bcase"], len(order)), int(b["params"]["threads"]))):
        raw = [x for fork in b["primaryMetric"]["rawData"] for x in fork]
        alloc = b.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score", float("nan"))
        p = b["params"]; c, t = p["bcase"], int(p["threads"])
        j = jax.get((c, "forces"))
        med = statistics.median(raw)
        fmed[(c, t)] = (min(raw), med)
        print(f"forces {c} thr {t}: e3j min {min(raw):.1f} med {med:.1f} us, {alloc:.1f} B/op; "
              f"jax.grad min {j['min_us'] if j else float('nan'):.1f} med {j['median_us'] if j else float('nan'):.1f} us; "
              f"ratio(med) {(j['median_us'] / med) if j else float('nan'):.1f}; "
              f"forces/forward(med) {med / e3j[(c, t)][1] if (c, t) in e3j else float('nan'):.2f}; "
              # reverse mode's usual count: energy + forces = 3x the forward's model flops (an upper bound
              # here: without weight gradients a dense layer's backward is 1x its forward, not 2x)
              f"%peak(model, 3x forward flops) {100 * 3 * mflops.get(c, 0) / (med * 1e3) / (pk * t):.1f}")
for c in order:
    if (c, 1) in fmed and (c, 2) in fmed:
        print(f"forces {c}: 2 threads vs 1: {fmed[(c, 1)][1] / fmed[(c, 2)][1]:.2f}x (medians), "
              f"{fmed[(c, 1)][0] / fmed[(c, 2)][0]:.2f}x (minima)")
bad = []
for c in order:
    j = jax.get((c, "forward"), {}).get("energy")
    if c == "S" or j is None or c not in e3j_energy:
        continue
    rel = abs(e3j_energy[c] - j) / max(1.0, abs(j))
    ok = rel <= 1e-5
    print(f"energy {c}: e3j {e3j_energy[c]:.7f} eV, jax {j:.7f} eV, |dE|/max(1,|E|) {rel:.1e} {'ok' if ok else 'FAIL (> 1e-5)'}")
    if not ok:
        bad.append(c)
print("versions:", next(iter(jax.values()))["jax"] if jax else "?", "jax;", next(iter(jax.values()))["e3nn_jax"] if jax else "?", "e3nn-jax")
if bad:
    sys.exit(f"e3j and e3nn-jax disagree on the energy of {', '.join(bad)}: the timings compare different models")
EOF
