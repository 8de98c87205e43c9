#!/usr/bin/env bash
# Old jar vs new jar, side by side, against jax.jit: JMH ModelForwardBench (S, M, C) and ModelForcesBench
# (M, C) at 1 and 2 threads from the benchmarks jar of an old commit (default 756d8d7, before the graph
# planner) and of this checkout, run alternately (old, new / new, old, ... per benchmark group and round,
# so drift hits both), plus jax.jit (e3j_jax.bench_jax) and, through the CLI, the old and new `e3j bench`
# on the v1 bench model and the new one on its graph export. Prints per case old / new times and new/old.
#
#   perf/jar_ab.sh [OUT_DIR]            (from anywhere; OUT_DIR default perf/results/jar-ab-<date>)
#
# Builds (once; reused while the jars exist): the old commit's tree by `git archive` (the repository's
# .git is only read) into $WORK/old-<rev>/ and `mvn -o package -pl perf,cli -am` there; this checkout's
# perf and cli jars likewise (SKIP_BUILD_NEW=1 to use perf/target/benchmarks.jar and cli/target/e3j.jar
# as they are). The jars are copied into $WORK before the run, so a rebuild meanwhile changes nothing.
# Each jar runs in its own tree (JMH's benchmarks read perf/models and tests/fixtures from the working
# directory), so each reads the model files of its own commit; their checksums go to machine.txt.
#
# Env: OLD_REV (756d8d7), WORK (perf/.jar-ab-work, git-ignored), ROUNDS (3), THREADS (1,2),
#   FORKS (1 per jar, group and round), WI (3) / W (1s) / I (3) / R (1s): JMH warm-up and measured iterations,
#   FWI (6): warm-up iterations of the forces benchmark, BENCH_GROUPS ("fwd:S fwd:M fwd:C forces:M forces:C"),
#   SKIP_JAX (reuse OUT_DIR/jax.jsonl if present), JAX_REPS (100), JAX_BUDGET (20 s per case and kind),
#   SKIP_CLI, CLI_ROUNDS (2), CLI_WARMUP (3), CLI_TIME (5) (seconds per `e3j bench`), CLI_THREADS ("1 2"),
#   PYTHON (python/.venv/bin/python or /work/main's), JAVA_HOME (temurin-25).
# Default run: ~15-20 min on the 2-vCPU development machine.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
OUT=${1:-perf/results/jar-ab-$(date +%F-%H%M)}
OLD_REV=${OLD_REV:-756d8d7}
WORK=${WORK:-perf/.jar-ab-work}
ROUNDS=${ROUNDS:-3}; THREADS=${THREADS:-1,2}; FORKS=${FORKS:-1}
WI=${WI:-3}; W=${W:-1s}; I=${I:-3}; R=${R:-1s}; FWI=${FWI:-6}
BENCH_GROUPS=${BENCH_GROUPS:-fwd:S fwd:M fwd:C forces:M forces:C}
JAX_REPS=${JAX_REPS:-100}; JAX_BUDGET=${JAX_BUDGET:-20}
CLI_ROUNDS=${CLI_ROUNDS:-2}; CLI_WARMUP=${CLI_WARMUP:-3}; CLI_TIME=${CLI_TIME:-5}; CLI_THREADS=${CLI_THREADS:-1 2}
if [ -z "${JAVA_HOME:-}" ] && [ -d /usr/lib/jvm/temurin-25-jdk-amd64 ]; then JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64; fi
export JAVA_HOME
JAVA=$JAVA_HOME/bin/java
if [ -z "${PYTHON:-}" ]; then
  PYTHON=python/.venv/bin/python
  [ -x "$PYTHON" ] || PYTHON=/work/main/python/.venv/bin/python
