"""The e3j perf cases M and C (perf/models/case_*.safetensors) as NequIP input dicts, on e3j's exact graph.

The case files hold the graph e3j times (docs/contracts.md section 3): ``r_e = pos[receivers] - pos[senders]
+ shifts`` with Cartesian ``shifts = S @ cell``. NequIP's edge vector is ``pos[edge_index[1]] -
pos[edge_index[0]] + edge_cell_shift @ cell`` with integer ``edge_cell_shift``, so ``edge_index = [senders,
receivers]`` and ``S = shifts @ inv(cell)`` (rounded; refused unless integral). Both lists are full (each
pair in both directions), so every pair is messaged in both directions by either engine. Read with numpy
only (the safetensors layout: 8-byte header length, JSON header, raw little-endian tensors).
"""

from __future__ import annotations

import json
import struct

import numpy as np

_DTYPES = {"F32": np.float32, "F64": np.float64, "I32": np.int32, "I64": np.int64, "BOOL": np.bool_, "U8": np.uint8}


def read_safetensors(path: str) -> dict[str, np.ndarray]:
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + n])
    base = 8 + n
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        if t["dtype"] not in _DTYPES:
            raise ValueError(f"{path}: tensor {name}: unsupported dtype {t['dtype']}")
        a, b = t["data_offsets"]
        out[name] = np.frombuffer(blob[base + a : base + b], dtype=_DTYPES[t["dtype"]]).reshape(t["shape"])
    return out


class Case:
    """One e3j perf case: atomic numbers, float32 positions, cell (zeros if open), pbc, e3j's edges."""

    def __init__(self, name: str, path: str):
        t = read_safetensors(path)
        self.name = name
        self.numbers = t["input/numbers"].astype(np.int64)
        self.positions = t["input/positions"].astype(np.float32)
        self.cell = t["input/cell"].reshape(3, 3).astype(np.float64)
        self.pbc = t["input/pbc"].reshape(3).astype(bool)
        self.senders = t["input/senders"].astype(np.int64)
        self.receivers = t["input/receivers"].astype(np.int64)
        shifts = t["input/shifts"].astype(np.float64)
        if self.pbc.any():
            s = shifts @ np.linalg.inv(self.cell)
            self.cell_shifts = np.rint(s)
            if np.abs(s - self.cell_shifts).max() > 1e-4:
                raise ValueError(f"{path}: input/shifts are not integer multiples of input/cell")
        else:
            if np.abs(shifts).max(initial=0.0) != 0.0:
                raise ValueError(f"{path}: non-zero input/shifts without a periodic cell")
            self.cell_shifts = np.zeros_like(shifts)

    @property
    def num_atoms(self) -> int:
        return len(self.numbers)

    @property
    def num_edges(self) -> int:
        return len(self.senders)

    def ase_atoms(self):
        from ase import Atoms

        return Atoms(numbers=self.numbers, positions=self.positions.astype(np.float64),
                     cell=self.cell if self.pbc.any() else None, pbc=self.pbc)

    def nequip_data(self, type_of_number: dict[int, int]):
        """AtomicDataDict for the `ase` compile target's inputs (pos, edge_index, atom_types, cell,
        edge_cell_shift) in NequIP's global dtype (float64: positions enter as float64 and the model casts to
        its float32 model_dtype inside, as in NequIP's ASE calculator); an open structure gets a dummy
        cubic cell (all its shifts are 0, so the
        cell only enters the stress, which both engines compute on both cases)."""
        import torch

        cell = self.cell if self.pbc.any() else 100.0 * np.eye(3)
        return {
            "pos": torch.tensor(self.positions.astype(np.float64), dtype=torch.float64),
            "edge_index": torch.tensor(np.stack([self.senders, self.receivers]), dtype=torch.int64),
            "atom_types": torch.tensor([type_of_number[int(z)] for z in self.numbers], dtype=torch.int64),
            "cell": torch.tensor(cell, dtype=torch.float64).view(1, 3, 3),
            "edge_cell_shift": torch.tensor(self.cell_shifts, dtype=torch.float64),
        }
