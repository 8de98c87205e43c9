"""Copper training data from ASE's EMT calculator, generated deterministically.

``generate_frames(seed, sizes)`` returns a list of :class:`Frame` (plain numpy arrays:
numbers, positions, cell, pbc, EMT energy/forces/stress, a ``kind`` label). Every
random number comes from one ``numpy.random.Generator`` seeded by ``seed``; the ASE
MD integrators get their own ``RandomState`` derived from it, so the same seed on the
same machine gives the same frames.

Kinds of frames (see ``FULL`` / ``TINY`` for the counts):

* ``fcc_perturbed``: perfect fcc at lattice constants 0.95..1.05 x the EMT minimum,
  with a random symmetric strain and random Gaussian displacements;
* ``md_<T>K``: snapshots of Langevin MD (EMT) at 300, 600 and 1200 K;
* ``vacancy``: an fcc cell with one atom removed, relaxed positions + thermal snapshots;
* ``surface``: fcc(111) and fcc(100) slabs, pbc (T, T, F) with vacuum, thermal snapshots;
* ``liquid``: snapshots of Langevin MD at ~2000 K started from a melted (5000 K) cell.

``neighbor_graph(frame, cutoff)`` gives senders, receivers and Cartesian shifts with
ASE's ``neighbor_list("ijS")`` (senders = i, receivers = j, shifts = S @ cell), the
convention of docs/contracts.md.
"""

from __future__ import annotations

import dataclasses
from typing import Dict, List, Optional, Sequence

import numpy as np
from ase import Atoms, units
from ase.build import bulk, fcc100, fcc111
from ase.calculators.emt import EMT
from ase.md.langevin import Langevin
from ase.md.velocitydistribution import MaxwellBoltzmannDistribution, Stationary
from ase.neighborlist import neighbor_list
from ase.optimize import BFGS

CU = 29


@dataclasses.dataclass
class Frame:
    kind: str
    numbers: np.ndarray  # int32 [N]
    positions: np.ndarray  # float64 [N, 3]
    cell: np.ndarray  # float64 [3, 3], rows are lattice vectors
    pbc: np.ndarray  # bool [3]
    energy: float  # eV
    forces: np.ndarray  # float64 [N, 3], eV/A
    stress: Optional[np.ndarray]  # float64 [6] Voigt xx,yy,zz,yz,xz,xy, eV/A^3; None if not periodic

    @property
    def n_atoms(self) -> int:
        return int(self.numbers.shape[0])

    def to_atoms(self) -> Atoms:
        return Atoms(numbers=self.numbers, positions=self.positions, cell=self.cell, pbc=self.pbc)


# Counts per kind. "cells" are repetitions of the 4-atom cubic fcc cell.
FULL: Dict[str, object] = {
    "fcc_perturbed": 64,
    "md_temperatures": (300.0, 600.0, 1200.0),
    "md_frames_per_temperature": 24,
    "vacancy": 18,
    "surface": 24,
    "liquid": 24,
    "md_steps_between_frames": 20,
    "md_equilibration_steps": 100,
    "liquid_melt_steps": 400,
}
TINY: Dict[str, object] = {
    "fcc_perturbed": 2,
    "md_temperatures": (600.0,),
    "md_frames_per_temperature": 1,
    "vacancy": 1,
    "surface": 1,
    "liquid": 1,
    "md_steps_between_frames": 2,
    "md_equilibration_steps": 2,
    "liquid_melt_steps": 5,
}


def emt_lattice_constant() -> float:
    """EMT's fcc Cu lattice constant (minimum of a cubic fit of E(a), 4-atom cell)."""
    a_grid = np.linspace(3.55, 3.63, 17)
    energies = []
    for a in a_grid:
        atoms = bulk("Cu", "fcc", a=float(a), cubic=True)
        atoms.calc = EMT()
        energies.append(atoms.get_potential_energy())
    c = np.polyfit(a_grid, energies, 3)
    roots = np.roots(np.polyder(c))
    roots = roots[np.isreal(roots)].real
    roots = roots[(roots > a_grid[0]) & (roots < a_grid[-1])]
    return float(roots[0])


