"""Table of perf/jar_ab.sh: ``python -m e3j_jax.bench_jar_ab OUT_DIR``.

Reads OUT_DIR/jmh/<old|new>-<bench>-<case>-r<round>.json (JMH JSON, one file per jar, benchmark
group and round), OUT_DIR/jax.jsonl (``e3j_jax.bench_jax``) and OUT_DIR/cli.jsonl (``e3j bench`` of
the old CLI on the v1 model, the new CLI on the v1 model and on its graph export) and prints:

* per JMH benchmark, case and thread count: old and new min / median over every measured
  iteration of every round, the ratio new / old of the medians (> 1: the new jar is slower), the
  range of the per-round ratios (each round runs both jars back to back, so the spread of these is
  the noise of the comparison), and jax.jit's median with the ratios jax / old and jax / new;
* the verdict against the issue's "no slowdown beyond noise (<= 5 %)": median ratio <= 1.05;
* the CLI rows (energy + forces (+ stress) through ``e3j bench``, JIT warm-up excluded).
"""

from __future__ import annotations

import glob
import json
import os
import re
import statistics
import sys

LIMIT = 1.05
NAME = re.compile(r"^(old|new)-(\w+)-(\w+)-r(\d+)\.json$")


def _fmt(x: float) -> str:
    if x != x:
        return "-"
    return f"{x:,.1f}".replace(",", " ") if x < 100 else f"{x:,.0f}".replace(",", " ")


def load_jmh(out: str):
    """{(bench, case, threads): {jar: {round: [iteration means µs]}}}"""
    runs = {}
    for f in sorted(glob.glob(os.path.join(out, "jmh", "*.json"))):
        m = NAME.match(os.path.basename(f))
        if not m:
            continue
        jar, _, _, rnd = m.group(1), m.group(2), m.group(3), int(m.group(4))
        try:
            doc = json.load(open(f))
        except (json.JSONDecodeError, OSError) as e:
            print(f"bench_jar_ab: {f}: unreadable ({e}); skipped", file=sys.stderr)
            continue
        for b in doc:
            bench = b["benchmark"].split(".")[-2] + "." + b["benchmark"].split(".")[-1]
            p = b["params"]
            key = (bench, p["bcase"], int(p["threads"]))
            raw = [x for fork in b["primaryMetric"]["rawData"] for x in fork]
            runs.setdefault(key, {}).setdefault(jar, {})[rnd] = raw
    return runs


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m e3j_jax.bench_jar_ab OUT_DIR", file=sys.stderr)
        return 2
    out = argv[0]
    runs = load_jmh(out)
    jax = {}
    if os.path.exists(os.path.join(out, "jax.jsonl")):
        for line in open(os.path.join(out, "jax.jsonl")):
            if line.strip().startswith("{"):
                r = json.loads(line)
                jax[(r["case"], r["kind"])] = r
    if not runs:
        print(f"bench_jar_ab: no JMH results in {out}/jmh", file=sys.stderr)
        return 1
    print("Old jar vs new jar (JMH, both jars alternately, every round back to back); times in µs per call;")
    print("new/old > 1: the new jar is slower. jax = jax.jit of the same model file and case (e3j_jax.bench_jax).")
    print()
    print("| benchmark | case | threads | old min | old median | new min | new median | **new/old** (median) "
          "| per-round new/old | jax.jit median | jax/old | jax/new | <= 5 % |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- |")
    worst = 0.0
    rows = []
    for key in sorted(runs, key=lambda k: (k[0], "SMC".find(k[1][0]) if k[1][0] in "SMC" else 9, k[1], k[2])):
        bench, case, threads = key
        r = runs[key]
        if "old" not in r or "new" not in r:
            print(f"| {bench} | {case} | {threads} | (only {', '.join(r)} ran) |||||||||")
            continue
        old = [x for v in r["old"].values() for x in v]
        new = [x for v in r["new"].values() for x in v]
        ratio = statistics.median(new) / statistics.median(old)
        per_round = [statistics.median(r["new"][k]) / statistics.median(r["old"][k])
                     for k in sorted(set(r["old"]) & set(r["new"]))]
        kind = "forward" if "Forward" in bench else "forces"
        j = jax.get((case, kind))
        jm = j["median_us"] if j else float("nan")
        ok = ratio <= LIMIT
        worst = max(worst, ratio)
        rows.append(dict(benchmark=bench, case=case, threads=threads, old_min=min(old), old_median=statistics.median(old),
                         new_min=min(new), new_median=statistics.median(new), ratio=ratio, per_round=per_round,
                         jax_median=jm if j else None, ok=ok))
        print(f"| {bench} | {case} | {threads} | {_fmt(min(old))} | {_fmt(statistics.median(old))} | {_fmt(min(new))} "
              f"| {_fmt(statistics.median(new))} | **{ratio:.3f}** | {min(per_round):.3f} .. {max(per_round):.3f} "
              f"| {_fmt(jm)} | {jm / statistics.median(old):.1f} | {jm / statistics.median(new):.1f} "
              f"| {'yes' if ok else '**NO**'} |")
    rounds = sorted({k for r in runs.values() for jr in r.values() for k in jr})
    print()
    print(f"rounds: {len(rounds)}; worst median ratio new/old {worst:.3f} "
          f"({'no slowdown beyond 5 %' if worst <= LIMIT else 'SLOWDOWN beyond 5 % somewhere'})")
    with open(os.path.join(out, "jmh-ab.jsonl"), "w") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")

    cli_file = os.path.join(out, "cli.jsonl")
    if os.path.exists(cli_file):
        cli = {}
        for line in open(cli_file):
            if line.strip().startswith("{"):
                r = json.loads(line)
                cli.setdefault((r["case"], r["threads"]), {}).setdefault(r["variant"], []).append(r)
        print()
        print("CLI (`e3j bench`: energy + forces, + stress on periodic C; neighbour list included; median of the "
              "rounds' medians, µs): old CLI on the v1 model, new CLI on the v1 model and on its graph export "
              "(`python -m e3j_jax.export --from e3j`, the planner's fast engine):")
        print()
        print("| case | threads | old v1 | new v1 | new graph | new v1 / old | new graph / old | graph energy - v1 energy (eV) |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for (case, t), v in sorted(cli.items(), key=lambda kv: ("MC".find(kv[0][0]), kv[0][1])):
            def med(name):
                ok = [r["median_us"] for r in v.get(name, []) if r.get("median_us") is not None]
                return statistics.median(ok) if ok else float("nan")

            def energy(name):
                ok = [r["energy"] for r in v.get(name, []) if r.get("energy") is not None]
                return ok[0] if ok else float("nan")

            o, n, g = med("old-v1"), med("new-v1"), med("new-graph")
            err = next((r["error"] for r in v.get("new-graph", []) if r.get("error")), None)
            if err and len(err) > 90:
                err = "..." + err[-87:]
            gtxt = _fmt(g) if g == g else f"failed: {err}" if err else "-"
            de = energy("new-graph") - energy("new-v1")

            def ratio(a, b):
                return f"{a / b:.3f}" if a == a and b == b else "-"

            print(f"| {case} | {t} | {_fmt(o)} | {_fmt(n)} | {gtxt} | {ratio(n, o)} | {ratio(g, o)} "
                  f"| {f'{de:.2e}' if de == de else '-'} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
