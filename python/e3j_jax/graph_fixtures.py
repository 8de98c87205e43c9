"""Reference data for the Java `graph` module (org.e3j.graph), made with ASE.

Writes small deterministic files:

* ``<out>/<case>.json``: a structure (numbers, positions, cell, pbc), a cutoff and ASE's
  ``neighbor_list("ijSd", atoms, cutoff)`` sorted by (j, i, S); the Java NeighborList must
  produce exactly the same set of (i, j, S).
* ``<xyz-out>/ase_frames.xyz`` written by ``ase.io.write(format="extxyz")`` (periodic frames with
  energy/forces/stress and free info keys, and a molecule without a cell) plus
  ``ase_frames.json``: what ASE reads back from that file.
* ``<xyz-out>/elements.json``: ASE's chemical symbols and atomic masses.

Usage::

    PYTHONPATH=python python -m e3j_jax.graph_fixtures --out graph/src/test/resources/nl
"""

import argparse
import json
import os

import numpy as np
from ase import Atoms
from ase.build import bulk, fcc111, molecule
from ase.calculators.singlepoint import SinglePointCalculator
from ase.data import atomic_masses, chemical_symbols
from ase.io import read, write
from ase.neighborlist import neighbor_list


def _jittered_grid(cell, n_per_dim, rng, jitter):
    """Atoms on a grid in fractional coordinates, jittered: well separated by construction."""
    cell = np.asarray(cell, float)
    idx = np.stack(np.meshgrid(*[np.arange(k) for k in n_per_dim], indexing="ij"), -1).reshape(-1, 3)
    frac = (idx + 0.5) / np.asarray(n_per_dim) + rng.uniform(-jitter, jitter, idx.shape) / np.asarray(n_per_dim)
    return frac @ cell


def cases():
    rng = np.random.default_rng(20240611)
    out = []

    # 1. molecule, open boundaries (no cell)
    m = molecule("CH3CH2OH")
    m.rattle(0.02, seed=1)
    out.append(("molecule_ethanol", m, 2.7))

    # 2. fcc Cu, 32 atoms, cubic periodic, rattled
    cu = bulk("Cu", "fcc", a=3.61, cubic=True) * (2, 2, 2)
    cu.rattle(0.05, seed=2)
    out.append(("cu_fcc_32", cu, 4.0))

    # 3. skewed triclinic cell (right-handed), jittered atoms
    cell = np.array([[5.0, 0.0, 0.0], [4.3, 3.1, 0.0], [-2.1, 1.7, 4.2]])
    pos = _jittered_grid(cell, (3, 2, 2), rng, 0.2)
    out.append(("triclinic_skewed", Atoms(numbers=rng.choice([1, 6, 8], len(pos)), positions=pos, cell=cell,
                                          pbc=True), 5.0))

    # 3b. the same Cu lattice through a valid but very skewed cell (b' = b + 2000 a): e3j reduces the
    # cell before the image search and must still return ASE's shifts in this cell (issue 15)
    sk = cu.copy()
    c = sk.cell.array.copy()
    c[1] = c[1] + 2000 * c[0]
    sk.set_cell(c, scale_atoms=False)
    out.append(("cu_fcc_32_skewed_2000", sk, 4.0))

    # 4. tiny cells: cutoff larger than the cell
    one = Atoms("Ar", positions=[[0.3, 0.2, 0.1]], cell=[[2.1, 0, 0], [0.4, 2.3, 0], [0.3, -0.5, 2.6]], pbc=True)
    out.append(("tiny_one_atom", one, 6.0))
    two = Atoms("NaCl", positions=[[0.0, 0.0, 0.0], [1.3, 1.1, 0.9]],
                cell=[[2.8, 0.0, 0.0], [1.2, 2.5, 0.0], [0.7, 0.9, 2.4]], pbc=True)
    out.append(("tiny_two_atoms", two, 5.5))
    thin = Atoms("He", positions=[[0.1, 0.1, 0.1]], cell=[[6.0, 0, 0], [0, 6.0, 0], [3.0, 2.0, 0.8]], pbc=True)
    out.append(("thin_flat_cell", thin, 3.3))

    # 5. slab with pbc (T, T, F), vacuum along z; and one without a third lattice vector
    slab = fcc111("Al", size=(2, 2, 3), vacuum=6.0)
    slab.rattle(0.03, seed=3)
    out.append(("slab_al111_ttf", slab, 4.5))
    slab0 = slab.copy()
    c = slab0.cell.array.copy()
    c[2] = 0.0
    slab0.set_cell(c)
    slab0.pbc = (True, True, False)
    out.append(("slab_al111_zero_c", slab0, 4.5))
    # mixed pbc: a wire periodic along y only
    wire = Atoms("C4", positions=[[0, 0, 0], [1.2, 0.7, 0.3], [0.2, 1.6, 1.1], [1.0, 2.5, 0.2]],
                 cell=[[8, 0, 0], [0, 3.2, 0], [0, 0, 8]], pbc=(False, True, False))
    out.append(("wire_ftf", wire, 3.6))

    # 6. atoms outside the cell (unwrapped positions), periodic and slab
    un = cu.copy()
    shifts = rng.integers(-2, 3, (len(un), 3))
    un.positions += shifts @ un.cell.array
    out.append(("cu_unwrapped", un, 4.0))
    tri = out[2][1].copy()
    tri.positions += rng.integers(-3, 4, (len(tri), 3)) @ tri.cell.array + rng.uniform(-0.01, 0.01, (len(tri), 3))
    out.append(("triclinic_unwrapped", tri, 5.0))
    sl = slab.copy()
    k = rng.integers(-2, 3, (len(sl), 3))
    k[:, 2] = 0
    sl.positions += k @ sl.cell.array
    sl.positions[0, 2] -= 9.0  # far below the cell, along the non-periodic direction
    out.append(("slab_unwrapped", sl, 4.5))

    # 7. random seeded perturbations of random triclinic cells
    for r in range(4):
        base = np.diag(rng.uniform(3.0, 7.0, 3))
        base[1, 0], base[2, 0], base[2, 1] = rng.uniform(-2.0, 2.0, 3)
        pbc = [(True, True, True), (True, True, True), (True, False, True), (False, False, False)][r]
        grid = tuple(int(x) for x in rng.integers(1, 4, 3))
        pos = _jittered_grid(base, grid, rng, 0.25)
        at = Atoms(numbers=rng.integers(1, 30, len(pos)), positions=pos, cell=base, pbc=pbc)
        at.rattle(0.1, seed=10 + r)
        cutoff = float(np.round(rng.uniform(2.5, 6.5), 3))
        out.append((f"random_{r}", at, cutoff))
    return out


