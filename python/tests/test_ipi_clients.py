"""Real clients of ``e3j ipi`` (issue #14): i-PI 3.3.1 with two ``e3j ipi`` drivers, and an ASE
relaxation through ``SocketIOCalculator``.

* i-PI: a short path-integral run (4 beads, NVT) of a rattled 32-atom copper cell, i-PI serving
  over a UNIX socket and two ``e3j ipi`` clients sharing the beads (the way to spread beads or
  replicas over processes and machines). At step 0 every bead sits on the input structure, so
  i-PI's potential (the bead average) must be ``e3j eval``'s energy of that structure; both
  clients must have served evaluations. Skipped, with the reason, when i-PI is not installed
  (``pip install ipi==3.3.1``, part of the ``test`` extra).
* ASE: BFGS relaxes a rattled cell with ``e3j ipi`` as the calculator; the energy goes down, the
  largest force shrinks, and the last structure's energy equals ``e3j eval``.

Every process runs in its own group and is killed at the end; a watchdog bounds each test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
import uuid

import numpy as np
import pytest
from ase.build import bulk
from ase.calculators.socketio import SocketIOCalculator
from ase.io import read, write
from ase.optimize import BFGS

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_ipi_e3j import E3J, MODEL, REPO, _kill_group, write_frames  # noqa: E402

DEADLINE = 600.0  # s: the watchdog kills every process after this
SOCKET_TIMEOUT = 120.0  # s: first use of ./e3j may build the project

pytestmark = [
    pytest.mark.skipif(not os.path.isfile(MODEL), reason="bundled model missing"),
    pytest.mark.skipif(shutil.which("bash") is None, reason="the e3j launcher is a bash script"),
]


def _copper(seed: int):
    atoms = bulk("Cu", "fcc", a=3.59, cubic=True).repeat((2, 2, 2))
    rng = np.random.default_rng(seed)
    atoms.positions += rng.normal(scale=0.05, size=atoms.positions.shape)
    return atoms


def _eval_energy(tmp_path, atoms) -> float:
    frames = tmp_path / "frames.xyz"
    out = tmp_path / "eval.xyz"
    write_frames(frames, [atoms])
    proc = subprocess.run([E3J, "eval", str(frames), "-o", str(out)], cwd=REPO, capture_output=True, text=True,
                          timeout=300, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return read(out, format="extxyz").get_potential_energy()


def _start(cmd, log_path, cwd=REPO):
    log = open(log_path, "w")
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    log.close()
    return proc


def _ipi_available():
    try:
        import ipi  # noqa: F401
    except ImportError:
        return False
    return shutil.which("i-pi") is not None or os.path.isfile(os.path.join(os.path.dirname(sys.executable), "i-pi"))


IPI_INPUT = """<simulation verbosity='low' safe_stride='1000'>
  <output prefix='sim'>
    <properties stride='1' filename='out' flush='1'> [ step, potential{{electronvolt}} ] </properties>
  </output>
  <total_steps>{steps}</total_steps>
  <prng><seed>31415</seed></prng>
  <ffsocket name='e3j' mode='unix' pbc='false'>
    <address>{name}</address>
    <latency>1e-4</latency>
  </ffsocket>
  <system>
    <initialize nbeads='4'>
      <file mode='ase' units='angstrom'> init.xyz </file>
      <velocities mode='thermal' units='kelvin'> 300 </velocities>
    </initialize>
    <forces><force forcefield='e3j'/></forces>
    <ensemble><temperature units='kelvin'> 300 </temperature></ensemble>
    <motion mode='dynamics'>
      <dynamics mode='nvt'>
        <timestep units='femtosecond'> 1.0 </timestep>
        <thermostat mode='pile_l'><tau units='femtosecond'> 100 </tau></thermostat>
      </dynamics>
    </motion>
  </system>
