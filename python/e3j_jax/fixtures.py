"""Parity fixtures for the Java port: ``python -m e3j_jax.fixtures [--out DIR | --check]``.

Every case is a folder ``<out>/<case>/`` with ``model.safetensors`` (the model file, see
docs/model-format.md) and ``fixture.safetensors`` (inputs, per-layer intermediates and
outputs; tensor names in docs/contracts.md section 3 and docs/model-format.md).

Everything is computed on CPU, float32, ``jax_default_matmul_precision="highest"``, with
XLA's CPU thread pool off for Eigen (``--xla_cpu_multi_thread_eigen=false``) so the bytes
do not depend on the number of cores. The intermediates are computed by replaying each
layer step by step with e3nn-jax / Flax operations on the same params, and the generator
asserts that the replay's final outputs are bit-identical to the model's own ``apply``.

``--check`` regenerates into a temporary folder and compares byte for byte with the
committed fixtures (exit status 1 on any difference, missing or unexpected file).
"""

from __future__ import annotations

import os

os.environ.setdefault("JAX_PLATFORMS", "cpu")
_flag = "--xla_cpu_multi_thread_eigen=false"
if _flag not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " " + _flag).strip()

import argparse  # noqa: E402
import filecmp  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from typing import Any, Callable, Dict, List, Optional, Sequence  # noqa: E402

import jax  # noqa: E402

jax.config.update("jax_default_matmul_precision", "highest")
if jax.config.jax_enable_x64:
    raise RuntimeError("fixtures are float32: run without JAX_ENABLE_X64")

import e3nn_jax as e3nn  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import jraph  # noqa: E402
import numpy as np  # noqa: E402
from ase import Atoms  # noqa: E402
from ase.build import bulk  # noqa: E402
from ase.neighborlist import neighbor_list  # noqa: E402

from e3j_jax import config as e3j_config  # noqa: E402
from e3j_jax.export import atomic_write_safetensors, dumps_config, export_model  # noqa: E402
from e3j_jax.potential import (  # noqa: E402
    Potential,
    bessel_basis,
    edge_lengths,
    edge_vectors,
    energy_forces_stress,
    polynomial_envelope,
)
from e3j_jax.seed import (  # noqa: E402
    MLP,
    AtomEmbedding,
    SimpleNetwork,
    compute_features_of_relative_vectors,
    seed_example_graph,
    seed_example_model,
    seed_init_rng,
)

DEFAULT_OUT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures"))
FIXTURE_FORMAT_VERSION = 1


# ---------------------------------------------------------------------------
# Structures (numpy, float64 holding float32-representable values)

@dataclass
class Structure:
    numbers: np.ndarray  # int [N]
    positions: np.ndarray  # [N, 3], float32-representable
    cell: np.ndarray  # [3, 3], float32-representable (zeros when not periodic)
    pbc: np.ndarray  # bool [3]


@dataclass
class Batch:
    """Concatenated graphs in jraph layout, as numpy arrays."""

    numbers: np.ndarray
    positions: np.ndarray  # float32
    senders: np.ndarray
    receivers: np.ndarray
    cell_shifts: np.ndarray  # int [E, 3]
    shifts: np.ndarray  # float32 [E, 3] = f32(S @ cell)
    n_node: np.ndarray
    n_edge: np.ndarray
    cell: np.ndarray  # float32 [G, 3, 3]
    pbc: np.ndarray  # int [G, 3]


def f32(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float32).astype(np.float64)


def random_cluster(seed: int, n: int, numbers: Sequence[int], radius: float, min_dist: float) -> Structure:
    """n atoms uniformly in a ball, no two closer than min_dist (rejection sampling, seeded)."""
    rng = np.random.default_rng(seed)
    pos: List[np.ndarray] = []
    while len(pos) < n:
        p = rng.uniform(-radius, radius, 3)
        if np.linalg.norm(p) > radius:
            continue
        if all(np.linalg.norm(p - q) >= min_dist for q in pos):
            pos.append(p)
    z = rng.choice(np.asarray(numbers), size=n)
    return Structure(np.asarray(z, np.int64), f32(np.array(pos)), np.zeros((3, 3)), np.zeros(3, bool))