def nl_record(name, atoms, cutoff):
    i, j, S, d = neighbor_list("ijSd", atoms, cutoff)
    order = np.lexsort((S[:, 2], S[:, 1], S[:, 0], i, j))
    return {
        "name": name,
        "cutoff": cutoff,
        "numbers": atoms.numbers.tolist(),
        "positions": [float(x) for x in atoms.positions.ravel()],
        "cell": [float(x) for x in atoms.cell.array.ravel()],
        "pbc": [bool(p) for p in atoms.pbc],
        "i": i[order].tolist(),
        "j": j[order].tolist(),
        "S": S[order].ravel().tolist(),
        "d": [float(x) for x in d[order]],
    }


def extxyz_frames():
    a = bulk("Cu", "fcc", a=3.6) * (2, 1, 1)
    a.rattle(0.01, seed=1)
    a.calc = SinglePointCalculator(a, energy=-7.25, forces=np.linspace(-0.3, 0.3, 3 * len(a)).reshape(-1, 3),
                                   stress=np.array([0.01, 0.02, 0.03, 0.004, 0.005, 0.006]))
    a.info["note"] = "hello world"
    a.info["step"] = 3
    a.info["flag"] = True
    a.info["vec"] = np.array([1.5, 2.0, -3.25])
    b = bulk("NaCl", "rocksalt", a=5.64)
    b.set_cell(b.cell.array * [[1.0], [1.01], [0.99]], scale_atoms=True)
    b.calc = SinglePointCalculator(b, energy=-3.5, forces=np.array([[0.1, -0.2, 0.3], [-0.1, 0.2, -0.3]]),
                                   stress=np.array([-0.1, 0.2, 0.3, 0.04, -0.05, 0.06]))
    m = molecule("H2O")
    m.info["comment_text"] = "water, no cell"
    return [a, b, m]


def frame_record(atoms):
    rec = {
        "numbers": atoms.numbers.tolist(),
        "positions": [float(x) for x in atoms.positions.ravel()],
        "cell": [float(x) for x in atoms.cell.array.ravel()],
        "pbc": [bool(p) for p in atoms.pbc],
        "info": {k: (v.tolist() if isinstance(v, np.ndarray) else (v.item() if isinstance(v, np.generic) else v))
                 for k, v in atoms.info.items()},
    }
    if atoms.calc is not None:
        res = atoms.calc.results
        if "energy" in res:
            rec["energy"] = float(res["energy"])
        if "forces" in res:
            rec["forces"] = [float(x) for x in np.asarray(res["forces"]).ravel()]
        if "stress" in res:
            s = np.asarray(res["stress"])
            if s.shape == (3, 3):
                s = s[[0, 1, 2, 1, 0, 0], [0, 1, 2, 2, 2, 1]]
            rec["stress"] = [float(x) for x in s]
    return rec


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="folder for neighbour-list cases")
    ap.add_argument("--xyz-out", default=None, help="folder for extxyz/elements files (default: <out>/../extxyz)")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    xyz_out = args.xyz_out or os.path.join(os.path.dirname(os.path.abspath(args.out)), "extxyz")
    os.makedirs(xyz_out, exist_ok=True)

    names = []
    for name, atoms, cutoff in cases():
        rec = nl_record(name, atoms, cutoff)
        with open(os.path.join(args.out, name + ".json"), "w") as f:
            json.dump(rec, f, separators=(",", ":"))
        names.append(name)
        print(f"{name}: {len(atoms)} atoms, cutoff {cutoff}, {len(rec['i'])} pairs")
    with open(os.path.join(args.out, "index.txt"), "w") as f:
        f.write("\n".join(names) + "\n")

    frames = extxyz_frames()
    path = os.path.join(xyz_out, "ase_frames.xyz")
    write(path, frames, format="extxyz")
    back = read(path, index=":", format="extxyz")
    with open(os.path.join(xyz_out, "ase_frames.json"), "w") as f:
        json.dump([frame_record(a) for a in back], f, indent=1)
    with open(os.path.join(xyz_out, "elements.json"), "w") as f:
        json.dump({"symbols": list(chemical_symbols), "masses": [float(x) for x in atomic_masses]}, f)
    import ase
    with open(os.path.join(xyz_out, "VERSIONS"), "w") as f:
        f.write(f"ase {ase.__version__}\nnumpy {np.__version__}\n")


if __name__ == "__main__":
    main()
