#!/usr/bin/env python3
"""Markdown table of a kernel JMH JSON run (perf/README.md): median per impl, useful Gflop/s, % of the
FMA peak measured in the same run.  Usage: python3 perf/kernel_table.py perf/results/kernels-1/jmh.json"""
import json, statistics, sys
d = json.load(open(sys.argv[1]))
peak = {}
rows = {}
for b in d:
    name = b["benchmark"].split(".", 3)[-1].replace("org.e3j.perf.", "")
    cls, meth = b["benchmark"].split(".")[-2:]
    raw = [x for f in b["primaryMetric"]["rawData"] for x in f]
    med = statistics.median(raw)
    alloc = b.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score", float("nan"))
    p = b.get("params") or {}
    if cls == "FmaPeakBench":
        peak[meth] = max(raw)
        continue
    impl = p.pop("impl")
    key = (cls + "." + meth, ",".join(f"{k}={v}" for k, v in sorted(p.items())))
    # useful flops per call
    fl = None
    if cls == "GemmBench":
        m, k, n = map(int, p["shape"].split("x"))
        fl = 2 * m * k * n
    elif cls == "EdgeMessageBench":
        dj, dk, ent = map(int, p["pattern"].split(","))
        mul = int(p["mul"])
        fl = 10752 * mul * dk * (2 * ent + 2)
        if meth == "backward":
            fl = None  # three products (dM, dR, dH) of different shapes: time only
    rows.setdefault(key, {})[impl] = (med, alloc, fl)
pk = max(peak.values())
print(f"FMA peak {pk:.1f} Gflop/s ({', '.join(f'{k} {v:.1f}' for k, v in sorted(peak.items()))})")
print("| benchmark | params | scalar µs | vector256 µs | vector512 µs | best Gflop/s | % of FMA peak | max B/op |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for (b, p), impls in rows.items():
    cells = []
    for i in ("scalar", "vector256", "vector512"):
        cells.append(f"{impls[i][0]:.1f}" if i in impls else "-")
    best = min(v[0] for v in impls.values())
    fl = next(iter(impls.values()))[2]
    gf = f"{fl / (best * 1e3):.1f}" if fl else "-"
    pc = f"{100 * fl / (best * 1e3) / pk:.0f}" if fl else "-"
    al = max(v[1] for k, v in impls.items() if k != "scalar")
    print(f"| {b} | {p} | {' | '.join(cells)} | {gf} | {pc} | {al:.2f} |")