def crystal(atoms: Atoms, seed: int, rattle: float, shear: float) -> Structure:
    """A periodic structure: cell sheared (non-orthogonal), positions rattled (seeded)."""
    rng = np.random.default_rng(seed)
    cell = np.array(atoms.cell, dtype=np.float64)
    deform = np.eye(3) + shear * np.array([[0.0, 0.5, 0.2], [0.0, 0.0, -0.3], [0.1, 0.0, 0.0]])
    frac = atoms.get_scaled_positions(wrap=True)
    cell = f32(cell @ deform)
    positions = frac @ cell + rng.normal(scale=rattle, size=frac.shape)
    return Structure(
        np.asarray(atoms.numbers, np.int64), f32(positions), cell, np.ones(3, bool)
    )


def make_batch(structures: Sequence[Structure], cutoff: float) -> Batch:
    """Radius graphs (ASE neighbor_list "ijS": senders = i, receivers = j), concatenated."""
    parts = []
    offset = 0
    for s in structures:
        atoms = Atoms(numbers=s.numbers, positions=s.positions, cell=s.cell, pbc=s.pbc)
        i, j, S = neighbor_list("ijS", atoms, cutoff, self_interaction=False)
        shifts = (S.astype(np.float64) @ s.cell).astype(np.float32)
        parts.append((s, i + offset, j + offset, S, shifts))
        offset += len(s.numbers)
    cat = lambda xs, dt: np.concatenate(xs).astype(dt) if len(xs) else np.zeros(0, dt)  # noqa: E731
    return Batch(
        numbers=cat([p[0].numbers for p in parts], np.int32),
        positions=np.concatenate([p[0].positions for p in parts]).astype(np.float32),
        senders=cat([p[1] for p in parts], np.int32),
        receivers=cat([p[2] for p in parts], np.int32),
        cell_shifts=np.concatenate([p[3].reshape(-1, 3) for p in parts]).astype(np.int32),
        shifts=np.concatenate([p[4].reshape(-1, 3) for p in parts]).astype(np.float32),
        n_node=np.array([len(p[0].numbers) for p in parts], np.int32),
        n_edge=np.array([len(p[1]) for p in parts], np.int32),
        cell=np.stack([p[0].cell for p in parts]).astype(np.float32),
        pbc=np.stack([p[0].pbc for p in parts]).astype(np.int32),
    )


def seed_graph_batch() -> Batch:
    g = seed_example_graph()
    e = len(g.senders)
    return Batch(
        numbers=np.asarray(g.nodes["numbers"], np.int32),
        positions=np.asarray(g.nodes["positions"], np.float32),
        senders=np.asarray(g.senders, np.int32),
        receivers=np.asarray(g.receivers, np.int32),
        cell_shifts=np.zeros((e, 3), np.int32),
        shifts=np.zeros((e, 3), np.float32),
        n_node=np.asarray(g.n_node, np.int32),
        n_edge=np.asarray(g.n_edge, np.int32),
        cell=np.zeros((1, 3, 3), np.float32),
        pbc=np.zeros((1, 3), np.int32),
    )


def simple_graph(b: Batch) -> jraph.GraphsTuple:
    return jraph.GraphsTuple(
        nodes=dict(numbers=jnp.asarray(b.numbers), positions=jnp.asarray(b.positions)),
        senders=jnp.asarray(b.senders),
        receivers=jnp.asarray(b.receivers),
        globals=jnp.zeros((len(b.n_node),), jnp.int32),
        edges=None,
        n_node=jnp.asarray(b.n_node),
        n_edge=jnp.asarray(b.n_edge),
    )


def species_of(numbers: np.ndarray, species: Sequence[int]) -> np.ndarray:
    index = {int(z): i for i, z in enumerate(species)}
    unknown = sorted({int(z) for z in numbers} - set(index))
    if unknown:
        raise ValueError(f"atomic numbers {unknown} are not in the model's species {list(species)}")
    return np.array([index[int(z)] for z in numbers], np.int32)


