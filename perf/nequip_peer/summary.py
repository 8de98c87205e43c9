"""Side-by-side table: e3j (JMH ModelForcesBench) against NequIP eager and AOTInductor (bench.py).

``python summary.py OUT_DIR`` reads OUT_DIR/jmh-forces.json and OUT_DIR/nequip.jsonl and prints, per case
and thread count, the medians in microseconds and the ratios NequIP / e3j (> 1: e3j is faster). e3j's
median is over its JMH iteration means (forks x iterations), NequIP's over single timed calls.
"""

from __future__ import annotations

import json
import statistics
import sys


def main() -> None:
    out = sys.argv[1]
    e3j = {}
    for b in json.load(open(f"{out}/jmh-forces.json")):
        raw = [x for fork in b["primaryMetric"]["rawData"] for x in fork]
        p = b["params"]
        e3j[(p["bcase"], int(p["threads"]))] = (min(raw), statistics.median(raw))
    nq = {}
    versions = ""
    for line in open(f"{out}/nequip.jsonl"):
        r = json.loads(line)
        nq[(r["variant"], r["mode"], r["case"], r["threads"])] = r
        versions = f"torch {r['torch']}, nequip {r['nequip']}, e3nn {r['e3nn']}"
    cols = [(v, m) for v in ("sc", "nosc") for m in ("aoti", "eager") if any(k[:2] == (v, m) for k in nq)]
    for stat, idx, key in (("median", 1, "median_us"), ("min", 0, "min_us")):
        print(f"energy + forces + stress, {stat} us per call; ratio = NequIP / e3j (how many times e3j is faster)")
        head = f"{'case':4} {'thr':>3} {'e3j':>9}"
        for v, m in cols:
            head += f" | {'NequIP ' + m + ' ' + v:>20} {'ratio':>6}"
        print(head)
        for (c, t) in sorted(e3j, key=lambda k: ("MC".index(k[0]) if k[0] in "MC" else 9, k[1])):
            ref = e3j[(c, t)][idx]
            row = f"{c:4} {t:3d} {ref:9.0f}"
            for v, m in cols:
                r = nq.get((v, m, c, t))
                row += f" | {r[key]:20.0f} {r[key] / ref:6.2f}" if r else f" | {'-':>20} {'-':>6}"
            print(row)
    print("(e3j: JMH iteration means, min/median over forks x iterations; NequIP: single calls)")
    loads = [r[k] for r in nq.values() for k in ("load1_before", "load1_after")]
    if loads:
        print(f"NequIP timing: 1-min load average {min(loads):.1f}-{max(loads):.1f}; {versions}")
    for (v, m, c, t), r in sorted(nq.items()):
        if m == "aoti":
            print(f"check {v} {c} t{t}: AOTI vs eager max relative difference (energy, forces) {r['aoti_vs_eager_rel']:.1e}; "
                  f"{r['params']} params; {r['edges']} edges")


if __name__ == "__main__":
    main()
