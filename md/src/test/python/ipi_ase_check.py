"""End-to-end check of an e3j i-PI driver against ASE's real SocketIOCalculator.

ASE (the i-PI *server* side) runs a few VelocityVerlet steps on a small periodic cell and gets
energies, forces and stress from a driver process it launches over a UNIX socket. The driver
command is given after ``--``; in it, ``{unixsocket}`` is replaced by the socket name (ASE puts
the file at /tmp/ipi_<name>, ``unix:{unixsocket}`` is the e3j address) and ``{structure}`` by an
extended-XYZ file holding the starting structure (the protocol only sends positions and cell, so
the driver needs it for the species and periodic flags).

With ``--lj-reference`` every step is also compared with a shifted-force Lennard-Jones computed
here in numpy (ASE neighbour list), which is what the test driver ``LjDriverMain`` serves::

    python ipi_ase_check.py --lj-reference -- \\
        java -cp CLASSPATH org.e3j.md.ipi.LjDriverMain unix:{unixsocket} {structure}

For the model (``e3j ipi``) leave out ``--lj-reference``, or pass ``--expect-energy`` values.
Runs as a script (exit code 0 = pass) and as a pytest test when ``E3J_IPI_ARGV`` holds the
driver command (a JSON list).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from ase.build import bulk
from ase.calculators.socketio import SocketIOCalculator
from ase.io import write
from ase.md.velocitydistribution import MaxwellBoltzmannDistribution, Stationary
from ase.md.verlet import VelocityVerlet
from ase.neighborlist import neighbor_list
from ase import units

EPSILON, SIGMA = 0.0104, 3.40
CUTOFF = 2.5 * SIGMA


def lj_reference(atoms, epsilon=EPSILON, sigma=SIGMA, rc=CUTOFF):
    """Shifted-force LJ (V - V(rc) - (r - rc) V'(rc)): energy, forces, stress (ASE sign, Voigt)."""
    i, j, d, D = neighbor_list("ijdD", atoms, rc)
    def v(r):
        s6 = (sigma / r) ** 6
        return 4 * epsilon * (s6 * s6 - s6)
    def dv(r):
        s6 = (sigma / r) ** 6
        return 24 * epsilon / r * (s6 - 2 * s6 * s6)
    e_pair = v(d) - v(rc) - (d - rc) * dv(rc)
    g = 0.5 * (dv(d) - dv(rc)) / d  # half: the list has both directions
    energy = 0.5 * e_pair.sum()
    forces = np.zeros((len(atoms), 3))
    np.add.at(forces, j, -g[:, None] * D)
    np.add.at(forces, i, g[:, None] * D)
    sigma_full = np.einsum("e,ea,eb->ab", g, D, D) / atoms.get_volume()
    stress = np.array([sigma_full[0, 0], sigma_full[1, 1], sigma_full[2, 2],
                       sigma_full[1, 2], sigma_full[0, 2], sigma_full[0, 1]])
    return energy, forces, stress


def make_atoms(kind, seed):
    if kind == "argon":
        atoms = bulk("Ar", "fcc", a=5.26, cubic=True).repeat((2, 2, 2))
        temperature = 60
    elif kind == "copper":
        atoms = bulk("Cu", "fcc", a=3.61, cubic=True).repeat((2, 2, 2))
        temperature = 300
    else:
        raise ValueError(kind)
    rng = np.random.default_rng(seed)
    atoms.positions += rng.normal(scale=0.05, size=atoms.positions.shape)
    MaxwellBoltzmannDistribution(atoms, temperature_K=temperature, rng=rng)
    Stationary(atoms)
    return atoms


def run_check(argv, kind="argon", steps=5, timestep_fs=2.0, lj_reference_check=False, seed=1, timeout=60):
    atoms = make_atoms(kind, seed)
    name = f"e3jcheck{os.getpid()}"
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        structure = os.path.join(tmp, "start.extxyz")
        write(structure, atoms, format="extxyz")
        command = [a.replace("{unixsocket}", name).replace("{structure}", structure) for a in argv]

        def launch(atoms_, properties=None, port=None, unixsocket=None):
            return subprocess.Popen(command)

        with SocketIOCalculator(launch_client=launch, unixsocket=name, timeout=timeout) as calc:
            atoms.calc = calc
            dyn = VelocityVerlet(atoms, timestep=timestep_fs * units.fs)

            def record():
                e = atoms.get_potential_energy()
                f = atoms.get_forces()
                s = atoms.get_stress()
                row = {"step": dyn.nsteps, "natoms": len(atoms), "energy": float(e), "fmax": float(np.abs(f).max()),
                       "stress": s.tolist(), "etot": float(e + atoms.get_kinetic_energy())}
                if lj_reference_check:
                    re, rf, rs = lj_reference(atoms)
                    row["d_energy"] = abs(float(e - re))
                    row["d_forces"] = float(np.abs(f - rf).max())
                    row["d_stress"] = float(np.abs(s - rs).max())
                rows.append(row)
                print(json.dumps(row), flush=True)

            dyn.attach(record, interval=1)
            dyn.run(steps)
    return rows


def verify(rows, lj_reference_check):
    assert len(rows) >= 2, rows
    for r in rows:
        assert np.isfinite(r["energy"]) and np.isfinite(r["fmax"]), r
        if lj_reference_check:
            assert r["d_energy"] < 1e-10, r
            assert r["d_forces"] < 1e-10, r
            assert r["d_stress"] < 1e-12, r
    drift = max(abs(r["etot"] - rows[0]["etot"]) for r in rows) / rows[0]["natoms"]
    assert drift < 1e-3, f"total energy moved by {drift} eV/atom"


def test_ipi_driver_against_ase():
    """pytest entry: E3J_IPI_ARGV='["java", "-cp", "...", "org.e3j.md.ipi.LjDriverMain", ...]'."""
    import pytest
    argv = os.environ.get("E3J_IPI_ARGV")
    if not argv:
        pytest.skip("set E3J_IPI_ARGV to the driver command (JSON list)")
    lj = os.environ.get("E3J_IPI_LJ_REFERENCE", "1") == "1"
    verify(run_check(json.loads(argv), lj_reference_check=lj), lj)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--system", choices=["argon", "copper"], default="argon")
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--timestep-fs", type=float, default=2.0)
    p.add_argument("--lj-reference", action="store_true")
    p.add_argument("--timeout", type=float, default=60)
    p.add_argument("argv", nargs=argparse.REMAINDER)
    a = p.parse_args()
    argv = a.argv[1:] if a.argv and a.argv[0] == "--" else a.argv
    if not argv:
        p.error("give the driver command after --")
    rows = run_check(argv, a.system, a.steps, a.timestep_fs, a.lj_reference, timeout=a.timeout)
    verify(rows, a.lj_reference)
    print(f"OK: {len(rows)} evaluations through ASE's SocketIOCalculator", flush=True)


if __name__ == "__main__":
    sys.exit(main())
