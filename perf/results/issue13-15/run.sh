#!/usr/bin/env bash
# issue13-15 (session 12): every measurement of issue 13's "must show" in one sequential run on one
# host, nothing else running: C % of the FMA peak (JMH, then PairedPeak), NequIP 0.19 eager and
# AOTInductor side by side with e3j, jax.jit side by side (S, M, C, small models, MD steps/s),
# `e3j bench --jax`, the skin tax, C 1 vs 2 threads. Usage: bash perf/results/issue13-15/run.sh [OUT_DIR]
# Needs perf/.venv-nequip (perf/nequip_peer.sh makes it: several GB) and python/.venv (make -C python).
set -u
cd "$(dirname "$0")/../../.."   # the repository root, wherever it is cloned
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 PATH=/usr/lib/jvm/temurin-25-jdk-amd64/bin:$PATH
OUT=${1:-perf/results/issue13-15}
mkdir -p "$OUT"
exec > >(tee -a $OUT/log.txt) 2>&1
echo "== start $(date -u +%FT%TZ) main $(git rev-parse --short HEAD) load $(cut -d' ' -f1-3 /proc/loadavg)"
mvn -q -o install -DskipTests && mvn -q -o package -DskipTests -pl perf -am || exit 1
J="java $(sed -n 's:.*<e3j.jvm.args>\(.*\)</e3j.jvm.args>.*:\1:p' pom.xml) -cp perf/target/benchmarks.jar"
echo "== C % of peak, JMH $(date -u +%T)"
bash perf/results/issue13-8/run.sh $OUT/peak | grep -v '^== '
echo "== C % of peak, PairedPeak 120 s $(date -u +%T)"
bash perf/results/issue13-10/run.sh $OUT/peak 120 | grep -v '^== '
echo "== nequip $(date -u +%T)"
THREADS="1 2" FORKS=2 WI=6 I=5 REPS=60 BUDGET=20 WARMUP=10 perf/nequip_peer.sh $OUT/nequip > $OUT/nequip.log 2>&1; echo "nequip rc=$?"
cat $OUT/nequip/summary.txt
echo "== side by side $(date -u +%T)"
CASES=S,M,C,C-l1x16,C-l2x8 FORKS=2 WI=4 I=4 REPS=100 BUDGET=20 FWI=6 perf/side_by_side.sh $OUT/sbs > $OUT/sbs.log 2>&1; echo "sbs rc=$?"
cat $OUT/sbs/summary.txt
echo "== bench --jax $(date -u +%T)"
./e3j bench --jax --time 10 --warmup 5 > $OUT/bench-jax.txt 2>&1; echo "bench rc=$?"; tail -15 $OUT/bench-jax.txt
echo "== skin $(date -u +%T)"
for round in 1 2; do for c in C cu2048; do for mode in exact md; do echo -n "round $round $c $mode: "; $J org.e3j.perf.SkinTax $c 1 8 $mode 2>&1 | tail -1; done; done; done | tee $OUT/skin.txt
echo "== QuickForward C 1 vs 2 threads, alternated $(date -u +%T)"
for round in 1 2 3; do for t in 1 2; do for k in forward forces; do echo -n "round $round C $t $k: "; if [ $k = forces ]; then $J org.e3j.perf.QuickForward C $t 8 forces 2>&1 | tail -1; else $J org.e3j.perf.QuickForward C $t 8 2>&1 | tail -1; fi; done; done; done | tee $OUT/threads.txt
echo "== end $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)"
