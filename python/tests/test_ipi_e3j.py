"""``e3j ipi`` driven by ASE's real SocketIOCalculator, checked against ``e3j eval`` (issue #6).

ASE is the i-PI server: a rattled 32-atom fcc copper cell runs a few VelocityVerlet steps with
energies, forces and stress from ``e3j ipi --unix NAME`` (the bundled model, the fast engine),
a separate JVM launched here. Every step's structure is written to an extended-XYZ file without
the results, ``e3j eval`` recomputes them with the same model and engine, and both sides must
agree: the same engine evaluates the same frames, so the only difference is the i-PI units
(float64 hartree/bohr, converted on both ends; in practice ~1e-15 relative). The frames are written
with every digit (``write_frames``): ``ase.io.write`` rounds positions to 8 decimals, which moves
the atoms by up to 5e-9 A and shows as ~1e-7 eV differences in the float32 engine.

Needs the built e3j (``scripts/test-all`` runs ``mvn install`` first; the ``./e3j`` launcher
rebuilds only when Java sources are newer than the jar) and a JDK the launcher finds. The driver
runs in its own process group and is always killed at the end; a watchdog kills it if the run
takes longer than ``DEADLINE`` seconds, so the test cannot hang.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import uuid

import numpy as np
import pytest
from ase import Atoms, units
from ase.build import bulk
from ase.calculators.socketio import SocketIOCalculator
from ase.io import read, write
from ase.md.velocitydistribution import Stationary
from ase.md.verlet import VelocityVerlet

try:  # ase >= 3.29
    from ase.md.velocitydistribution import thermalize_momenta
except ImportError:  # older ase
    from ase.md.velocitydistribution import MaxwellBoltzmannDistribution

    def thermalize_momenta(atoms, temperature_K, rng=None):
        MaxwellBoltzmannDistribution(atoms, temperature_K=temperature_K, rng=rng)

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
E3J = os.path.join(REPO, "e3j")
MODEL = os.path.join(REPO, "models", "cu-emt.safetensors")

STEPS = 8
SOCKET_TIMEOUT = 120.0  # s: ASE gives up on a silent driver (also covers a first-use build)
DEADLINE = 600.0  # s: the watchdog kills the driver after this, whatever happens
EVAL_TIMEOUT = 300.0  # s

pytestmark = pytest.mark.skipif(not os.path.isfile(MODEL), reason="bundled model missing")


def _kill_group(proc: subprocess.Popen) -> None:
    """Kill the driver and anything it started (the launcher may run mvn before exec'ing java)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass


def write_frames(path, frames) -> None:
    """Extended XYZ with positions and cell at full float64 precision (``repr``), no results."""
    with open(path, "w") as f:
        for a in frames:
            lattice = " ".join(repr(float(x)) for x in np.asarray(a.cell).ravel())
            pbc = " ".join("T" if p else "F" for p in a.pbc)
            f.write(f'{len(a)}\nLattice="{lattice}" Properties=species:S:1:pos:R:3 pbc="{pbc}"\n')
            for symbol, p in zip(a.get_chemical_symbols(), a.positions):
                f.write(f"{symbol} {float(p[0])!r} {float(p[1])!r} {float(p[2])!r}\n")


def _copper(seed: int = 7) -> Atoms:
    atoms = bulk("Cu", "fcc", a=3.59, cubic=True).repeat((2, 2, 2))
    rng = np.random.default_rng(seed)
    atoms.positions += rng.normal(scale=0.05, size=atoms.positions.shape)
    thermalize_momenta(atoms, temperature_K=300, rng=rng)
    Stationary(atoms)
    return atoms


def _run_md_through_socket(atoms: Atoms, tmp_path, steps: int):
    """VelocityVerlet with ASE's SocketIOCalculator and ``e3j ipi``; one record per step."""
    name = f"e3jtest_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    socket_file = f"/tmp/ipi_{name}"
    template = tmp_path / "template.xyz"
    write(template, atoms, format="extxyz")
    command = [E3J, "ipi", "--unix", name, "-s", str(template), "--timeout", str(SOCKET_TIMEOUT)]
    log = open(tmp_path / "ipi.log", "w")
    procs: list[subprocess.Popen] = []

    def launch(atoms_, properties=None, port=None, unixsocket=None):
        proc = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        procs.append(proc)
        return proc

    def watchdog():
        for p in procs:
            _kill_group(p)

    timer = threading.Timer(DEADLINE, watchdog)
    timer.daemon = True
    timer.start()
    rows = []
    failure = None
    try:
        with SocketIOCalculator(launch_client=launch, unixsocket=name, timeout=SOCKET_TIMEOUT) as calc:
            atoms.calc = calc
            dyn = VelocityVerlet(atoms, timestep=2.0 * units.fs)

            def record():
                rows.append(dict(
                    step=dyn.nsteps,
                    numbers=atoms.numbers.copy(),
                    positions=atoms.positions.copy(),
                    cell=np.array(atoms.cell),
                    pbc=atoms.pbc.copy(),
                    energy=float(atoms.get_potential_energy()),
                    forces=atoms.get_forces().copy(),
                    stress=atoms.get_stress().copy(),
                ))

            dyn.attach(record, interval=1)
            dyn.run(steps)
            atoms.calc = None
            # Leaving the block closes the socket; the driver sees the server go and exits, and
            # ASE waits for it (the watchdog bounds that wait).
    except Exception as e:  # noqa: BLE001 - re-raised below with the driver's output
        failure = e
    finally:
        timer.cancel()
        for p in procs:
            _kill_group(p)
        log.close()
        if os.path.exists(socket_file):
            try:
                os.unlink(socket_file)
            except OSError:
                pass
    driver_log = (tmp_path / "ipi.log").read_text()
    if failure is not None:
        raise AssertionError(f"MD through e3j ipi failed: {failure!r}\n--- e3j ipi output ---\n{driver_log}") from failure
    return rows, procs, driver_log


@pytest.mark.skipif(shutil.which("bash") is None, reason="the e3j launcher is a bash script")
def test_socket_md_matches_e3j_eval(tmp_path):
    atoms = _copper()
    rows, procs, ipi_log = _run_md_through_socket(atoms, tmp_path, STEPS)
    assert len(procs) == 1, f"ASE launched {len(procs)} drivers"
    assert procs[0].returncode is not None
    assert "e3j ipi: connected to" in ipi_log, ipi_log
    assert len(rows) == STEPS + 1, [r["step"] for r in rows]

    # The MD really moved the atoms, and the steps are physical.
    assert np.abs(rows[-1]["positions"] - rows[0]["positions"]).max() > 1e-3
    for r in rows:
        assert np.isfinite(r["energy"]) and np.all(np.isfinite(r["forces"])) and np.all(np.isfinite(r["stress"]))
        assert np.abs(r["forces"].sum(axis=0)).max() < 1e-3, r["forces"].sum(axis=0)

    # The same frames, without results, through `e3j eval`.
    frames = [Atoms(numbers=r["numbers"], positions=r["positions"], cell=r["cell"], pbc=r["pbc"]) for r in rows]
    frames_file = tmp_path / "frames.xyz"
    out_file = tmp_path / "eval.xyz"
    write_frames(frames_file, frames)
    proc = subprocess.run([E3J, "eval", str(frames_file), "-o", str(out_file)], cwd=REPO,
                          capture_output=True, text=True, timeout=EVAL_TIMEOUT, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    evaluated = read(out_file, ":", format="extxyz")
    assert len(evaluated) == len(rows)

    for k, (r, a) in enumerate(zip(rows, evaluated)):
        np.testing.assert_allclose(a.positions, r["positions"], rtol=0, atol=1e-12)
        e_eval = a.get_potential_energy()
        f_eval = a.get_forces()
        s_eval = a.get_stress()
        scale_f = max(1.0, float(np.abs(r["forces"]).max()))
        scale_s = max(1e-3, float(np.abs(r["stress"]).max()))
        assert abs(e_eval - r["energy"]) <= 1e-6 * abs(r["energy"]), (k, e_eval, r["energy"])
        np.testing.assert_allclose(f_eval, r["forces"], rtol=0, atol=1e-6 * scale_f, err_msg=f"forces, step {k}")
        np.testing.assert_allclose(s_eval, r["stress"], rtol=0, atol=1e-6 * scale_s, err_msg=f"stress, step {k}")