def potential_graph(b: Batch, species: Sequence[int]) -> jraph.GraphsTuple:
    return jraph.GraphsTuple(
        nodes=dict(species=jnp.asarray(species_of(b.numbers, species)), positions=jnp.asarray(b.positions)),
        edges=dict(shifts=jnp.asarray(b.shifts)),
        senders=jnp.asarray(b.senders),
        receivers=jnp.asarray(b.receivers),
        globals=None,
        n_node=jnp.asarray(b.n_node),
        n_edge=jnp.asarray(b.n_edge),
    )


# ---------------------------------------------------------------------------
# Step-by-step replays (the intermediates), checked against model.apply

class Recorder:
    def __init__(self):
        self.tensors: Dict[str, np.ndarray] = {}
        self.irreps: Dict[str, str] = {}

    def put(self, name: str, x) -> None:
        """Record a value; inside jit it is a tracer, converted by ``finish``."""
        if isinstance(x, e3nn.IrrepsArray):
            self.irreps[name] = str(x.irreps)
            x = x.array
        self.tensors[name] = x

    def put_np(self, name: str, x) -> None:
        arr = np.asarray(x)
        if arr.dtype.kind == "f":
            if arr.dtype != np.float32:
                raise AssertionError(f"{name}: dtype {arr.dtype}, fixtures are float32")
        elif arr.dtype.kind in "iub":
            arr = arr.astype(np.int32)
        else:
            raise AssertionError(f"{name}: dtype {arr.dtype}")
        self.tensors[name] = np.ascontiguousarray(arr)

    def finish(self, values: Dict[str, Any]) -> None:
        for name, x in values.items():
            self.put_np(name, x)


def _layer_tail(rec: Recorder, k: int, lp, agg, skip, output_irreps):
    """Shared part of both layers after aggregation: expand, gate, concat skip, output Linear."""
    rec.put(f"layer_{k}/aggregated", agg)
    gate_irreps = e3nn.Irreps(f"{agg.irreps.num_irreps}x0e")
    expanded = e3nn.flax.Linear(agg.irreps + gate_irreps).apply({"params": lp["Linear_0"]}, agg)
    rec.put(f"layer_{k}/expanded", expanded)
    gated = e3nn.gate(expanded)
    rec.put(f"layer_{k}/gated", gated)
    cat = e3nn.concatenate([gated, skip])
    out = e3nn.flax.Linear(output_irreps).apply({"params": lp["Linear_1"]}, cat)
    rec.put(f"layer_{k}/output", out)
    return out


def replay_simple_network(model: SimpleNetwork, variables, graph: jraph.GraphsTuple, rec: Recorder):
    """The seed's forward pass, op by op, recording every intermediate (traceable)."""
    p = variables["params"]
    h = AtomEmbedding(embed_dims=model.init_embed_dims, max_atomic_number=model.max_atomic_number).apply(
        {"params": p["AtomEmbedding_0"]}, graph.nodes["numbers"]
    )
    rec.put("node/embedding", h)
    pos = graph.nodes["positions"]
    vectors = pos[graph.receivers] - pos[graph.senders]
    sh, norm = compute_features_of_relative_vectors(vectors, lmax=model.sh_lmax)
    rec.put("edge/vectors", vectors)
    rec.put("edge/sh", sh)
    rec.put("edge/norm", norm)
    for k, output_irreps in enumerate(model.output_irreps_per_layer):
        lp = p[f"SimpleNetworkLayer_{k}"]
        skip = h
        tp = e3nn.tensor_product(sh, h[graph.senders])
        rec.put(f"layer_{k}/tp", tp)
        radial = MLP(
            output_dims=tp.irreps.num_irreps, hidden_dims=model.mlp_hidden_dims, num_layers=model.mlp_num_layers
        ).apply({"params": lp["MLP_0"]}, norm)
        rec.put(f"layer_{k}/radial", radial)
        scalars = e3nn.IrrepsArray(f"{radial.shape[-1]}x0e", radial)
        messages = jax.vmap(lambda s, f: s * f)(scalars, tp)
        rec.put(f"layer_{k}/messages", messages)
        agg = e3nn.scatter_mean(messages, dst=graph.receivers, output_size=h.shape[0])
        h = _layer_tail(rec, k, lp, agg, skip, output_irreps)
    rec.put("output/node_features", h)
    rec.put("output/global_features", e3nn.scatter_mean(h, nel=graph.n_node))
    return rec.tensors


