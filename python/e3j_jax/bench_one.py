"""JAX side of ``e3j bench --jax``: one model file on one structure, timed like ``e3j bench``.

``python -m e3j_jax.bench_one --model M.safetensors --structure S.xyz [--warmup 5] [--time 5]
[--energy-only]``

Loads the model with ``e3j_jax.export.load_model`` (a ``Potential``) or, for a model graph (format
version 2), with ``e3j_jax.graph.model_graph.read_graph_file`` (run by its JAX interpreter), builds the graph of the
first frame of ``S.xyz`` with ASE's ``neighbor_list("ijS")`` at the model cutoff (senders = i,
receivers = j, shifts = S @ cell; ``e3j_jax.calculator.atoms_to_graph``) and times, under
``jax.jit`` on the CPU with XLA's default thread pool, ``energy_forces_stress`` (or the energy
alone with ``--energy-only``). Compilation and ``--warmup`` seconds of calls come first, then
calls (each ``block_until_ready``) for ``--time`` seconds (at least 5). Prints one JSON line:
``{"min_us", "median_us", "n", "warmup_calls", "natoms", "nedges", "energy", "kind", "jax",
"e3nn_jax"}``.
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
import numpy as np  # noqa: E402
from ase.io import read  # noqa: E402

from e3j_jax.calculator import atoms_to_graph  # noqa: E402
from e3j_jax.export import load_model  # noqa: E402
from e3j_jax.potential import energy_forces_stress  # noqa: E402


def _is_graph_file(path: str) -> bool:
    import safetensors

    with safetensors.safe_open(path, framework="numpy") as f:
        meta = f.metadata() or {}
    try:
        return json.loads(meta.get("e3j_config", "{}")).get("format_version") == 2
    except ValueError:
        return False


def _graph_call(model_file: str, atoms, energy_only: bool):
    """A model graph (format version 2: nequip-eqx, jax-md, ... exports): its JAX interpreter (e3nn-jax's
    own functions, e3j_jax.graph) under jax.jit, on ASE's neighbour list at the file's neighbor_cutoff."""
    from ase.neighborlist import neighbor_list

    from e3j_jax.graph.model_graph import energy_forces_stress as graph_efs
    from e3j_jax.graph.model_graph import read_graph_file, run

    graph, cfg = read_graph_file(model_file)
    cutoff = cfg.get("neighbor_cutoff")
    if cutoff is None:
        raise SystemExit(f"bench_one: {model_file} declares no neighbor_cutoff")
    i, j, S = neighbor_list("ijS", atoms, float(cutoff), self_interaction=False)
    periodic = bool(np.all(atoms.pbc))
    shifts = S.astype(np.float64) @ np.asarray(atoms.cell, np.float64)
    inputs = dict(positions=jnp.asarray(atoms.positions, jnp.float32),
                  atomic_numbers=jnp.asarray(atoms.numbers, jnp.int32),
                  senders=jnp.asarray(i, jnp.int32), receivers=jnp.asarray(j, jnp.int32),
                  shifts=jnp.asarray(shifts, jnp.float32), n_node=jnp.asarray([len(atoms)], jnp.int32))
    species = cfg.get("species")
    if species is not None:
        unknown = sorted(set(atoms.numbers.tolist()) - set(species))
        if unknown:
            raise SystemExit(f"bench_one: atomic numbers {unknown} are not in the model's {species}")
        inputs["species"] = jnp.asarray([species.index(int(z)) for z in atoms.numbers], jnp.int32)
    cell = np.asarray(atoms.cell, np.float64) if periodic else None
    if energy_only:
        f = jax.jit(lambda x: run(graph, x)["energy"].array[:, 0])
    else:
        f = jax.jit(lambda x: graph_efs(graph, x, cell=cell))
    return (lambda: f(inputs)), len(i)  # noqa: E731


def bench(model_file: str, structure_file: str, warmup: float, duration: float, energy_only: bool) -> dict:
    atoms = read(structure_file, index=0, format="extxyz")
    if _is_graph_file(model_file):
        call, nedges = _graph_call(model_file, atoms, energy_only)
    else:
        model, variables, cfg = load_model(model_file)
        if cfg.get("architecture") != "Potential":
            raise SystemExit(f"bench_one: {model_file} is a {cfg.get('architecture')}, not a Potential")
        graph, cell, pbc = atoms_to_graph(atoms, model)
        nedges = int(graph.senders.shape[0])
        if energy_only:
            f = jax.jit(lambda v, g: model.apply(v, g)["energy"])
            call = lambda: f(variables, graph)  # noqa: E731
        else:
            fs = jax.jit(lambda v, g, c, p: energy_forces_stress(model, v, g, c, p))
            call = lambda: fs(variables, graph, cell, pbc)  # noqa: E731

    out = jax.block_until_ready(call())  # compile
    energy = float(np.asarray(out if energy_only else out["energy"])[0])
    warm = 0
    end = time.perf_counter() + warmup
    while True:
        jax.block_until_ready(call())
        warm += 1
        if time.perf_counter() >= end:
            break
    samples = []
    end = time.perf_counter() + duration
    while len(samples) < 5 or time.perf_counter() < end:
        t0 = time.perf_counter()
        jax.block_until_ready(call())
        samples.append((time.perf_counter() - t0) * 1e6)
    samples.sort()
    return dict(
        min_us=samples[0], median_us=samples[len(samples) // 2], n=len(samples), warmup_calls=warm,
        natoms=len(atoms), nedges=nedges, energy=energy,
        kind="energy" if energy_only else "energy+forces+stress",
        jax=jax.__version__, e3nn_jax=e3nn.__version__,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--structure", required=True, help="extended XYZ (first frame)")
    ap.add_argument("--warmup", type=float, default=5.0, help="seconds of calls after compilation")
    ap.add_argument("--time", type=float, default=5.0, help="seconds of timed calls (at least 5 calls)")
    ap.add_argument("--energy-only", action="store_true")
    a = ap.parse_args()
    print(json.dumps(bench(a.model, a.structure, a.warmup, a.time, a.energy_only)), flush=True)


if __name__ == "__main__":
    main()