fi
[ -x "$PYTHON" ] || { echo "jar_ab.sh: no Python venv ($PYTHON): run python/setup_venv.sh or set PYTHON" >&2; exit 2; }
PYTHON=$(cd "$(dirname "$PYTHON")" && pwd)/$(basename "$PYTHON")
export PYTHONPATH="$ROOT/python${PYTHONPATH:+:$PYTHONPATH}" JAX_PLATFORMS=cpu
mkdir -p "$OUT/jmh" "$WORK"
OUT=$(cd "$OUT" && pwd); WORK=$(cd "$WORK" && pwd)
load() { cut -d' ' -f1-3 /proc/loadavg; }

# -- builds --------------------------------------------------------------------------------------
OLD_SHA=$(git -C "$ROOT" rev-parse --verify "$OLD_REV^{commit}") || { echo "jar_ab.sh: OLD_REV $OLD_REV is not a commit" >&2; exit 2; }
OLD=$WORK/old-${OLD_SHA:0:12}
if [ ! -s "$OLD/perf/target/benchmarks.jar" ] || [ ! -s "$OLD/cli/target/e3j.jar" ]; then
  echo "== old tree $OLD_REV -> $OLD, mvn package (perf, cli)" >&2
  rm -rf "$OLD.tmp"; mkdir -p "$OLD.tmp"
  git -C "$ROOT" archive "$OLD_SHA" | tar -x -C "$OLD.tmp"
  (cd "$OLD.tmp" && mvn -o -B -q -DskipTests -pl perf,cli -am package > "$WORK/old-build.log" 2>&1) \
    || { echo "jar_ab.sh: building $OLD_REV failed, see $WORK/old-build.log" >&2; exit 1; }
  rm -rf "$OLD"; mv "$OLD.tmp" "$OLD"
fi
if [ -z "${SKIP_BUILD_NEW:-}" ]; then
  echo "== this checkout: mvn package (perf, cli)" >&2
  mvn -o -B -q -DskipTests -pl perf,cli -am package > "$WORK/new-build.log" 2>&1 \
    || { echo "jar_ab.sh: building this checkout failed, see $WORK/new-build.log" >&2; exit 1; }
fi
for f in perf/target/benchmarks.jar cli/target/e3j.jar; do
  [ -s "$ROOT/$f" ] || { echo "jar_ab.sh: $ROOT/$f missing (build it, or unset SKIP_BUILD_NEW)" >&2; exit 1; }
done
cp "$OLD/perf/target/benchmarks.jar" "$WORK/old-benchmarks.jar"; cp "$OLD/cli/target/e3j.jar" "$WORK/old-e3j.jar"
cp "$ROOT/perf/target/benchmarks.jar" "$WORK/new-benchmarks.jar.tmp"; mv "$WORK/new-benchmarks.jar.tmp" "$WORK/new-benchmarks.jar"
cp "$ROOT/cli/target/e3j.jar" "$WORK/new-e3j.jar.tmp"; mv "$WORK/new-e3j.jar.tmp" "$WORK/new-e3j.jar"
root_of() { if [ "$1" = old ]; then echo "$OLD"; else echo "$ROOT"; fi; }

inputs="perf/models/potential_bench.safetensors perf/models/case_M.safetensors perf/models/case_C.safetensors
tests/fixtures/seed_example/model.safetensors tests/fixtures/seed_example/fixture.safetensors"
{
  echo "date: $(date -Is)"; echo "host: $(hostname)"; uname -a
  grep -m1 "model name" /proc/cpuinfo || true; echo "cores: $(nproc)"
  echo "load before: $(load)"
  "$JAVA" -version 2>&1 | head -1
  echo "old: $OLD_REV = $OLD_SHA"
  echo "new: $(git -C "$ROOT" rev-parse HEAD)$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo ' (+ uncommitted changes)')"
  echo "JMH: rounds $ROUNDS, -f $FORKS -wi $WI -w $W -i $I -r $R (forces -wi $FWI), threads $THREADS, groups: $BENCH_GROUPS"
  for f in $inputs; do
    a=$(sha256sum "$OLD/$f" | cut -c1-16); b=$(sha256sum "$ROOT/$f" | cut -c1-16)
    echo "input $f: old $a new $b $([ "$a" = "$b" ] && echo same || echo DIFFERENT)"
  done
} > "$OUT/machine.txt"