def trace_simple_network(model: SimpleNetwork, variables, graph: jraph.GraphsTuple, rec: Recorder) -> None:
    values = jax.jit(lambda v, g: replay_simple_network(model, v, g, rec))(variables, graph)
    rec.tensors = {}
    rec.finish(values)
    node_ref, glob_ref = jax.jit(model.apply)(variables, graph)
    _assert_identical("output/node_features", rec.tensors["output/node_features"], node_ref)
    _assert_identical("output/global_features", rec.tensors["output/global_features"], glob_ref)


def replay_potential(model: Potential, variables, graph: jraph.GraphsTuple, rec: Recorder):
    """The potential's forward pass, op by op, recording every intermediate (traceable)."""
    p = variables["params"]
    species = graph.nodes["species"]
    h = AtomEmbedding(embed_dims=model.init_embed_dims, max_atomic_number=len(model.species)).apply(
        {"params": p["AtomEmbedding_0"]}, species
    )
    rec.put("node/embedding", h)
    vectors = edge_vectors(graph.nodes["positions"], graph.senders, graph.receivers, graph.edges["shifts"])
    sh = e3nn.spherical_harmonics(e3nn.s2_irreps(lmax=model.sh_lmax), vectors, normalize=True, normalization="norm")
    d = edge_lengths(vectors)
    basis = bessel_basis(d, model.cutoff, model.num_basis)
    u = polynomial_envelope(d, model.cutoff, model.envelope_p)
    mlp_input = basis * u
    rec.put("edge/vectors", vectors)
    rec.put("edge/sh", sh)
    rec.put("edge/norm", d)
    rec.put("edge/radial_basis", basis)
    rec.put("edge/envelope", u)
    rec.put("edge/mlp_input", mlp_input)
    for k, output_irreps in enumerate(model.output_irreps_per_layer):
        lp = p[f"PotentialLayer_{k}"]
        skip = h
        tp = e3nn.tensor_product(sh, h[graph.senders])
        rec.put(f"layer_{k}/tp", tp)
        radial = MLP(
            output_dims=tp.irreps.num_irreps, hidden_dims=model.mlp_hidden_dims, num_layers=model.mlp_num_layers
        ).apply({"params": lp["MLP_0"]}, mlp_input)
        radial = radial * u
        rec.put(f"layer_{k}/radial", radial)
        scalars = e3nn.IrrepsArray(f"{radial.shape[-1]}x0e", radial)
        messages = jax.vmap(lambda s, f: s * f)(scalars, tp)
        rec.put(f"layer_{k}/messages", messages)
        agg = e3nn.scatter_sum(messages, dst=graph.receivers, output_size=h.shape[0]) / model.avg_num_neighbors
        h = _layer_tail(rec, k, lp, agg, skip, output_irreps)
    readout = e3nn.flax.Linear("1x0e").apply({"params": p["readout"]}, h)
    atom_e = p["species_energy_scale"][species] * readout.array[:, 0] + p["species_energy_shift"][species]
    rec.put("output/node_features", h)
    rec.put("output/readout", readout)
    rec.put("output/atom_energies", atom_e)
    rec.put("output/energy", e3nn.scatter_sum(atom_e, nel=graph.n_node))
    return rec.tensors


def trace_potential(model: Potential, variables, graph: jraph.GraphsTuple, b: Batch, rec: Recorder) -> bool:
    values = jax.jit(lambda v, g: replay_potential(model, v, g, rec))(variables, graph)
    rec.tensors = {}
    rec.finish(values)
    ref = jax.jit(model.apply)(variables, graph)
    for key in ("node_features", "atom_energies", "energy"):
        _assert_identical(f"output/{key}", rec.tensors[f"output/{key}"], ref[key])

    efs = jax.jit(lambda v, g, cell, pbc: energy_forces_stress(model, v, g, cell, pbc))(
        variables, graph, jnp.asarray(b.cell), jnp.asarray(b.pbc)
    )
    _assert_close("output/energy (inside jax.grad)", rec.tensors["output/energy"], efs["energy"])
    rec.put_np("output/forces", efs["forces"])
    periodic = np.asarray(efs["stress_valid"])
    if periodic.all():
        rec.put_np("output/stress", efs["stress"])
    return bool(periodic.all())


