"""Training data and nequip-train configs for the NequIP model matched to e3j's bench model.

``python make_inputs.py OUT_DIR`` writes ``OUT_DIR/train.xyz`` and ``OUT_DIR/{sc,nosc}.yaml``.

The checkpoint that ``nequip-compile`` reads is a Lightning checkpoint, which ``nequip-train`` writes; so the
model is "trained" for one epoch of two biphenyl frames at learning rate 0 (Adam with lr 0 leaves NequIP's own
initialisation untouched): only speed is measured. Labels are ASE's EMT (it has H and C parameters); they
matter to nothing here but the loss. The first frame is also the example input nequip-compile traces with
(the compiled model has dynamic node and edge counts, so M and C run on it).

The model is ``nequip.model.FullNequIPGNNModel`` with e3j's bench-model shape (python/e3j_jax/bench_models.py):
edge spherical harmonics l = 0..3, hidden features 32x0e+32x1o+32x2e for layers 1-2 and 32x0e after layer 3
(NequIP's last layer keeps only scalars: e3j prunes the same dead paths, so the live tensor-product paths are
3/13/3 in both), radial MLP one hidden layer of 64, 8 Bessel functions, polynomial envelope p = 6, cutoff 5 A,
type embedding 32, avg_num_neighbors 24, species H C N O Cu, float32. ``sc`` keeps NequIP's self-connection
(its default), ``nosc`` sets ``convnet_sc: false``. Differences from e3j's model: perf/README.md.
"""

from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from cases import Case  # noqa: E402

SPECIES = ["H", "C", "N", "O", "Cu"]  # e3j's bench species, in e3j's order
CUTOFF = 5.0
HIDDEN = "32x0e+32x1o+32x2e"

CONFIG = """\
run: [train]
cutoff_radius: {cutoff}
chemical_symbols: {species}
data:
  _target_: nequip.data.datamodule.ASEDataModule
  seed: 1
  train_file_path: {train}
  val_file_path: {train}
  transforms:
    - _target_: nequip.data.transforms.ChemicalSpeciesToAtomTypeMapper
      model_type_names: ${{chemical_symbols}}
      chemical_species_to_atom_type_map: ${{list_to_identity_dict:${{chemical_symbols}}}}
    - _target_: nequip.data.transforms.NeighborListTransform
      r_max: ${{cutoff_radius}}
  train_dataloader:
    _target_: torch.utils.data.DataLoader
    batch_size: 1
  val_dataloader:
    _target_: torch.utils.data.DataLoader
    batch_size: 1
trainer:
  _target_: lightning.Trainer
  accelerator: cpu
  devices: 1
  max_epochs: 1
  logger: false
  enable_progress_bar: false
  enable_model_summary: false
  callbacks:
    - _target_: lightning.pytorch.callbacks.ModelCheckpoint
      dirpath: ${{hydra:runtime.output_dir}}
      save_last: true
training_module:
  _target_: nequip.train.NequIPLightningModule
  loss:
    _target_: nequip.train.EnergyForceLoss
    per_atom_energy: true
    coeffs:
      total_energy: 1.0
      forces: 1.0
  val_metrics:
    _target_: nequip.train.EnergyForceMetrics
    coeffs:
      total_energy_mae: 1.0
      forces_mae: 1.0
  optimizer:
    _target_: torch.optim.Adam
    lr: 0.0
  model:
    _target_: nequip.model.FullNequIPGNNModel
    seed: 2024
    model_dtype: float32
    type_names: ${{chemical_symbols}}
    r_max: ${{cutoff_radius}}
    irreps_edge_sh: "0e+1o+2e+3o"
    type_embed_num_features: 32
    feature_irreps_hidden: ["{hidden}", "{hidden}", "32x0e"]
    radial_mlp_depth: [1, 1, 1]
    radial_mlp_width: [64, 64, 64]
    num_bessels: 8
    bessel_trainable: false
    polynomial_cutoff_p: 6
    avg_num_neighbors: 24.0
    per_type_energy_scales: 1.0
    per_type_energy_shifts: 0.0
    convnet_sc: {sc}
global_options:
  allow_tf32: false
"""


def write_train_xyz(path: str, root: str) -> None:
    from ase.calculators.emt import EMT
    from ase.io import write

    m = Case("M", os.path.join(root, "perf", "models", "case_M.safetensors")).ase_atoms()
    rng = np.random.default_rng(13)
    frames = []
    for _ in range(2):
        a = m.copy()
        # a cell (open boundaries kept): nequip-compile traces with the first frame and checks the stress,
        # which is NaN for a zero-volume cell
        a.set_cell(30.0 * np.eye(3))
        a.center()
        a.positions += rng.normal(scale=0.01, size=a.positions.shape)
        a.calc = EMT()
        a.get_potential_energy()
        a.get_forces()
        frames.append(a)
    tmp = path + ".tmp"
    write(tmp, frames, format="extxyz")
    os.replace(tmp, path)


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: make_inputs.py OUT_DIR")
    out = os.path.abspath(sys.argv[1])
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    os.makedirs(out, exist_ok=True)
    train = os.path.join(out, "train.xyz")
    write_train_xyz(train, root)
    for name, sc in (("sc", "true"), ("nosc", "false")):
        text = CONFIG.format(cutoff=CUTOFF, species="[" + ", ".join(SPECIES) + "]", train=train, hidden=HIDDEN, sc=sc)
        tmp = os.path.join(out, name + ".yaml.tmp")
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, os.path.join(out, name + ".yaml"))
    print(f"{out}: train.xyz, sc.yaml, nosc.yaml")


if __name__ == "__main__":
    main()