def _frame(atoms: Atoms, kind: str) -> Frame:
    calc = EMT()
    atoms = atoms.copy()
    atoms.calc = calc
    energy = float(atoms.get_potential_energy())
    forces = np.array(atoms.get_forces(), dtype=np.float64)
    stress = None
    if all(atoms.pbc):
        stress = np.array(atoms.get_stress(voigt=True), dtype=np.float64)
    return Frame(
        kind=kind,
        numbers=np.asarray(atoms.numbers, dtype=np.int32),
        positions=np.array(atoms.positions, dtype=np.float64),
        cell=np.array(atoms.cell[:], dtype=np.float64),
        pbc=np.array(atoms.pbc, dtype=bool),
        energy=energy,
        forces=forces,
        stress=stress,
    )


def _cubic(a: float, reps) -> Atoms:
    return bulk("Cu", "fcc", a=a, cubic=True).repeat(reps)


def _random_strain(rng: np.random.Generator, amplitude: float) -> np.ndarray:
    e = rng.uniform(-amplitude, amplitude, size=(3, 3))
    return 0.5 * (e + e.T)


def _apply_strain(atoms: Atoms, eps: np.ndarray) -> None:
    atoms.set_cell(np.asarray(atoms.cell[:]) @ (np.eye(3) + eps), scale_atoms=True)


def _md_snapshots(
    atoms: Atoms,
    temperature: float,
    n_frames: int,
    steps_between: int,
    equilibration: int,
    rng: np.random.Generator,
    kind: str,
    start_temperature: Optional[float] = None,
    timestep_fs: float = 2.0,
) -> List[Frame]:
    """Langevin MD with EMT; one frame every ``steps_between`` steps after equilibration."""
    atoms = atoms.copy()
    atoms.calc = EMT()
    md_rng = np.random.RandomState(int(rng.integers(2**31 - 1)))
    MaxwellBoltzmannDistribution(
        atoms, temperature_K=start_temperature or 2.0 * temperature, rng=md_rng
    )
    Stationary(atoms)
    dyn = Langevin(
        atoms,
        timestep=timestep_fs * units.fs,
        temperature_K=temperature,
        friction=0.02 / units.fs,
        fixcm=False,
        rng=md_rng,
    )
    dyn.run(equilibration)
    frames = []
    for _ in range(n_frames):
        dyn.run(steps_between)
        frames.append(_frame(atoms, kind))
    return frames


def generate_frames(seed: int = 0, sizes: Dict[str, object] = FULL, a0: Optional[float] = None) -> List[Frame]:
    """All training/test frames, in a fixed order, from one seed."""
    rng = np.random.default_rng(seed)
    if a0 is None:
        a0 = emt_lattice_constant()
    steps = int(sizes["md_steps_between_frames"])
    equil = int(sizes["md_equilibration_steps"])
    frames: List[Frame] = []

    # 1. Perturbed / strained fcc: 32- and 108-atom cubic cells.
    n = int(sizes["fcc_perturbed"])
    scales = np.linspace(0.95, 1.05, max(n, 2))
    for k in range(n):
        reps = (2, 2, 2) if k % 2 == 0 else (3, 3, 3)
        atoms = _cubic(a0 * float(scales[k]), reps)
        _apply_strain(atoms, _random_strain(rng, 0.02))
        sigma = float(rng.uniform(0.01, 0.08))
        atoms.positions += rng.normal(0.0, sigma, size=atoms.positions.shape)
        frames.append(_frame(atoms, "fcc_perturbed"))

    # 2. Thermal MD at several temperatures (48-atom 2x2x3 and 108-atom cells),
    #    with a small random volume change so the data sample the E-V curve.
    per_t = int(sizes["md_frames_per_temperature"])
    for t_index, temperature in enumerate(sizes["md_temperatures"]):
        for part, reps in enumerate(((2, 2, 3), (3, 3, 3))):
            count = per_t // 2 + (per_t % 2 if part == 0 else 0)
            if count == 0:
                continue
            scale = 1.0 + 0.005 * (t_index + 1) + float(rng.uniform(-0.015, 0.015))
            atoms = _cubic(a0 * scale, reps)
            frames += _md_snapshots(
                atoms, temperature, count, steps, equil, rng, f"md_{int(temperature)}K"
            )

    # 3. Vacancy: 31-atom and 107-atom cells; relaxed, then thermal snapshots.
    n = int(sizes["vacancy"])
    for part, reps in enumerate(((2, 2, 2), (3, 3, 3))):
        count = n // 2 + (n % 2 if part == 0 else 0)
        if count == 0:
            continue
        atoms = _cubic(a0, reps)
        del atoms[int(rng.integers(len(atoms)))]
        atoms.calc = EMT()
        BFGS(atoms, logfile=None).run(fmax=0.01, steps=50)
        frames.append(_frame(atoms, "vacancy"))
        if count > 1:
            frames += _md_snapshots(atoms, 700.0, count - 1, steps, equil, rng, "vacancy")

    # 4. Surfaces: (111) 3x3x4 (36 atoms) and (100) 3x3x4 (36 atoms), vacuum 7 A each
    #    side, pbc (T, T, F); the first frame of each relaxed, then 300 K / 800 K MD.
    n = int(sizes["surface"])
    for part, build in enumerate((fcc111, fcc100)):
        count = n // 2 + (n % 2 if part == 0 else 0)
        if count == 0:
            continue
        atoms = build("Cu", size=(3, 3, 4), a=a0, vacuum=7.0)
        atoms.calc = EMT()
        BFGS(atoms, logfile=None).run(fmax=0.01, steps=50)
        frames.append(_frame(atoms, "surface"))
        rest = count - 1
        if rest > 0:
            hot = rest // 2
            cold = rest - hot
            frames += _md_snapshots(atoms, 300.0, cold, steps, equil, rng, "surface")
            if hot:
                frames += _md_snapshots(atoms, 800.0, hot, steps, equil, rng, "surface")

    # 5. Liquid: 32- and 108-atom cells at ~5 % lower density, melted at 5000 K,
    #    then sampled at 2000 K.
    n = int(sizes["liquid"])
    melt = int(sizes["liquid_melt_steps"])
    for part, reps in enumerate(((2, 2, 2), (3, 3, 3))):
        count = n // 2 + (n % 2 if part == 0 else 0)
        if count == 0:
            continue
        atoms = _cubic(a0 * 1.017, reps)
        atoms.positions += rng.normal(0.0, 0.1, size=atoms.positions.shape)
        melted = _md_snapshots(
            atoms, 5000.0, 1, melt, 0, rng, "liquid", start_temperature=5000.0, timestep_fs=1.0
        )[0].to_atoms()
        frames += _md_snapshots(
            melted, 2000.0, count, steps, equil, rng, "liquid", start_temperature=2000.0
        )
    return frames