def _assert_close(name, a, b, rtol=1e-6):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape or not np.allclose(a, b, rtol=rtol, atol=0):
        raise AssertionError(f"{name}: {a} != {b}")


def _assert_identical(name, a, b):
    a = a.array if isinstance(a, e3nn.IrrepsArray) else a
    b = b.array if isinstance(b, e3nn.IrrepsArray) else b
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or not np.array_equal(a, b):
        diff = np.max(np.abs(a - b)) if a.shape == b.shape else "shape"
        raise AssertionError(f"{name}: step-by-step replay differs from model.apply (max |diff| {diff})")


# ---------------------------------------------------------------------------
# Cases

@dataclass
class Case:
    name: str
    description: str
    build: Callable[[], tuple]  # -> (model, variables, batch)
    tags: List[str] = field(default_factory=list)


def _init(model, graph, seed: int):
    return jax.jit(model.init)(jax.random.PRNGKey(seed), graph)


def _with_energy_params(variables, scale: Sequence[float], shift: Sequence[float]):
    """Replace the init values (ones / zeros) of the per-species scale and shift by fixed ones."""
    params = dict(variables["params"])
    params["species_energy_scale"] = jnp.asarray(scale, jnp.float32)
    params["species_energy_shift"] = jnp.asarray(shift, jnp.float32)
    return {"params": params}


def case_seed_example():
    model = seed_example_model()
    graph = seed_example_graph()
    variables = model.init(seed_init_rng(), graph)  # eager, exactly as the seed does
    return model, variables, seed_graph_batch()


def case_simple_lmax0_single_atom():
    model = SimpleNetwork(
        sh_lmax=0, init_embed_dims=5, max_atomic_number=12, mlp_hidden_dims=6, mlp_num_layers=2,
        output_irreps_per_layer=[e3nn.Irreps("5x0e + 3x0o"), e3nn.Irreps("7x0e")],
    )
    s = Structure(np.array([11]), f32([[0.25, -0.5, 1.0]]), np.zeros((3, 3)), np.zeros(3, bool))
    b = make_batch([s], cutoff=3.0)
    assert len(b.senders) == 0
    return model, _init(model, simple_graph(b), 1), b


def case_simple_lmax1_molecule():
    model = SimpleNetwork(
        sh_lmax=1, init_embed_dims=7, max_atomic_number=9, mlp_hidden_dims=12, mlp_num_layers=3,
        output_irreps_per_layer=[
            e3nn.Irreps("13x0e + 5x1o + 3x1e"),
            e3nn.Irreps("11x0e + 3x0o + 5x1o + 2x1e"),
            e3nn.Irreps("6x0e + 3x1o"),
        ],
    )
    s = random_cluster(seed=11, n=20, numbers=[1, 1, 6, 7, 8], radius=3.4, min_dist=1.0)
    b = make_batch([s], cutoff=2.6)
    return model, _init(model, simple_graph(b), 2), b


def case_simple_lmax2_batch():
    model = SimpleNetwork(
        sh_lmax=2, init_embed_dims=6, max_atomic_number=20, mlp_hidden_dims=5, mlp_num_layers=1,
        output_irreps_per_layer=[e3nn.Irreps("6x0e + 2x0o + 7x1o + 3x2e + 1x1e")],
    )
    structures = [
        random_cluster(seed=21, n=3, numbers=[1, 8], radius=1.5, min_dist=0.9),
        random_cluster(seed=22, n=1, numbers=[19], radius=0.5, min_dist=0.9),
        random_cluster(seed=23, n=6, numbers=[6, 9, 17], radius=2.2, min_dist=1.0),
        random_cluster(seed=24, n=4, numbers=[3, 12], radius=1.8, min_dist=1.0),
    ]
    b = make_batch(structures, cutoff=2.5)
    return model, _init(model, simple_graph(b), 3), b


