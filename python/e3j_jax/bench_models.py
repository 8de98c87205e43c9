"""Benchmark model and structures for perf/: ``python -m e3j_jax.bench_models [--out perf/models]``.

Writes, deterministically (fixed seeds, float32):

- ``potential_bench.safetensors``: the Potential with hidden irreps 32x0e + 32x1o + 32x2e,
  sh_lmax 3, 3 layers, radial MLP 64 wide (one hidden layer), 8 Bessel functions, cutoff 5 Å,
  species H, C, N, O, Cu; random-init params (speed only).
- ``potential_l1x16.safetensors``: a small model shaped like the bundled models/cu-emt
  (sh_lmax 1, hidden 16x0e + 16x1o, 2 layers, radial MLP 32 wide), same species, basis and cutoff;
  random-init params (seed 2025).
- ``potential_l2x8.safetensors``: sh_lmax 2, hidden 8x0e + 8x1o + 8x2e, 3 layers, radial MLP 32
  wide; random-init params (seed 2026).
- ``case_M.safetensors``: biphenyl (ase.build.molecule, 22 atoms, C12H10), 5 Å radius graph, no cell.
- ``case_C.safetensors``: fcc Cu, 4x4x4 cubic cells = 256 atoms, a = 3.61 Å, rattled by 0.02 Å
  (seeded), periodic, 5 Å cutoff (~42 neighbours per atom).

Case files hold the fixture input tensors of docs/contracts.md §3 (input/numbers, positions,
senders, receivers, shifts, n_node, n_edge, cell, pbc). Case S is the seed fixture
(tests/fixtures/seed_example) and is not written here.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import e3nn_jax as e3nn  # noqa: E402
import numpy as np  # noqa: E402
from ase.build import bulk, molecule  # noqa: E402

from e3j_jax.export import atomic_write_safetensors, export_model  # noqa: E402
from e3j_jax.fixtures import Structure, _init, f32, make_batch, potential_graph  # noqa: E402
from e3j_jax.potential import Potential  # noqa: E402

SPECIES = (1, 6, 7, 8, 29)
CUTOFF = 5.0


def bench_model() -> Potential:
    hidden = e3nn.Irreps("32x0e + 32x1o + 32x2e")
    return Potential(
        sh_lmax=3, init_embed_dims=32, species=SPECIES, mlp_hidden_dims=64, mlp_num_layers=2,
        output_irreps_per_layer=[hidden, hidden, hidden], cutoff=CUTOFF, num_basis=8, envelope_p=6,
        avg_num_neighbors=24.0,
    )


# The small models of the side-by-side (issue #13): name -> (sh_lmax, hidden irreps, layers, init seed).
# The Java side (org.e3j.perf.ModelForwardBench) names a case STRUCTURE-NAME, e.g. C-l1x16.
SMALL_MODELS = {
    "l1x16": (1, "16x0e + 16x1o", 2, 2025),
    "l2x8": (2, "8x0e + 8x1o + 8x2e", 3, 2026),
}


def small_model(name: str) -> Potential:
    lmax, irreps, layers, _ = SMALL_MODELS[name]
    hidden = e3nn.Irreps(irreps)
    return Potential(
        sh_lmax=lmax, init_embed_dims=hidden.count("0e"), species=SPECIES, mlp_hidden_dims=32, mlp_num_layers=2,
        output_irreps_per_layer=[hidden] * layers, cutoff=CUTOFF, num_basis=8, envelope_p=6,
        avg_num_neighbors=24.0,
    )


def structure_m() -> Structure:
    a = molecule("biphenyl")
    return Structure(np.asarray(a.numbers, np.int64), f32(a.positions), np.zeros((3, 3)), np.zeros(3, bool))


def structure_c() -> Structure:
    a = bulk("Cu", "fcc", a=3.61, cubic=True).repeat((4, 4, 4))
    rng = np.random.default_rng(4)
    pos = a.positions + rng.normal(scale=0.02, size=a.positions.shape)
    return Structure(np.asarray(a.numbers, np.int64), f32(pos), f32(np.array(a.cell)), np.ones(3, bool))


def write_case(path: str, s: Structure) -> None:
    b = make_batch([s], cutoff=CUTOFF)
    tensors = {
        "input/numbers": b.numbers, "input/positions": b.positions, "input/senders": b.senders,
        "input/receivers": b.receivers, "input/shifts": b.shifts, "input/n_node": b.n_node,
        "input/n_edge": b.n_edge, "input/cell": b.cell, "input/pbc": b.pbc,
    }
    atomic_write_safetensors(path, tensors, {"case": os.path.basename(path)})
    print(f"{path}: {len(b.numbers)} atoms, {len(b.senders)} edges ({len(b.senders) / len(b.numbers):.1f} per atom)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..", "perf", "models"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    model = bench_model()
    m = structure_m()
    c = structure_c()
    variables = _init(model, potential_graph(make_batch([m], CUTOFF), SPECIES), 2024)
    path = os.path.join(args.out, "potential_bench.safetensors")
    cfg = export_model(path, model, variables)
    print(f"{path}: {cfg['param_count']} params")
    for name, (_, _, _, seed) in SMALL_MODELS.items():
        small = small_model(name)
        variables = _init(small, potential_graph(make_batch([m], CUTOFF), SPECIES), seed)
        path = os.path.join(args.out, f"potential_{name}.safetensors")
        cfg = export_model(path, small, variables)
        print(f"{path}: {cfg['param_count']} params")
    write_case(os.path.join(args.out, "case_M.safetensors"), m)
    write_case(os.path.join(args.out, "case_C.safetensors"), c)


if __name__ == "__main__":
    main()