def split_frames(frames: Sequence[Frame], test_fraction: float, seed: int):
    """(train_indices, test_indices): a seeded split by frame, stratified by kind."""
    rng = np.random.default_rng(seed + 7919)
    train, test = [], []
    kinds = sorted({f.kind for f in frames})
    for kind in kinds:
        idx = np.array([i for i, f in enumerate(frames) if f.kind == kind])
        rng.shuffle(idx)
        n_test = int(round(test_fraction * len(idx)))
        test += idx[:n_test].tolist()
        train += idx[n_test:].tolist()
    return sorted(train), sorted(test)


def neighbor_graph(frame_or_atoms, cutoff: float):
    """(senders int32 [E], receivers int32 [E], shifts float64 [E, 3]) from ASE's neighbor_list."""
    atoms = frame_or_atoms.to_atoms() if isinstance(frame_or_atoms, Frame) else frame_or_atoms
    i, j, S = neighbor_list("ijS", atoms, float(cutoff))
    shifts = S.astype(np.float64) @ np.asarray(atoms.cell[:], dtype=np.float64)
    return i.astype(np.int32), j.astype(np.int32), shifts


def check_frame(frame: Frame, cutoff: float = 5.0) -> List[str]:
    """Sanity problems of a frame (empty list = sane)."""
    problems = []
    n = frame.n_atoms
    if not (1 <= n <= 200):
        problems.append(f"{n} atoms")
    if not np.all(frame.numbers == CU):
        problems.append("non-Cu atoms")
    if not np.isfinite(frame.energy) or not np.all(np.isfinite(frame.forces)):
        problems.append("non-finite energy/forces")
    if np.any(frame.forces.shape != (n, 3)):
        problems.append("forces shape")
    if abs(frame.energy / n) > 2.0:
        problems.append(f"energy per atom {frame.energy / n:.3f} eV")
    if np.max(np.abs(frame.forces)) > 20.0:
        problems.append(f"max |F| {np.max(np.abs(frame.forces)):.2f} eV/A")
    if all(frame.pbc) != (frame.stress is not None):
        problems.append("stress present iff fully periodic violated")
    s, r, sh = neighbor_graph(frame, cutoff)
    d = np.linalg.norm(frame.positions[r] - frame.positions[s] + sh, axis=1)
    if d.size and d.min() < 1.6:
        problems.append(f"min distance {d.min():.2f} A")
    return problems