def case_simple_lmax4_cluster():
    model = SimpleNetwork(
        sh_lmax=4, init_embed_dims=4, max_atomic_number=36, mlp_hidden_dims=16, mlp_num_layers=2,
        output_irreps_per_layer=[
            e3nn.Irreps("4x0e + 3x1o + 2x2e + 1x3o + 1x4e"),
            e3nn.Irreps("5x0e + 2x1o + 1x1e"),
        ],
    )
    s = random_cluster(seed=41, n=8, numbers=[1, 6, 14, 26, 35], radius=2.4, min_dist=1.1)
    b = make_batch([s], cutoff=2.8)
    return model, _init(model, simple_graph(b), 4), b


POTENTIAL_MOLECULE_SPECIES = (1, 6, 7, 8)


def case_potential_molecule20():
    model = Potential(
        sh_lmax=2, init_embed_dims=9, species=POTENTIAL_MOLECULE_SPECIES, mlp_hidden_dims=10, mlp_num_layers=2,
        output_irreps_per_layer=[e3nn.Irreps("10x0e + 4x1o + 3x1e + 2x2e"), e3nn.Irreps("6x0e + 3x1o")],
        cutoff=3.0, num_basis=8, envelope_p=6, avg_num_neighbors=6.5,
    )
    s = random_cluster(seed=51, n=20, numbers=[1, 1, 6, 7, 8], radius=3.3, min_dist=1.0)
    b = make_batch([s], cutoff=model.cutoff)
    v = _init(model, potential_graph(b, model.species), 5)
    v = _with_energy_params(v, [0.75, 1.25, 0.5, 1.5], [-0.5, -1.25, -2.0, -0.75])
    return model, v, b


def case_potential_crystal32():
    model = Potential(
        sh_lmax=3, init_embed_dims=6, species=(31, 33), mlp_hidden_dims=8, mlp_num_layers=2,
        output_irreps_per_layer=[e3nn.Irreps("7x0e + 3x1o + 1x2e"), e3nn.Irreps("5x0e + 2x1o + 1x1e")],
        cutoff=3.25, num_basis=6, envelope_p=6, avg_num_neighbors=4.0,
    )
    s = crystal(bulk("GaAs", "zincblende", a=5.65, cubic=True).repeat((2, 2, 1)), seed=61, rattle=0.08, shear=0.04)
    b = make_batch([s], cutoff=model.cutoff)
    v = _init(model, potential_graph(b, model.species), 6)
    v = _with_energy_params(v, [0.5, 0.625], [-3.25, -4.5])
    return model, v, b


def case_potential_batch3():
    model = Potential(
        sh_lmax=2, init_embed_dims=5, species=(11, 17, 29), mlp_hidden_dims=7, mlp_num_layers=3,
        output_irreps_per_layer=[e3nn.Irreps("9x0e + 2x0o + 3x1o + 2x1e + 1x2o")],
        cutoff=3.5, num_basis=5, envelope_p=6, avg_num_neighbors=8.0,
    )
    structures = [
        crystal(bulk("NaCl", "rocksalt", a=5.64), seed=71, rattle=0.05, shear=0.0),
        crystal(bulk("Cu", "fcc", a=3.61, cubic=True), seed=72, rattle=0.06, shear=0.05),
        crystal(bulk("NaCl", "rocksalt", a=5.64, cubic=True), seed=73, rattle=0.07, shear=-0.03),
    ]
    b = make_batch(structures, cutoff=model.cutoff)
    v = _init(model, potential_graph(b, model.species), 7)
    v = _with_energy_params(v, [1.0, 0.875, 1.125], [-1.25, -0.5, -3.75])
    return model, v, b