</simulation>
"""


@pytest.mark.skipif(not _ipi_available(), reason="i-PI is not installed (pip install ipi==3.3.1): "
                    "the i-PI test with two e3j clients is skipped")
def test_ipi_pimd_with_two_e3j_clients(tmp_path):
    atoms = _copper(seed=3)
    write(tmp_path / "init.xyz", atoms, format="extxyz")
    write(tmp_path / "template.xyz", atoms, format="extxyz")
    name = f"e3jpimd_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    (tmp_path / "input.xml").write_text(IPI_INPUT.format(steps=3, name=name))
    ipi_exe = shutil.which("i-pi") or os.path.join(os.path.dirname(sys.executable), "i-pi")
    procs = []
    timer = threading.Timer(DEADLINE, lambda: [_kill_group(p) for p in procs])
    timer.daemon = True
    timer.start()
    try:
        server = _start([sys.executable, ipi_exe, "input.xml"], tmp_path / "ipi.log", cwd=tmp_path)
        procs.append(server)
        socket_file = f"/tmp/ipi_{name}"
        for _ in range(600):  # i-PI creates the socket after reading the input
            if os.path.exists(socket_file) or server.poll() is not None:
                break
            time.sleep(0.1)
        assert os.path.exists(socket_file), (tmp_path / "ipi.log").read_text()
        clients = []
        for k in range(2):
            clients.append(_start([E3J, "ipi", "--unix", name, "-s", str(tmp_path / "template.xyz"),
                                   "--timeout", str(SOCKET_TIMEOUT)], tmp_path / f"client{k}.log"))
        procs.extend(clients)
        status = server.wait(timeout=DEADLINE)
        ipi_log = (tmp_path / "ipi.log").read_text()
        assert status == 0, ipi_log
        for c in clients:
            c.wait(timeout=60)
    finally:
        timer.cancel()
        for p in procs:
            _kill_group(p)
    logs = [(tmp_path / f"client{k}.log").read_text() for k in range(2)]
    served = []
    for log in logs:
        assert "e3j ipi: connected to" in log, log
        tail = [line for line in log.splitlines() if "evaluations" in line]
        assert tail, log
        served.append(int(tail[-1].split("after ")[1].split()[0]))
    assert all(s > 0 for s in served), f"each client must serve beads: {served}\n" + "\n".join(logs)
    assert sum(served) >= 4 * 4, served  # 4 beads x (step 0 + 3 steps)

    rows = [line.split() for line in (tmp_path / "sim.out").read_text().splitlines() if not line.startswith("#")]
    assert len(rows) >= 4, rows
    assert int(float(rows[0][0])) == 0
    e_ipi = float(rows[0][1])
    e_eval = _eval_energy(tmp_path, atoms)
    assert abs(e_ipi - e_eval) <= 1e-6 * abs(e_eval), (e_ipi, e_eval)
    assert all(np.isfinite(float(r[1])) for r in rows)


def test_ase_bfgs_relaxation_through_socket(tmp_path):
    atoms = _copper(seed=5)
    name = f"e3jbfgs_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    write(tmp_path / "template.xyz", atoms, format="extxyz")
    command = [E3J, "ipi", "--unix", name, "-s", str(tmp_path / "template.xyz"), "--timeout", str(SOCKET_TIMEOUT)]
    procs = []

    def launch(atoms_, properties=None, port=None, unixsocket=None):
        p = _start(command, tmp_path / "ipi.log")
        procs.append(p)
        return p

    timer = threading.Timer(DEADLINE, lambda: [_kill_group(p) for p in procs])
    timer.daemon = True
    timer.start()
    energies, fmax = [], []
    try:
        with SocketIOCalculator(launch_client=launch, unixsocket=name, timeout=SOCKET_TIMEOUT) as calc:
            atoms.calc = calc

            def record():
                energies.append(atoms.get_potential_energy())
                fmax.append(float(np.abs(atoms.get_forces()).max()))

            opt = BFGS(atoms, logfile=str(tmp_path / "bfgs.log"))
            opt.attach(record, interval=1)
            opt.run(fmax=1e-4, steps=6)
            atoms.calc = None
    finally:
        timer.cancel()
        for p in procs:
            _kill_group(p)
        if os.path.exists(f"/tmp/ipi_{name}"):
            os.unlink(f"/tmp/ipi_{name}")
    assert len(procs) == 1
    assert len(energies) >= 5, energies
    assert energies[-1] < energies[0] - 1e-3, energies
    assert fmax[-1] < 0.5 * fmax[0], fmax
    e_eval = _eval_energy(tmp_path, atoms)
    assert abs(e_eval - energies[-1]) <= 1e-6 * abs(e_eval), (e_eval, energies[-1])
