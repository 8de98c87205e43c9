"""e3nn-jax side of perf/side_by_side.sh: ``python -m e3j_jax.bench_jax --root . [--cases S,M,C,...]``.

Loads the same model files and structures as org.e3j.perf.ModelForwardBench, runs the forward
(S: node features of the seed model; M, C: the potential's energy; STRUCTURE-NAME, e.g. C-l1x16:
structure C with perf/models/potential_NAME.safetensors, the small models of
``e3j_jax.bench_models``) and the forces/stress
(``energy_forces_stress``) under ``jax.jit`` on CPU with XLA's default thread pool (all cores),
warms up (compile + 20 calls), then times ``--reps`` calls (each ``block_until_ready``) and prints
one JSON line per case and kind: {"case", "kind", "min_us", "median_us", "n", "jax", "e3nn_jax"}, and on
the forward rows of potential cases "energy" (eV, float32 jax.jit result), which the script compares with e3j's.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import e3nn_jax as e3nn  # noqa: E402
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import jraph  # noqa: E402
import numpy as np  # noqa: E402
from safetensors.numpy import load_file  # noqa: E402

from e3j_jax.export import load_model  # noqa: E402

CASES = "S,M,C,M-l1x16,C-l1x16,M-l2x8,C-l2x8"


def case_files(root: str, case: str):
    """(model file, structure file) of a case, as ModelForwardBench.modelFile / input."""
    if case == "S":
        return (os.path.join(root, "tests/fixtures/seed_example/model.safetensors"),
                os.path.join(root, "tests/fixtures/seed_example/fixture.safetensors"))
    structure, _, name = case.partition("-")
    return (os.path.join(root, f"perf/models/potential_{name or 'bench'}.safetensors"),
            os.path.join(root, f"perf/models/case_{structure}.safetensors"))


def graph_of(t, cfg):
    n_node = jnp.asarray(t["input/n_node"])
    n_edge = jnp.asarray([len(t["input/senders"])], jnp.int32)
    if cfg["architecture"] == "SimpleNetwork":
        return jraph.GraphsTuple(
            nodes=dict(numbers=jnp.asarray(t["input/numbers"]), positions=jnp.asarray(t["input/positions"])),
            senders=jnp.asarray(t["input/senders"]), receivers=jnp.asarray(t["input/receivers"]),
            globals=jnp.zeros((len(n_node),), jnp.int32), edges=None, n_node=n_node, n_edge=n_edge,
        ), None, None
    index = {int(z): i for i, z in enumerate(cfg["species"])}
    species = np.array([index[int(z)] for z in t["input/numbers"]], np.int32)
    g = jraph.GraphsTuple(
        nodes=dict(species=jnp.asarray(species), positions=jnp.asarray(t["input/positions"])),
        edges=dict(shifts=jnp.asarray(t["input/shifts"])),
        senders=jnp.asarray(t["input/senders"]), receivers=jnp.asarray(t["input/receivers"]),
        globals=None, n_node=n_node, n_edge=n_edge,
    )
    cell = jnp.asarray(t.get("input/cell", np.zeros((1, 3, 3), np.float32)))
    pbc = jnp.asarray(t.get("input/pbc", np.zeros((1, 3), np.int32))).astype(bool)
    return g, cell, pbc


def timeit(fn, reps: int, warm: int = 20, budget_s: float = 0.0):
    """(min, median, n) in µs over ``reps`` timed calls after compile + ``warm`` calls. With a
    ``budget_s`` > 0, slow cases get fewer calls: warm-up and timed calls are each capped to about
    ``budget_s`` seconds (at least 3 warm-up and 10 timed calls), judged from the second call."""
    jax.block_until_ready(fn())
    t0 = time.perf_counter()
    jax.block_until_ready(fn())
    one = time.perf_counter() - t0
    if budget_s > 0:
        warm = max(3, min(warm, int(budget_s / one)))
        reps = max(10, min(reps, int(budget_s / one)))
    for _ in range(warm):
        jax.block_until_ready(fn())
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        jax.block_until_ready(fn())
        ts.append((time.perf_counter() - t0) * 1e6)
    return min(ts), statistics.median(ts), reps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=".")
    ap.add_argument("--cases", default=CASES)
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--forces", action="store_true", help="also time energy_forces_stress (M, C)")
    ap.add_argument("--budget", type=float, default=0.0,
                    help="seconds per case and kind for warm-up and for timing each (0: no cap); slow cases get fewer calls")
    args = ap.parse_args()
    for c in args.cases.split(","):
        mfile, sfile = case_files(args.root, c)
        model, variables, cfg = load_model(mfile)
        t = load_file(sfile)
        g, cell, pbc = graph_of(t, cfg)
        if cfg["architecture"] == "SimpleNetwork":
            f = jax.jit(lambda v, g: model.apply(v, g)[0].array)
        else:
            f = jax.jit(lambda v, g: model.apply(v, g)["energy"])
        mn, med, n = timeit(lambda: f(variables, g), args.reps, budget_s=args.budget)
        row = dict(case=c, kind="forward", min_us=mn, median_us=med, n=n, jax=jax.__version__,
                   e3nn_jax=e3nn.__version__)
        if cfg["architecture"] != "SimpleNetwork":
            row["energy"] = float(np.asarray(f(variables, g)).reshape(-1)[0])
        print(json.dumps(row), flush=True)
        if args.forces and c != "S":
            from e3j_jax.potential import energy_forces_stress

            fs = jax.jit(lambda v, g: energy_forces_stress(model, v, g, cell, pbc))
            mn, med, n = timeit(lambda: fs(variables, g), max(20, args.reps // 4), budget_s=args.budget)
            row = dict(case=c, kind="forces", min_us=mn, median_us=med, n=n,
                       jax=jax.__version__, e3nn_jax=e3nn.__version__)
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