CASES: List[Case] = [
    Case("seed_example", "the seed tutorial's own 3-atom graph, config and init_rng", case_seed_example, ["SimpleNetwork"]),
    Case("simple_lmax0_single_atom", "sh_lmax 0, one atom and no edges, a 0o output irreps that vanishes",
         case_simple_lmax0_single_atom, ["SimpleNetwork"]),
    Case("simple_lmax1_molecule20", "sh_lmax 1, 20-atom radius graph, 3 layers, both parities (0o from 1o x 1e)",
         case_simple_lmax1_molecule, ["SimpleNetwork"]),
    Case("simple_lmax2_batch4", "sh_lmax 2, batch of 4 graphs (n_node 3, 1, 6, 4), 1 layer, MLP without hidden layer",
         case_simple_lmax2_batch, ["SimpleNetwork"]),
    Case("simple_lmax4_cluster8", "sh_lmax 4, 8-atom cluster, max_atomic_number 36", case_simple_lmax4_cluster,
         ["SimpleNetwork"]),
    Case("potential_molecule20", "Potential, 20-atom molecule (open boundaries, no stress)",
         case_potential_molecule20, ["Potential"]),
    Case("potential_crystal32", "Potential, 32-atom zincblende GaAs supercell, sheared cell, rattled, cell shifts",
         case_potential_crystal32, ["Potential"]),
    Case("potential_batch3", "Potential, batch of 3 periodic crystals (n_node 2, 4, 8), multiple images per pair",
         case_potential_batch3, ["Potential"]),
]
CASE_NAMES = [c.name for c in CASES]


def _inputs(rec: Recorder, model, b: Batch) -> None:
    rec.put("input/numbers", b.numbers)
    rec.put("input/positions", b.positions)
    rec.put("input/senders", b.senders)
    rec.put("input/receivers", b.receivers)
    rec.put("input/n_node", b.n_node)
    rec.put("input/n_edge", b.n_edge)
    if isinstance(model, Potential):
        rec.put("input/species", species_of(b.numbers, model.species))
        rec.put("input/shifts", b.shifts)
        rec.put("input/cell_shifts", b.cell_shifts)
        rec.put("input/cell", b.cell)
        rec.put("input/pbc", b.pbc)


def generate_case(case: Case, out_dir: str) -> Dict[str, Any]:
    model, variables, b = case.build()
    case_dir = os.path.join(out_dir, case.name)
    os.makedirs(case_dir, exist_ok=True)
    cfg = export_model(os.path.join(case_dir, "model.safetensors"), model, variables)

    rec = Recorder()
    _inputs(rec, model, b)
    has_stress = False
    if isinstance(model, SimpleNetwork):
        trace_simple_network(model, variables, simple_graph(b), rec)
    else:
        has_stress = trace_potential(model, variables, potential_graph(b, model.species), b, rec)

    derived = {layer["name"]: layer for layer in cfg["layers"]}
    for k, layer in enumerate(cfg["layers"]):
        for key, cfg_key in (("tp", "tp_irreps"), ("expanded", "expanded_irreps"), ("gated", "gated_irreps"),
                             ("output", "output_irreps")):
            got = rec.irreps[f"layer_{k}/{key}"]
            if got != layer[cfg_key]:
                raise AssertionError(f"{case.name} layer {k}: {key} irreps {got} != config {cfg_key} {layer[cfg_key]}")
    del derived

    meta = {
        "fixture_format_version": FIXTURE_FORMAT_VERSION,
        "case": case.name,
        "description": case.description,
        "architecture": cfg["architecture"],
        "model_file": "model.safetensors",
        "num_nodes": int(b.numbers.shape[0]),
        "num_edges": int(b.senders.shape[0]),
        "num_graphs": int(b.n_node.shape[0]),
        "num_layers": len(cfg["layers"]),
        "has_stress": has_stress,
        "irreps": dict(sorted(rec.irreps.items())),
        "dtype": "float32",
        "matmul_precision": "highest",
        "platform": "cpu",
        "provenance": e3j_config.provenance(),
    }
    atomic_write_safetensors(
        os.path.join(case_dir, "fixture.safetensors"), rec.tensors, {"fixture": dumps_config(meta)}
    )
    return meta