# -- jax.jit ---------------------------------------------------------------------------------------
if [ -z "${SKIP_JAX:-}" ] || [ ! -s "$OUT/jax.jsonl" ]; then
  echo "== jax.jit (e3j_jax.bench_jax, load $(load))" >&2
  echo "load before jax: $(load)" >> "$OUT/machine.txt"
  "$PYTHON" -m e3j_jax.bench_jax --root "$ROOT" --reps "$JAX_REPS" --budget "$JAX_BUDGET" --forces > "$OUT/jax.jsonl.tmp"
  mv "$OUT/jax.jsonl.tmp" "$OUT/jax.jsonl"
  echo "load after jax: $(load)" >> "$OUT/machine.txt"
fi

# -- JMH, alternately --------------------------------------------------------------------------------
for ((round = 1; round <= ROUNDS; round++)); do
  if ((round % 2)); then order="old new"; else order="new old"; fi
  for g in $BENCH_GROUPS; do
    kind=${g%%:*}; case=${g##*:}
    if [ "$kind" = fwd ]; then bench=ModelForwardBench; wi=$WI; else bench=ModelForcesBench; wi=$FWI; fi
    for jar in $order; do
      echo "== round $round/$ROUNDS $jar $bench $case (load $(load))" >&2
      name="$jar-$kind-$case-r$round"
      (cd "$(root_of "$jar")" && "$JAVA" -jar "$WORK/$jar-benchmarks.jar" "$bench" -p bcase="$case" -p threads="$THREADS" \
        -f "$FORKS" -wi "$wi" -w "$W" -i "$I" -r "$R" -rf json -rff "$OUT/jmh/$name.json" > "$OUT/jmh/$name.txt" 2>&1) \
        || { echo "jar_ab.sh: JMH $name failed, see $OUT/jmh/$name.txt" >&2; exit 1; }
      echo "$name load $(load)" >> "$OUT/machine.txt"
    done
  done
done

# -- CLI: old v1, new v1, new graph export of the same model ----------------------------------------------
if [ -z "${SKIP_CLI:-}" ]; then
  echo "== CLI: structures and the graph export of the bench model" >&2
  "$PYTHON" -m e3j_jax.bench_graph_peers structures "$WORK/cli" --root "$ROOT"
  "$PYTHON" -m e3j_jax.export --from e3j "$ROOT/perf/models/potential_bench.safetensors" \
    -o "$WORK/cli/potential_bench.graph.safetensors" >&2
  : > "$OUT/cli.jsonl"
  for ((round = 1; round <= CLI_ROUNDS; round++)); do
    if ((round % 2)); then order="old-v1 new-v1 new-graph"; else order="new-graph new-v1 old-v1"; fi
    for case in M C; do
      for t in $CLI_THREADS; do
        for v in $order; do
          jar=$WORK/${v%%-*}-e3j.jar
          if [ "$v" = new-graph ]; then model=$WORK/cli/potential_bench.graph.safetensors
          else model=$(root_of "${v%%-*}")/perf/models/potential_bench.safetensors; fi
          log="$OUT/cli-$v-$case-t$t-r$round.txt"
          echo "== CLI round $round $v $case -t $t (load $(load))" >&2
          "$JAVA" --add-modules jdk.incubator.vector -XX:+UseParallelGC -jar "$jar" bench -m "$model" \
            -s "$WORK/cli/$case.xyz" -t "$t" --warmup "$CLI_WARMUP" --time "$CLI_TIME" > "$log" 2>&1 || true
          "$PYTHON" -m e3j_jax.bench_graph_peers parse-bench --case "$case" --threads "$t" --set variant="$v" \
            --set round="$round" --allow-error < "$log" >> "$OUT/cli.jsonl"
        done
      done
    done
  done
fi
echo "load after: $(load)" >> "$OUT/machine.txt"

"$PYTHON" -m e3j_jax.bench_jar_ab "$OUT" | tee "$OUT/summary.txt"
