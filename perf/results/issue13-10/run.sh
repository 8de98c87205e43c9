#!/usr/bin/env bash
# issue13-10 (session 10): PairedPeak on C, the FMA peak, forward and energy + forces at 1 and 2
# threads interleaved in rounds of one JVM, per-round % of peak and 2-over-1 (perf/README.md,
# "Issue 13, session 10"). Usage: bash perf/results/issue13-10/run.sh [OUT_DIR] [SECONDS]
set -u
cd "$(dirname "$0")/../../.."   # the repository root, wherever it is cloned
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 PATH=/usr/lib/jvm/temurin-25-jdk-amd64/bin:$PATH
OUT=${1:-perf/results/issue13-10}
SECONDS_RUN=${2:-300}
mkdir -p "$OUT"
exec > >(tee -a $OUT/paired.txt) 2>&1
echo "== start $(date -u +%FT%TZ) main $(git rev-parse --short HEAD) load $(cut -d' ' -f1-3 /proc/loadavg)"
java $(sed -n 's:.*<e3j.jvm.args>\(.*\)</e3j.jvm.args>.*:\1:p' pom.xml) -cp perf/target/benchmarks.jar \
  org.e3j.perf.PairedPeak C "$SECONDS_RUN" 0.25 2>&1 | grep -v '^WARNING: Using incubator'
echo "== end $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)"
