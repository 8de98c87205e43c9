"""An ASE calculator around ``e3j_jax.potential.Potential`` (energy, energies, forces, stress).

Used by the tests to hold the potential to ASE's own conventions (``calculate_numerical_forces``
and ``calculate_numerical_stress``), and usable for MD in Python. Arrays follow JAX's default
dtype: float32 normally, float64 under ``jax.enable_x64(True)`` with float64 params.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jraph
import numpy as np
from ase.calculators.calculator import Calculator, PropertyNotImplementedError, all_changes
from ase.neighborlist import neighbor_list

from e3j_jax.potential import Potential, energy_forces_stress


def atoms_to_graph(atoms, model: Potential, dtype=None):
    """ASE Atoms -> (GraphsTuple, cell [1,3,3], pbc [1,3]) with ASE's ``neighbor_list("ijS")``."""
    dtype = dtype or jnp.zeros(()).dtype
    index = {int(z): i for i, z in enumerate(model.species)}
    unknown = sorted({int(z) for z in atoms.numbers} - set(index))
    if unknown:
        raise ValueError(f"atomic numbers {unknown} are not in the model's species {list(model.species)}")
    i, j, S = neighbor_list("ijS", atoms, float(model.cutoff), self_interaction=False)
    cell = np.asarray(atoms.cell, np.float64)
    shifts = S.astype(np.float64) @ cell
    graph = jraph.GraphsTuple(
        nodes=dict(
            species=jnp.asarray([index[int(z)] for z in atoms.numbers], jnp.int32),
            positions=jnp.asarray(atoms.positions, dtype),
        ),
        edges=dict(shifts=jnp.asarray(shifts.reshape(-1, 3), dtype)),
        senders=jnp.asarray(i, jnp.int32),
        receivers=jnp.asarray(j, jnp.int32),
        globals=None,
        n_node=jnp.asarray([len(atoms)], jnp.int32),
        n_edge=jnp.asarray([len(i)], jnp.int32),
    )
    return graph, jnp.asarray(cell[None], dtype), jnp.asarray(np.asarray(atoms.pbc, np.int32)[None])


class E3jCalculator(Calculator):
    implemented_properties = ["energy", "free_energy", "energies", "forces", "stress"]

    def __init__(self, model: Potential, variables, **kwargs):
        super().__init__(**kwargs)
        self.model = model
        self.variables = variables
        self._efs = jax.jit(lambda v, g, c, p: energy_forces_stress(model, v, g, c, p))

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        graph, cell, pbc = atoms_to_graph(self.atoms, self.model)
        out = self._efs(self.variables, graph, cell, pbc)
        energy = float(np.asarray(out["energy"])[0])
        self.results = {
            "energy": energy,
            "free_energy": energy,
            "energies": np.asarray(out["atom_energies"], np.float64),
            "forces": np.asarray(out["forces"], np.float64),
        }
        if bool(np.asarray(out["stress_valid"])[0]):
            self.results["stress"] = np.asarray(out["stress"], np.float64)[0]
        elif "stress" in properties:
            raise PropertyNotImplementedError("stress needs a fully periodic cell (pbc all True)")