def generate_all(out_dir: str, names: Optional[Sequence[str]] = None, verbose: bool = True) -> None:
    selected = [c for c in CASES if names is None or c.name in names]
    unknown = set(names or []) - set(CASE_NAMES)
    if unknown:
        raise SystemExit(f"unknown case(s) {sorted(unknown)}; known: {CASE_NAMES}")
    for case in selected:
        meta = generate_case(case, out_dir)
        if verbose:
            size = sum(
                os.path.getsize(os.path.join(out_dir, case.name, f)) for f in ("model.safetensors", "fixture.safetensors")
            )
            print(f"  {case.name:28s} N={meta['num_nodes']:3d} E={meta['num_edges']:4d} "
                  f"G={meta['num_graphs']} {size / 1024:8.1f} KiB", flush=True)


def load_case(fixtures_dir: str, name: str):
    """A committed case -> (model, variables, Batch), from its model file and fixture inputs."""
    from safetensors.numpy import load_file

    from e3j_jax.export import load_model

    model, variables, _ = load_model(os.path.join(fixtures_dir, name, "model.safetensors"))
    t = load_file(os.path.join(fixtures_dir, name, "fixture.safetensors"))
    n_graph = len(t["input/n_node"])
    n_edge = len(t["input/senders"])
    b = Batch(
        numbers=t["input/numbers"], positions=t["input/positions"], senders=t["input/senders"],
        receivers=t["input/receivers"],
        cell_shifts=t.get("input/cell_shifts", np.zeros((n_edge, 3), np.int32)),
        shifts=t.get("input/shifts", np.zeros((n_edge, 3), np.float32)),
        n_node=t["input/n_node"], n_edge=t["input/n_edge"],
        cell=t.get("input/cell", np.zeros((n_graph, 3, 3), np.float32)),
        pbc=t.get("input/pbc", np.zeros((n_graph, 3), np.int32)),
    )
    return model, variables, b


def _all_files(root: str) -> List[str]:
    out = []
    for dirpath, _, files in os.walk(root):
        for f in files:
            out.append(os.path.relpath(os.path.join(dirpath, f), root))
    return sorted(out)


def check(committed: str) -> int:
    """Regenerate into a temp dir and compare byte for byte; returns a process exit status."""
    with tempfile.TemporaryDirectory(prefix="e3j-fixtures-") as tmp:
        generate_all(tmp, verbose=False)
        fresh = _all_files(tmp)
        # Only the case folders this generator owns are compared; other files under the
        # folder (README, other generators' data) are not ours to judge.
        have = [f for f in (_all_files(committed) if os.path.isdir(committed) else [])
                if f.split(os.sep)[0] in CASE_NAMES]
        problems = []
        for f in fresh:
            if f not in have:
                problems.append(f"missing from {committed}: {f}")
            elif not filecmp.cmp(os.path.join(tmp, f), os.path.join(committed, f), shallow=False):
                problems.append(f"differs: {f}")
        for f in have:
            if f not in fresh and not f.endswith((".md", ".txt")):
                problems.append(f"unexpected (not generated): {f}")
    if problems:
        print("e3j fixtures: NOT reproducible:\n  " + "\n  ".join(problems))
        print("regenerate with: python -m e3j_jax.fixtures --out " + committed)
        return 1
    print(f"e3j fixtures: {len(fresh)} files in {committed} regenerate byte-identically")
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m e3j_jax.fixtures", description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    ap.add_argument("--check", action="store_true", help="regenerate into a temp dir and compare with --out")
    ap.add_argument("--case", action="append", help="only this case (repeatable)")
    ap.add_argument("--list", action="store_true", help="list the cases")
    args = ap.parse_args(argv)
    if args.list:
        for c in CASES:
            print(f"{c.name:28s} {c.description}")
        return 0
    if args.check:
        return check(args.out)
    print(f"e3j fixtures -> {args.out}")
    generate_all(args.out, args.case)
    stale = [d for d in os.listdir(args.out) if os.path.isdir(os.path.join(args.out, d)) and d not in CASE_NAMES]
    if stale:
        print(f"warning: folders not generated by this version (remove them?): {stale}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
