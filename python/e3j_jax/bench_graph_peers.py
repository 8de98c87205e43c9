"""Python side of perf/graph_peers.sh: nequip-eqx and jax-md models shaped like perf's bench model,
made, saved, exported and timed with each package's OWN code.

``python -m e3j_jax.bench_graph_peers prepare WORK``
    builds, with each package's own constructor and initialiser, a model shaped like
    perf/models/potential_bench.safetensors (SH lmax 3, 32 channels per irrep, 3 layers, 8 Bessel
    functions, radial MLP with one hidden layer of 64, cutoff 5 Å; species H, C, Cu: those of the
    bench structures), with non-trivial parameters (random weights from the package's init; scale,
    shift, per-species energies, neighbour normalisation away from their defaults); saves it in the
    package's own format (nequip-eqx ``save_model``; jax-md ``flax.serialization.to_bytes`` + its
    ConfigDict as JSON), exports that file with ``e3j_jax.export`` to WORK/<package>.safetensors,
    and writes the structures as extended XYZ (WORK/<case>.xyz):

    * M: perf/models/case_M.safetensors itself (biphenyl, 22 atoms, open, 338 edges at 5 Å);
    * C: perf/models/case_C.safetensors itself (fcc Cu 256 atoms, a = 3.61 Å, periodic, 10 752 edges);
    * Copen: 256 Cu atoms of the same crystal (a = 3.61 Å, same rattle) as an open cluster: the 256
      sites nearest the centre of a 6x6x6 crystal, so the same atom count and bulk density, but
      surface atoms have fewer neighbours (fewer edges than C). nequip-eqx's graphs carry no
      periodic shifts (r = pos[senders] - pos[receivers]), so its C-shaped case is Copen.

    WORK/plan.json lists the (package, case) pairs: nequip-eqx on M and Copen, jax-md on M, C and Copen.

``python -m e3j_jax.bench_graph_peers time WORK [--reps N --budget S --warmup W]``
    loads each model from the package's saved file with the package's own loader, builds the graph
    once with ASE's ``neighbor_list`` (outside the timed loop; e3j's convention: senders = i,
    receivers = j, shifts = S @ cell, as the exporters expect), and times
    ``jax.jit(jax.value_and_grad(energy))`` w.r.t. positions (every graph array a jit argument, so
    nothing is constant-folded; XLA's default CPU threads); on periodic cases also energy + forces +
    stress (gradient w.r.t. a symmetric strain too, as e3j computes for periodic frames). Warm-up:
    compile + W calls; then min and median over N calls (each ``block_until_ready``), both capped by
    ``--budget`` seconds for slow cases. One JSON line per (package, case, kind) on stdout; the energy
    and forces of the timed function go to WORK/ref-<package>-<case>.npz.

``python -m e3j_jax.bench_graph_peers check WORK OUT_DIR``
    compares e3j's ``eval`` output (OUT_DIR/eval-<package>-<case>.xyz) with the package's energy and
    forces: |dE| <= 1e-5 max(1, |E|) (the issue's tolerance) or exit 1 naming the pair.

``python -m e3j_jax.bench_graph_peers structures OUT_DIR`` writes perf's M and C as extended XYZ;
``... parse-bench --package P --case C --threads T < BENCH_OUTPUT`` turns ``e3j bench``'s text into a JSON line.

``python -m e3j_jax.bench_graph_peers summary WORK OUT_DIR``
    the table: package and e3j min / median µs, ratios package / e3j (how many times e3j is faster).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

SPECIES_Z = (1, 6, 29)  # H, C (case M: biphenyl), Cu (cases C, Copen)
CUTOFF = 5.0
HIDDEN = "32x0e + 32x1o + 32x2e"
SH_LMAX = 3
LAYERS = 3
NUM_BASIS = 8
RADIAL_HIDDEN = 64  # one hidden layer, as the bench Potential's mlp_num_layers=2 (two Dense layers)
AVG_NEIGHBOURS = 24.0  # the bench Potential's avg_num_neighbors
PLAN = (("nequip-eqx", "M"), ("nequip-eqx", "Copen"), ("jax-md", "M"), ("jax-md", "C"), ("jax-md", "Copen"))
TOLERANCE = 1e-5


# -- structures --------------------------------------------------------------------------------------


def _case_atoms(root: str, name: str):
    """An ase.Atoms of perf/models/case_<name>.safetensors (its exact float32 positions, cell, pbc)."""
    from ase import Atoms
    from safetensors.numpy import load_file

    t = load_file(os.path.join(root, "perf", "models", f"case_{name}.safetensors"))
    pbc = bool(np.asarray(t["input/pbc"]).reshape(-1)[0])
    atoms = Atoms(numbers=np.asarray(t["input/numbers"]), positions=np.asarray(t["input/positions"], np.float64),
                  cell=np.asarray(t["input/cell"], np.float64).reshape(3, 3) if pbc else None, pbc=pbc)
    return atoms, int(np.asarray(t["input/n_edge"]).sum())


def write_case_xyz(root: str, out_dir: str, cases=("M", "C")) -> None:
    """perf/models/case_<name>.safetensors as extended XYZ (OUT_DIR/<name>.xyz), for ``e3j bench -s``."""
    from ase.io import write as ase_write

    os.makedirs(out_dir, exist_ok=True)
    for name in cases:
        atoms, _ = _case_atoms(root, name)
        tmp = os.path.join(out_dir, f".{name}.xyz.tmp")
        ase_write(tmp, atoms, format="extxyz")
        os.replace(tmp, os.path.join(out_dir, f"{name}.xyz"))


def open_copper_cluster(n_atoms: int = 256, a: float = 3.61, seed: int = 4):
    """The ``n_atoms`` sites of fcc Cu (lattice constant ``a``, the 6x6x6 cubic crystal) nearest its
    centre, rattled by 0.02 Å (seeded, as bench_models' case C): bulk density, open boundary."""
    from ase import Atoms
    from ase.build import bulk

    crystal = bulk("Cu", "fcc", a=a, cubic=True).repeat((6, 6, 6))
    # the crystal's centre, moved off the lattice sites' symmetry so that no two distances tie at the cut
    centre = crystal.cell.array.sum(axis=0) / 2 + np.array([0.11, 0.07, 0.05]) * a
    d = np.linalg.norm(crystal.positions - centre, axis=1)
    keep = np.argsort(d, kind="stable")[:n_atoms]
    pos = crystal.positions[keep] - centre
    pos = pos + np.random.default_rng(seed).normal(scale=0.02, size=pos.shape)
    return Atoms(numbers=[29] * n_atoms, positions=pos, pbc=False)


def graph_of(atoms, cutoff: float = CUTOFF):
    """ASE ``neighbor_list("ijS")`` in e3j's convention: senders = i, receivers = j, shifts = S @ cell."""
    from ase.neighborlist import neighbor_list

    i, j, S = neighbor_list("ijS", atoms, cutoff)
    return {"senders": i.astype(np.int32), "receivers": j.astype(np.int32),
            "shifts": (S @ atoms.cell.array).astype(np.float64), "positions": atoms.positions.astype(np.float64),
            "numbers": atoms.numbers.astype(np.int32), "cell": atoms.cell.array.astype(np.float64),
            "pbc": bool(atoms.pbc.any())}


# -- the models, with each package's own code -----------------------------------------------------


def make_nequip_eqx(seed: int = 0):
    """nequip-eqx's ``Nequip`` (its own __init__ draws the weights) + its training-config dict.
    Hidden irreps are ``hidden_size * s2_irreps(lmax)`` = 32x0e+32x1o+32x2e+32x3o: nequip-eqx ties
    the hidden irreps to the SH lmax (no way to drop 3o), the nearest shape to the bench model."""
    import equinox as eqx
    from nequip_eqx.model import Nequip

    kw = dict(n_species=len(SPECIES_Z), lmax=SH_LMAX, cutoff=CUTOFF, hidden_size=32, n_layers=LAYERS,
              radial_basis_size=NUM_BASIS, radial_mlp_size=RADIAL_HIDDEN, radial_mlp_layers=1,
              radial_polynomial_p=6.0, mlp_init_scale=4.0)
    model = Nequip(jax.random.key(seed), **kw)
    rng = np.random.default_rng(seed)
    model = eqx.tree_at(lambda m: [lay.avg_n_neighbors for lay in m.layers], model,
                        [jnp.asarray(AVG_NEIGHBOURS + 2.0 * k, jnp.float32) for k in range(LAYERS)])
    model = eqx.tree_at(lambda m: (m.scale, m.shift, m.atom_energies), model,
                        (jnp.asarray(1.7, jnp.float32), jnp.asarray(-0.3, jnp.float32),
                         jnp.asarray(rng.normal(size=len(SPECIES_Z)) - 2.0, jnp.float32)))
    config = {"atomic_numbers": list(SPECIES_Z), "hidden_size": kw["hidden_size"], "lmax": kw["lmax"],
              "n_layers": kw["n_layers"], "radial_basis_size": kw["radial_basis_size"],
              "radial_mlp_size": kw["radial_mlp_size"], "radial_mlp_layers": kw["radial_mlp_layers"],
              "radial_polynomial_p": kw["radial_polynomial_p"], "mlp_init_scale": kw["mlp_init_scale"],
              "cutoff": CUTOFF}
    return model, config


def jax_md_config():
    from jax_md._nn import nequip

    cfg = dict(nequip.default_config())
    cfg.update(graph_net_steps=LAYERS, n_elements=len(SPECIES_Z), hidden_irreps=HIDDEN,
               sh_irreps="1x0e + 1x1o + 1x2e + 1x3o", num_basis=NUM_BASIS, r_max=CUTOFF,
               radial_net_n_hidden=RADIAL_HIDDEN, radial_net_n_layers=1, n_neighbors=AVG_NEIGHBOURS,
               shift=-0.4, scale=1.6, use_sc=True)
    return {k: (dict(v) if hasattr(v, "items") else v) for k, v in cfg.items()}


def make_jax_md(seed: int = 0):
    """jax-md's ``model_from_config`` + its own ``model.init``; the trainable Bessel frequencies are
    moved off their init values n*pi (so the exporter's handling of them is exercised)."""
    import jraph
    from jax_md._nn import nequip
    from ml_collections import ConfigDict

    cfg = jax_md_config()
    model = nequip.model_from_config(ConfigDict(cfg))
    g = jraph.GraphsTuple(nodes=jax.nn.one_hot(jnp.array([0, 2]), cfg["n_elements"]),
                          edges=jnp.array([[1.0, 0.5, 0.2]]), senders=jnp.array([0]), receivers=jnp.array([1]),
                          globals=None, n_node=jnp.array([2]), n_edge=jnp.array([1]))
    params = model.init(jax.random.key(seed), g)
    params = jax.tree_util.tree_map(lambda x: x, params)  # a mutable copy (FrozenDict-safe)
    f = params["params"]["BesselEmbedding_0"]["frequencies"]
    rng = np.random.default_rng(seed)
    params["params"]["BesselEmbedding_0"]["frequencies"] = f + jnp.asarray(rng.normal(scale=0.1, size=f.shape), f.dtype)
    return cfg, params


def prepare(work: str, root: str, seed: int) -> None:
    import flax.serialization
    from ase.io import write as ase_write
    from nequip_eqx.model import save_model

    from e3j_jax.graph.from_jax_md import export_jax_md_files
    from e3j_jax.graph.from_nequip_eqx import export_nequip_eqx_file

    os.makedirs(work, exist_ok=True)
    structures = {}
    m, m_edges = _case_atoms(root, "M")
    c, c_edges = _case_atoms(root, "C")
    structures["M"], structures["C"], structures["Copen"] = m, c, open_copper_cluster()
    info = {}
    for name, atoms in structures.items():
        g = graph_of(atoms)
        want = {"M": m_edges, "C": c_edges}.get(name)
        if want is not None and want != len(g["senders"]):
            raise SystemExit(f"bench_graph_peers: case {name}: ASE finds {len(g['senders'])} edges, perf/models has {want}")
        tmp = os.path.join(work, f".{name}.xyz.tmp")
        ase_write(tmp, atoms, format="extxyz")
        os.replace(tmp, os.path.join(work, f"{name}.xyz"))
        vol = abs(np.linalg.det(atoms.cell.array)) if atoms.pbc.any() else float("nan")
        info[name] = {"atoms": len(atoms), "edges": int(len(g["senders"])), "periodic": bool(atoms.pbc.any()),
                      "edges_per_atom": len(g["senders"]) / len(atoms),
                      "atoms_per_A3": len(atoms) / vol if atoms.pbc.any() else None,
                      "species": sorted(set(int(z) for z in atoms.numbers))}

    model, config = make_nequip_eqx(seed)
    src = os.path.join(work, "nequip-eqx.eqx")
    save_model(src, model, config)
    exported = {"nequip-eqx": export_nequip_eqx_file(src, os.path.join(work, "nequip-eqx.safetensors"))}

    cfg, params = make_jax_md(seed)
    pfile, cfile = os.path.join(work, "jax-md.msgpack"), os.path.join(work, "jax-md.json")
    with open(pfile, "wb") as f:
        f.write(flax.serialization.to_bytes(params))
    with open(cfile, "w") as f:
        json.dump(cfg, f)
    exported["jax-md"] = export_jax_md_files(pfile, cfile, list(SPECIES_Z), os.path.join(work, "jax-md.safetensors"))

    plan = {"pairs": [list(p) for p in PLAN], "structures": info, "species": list(SPECIES_Z),
            "nequip_eqx_config": config, "jax_md_config": cfg, "seed": seed,
            "param_count": {k: v["param_count"] for k, v in exported.items()},
            "graph_nodes": {k: len(v["graph"]["nodes"]) for k, v in exported.items()}}
    tmp = os.path.join(work, ".plan.json.tmp")
    with open(tmp, "w") as f:
        json.dump(plan, f, indent=1)
    os.replace(tmp, os.path.join(work, "plan.json"))
    for k in exported:
        print(f"{k}: {plan['param_count'][k]} parameters, {plan['graph_nodes'][k]} graph nodes", file=sys.stderr)
    for name, i in info.items():
        print(f"{name}: {i['atoms']} atoms, {i['edges']} edges ({i['edges_per_atom']:.1f} per atom), "
              f"{'periodic' if i['periodic'] else 'open'}", file=sys.stderr)


# -- timing ------------------------------------------------------------------------------------------


def _nequip_eqx_fns(work: str, g):
    """(energy+forces,) of nequip-eqx's ``Nequip.node_energies`` (``Nequip.__call__`` would zero the
    forces of the last graph, which it treats as padding; its calculator pads to the next power of two)."""
    import equinox as eqx
    import jraph
    from nequip_eqx.model import load_model

    from e3j_jax.graph.from_nequip_eqx import nequip_eqx_species

    model, config = load_model(os.path.join(work, "nequip-eqx.eqx"))
    species = nequip_eqx_species(config)
    index = jnp.asarray([species.index(int(z)) for z in g["numbers"]], jnp.int32)
    if g["pbc"]:
        raise ValueError("nequip-eqx: open structures only (its graphs carry no periodic shifts)")

    def energy(model, p, index, s, r):
        data = jraph.GraphsTuple(nodes={"species": index, "positions": p}, edges=None, senders=s, receivers=r,
                                 globals=None, n_node=jnp.array([p.shape[0]]), n_edge=jnp.array([s.shape[0]]))
        return jnp.sum(model.node_energies(p, data).array)

    @eqx.filter_jit  # arrays of the model traced, its static fields (irreps, activations) static
    def ef(model, p, index, s, r):
        return jax.value_and_grad(lambda q: energy(model, q, index, s, r))(p)

    args = (model, jnp.asarray(g["positions"], jnp.float32), index, jnp.asarray(g["senders"]),
            jnp.asarray(g["receivers"]))
    return {"energy+forces": (ef, args)}


def _jax_md_fns(work: str, g):
    """jax-md's ``model.apply`` on dR = pos[receivers] - pos[senders] + shifts (its featurizer's sign)."""
    import jraph

    from e3j_jax.graph.from_jax_md import load_jax_md

    cfg, params, model = load_jax_md(os.path.join(work, "jax-md.msgpack"), os.path.join(work, "jax-md.json"))
    nodes = jax.nn.one_hot(jnp.asarray([SPECIES_Z.index(int(z)) for z in g["numbers"]]), cfg["n_elements"],
                           dtype=jnp.float32)

    def energy(params, p, shifts, nodes, s, r):
        dR = p[r] - p[s] + shifts
        gt = jraph.GraphsTuple(nodes=nodes, edges=dR, senders=s, receivers=r, globals=None,
                               n_node=jnp.array([p.shape[0]]), n_edge=jnp.array([s.shape[0]]))
        return model.apply(params, gt)[0, 0]

    def strained(params, p, strain, shifts, nodes, s, r):
        sym = 0.5 * (strain + strain.T)
        return energy(params, p + p @ sym, shifts + shifts @ sym, nodes, s, r)

    pos = jnp.asarray(g["positions"], jnp.float32)
    shifts = jnp.asarray(g["shifts"], jnp.float32)
    s, r = jnp.asarray(g["senders"]), jnp.asarray(g["receivers"])
    out = {"energy+forces": (jax.jit(jax.value_and_grad(energy, argnums=1)), (params, pos, shifts, nodes, s, r))}
    if g["pbc"]:
        out["energy+forces+stress"] = (jax.jit(jax.value_and_grad(strained, argnums=(1, 2))),
                                       (params, pos, jnp.zeros((3, 3), jnp.float32), shifts, nodes, s, r))
    return out


def time_all(work: str, reps: int, budget: float, warmup: int, only=None) -> None:
    from ase.io import read as ase_read

    from e3j_jax.bench_jax import timeit

    plan = json.load(open(os.path.join(work, "plan.json")))
    versions = {}
    for pkg in ("nequip-eqx", "jax-md", "jax", "e3nn-jax", "equinox", "flax"):
        import importlib.metadata as md

        try:
            versions[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            versions[pkg] = None
    for pkg, case in plan["pairs"]:
        if only and f"{pkg}:{case}" not in only:
            continue
        g = graph_of(ase_read(os.path.join(work, f"{case}.xyz")))
        fns = _nequip_eqx_fns(work, g) if pkg == "nequip-eqx" else _jax_md_fns(work, g)
        for kind, (fn, args) in fns.items():
            load0 = os.getloadavg()[0]
            mn, med, n = timeit(lambda: fn(*args), reps, warm=warmup, budget_s=budget)
            e, grads = fn(*args)
            if kind == "energy+forces":
                np.savez(os.path.join(work, f"ref-{pkg}-{case}.npz"), energy=np.asarray(e, np.float64),
                         forces=-np.asarray(grads, np.float64))
            row = dict(package=pkg, case=case, kind=kind, atoms=len(g["numbers"]), edges=len(g["senders"]),
                       min_us=mn, median_us=med, n=n, energy=float(e), load_before=load0,
                       load_after=os.getloadavg()[0], versions=versions)
            print(json.dumps(row), flush=True)


# -- check and summary -------------------------------------------------------------------------------


def _e3j_eval(path: str):
    from ase.io import read as ase_read

    a = ase_read(path)
    e = a.info.get("energy")
    if e is None:
        e = a.get_potential_energy()
    f = a.arrays.get("forces")
    if f is None:
        f = a.get_forces()
    return float(e), np.asarray(f, np.float64)


def check(work: str, out: str) -> int:
    plan = json.load(open(os.path.join(work, "plan.json")))
    bad = 0
    rows = []
    for pkg, case in plan["pairs"]:
        ref_file = os.path.join(work, f"ref-{pkg}-{case}.npz")
        ev = os.path.join(out, f"eval-{pkg}-{case}.xyz")
        if not (os.path.exists(ref_file) and os.path.exists(ev)):
            continue
        ref = np.load(ref_file)
        e_ref, f_ref = float(ref["energy"]), ref["forces"]
        e, f = _e3j_eval(ev)
        de = abs(e - e_ref)
        df = float(np.max(np.abs(f - f_ref)))
        ok = de <= TOLERANCE * max(1.0, abs(e_ref))
        rows.append(dict(package=pkg, case=case, e3j_energy=e, package_energy=e_ref, abs_diff=de,
                         rel_diff=de / max(1.0, abs(e_ref)), max_force_diff=df,
                         max_abs_force=float(np.max(np.abs(f_ref))), ok=ok))
        print(f"{pkg:10} {case:5}: e3j {e:.6f} eV, {pkg} {e_ref:.6f} eV, |dE|/max(1,|E|) {de / max(1.0, abs(e_ref)):.2e}"
              f"{'' if ok else '  > 1e-5: NOT THE SAME MODEL'}; max |dF| {df:.2e} eV/Å (max |F| {np.max(np.abs(f_ref)):.2f})")
        bad += not ok
    if not rows:
        print("bench_graph_peers check: no pair has both a package reference and an e3j eval output", file=sys.stderr)
        return 1
    with open(os.path.join(out, "check.jsonl"), "w") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")
    return 1 if bad else 0


E3J_LATENCY = re.compile(r"latency\s+min\s+([0-9.]+)\s+us\s+median\s+([0-9.]+)\s+us")
E3J_ENERGY = re.compile(r"^energy\s+(-?[0-9.eE+-]+)\s+eV", re.M)


def parse_e3j_bench(text: str):
    m = E3J_LATENCY.search(text)
    if not m:
        raise ValueError("no 'latency min .. us median .. us' line in e3j bench output")
    e = E3J_ENERGY.search(text)
    return float(m.group(1)), float(m.group(2)), float(e.group(1)) if e else float("nan")


def summary(work: str, out: str) -> None:
    plan = json.load(open(os.path.join(work, "plan.json")))
    peers = {}
    for line in open(os.path.join(out, "peers.jsonl")):
        if line.strip().startswith("{"):
            r = json.loads(line)
            peers[(r["package"], r["case"], r["kind"])] = r
    e3j = {}
    for line in open(os.path.join(out, "e3j.jsonl")):
        if line.strip().startswith("{"):
            r = json.loads(line)
            e3j[(r["package"], r["case"], r["threads"])] = r
    checks = {}
    if os.path.exists(os.path.join(out, "check.jsonl")):
        for line in open(os.path.join(out, "check.jsonl")):
            r = json.loads(line)
            checks[(r["package"], r["case"])] = r
    threads = sorted({t for (_, _, t) in e3j})
    st = plan["structures"]
    print("e3j (./e3j bench) against each package's own jax.jit(value_and_grad) on the")
    print("same model (exported graph) and structure; ratio = package / e3j (how many times e3j is faster).")
    print("e3j computes energy+forces on open structures and energy+forces+stress on periodic ones.")
    print()
    hdr = ["package", "case", "atoms", "edges", "kind", "pkg min us", "pkg med us", "n"]
    for t in threads:
        hdr += [f"e3j t{t} min", f"e3j t{t} med", f"ratio t{t} med", f"ratio t{t} min"]
    hdr += ["|dE|/|E|"]
    print("| " + " | ".join(hdr) + " |")
    print("| " + " | ".join(["---"] * 2 + ["---:"] * 2 + ["---"] + ["---:"] * (len(hdr) - 5)) + " |")
    for pkg, case in plan["pairs"]:
        for kind in ("energy+forces", "energy+forces+stress"):
            p = peers.get((pkg, case, kind))
            if p is None:
                continue
            row = [pkg, case, str(st[case]["atoms"]), str(st[case]["edges"]), kind,
                   f"{p['min_us']:.0f}", f"{p['median_us']:.0f}", str(p["n"])]
            for t in threads:
                e = e3j.get((pkg, case, t))
                if e is None:
                    row += ["-"] * 4
                    continue
                row += [f"{e['min_us']:.0f}", f"{e['median_us']:.0f}", f"**{p['median_us'] / e['median_us']:.2f}**",
                        f"{p['min_us'] / e['min_us']:.2f}"]
            c = checks.get((pkg, case))
            row.append(f"{c['rel_diff']:.1e}" if c else "not checked")
            print("| " + " | ".join(row) + " |")
    engines = sorted({e.get("engine", "?") for e in e3j.values()})
    print()
    versions = next(iter(peers.values()))["versions"] if peers else {}
    print(f"e3j engine(s): {', '.join(engines)}; versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    for (pkg, case), c in sorted(checks.items()):
        print(f"check {pkg} {case}: e3j eval {c['e3j_energy']:.6f} eV vs {c['package_energy']:.6f} eV "
              f"(rel {c['rel_diff']:.1e}), max |dF| {c['max_force_diff']:.1e} eV/Å")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m e3j_jax.bench_graph_peers", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare", help="models (package format + exported graph) and structures into WORK")
    p.add_argument("work")
    p.add_argument("--root", default=os.path.join(os.path.dirname(__file__), "..", ".."), help="the e3j repository")
    p.add_argument("--seed", type=int, default=0)
    t = sub.add_parser("time", help="time each package's jitted energy+forces; JSON lines on stdout")
    t.add_argument("work")
    t.add_argument("--reps", type=int, default=50)
    t.add_argument("--budget", type=float, default=30.0, help="seconds for warm-up and for timing, each, per row")
    t.add_argument("--warmup", type=int, default=10)
    t.add_argument("--only", help="comma-separated package:case pairs, e.g. jax-md:M")
    c = sub.add_parser("check", help="e3j eval outputs vs the package's energies (exit 1 on mismatch)")
    c.add_argument("work")
    c.add_argument("out")
    s = sub.add_parser("summary", help="the table")
    s.add_argument("work")
    s.add_argument("out")
    x = sub.add_parser("structures", help="perf's cases M and C as extended XYZ into OUT_DIR")
    x.add_argument("out")
    x.add_argument("--root", default=os.path.join(os.path.dirname(__file__), "..", ".."), help="the e3j repository")
    pj = sub.add_parser("parse-bench", help="JSON line of an e3j bench output (stdin)")
    pj.add_argument("--package")
    pj.add_argument("--case")
    pj.add_argument("--threads", type=int)
    pj.add_argument("--engine", default="fast")
    pj.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="extra fields of the JSON line")
    pj.add_argument("--allow-error", action="store_true",
                    help="a failed bench (no latency line) gives a row with its last output line as 'error', status 0")
    a = ap.parse_args(argv)
    if a.cmd == "prepare":
        prepare(a.work, os.path.abspath(a.root), a.seed)
    elif a.cmd == "time":
        time_all(a.work, a.reps, a.budget, a.warmup, set(a.only.split(",")) if a.only else None)
    elif a.cmd == "check":
        return check(a.work, a.out)
    elif a.cmd == "summary":
        summary(a.work, a.out)
    elif a.cmd == "structures":
        write_case_xyz(os.path.abspath(a.root), a.out)
    else:
        text = sys.stdin.read()
        row = {k: v for k, v in dict(package=a.package, case=a.case, threads=a.threads, engine=a.engine).items()
               if v is not None}
        for kv in a.set:
            k, _, v = kv.partition("=")
            row[k] = int(v) if v.lstrip("-").isdigit() else v
        try:
            mn, med, e = parse_e3j_bench(text)
            row.update(min_us=mn, median_us=med, energy=e)
        except ValueError as err:
            lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("WARNING")]
            if not a.allow_error:
                print(f"bench_graph_peers parse-bench: {err}: {lines[-1] if lines else '(empty output)'}", file=sys.stderr)
                return 1
            row.update(min_us=None, median_us=None, energy=None, error=lines[-1] if lines else "(empty output)")
        print(json.dumps(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
