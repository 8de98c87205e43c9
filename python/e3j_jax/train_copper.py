"""Train the bundled copper potential on ASE EMT data and export it.

    python -m e3j_jax.train_copper --out models/

generates the EMT data (``e3j_jax.copper_data``), trains a small ``Potential`` in JAX
(float32, CPU), evaluates it on held-out frames and on the fcc energy-volume curve,
and writes ``<out>/cu-emt.safetensors`` (``e3j_jax.export.export_model``) and
``<out>/cu-emt.json`` (the training report). Everything is seeded; on one machine
the run is repeatable, across machines bit-for-bit equality is not guaranteed
(XLA's CPU kernels and thread scheduling may differ).

Training: loss = w_E * mean_g((E_g - E_g^ref) / N_g)^2 + w_F * mean_{i,c}(F_ic - F_ic^ref)^2
+ w_S * mean_{g,k}((sigma_gk - sigma_gk^ref) V_g / N_g)^2 (stress as virial per atom,
periodic graphs only), Adam (written out here, no optax) with a warm-up and an
exponentially decaying learning rate, global-norm gradient clipping, and an exponential
moving average of the parameters that is what gets evaluated and exported.
Batches are jraph-style (nodes and edges concatenated, n_node / n_edge), packed greedily
under a fixed node/edge budget and padded to that budget with one padding graph, so
the jitted train step compiles once.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import math
import os
import platform
import sys
import time
from typing import Dict, List, Sequence

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import e3nn_jax as e3nn  # noqa: E402
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import jraph  # noqa: E402
import numpy as np  # noqa: E402

from e3j_jax import copper_data  # noqa: E402
from e3j_jax.export import export_model  # noqa: E402
from e3j_jax.potential import Potential, energy_forces_stress  # noqa: E402

MODEL_NAME = "cu-emt"

DEFAULTS = dict(
    seed=0,
    cutoff=5.0,
    sh_lmax=1,
    init_embed_dims=16,
    hidden_irreps="32x0e+8x1o",
    last_irreps="16x0e",
    num_layers=2,
    mlp_hidden_dims=32,
    mlp_num_layers=2,
    num_basis=8,
    test_fraction=0.15,
    epochs=18,
    lr=5e-3,
    lr_final=5e-5,
    warmup_steps=30,
    clip_norm=10.0,
    ema_decay=0.99,
    w_energy=20.0,
    w_forces=1.0,
    w_stress=2.0,
    max_nodes=112,
    max_edges=6144,
    max_graphs=4,
)


# ----------------------------------------------------------------------------- batching


class Graphs:
    """Per-frame numpy arrays in float32 / int32, ready to be packed into batches."""

    def __init__(self, frames: Sequence[copper_data.Frame], cutoff: float, species: Sequence[int]):
        z_to_index = {z: i for i, z in enumerate(species)}
        self.items = []
        for f in frames:
            s, r, sh = copper_data.neighbor_graph(f, cutoff)
            n = f.n_atoms
            periodic = bool(np.all(f.pbc))
            volume = abs(float(np.linalg.det(f.cell))) if periodic else 0.0
            self.items.append(
                dict(
                    kind=f.kind,
                    n_node=n,
                    n_edge=int(s.shape[0]),
                    species=np.array([z_to_index[int(z)] for z in f.numbers], np.int32),
                    positions=f.positions.astype(np.float32),
                    senders=s,
                    receivers=r,
                    shifts=sh.astype(np.float32),
                    cell=f.cell.astype(np.float32),
                    pbc=f.pbc.astype(np.int32),
                    energy=np.float32(f.energy),
                    forces=f.forces.astype(np.float32),
                    stress=(f.stress if periodic else np.zeros(6)).astype(np.float32),
                    stress_mask=np.float32(1.0 if periodic else 0.0),
                    volume_per_atom=np.float32(volume / n),
                )
            )

    def __len__(self):
        return len(self.items)


def pack(indices: Sequence[int], items, max_nodes: int, max_edges: int, max_graphs: int) -> List[List[int]]:
    """Greedy packing of frames (in the given order) under the node/edge/graph budget."""
    batches, current, nodes, edges = [], [], 0, 0
    for i in indices:
        it = items[i]
        if it["n_node"] > max_nodes or it["n_edge"] > max_edges:
            raise ValueError(
                f"frame {i} ({it['kind']}, {it['n_node']} atoms, {it['n_edge']} edges) exceeds the batch budget"
            )
        if current and (
            nodes + it["n_node"] > max_nodes or edges + it["n_edge"] > max_edges or len(current) == max_graphs
        ):
            batches.append(current)
            current, nodes, edges = [], 0, 0
        current.append(i)
        nodes += it["n_node"]
        edges += it["n_edge"]
    if current:
        batches.append(current)
    return batches


def collate(batch: Sequence[int], items, max_nodes: int, max_edges: int, max_graphs: int, cutoff: float):
    """Concatenate frames and pad to (max_nodes + 1, max_edges, max_graphs + 1).

    Padding: one extra graph holds all padding nodes (at the origin) and all padding
    edges (self-loops of the last padding node with a shift of 2 * cutoff along x, so
    their length is beyond the cutoff and their envelope, hence message, is zero).
    """
    n_pad_nodes, n_pad_graphs = max_nodes + 1, max_graphs + 1
    species = np.zeros(n_pad_nodes, np.int32)
    positions = np.zeros((n_pad_nodes, 3), np.float32)
    forces = np.zeros((n_pad_nodes, 3), np.float32)
    node_mask = np.zeros(n_pad_nodes, np.float32)
    senders = np.full(max_edges, n_pad_nodes - 1, np.int32)
    receivers = np.full(max_edges, n_pad_nodes - 1, np.int32)
    shifts = np.zeros((max_edges, 3), np.float32)
    shifts[:, 0] = 2.0 * cutoff
    n_node = np.zeros(n_pad_graphs, np.int32)
    n_edge = np.zeros(n_pad_graphs, np.int32)
    cell = np.tile(np.eye(3, dtype=np.float32), (n_pad_graphs, 1, 1))
    pbc = np.zeros((n_pad_graphs, 3), np.int32)
    energy = np.zeros(n_pad_graphs, np.float32)
    stress = np.zeros((n_pad_graphs, 6), np.float32)
    stress_mask = np.zeros(n_pad_graphs, np.float32)
    graph_mask = np.zeros(n_pad_graphs, np.float32)
    vpa = np.zeros(n_pad_graphs, np.float32)
    no, eo = 0, 0
    for g, i in enumerate(batch):
        it = items[i]
        n, e = it["n_node"], it["n_edge"]
        species[no : no + n] = it["species"]
        positions[no : no + n] = it["positions"]
        forces[no : no + n] = it["forces"]
        node_mask[no : no + n] = 1.0
        senders[eo : eo + e] = it["senders"] + no
        receivers[eo : eo + e] = it["receivers"] + no
        shifts[eo : eo + e] = it["shifts"]
        n_node[g], n_edge[g] = n, e
        cell[g], pbc[g] = it["cell"], it["pbc"]
        energy[g], stress[g], stress_mask[g] = it["energy"], it["stress"], it["stress_mask"]
        graph_mask[g], vpa[g] = 1.0, it["volume_per_atom"]
        no += n
        eo += e
    n_node[max_graphs] = n_pad_nodes - no
    n_edge[max_graphs] = max_edges - eo
    graphs = jraph.GraphsTuple(
        nodes={"species": species, "positions": positions},
        edges={"shifts": shifts},
        senders=senders,
        receivers=receivers,
        globals=None,
        n_node=n_node,
        n_edge=n_edge,
    )
    targets = dict(
        energy=energy,
        forces=forces,
        stress=stress,
        stress_mask=stress_mask,
        graph_mask=graph_mask,
        node_mask=node_mask,
        volume_per_atom=vpa,
        cell=cell,
        pbc=pbc,
    )
    return graphs, targets


# ----------------------------------------------------------------------------- model, loss, Adam


def make_model(cfg, avg_num_neighbors: float) -> Potential:
    irreps = [e3nn.Irreps(cfg["hidden_irreps"])] * (cfg["num_layers"] - 1) + [e3nn.Irreps(cfg["last_irreps"])]
    return Potential(
        sh_lmax=cfg["sh_lmax"],
        init_embed_dims=cfg["init_embed_dims"],
        species=(copper_data.CU,),
        mlp_hidden_dims=cfg["mlp_hidden_dims"],
        mlp_num_layers=cfg["mlp_num_layers"],
        output_irreps_per_layer=tuple(irreps),
        cutoff=float(np.float32(cfg["cutoff"])),
        num_basis=cfg["num_basis"],
        avg_num_neighbors=float(np.float32(avg_num_neighbors)),
    )


def predict(model, params, graphs, targets):
    return energy_forces_stress(model, params, graphs, targets["cell"], targets["pbc"])


def errors(model, params, graphs, targets):
    out = predict(model, params, graphs, targets)
    n = jnp.maximum(graphs.n_node, 1).astype(jnp.float32)
    de = (out["energy"] - targets["energy"]) / n * targets["graph_mask"]
    df = (out["forces"] - targets["forces"]) * targets["node_mask"][:, None]
    ds = (out["stress"] - targets["stress"]) * targets["stress_mask"][:, None]
    return de, df, ds, out


def make_loss(model, w_energy, w_forces, w_stress):
    def loss_fn(params, graphs, targets):
        de, df, ds, _ = errors(model, params, graphs, targets)
        n_graphs = jnp.maximum(jnp.sum(targets["graph_mask"]), 1.0)
        n_comp = jnp.maximum(3.0 * jnp.sum(targets["node_mask"]), 1.0)
        n_stress = jnp.maximum(6.0 * jnp.sum(targets["stress_mask"]), 1.0)
        l_e = jnp.sum(de**2) / n_graphs
        l_f = jnp.sum(df**2) / n_comp
        virial = ds * targets["volume_per_atom"][:, None]
        l_s = jnp.sum(virial**2) / n_stress
        total = w_energy * l_e + w_forces * l_f + w_stress * l_s
        return total, dict(loss=total, energy=l_e, forces=l_f, virial=l_s)

    return loss_fn


def adam_init(params):
    zeros = jax.tree.map(jnp.zeros_like, params)
    return dict(m=zeros, v=jax.tree.map(jnp.zeros_like, params), t=jnp.zeros((), jnp.int32))


def make_train_step(loss_fn, schedule, clip_norm, ema_decay, b1=0.9, b2=0.999, eps=1e-8):
    def step(params, ema, opt, graphs, targets):
        (_, metrics), grads = jax.value_and_grad(loss_fn, has_aux=True)(params, graphs, targets)
        gnorm = jnp.sqrt(sum(jnp.sum(g**2) for g in jax.tree.leaves(grads)))
        factor = jnp.minimum(1.0, clip_norm / (gnorm + 1e-12))
        grads = jax.tree.map(lambda g: g * factor, grads)
        t = opt["t"] + 1
        m = jax.tree.map(lambda m, g: b1 * m + (1 - b1) * g, opt["m"], grads)
        v = jax.tree.map(lambda v, g: b2 * v + (1 - b2) * g * g, opt["v"], grads)
        tf = t.astype(jnp.float32)
        lr = schedule(tf)
        c1 = 1 - b1**tf
        c2 = 1 - b2**tf
        params = jax.tree.map(
            lambda p, m, v: p - lr * (m / c1) / (jnp.sqrt(v / c2) + eps), params, m, v
        )
        # EMA with the usual debiasing warm-up: decay min(ema_decay, (1+t)/(10+t)).
        d = jnp.minimum(ema_decay, (1.0 + tf) / (10.0 + tf))
        ema = jax.tree.map(lambda e, p: d * e + (1 - d) * p, ema, params)
        metrics = dict(metrics, grad_norm=gnorm, lr=lr)
        return params, ema, dict(m=m, v=v, t=t), metrics

    return jax.jit(step)


def make_schedule(lr, lr_final, warmup, total_steps):
    def schedule(t):
        warm = jnp.minimum(1.0, t / max(warmup, 1))
        frac = jnp.clip((t - warmup) / max(total_steps - warmup, 1), 0.0, 1.0)
        return lr * warm * (lr_final / lr) ** frac

    return schedule


# ----------------------------------------------------------------------------- evaluation


def evaluate(model, params, data: Graphs, indices, cfg) -> Dict[str, object]:
    """Energy MAE / RMSE per atom, force MAE / RMSE per component, stress RMSE, overall and per kind."""
    budget = (cfg["max_nodes"], cfg["max_edges"], cfg["max_graphs"])
    err_fn = jax.jit(lambda p, g, t: errors(model, p, g, t)[:3])
    per_frame = []
    for batch in pack(list(indices), data.items, *budget):
        graphs, targets = collate(batch, data.items, *budget, cfg["cutoff"])
        de, df, ds = (np.asarray(x) for x in err_fn(params, graphs, targets))
        no = 0
        for g, i in enumerate(batch):
            n = data.items[i]["n_node"]
            per_frame.append(
                dict(
                    kind=data.items[i]["kind"],
                    de=float(de[g]),
                    df=df[no : no + n].ravel().astype(np.float64),
                    ds=ds[g].astype(np.float64) if data.items[i]["stress_mask"] > 0 else None,
                )
            )
            no += n

    def summarize(rows):
        de = np.array([r["de"] for r in rows])
        df = np.concatenate([r["df"] for r in rows])
        ds = [r["ds"] for r in rows if r["ds"] is not None]
        out = dict(
            frames=len(rows),
            atoms=int(df.size // 3),
            energy_mae_per_atom_eV=float(np.mean(np.abs(de))),
            energy_rmse_per_atom_eV=float(np.sqrt(np.mean(de**2))),
            force_mae_eV_per_A=float(np.mean(np.abs(df))),
            force_rmse_eV_per_A=float(np.sqrt(np.mean(df**2))),
        )
        if ds:
            ds = np.concatenate(ds)
            out["stress_rmse_eV_per_A3"] = float(np.sqrt(np.mean(ds**2)))
            out["stress_rmse_GPa"] = float(np.sqrt(np.mean(ds**2)) * 160.21766208)
        return out

    result = summarize(per_frame)
    result["per_kind"] = {
        k: summarize([r for r in per_frame if r["kind"] == k]) for k in sorted({r["kind"] for r in per_frame})
    }
    return result


def single_energies(model, params, atoms_list, cutoff: float) -> np.ndarray:
    """Model energies of a list of ase.Atoms (one batch, no padding tricks needed)."""
    frames = []
    for atoms in atoms_list:
        frames.append(
            copper_data.Frame(
                kind="eval",
                numbers=np.asarray(atoms.numbers, np.int32),
                positions=np.asarray(atoms.positions, np.float64),
                cell=np.asarray(atoms.cell[:], np.float64),
                pbc=np.asarray(atoms.pbc, bool),
                energy=0.0,
                forces=np.zeros((len(atoms), 3)),
                stress=np.zeros(6) if all(atoms.pbc) else None,
            )
        )
    data = Graphs(frames, cutoff, model.species)
    n_nodes = sum(it["n_node"] for it in data.items)
    n_edges = sum(it["n_edge"] for it in data.items)
    graphs, targets = collate(list(range(len(frames))), data.items, n_nodes, n_edges, len(frames), cutoff)
    out = jax.jit(lambda p, g: model.apply(p, g)["energy"])(params, graphs)
    return np.asarray(out, np.float64)[: len(frames)]


def energy_volume(model, params, a_emt: float, cutoff: float) -> Dict[str, object]:
    """E(a) of the perfect 4-atom cubic fcc cell, model and EMT; Birch-Murnaghan minimum of each."""
    from ase.build import bulk
    from ase.calculators.emt import EMT
    from ase.eos import EquationOfState

    a_grid = a_emt * np.linspace(0.96, 1.04, 17)
    cells = [bulk("Cu", "fcc", a=float(a), cubic=True) for a in a_grid]
    e_model = single_energies(model, params, cells, cutoff)
    e_emt = []
    for atoms in cells:
        atoms.calc = EMT()
        e_emt.append(atoms.get_potential_energy())
    e_emt = np.array(e_emt)
    volumes = a_grid**3

    def fit(energies):
        try:
            eos = EquationOfState(volumes, energies, eos="birchmurnaghan")
            v0, e0, b = eos.fit()
            if not (volumes[0] <= v0 <= volumes[-1]):
                raise RuntimeError("minimum outside the grid")
        except Exception as e:  # an untrained model (smoke test) may have no minimum
            return dict(lattice_constant_A=None, energy_per_atom_eV=None, bulk_modulus_GPa=None, fit_error=str(e))
        return dict(
            lattice_constant_A=float(v0 ** (1.0 / 3.0)),
            energy_per_atom_eV=float(e0 / 4.0),
            bulk_modulus_GPa=float(b / units_GPa()),
        )

    emt, mdl = fit(e_emt), fit(e_model)
    rel = None
    if mdl["lattice_constant_A"] is not None:
        rel = (mdl["lattice_constant_A"] - emt["lattice_constant_A"]) / emt["lattice_constant_A"]
    return dict(
        cell="4-atom cubic fcc Cu",
        fit="Birch-Murnaghan (ase.eos), 17 points, a in [0.96, 1.04] x a_EMT",
        a_grid_A=[float(a) for a in a_grid],
        energy_per_atom_emt_eV=[float(e / 4) for e in e_emt],
        energy_per_atom_model_eV=[float(e / 4) for e in e_model],
        emt=emt,
        model=mdl,
        lattice_constant_relative_error=None if rel is None else float(rel),
    )


def units_GPa() -> float:
    from ase import units

    return units.GPa


# ----------------------------------------------------------------------------- driver


def versions() -> Dict[str, str]:
    out = {"python": platform.python_version(), "platform": platform.platform()}
    for pkg in ("jax", "jaxlib", "flax", "e3nn-jax", "jraph", "numpy", "ase", "safetensors"):
        out[pkg] = importlib.metadata.version(pkg)
    return out


def train(cfg, out_dir: str, log=print) -> Dict[str, object]:
    t_start = time.time()
    jax.config.update("jax_default_matmul_precision", "highest")
    log(f"[data] generating EMT frames (seed {cfg['seed']}) ...")
    a_emt = copper_data.emt_lattice_constant()
    frames = copper_data.generate_frames(cfg["seed"], cfg.get("sizes", copper_data.FULL), a_emt)
    bad = {i: p for i, f in enumerate(frames) if (p := copper_data.check_frame(f, cfg["cutoff"]))}
    if bad:
        raise RuntimeError(f"insane frames: {bad}")
    train_idx, test_idx = copper_data.split_frames(frames, cfg["test_fraction"], cfg["seed"])
    data = Graphs(frames, cfg["cutoff"], (copper_data.CU,))
    t_data = time.time() - t_start
    log(f"[data] {len(frames)} frames ({len(train_idx)} train, {len(test_idx)} test) in {t_data:.1f} s")

    tr = [data.items[i] for i in train_idx]
    n_atoms = sum(it["n_node"] for it in tr)
    avg_nn = float(np.float32(sum(it["n_edge"] for it in tr) / n_atoms))
    e_shift = float(np.float32(sum(float(it["energy"]) for it in tr) / n_atoms))
    f_rms = float(np.float32(np.sqrt(np.mean(np.concatenate([it["forces"].ravel() for it in tr]) ** 2))))
    log(f"[data] avg_num_neighbors {avg_nn}, energy shift {e_shift:.5f} eV/atom, force RMS {f_rms:.4f} eV/A")

    model = make_model(cfg, avg_nn)
    budget = (cfg["max_nodes"], cfg["max_edges"], cfg["max_graphs"])
    g0, _ = collate(train_idx[:1], data.items, *budget, cfg["cutoff"])
    params = model.init(jax.random.PRNGKey(cfg["seed"]), g0)
    params = jax.tree.map(lambda x: x.astype(jnp.float32), params)
    p = params["params"]
    p["species_energy_shift"] = jnp.full_like(p["species_energy_shift"], e_shift)
    p["species_energy_scale"] = jnp.full_like(p["species_energy_scale"], f_rms)
    n_params = int(sum(x.size for x in jax.tree.leaves(params)))
    log(f"[model] {n_params} parameters")

    rng = np.random.default_rng(cfg["seed"] + 1)
    epochs = cfg["epochs"]
    schedule_batches = [pack(rng.permutation(train_idx).tolist(), data.items, *budget) for _ in range(epochs)]
    total_steps = sum(len(b) for b in schedule_batches)
    schedule = make_schedule(cfg["lr"], cfg["lr_final"], cfg["warmup_steps"], total_steps)
    loss_fn = make_loss(model, cfg["w_energy"], cfg["w_forces"], cfg["w_stress"])
    step = make_train_step(loss_fn, schedule, cfg["clip_norm"], cfg["ema_decay"])
    opt = adam_init(params)
    ema = params
    history = []
    t_train = time.time()
    log(f"[train] {epochs} epochs, {total_steps} steps")
    for epoch, batches in enumerate(schedule_batches):
        sums = {}
        for batch in batches:
            graphs, targets = collate(batch, data.items, *budget, cfg["cutoff"])
            params, ema, opt, metrics = step(params, ema, opt, graphs, targets)
            for k, v in metrics.items():
                sums[k] = sums.get(k, 0.0) + float(v)
            if not math.isfinite(float(metrics["loss"])):
                raise RuntimeError(f"non-finite loss at epoch {epoch}")
        row = {k: v / len(batches) for k, v in sums.items()}
        row["epoch"] = epoch + 1
        row["elapsed_s"] = time.time() - t_train
        history.append(row)
        log(
            "[train] epoch %3d  loss %.5f  E %.2e  F %.2e  V %.2e  lr %.1e  |g| %.2f  %.0f s"
            % (epoch + 1, row["loss"], row["energy"], row["forces"], row["virial"], row["lr"],
               row["grad_norm"], row["elapsed_s"])
        )
    train_seconds = time.time() - t_train

    log("[eval] held-out and training errors ...")
    test_metrics = evaluate(model, ema, data, test_idx, cfg)
    train_metrics = evaluate(model, ema, data, train_idx, cfg)
    ev = energy_volume(model, ema, a_emt, cfg["cutoff"])
    log(
        "[eval] test: E MAE %.2f meV/atom, F RMSE %.4f eV/A; a0 EMT %.4f A, model %s A (rel. error %s)"
        % (test_metrics["energy_mae_per_atom_eV"] * 1e3, test_metrics["force_rmse_eV_per_A"],
           ev["emt"]["lattice_constant_A"], ev["model"]["lattice_constant_A"],
           ev["lattice_constant_relative_error"])
    )

    os.makedirs(out_dir, exist_ok=True)
    model_path = os.path.join(out_dir, MODEL_NAME + ".safetensors")
    model_cfg = export_model(model_path, model, ema)
    size = os.path.getsize(model_path)
    if size >= 1_000_000:
        raise RuntimeError(f"{model_path} is {size} bytes, over the 1 MB budget")
    with open(model_path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()

    kinds = sorted({f.kind for f in frames})
    report = dict(
        model_file=os.path.basename(model_path),
        model_file_bytes=size,
        model_file_sha256=sha,
        command="python -m e3j_jax.train_copper --out models/",
        reference="ASE EMT calculator (ase.calculators.emt.EMT), fcc Cu",
        model=dict(
            architecture="Potential",
            species=[copper_data.CU],
            cutoff_A=model_cfg["cutoff"],
            sh_lmax=model_cfg["sh_lmax"],
            init_embed_dims=model_cfg["init_embed_dims"],
            output_irreps_per_layer=model_cfg["output_irreps_per_layer"],
            mlp_hidden_dims=model_cfg["mlp_hidden_dims"],
            mlp_num_layers=model_cfg["mlp_num_layers"],
            num_basis=model_cfg["num_basis"],
            envelope_p=model_cfg["envelope_p"],
            avg_num_neighbors=model_cfg["avg_num_neighbors"],
            param_count=model_cfg["param_count"],
            species_energy_shift_init_eV=e_shift,
            species_energy_scale_init=f_rms,
        ),
        data=dict(
            seed=cfg["seed"],
            emt_lattice_constant_A=a_emt,
            frames=len(frames),
            train_frames=len(train_idx),
            test_frames=len(test_idx),
            train_atoms=n_atoms,
            frames_per_kind={k: sum(f.kind == k for f in frames) for k in kinds},
            test_frames_per_kind={k: sum(frames[i].kind == k for i in test_idx) for k in kinds},
            sizes={k: (list(v) if isinstance(v, tuple) else v) for k, v in cfg.get("sizes", copper_data.FULL).items()},
            neighbour_list='ase.neighborlist.neighbor_list("ijS"), senders = i, receivers = j, shifts = S @ cell',
        ),
        training=dict(
            {k: v for k, v in cfg.items() if k != "sizes"},
            optimizer="Adam (b1 0.9, b2 0.999, eps 1e-8), global-norm clipping, warm-up then exponential decay; EMA of params exported",
            loss="w_energy*(dE/N)^2 + w_forces*mean(dF^2) + w_stress*mean((dsigma*V/N)^2) over periodic graphs",
            dtype="float32",
            steps=total_steps,
            data_seconds=round(t_data, 1),
            train_seconds=round(train_seconds, 1),
            total_seconds=round(time.time() - t_start, 1),
            final_epoch=history[-1],
            history=[{k: (round(v, 6) if isinstance(v, float) else v) for k, v in h.items()} for h in history],
        ),
        test=test_metrics,
        train=train_metrics,
        energy_volume=ev,
        versions=versions(),
        reproducibility=(
            "seeded (numpy Generator, ASE MD RandomState, jax PRNGKey); repeatable on one machine, "
            "not guaranteed bit-for-bit across machines or library versions"
        ),
    )
    with open(os.path.join(out_dir, MODEL_NAME + ".json"), "w") as f:
        json.dump(report, f, indent=1, sort_keys=False)
        f.write("\n")
    log(f"[done] {model_path} ({size} bytes), report {MODEL_NAME}.json, {time.time() - t_start:.0f} s total")
    return report


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="models/", help="output folder (default models/)")
    ap.add_argument("--seed", type=int, default=DEFAULTS["seed"])
    ap.add_argument("--epochs", type=int, default=DEFAULTS["epochs"])
    ap.add_argument("--tiny", action="store_true", help="tiny data set and 2 epochs (smoke test)")
    args = ap.parse_args(argv)
    cfg = dict(DEFAULTS, seed=args.seed, epochs=args.epochs)
    if args.tiny:
        cfg.update(sizes=copper_data.TINY, epochs=min(args.epochs, 2), test_fraction=0.34)
    train(cfg, args.out, log=lambda s: print(s, flush=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
