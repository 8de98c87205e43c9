"""Time NequIP energy + forces + stress, eager and AOTInductor, on e3j's perf cases M and C (exact graph).

``python bench.py --work DIR --threads 1 2 [--reps 30 --budget 20 --warmup 3] > nequip.jsonl``

For each variant in DIR (``train-{sc,nosc}/last.ckpt`` eager, ``{sc,nosc}-t{T}.nequip.pt2`` AOTInductor
compiled with T OpenMP threads: Inductor bakes ``num_threads(T)`` into its C++ kernels at compile time, and
even picks different kernels for T = 1, so each thread count has its own artifact), each case and each thread
count T (``torch.set_num_threads(T)``): compile-free warm-up calls, then single calls timed with
``time.perf_counter`` until ``--reps`` calls or ``--budget`` seconds, whichever comes first. One JSON line
per (variant, mode, case, threads) with min and median in microseconds. Before timing, each AOTI model's
energy and forces are checked against the eager model's on the same input (refused beyond 1e-3 relative),
so a broken compile cannot produce a fast wrong number.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from cases import Case  # noqa: E402
from make_inputs import SPECIES  # noqa: E402

import torch  # noqa: E402

OUT_KEYS = ("total_energy", "forces", "stress")


def timed(fn, reps: int, budget: float, warmup: int) -> list[float]:
    for _ in range(warmup):
        fn()
    times = []
    t_end = time.perf_counter() + budget
    while len(times) < reps and (not times or time.perf_counter() < t_end):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e6)
    return times


def outputs(model, data):
    out = model(dict(data))  # the models write into the dict they are given: a fresh shallow copy per call
    return {k: out[k].detach() for k in OUT_KEYS}


def check_close(name: str, ref: dict, got: dict) -> float:
    worst = 0.0
    for k in ("total_energy", "forces"):
        scale = max(float(ref[k].abs().max()), 1e-6)
        err = float((ref[k] - got[k]).abs().max()) / scale
        if not err <= 1e-3:
            raise SystemExit(f"{name}: AOTInductor {k} differs from eager by {err:.2e} (relative to max |{k}|)")
        worst = max(worst, err)
    return worst


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", required=True)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--variants", nargs="+", default=["sc", "nosc"])
    ap.add_argument("--cases", nargs="+", default=["M", "C"])
    ap.add_argument("--reps", type=int, default=30)
    ap.add_argument("--budget", type=float, default=20.0)
    ap.add_argument("--warmup", type=int, default=3)
    args = ap.parse_args()

    from nequip.model.inference_models.compiled import load_compiled_model
    from nequip.model.saved_models.load_utils import load_saved_model
    from nequip.utils.global_state import set_global_state

    set_global_state(allow_tf32=False)  # what nequip-compile and the ASE calculator set: float64 default dtype

    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    type_of_number = {n: i for i, n in enumerate([1, 6, 7, 8, 29])}
    assert SPECIES == ["H", "C", "N", "O", "Cu"]
    cases = {c: Case(c, os.path.join(root, "perf", "models", f"case_{c}.safetensors")) for c in args.cases}
    data = {c: cases[c].nequip_data(type_of_number) for c in args.cases}
    versions = {"torch": torch.__version__, "nequip": __import__("nequip").__version__,
                "e3nn": __import__("e3nn").__version__}
    for v in args.variants:
        eager = load_saved_model(os.path.join(args.work, f"train-{v}", "last.ckpt"), "eager")
        eager.eval()
        nparams = sum(p.numel() for p in eager.parameters())
        for t in args.threads:
            torch.set_num_threads(t)
            aoti, _ = load_compiled_model(os.path.join(args.work, f"{v}-t{t}.nequip.pt2"), "cpu")
            for c in args.cases:
                d = data[c]
                rel = check_close(f"{v} {c} t{t}", outputs(eager, d), outputs(aoti, d))
                for mode, model in (("eager", eager), ("aoti", aoti)):
                    load0 = os.getloadavg()[0]
                    ts = timed(lambda: outputs(model, d), args.reps, args.budget, args.warmup)
                    rec = {"variant": v, "mode": mode, "case": c, "threads": t, "atoms": cases[c].num_atoms,
                           "edges": cases[c].num_edges, "n": len(ts), "min_us": min(ts),
                           "median_us": statistics.median(ts), "load1_before": load0,
                           "load1_after": os.getloadavg()[0], "aoti_vs_eager_rel": rel, "params": nparams,
                           **versions}
                    print(json.dumps(rec), flush=True)
                    print(f"{v:5} {mode:5} {c} t{t}: min {rec['min_us']:.0f} med {rec['median_us']:.0f} us "
                          f"(n={len(ts)}, load {load0:.1f})", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
