"""Model-graph fixtures made by nequip-eqx's and jax-md's OWN apply functions:
``python -m e3j_jax.graph.fixtures [--out DIR | --check]`` (default DIR: tests/fixtures/graph).

Each case is a folder ``<case>/`` with
* ``model.safetensors``: the model graph (docs/model-graph.md), written by the package's exporter
  from the package's own saved file (nequip-eqx ``save_model``; jax-md ``flax.serialization.to_bytes``
  params + config JSON), exactly as ``python -m e3j_jax.export --from ...`` does;
* ``expected.json``: the structure (atomic numbers, float32 positions, senders, receivers, shifts,
  cell, pbc) and the package's own float32 energy, forces (``-jax.grad``) and, for periodic jax-md
  cases, stress (Voigt xx yy zz yz xz xy, eV/A^3, ASE sign); under ``float64`` the same package
  function run in float64 (``jax.enable_x64``) on the very weights of ``model.safetensors`` (the
  float32 parameters cast exactly to float64), for a double engine's 1e-10 check.

``--check`` regenerates into a temporary folder and compares byte for byte.
"""

from __future__ import annotations

import os

os.environ.setdefault("JAX_PLATFORMS", "cpu")
_flag = "--xla_cpu_multi_thread_eigen=false"
if _flag not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " " + _flag).strip()

import argparse  # noqa: E402
import filecmp  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402

import jax  # noqa: E402

jax.config.update("jax_default_matmul_precision", "highest")

import numpy as np  # noqa: E402

from e3j_jax.graph import packages as P  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.normpath(os.path.join(HERE, "..", "..", "..", "tests", "fixtures", "graph"))

# (name, package, settings). Config atomic numbers are deliberately unsorted for nequip-eqx:
# its species index is the position in the SORTED list.
CASES = [
    ("nequip_eqx_lmax1_layers1_open", "nequip-eqx", dict(lmax=1, n_layers=1, hidden_size=3, seed=11)),
    ("nequip_eqx_lmax2_layers2_open", "nequip-eqx", dict(lmax=2, n_layers=2, hidden_size=2, seed=12)),
    ("nequip_eqx_lmax3_layers3_open", "nequip-eqx", dict(lmax=3, n_layers=3, hidden_size=2, seed=13)),
    ("jax_md_lmax1_layers1_open", "jax-md", dict(hidden="4x0e+2x1o", sh="1x0e+1x1o", layers=1, kind="open", seed=21)),
    ("jax_md_lmax2_layers2_periodic", "jax-md",
     dict(hidden="4x0e+2x1e+2x2e", sh="1x0e+1x1e+1x2e", layers=2, kind="periodic", seed=22)),
    ("jax_md_lmax3_layers3_periodic", "jax-md",
     dict(hidden="3x0e+2x1o+1x2e+1x3o", sh="1x0e+1x1o+1x2e+1x3o", layers=3, kind="periodic", seed=23)),
    # five layers (issue 12: "1-5 layers")
    ("nequip_eqx_lmax2_layers5_open", "nequip-eqx", dict(lmax=2, n_layers=5, hidden_size=2, seed=14)),
    ("jax_md_lmax2_layers5_periodic", "jax-md",
     dict(hidden="3x0e+2x1o+1x2e", sh="1x0e+1x1o+1x2e", layers=5, kind="periodic", seed=24)),
]
SPECIES_Z = [29, 13]  # config order (unsorted); e3j species index = sorted position for nequip-eqx


def _f32(a):
    return np.asarray(a, np.float32).astype(np.float64)


def _structure_json(x):
    return {
        "atomic_numbers": [int(z) for z in x["atomic_numbers"]],
        "positions": _f32(x["positions"]).tolist(),
        "senders": [int(i) for i in x["senders"]],
        "receivers": [int(i) for i in x["receivers"]],
        "shifts": _f32(x["shifts"]).tolist(),
        "cell": x["cell"].tolist(),
        "pbc": x["pbc"],
    }


def _to_float64(tree):
    """The same parameters as float64 arrays (float32 values are exact in float64); other leaves kept."""
    import jax.numpy as jnp

    def cast(a):
        if isinstance(a, (jax.Array, np.ndarray)) and jnp.issubdtype(a.dtype, jnp.floating):
            return jnp.asarray(np.asarray(a, np.float64))
        return a

    return jax.tree_util.tree_map(cast, tree)


def make_case(name, package, s, out_dir, work):
    from e3j_jax.graph.model_graph import dumps

    os.makedirs(out_dir, exist_ok=True)
    model_out = os.path.join(out_dir, "model.safetensors")
    if package == "nequip-eqx":
        from nequip_eqx.model import load_model, save_model

        from e3j_jax.graph.from_nequip_eqx import export_nequip_eqx_file, nequip_eqx_species

        model, kw = P.nequip_eqx_model(s["seed"], len(SPECIES_Z), s["lmax"], s["n_layers"], s["hidden_size"])
        config = P.nequip_eqx_config(kw, SPECIES_Z)
        src = os.path.join(work, name + ".eqx")
        save_model(src, model, config)
        export_nequip_eqx_file(src, model_out)
        own, own_cfg = load_model(src)  # the package's own reader
        species = nequip_eqx_species(own_cfg)
        x = P.structure("open", SPECIES_Z, float(own.cutoff), s["seed"])
        x["positions"], x["shifts"] = _f32(x["positions"]), _f32(x["shifts"])
        index = np.array([species.index(int(z)) for z in x["atomic_numbers"]], np.int32)
        ref = P.nequip_eqx_reference(own, x, index)
        with jax.enable_x64(True):
            ref64 = P.nequip_eqx_reference(_to_float64(own), x, index, jax.numpy.float64)
    else:
        import flax.serialization

        from e3j_jax.graph.from_jax_md import export_jax_md_files, load_jax_md

        cfg = P.jax_md_config(len(SPECIES_Z), s["hidden"], s["sh"], s["layers"])
        model, params = P.jax_md_model(cfg, s["seed"])
        pfile, cfile = os.path.join(work, name + ".msgpack"), os.path.join(work, name + ".json")
        with open(pfile, "wb") as f:
            f.write(flax.serialization.to_bytes(params))
        with open(cfile, "w") as f:
            json.dump(cfg, f)
        export_jax_md_files(pfile, cfile, SPECIES_Z, model_out)
        _, own_params, own_model = load_jax_md(pfile, cfile)
        x = P.structure(s["kind"], SPECIES_Z, cfg["r_max"], s["seed"])
        x["positions"], x["shifts"] = _f32(x["positions"]), _f32(x["shifts"])
        index = np.array([SPECIES_Z.index(int(z)) for z in x["atomic_numbers"]], np.int32)
        ref = P.jax_md_reference(own_model, own_params, x, index, cfg["n_elements"])
        with jax.enable_x64(True):
            # the model the file describes: scale and shift are float32 tensors there (the package keeps
            # them as Python floats of its config, which would differ in the 8th digit)
            from jax_md._nn import nequip as jax_md_nequip
            from ml_collections import ConfigDict

            cfg32 = dict(cfg, shift=float(np.float32(cfg["shift"])), scale=float(np.float32(cfg["scale"])))
            model64 = jax_md_nequip.model_from_config(ConfigDict(cfg32))
            ref64 = P.jax_md_reference(model64, _to_float64(own_params), x, index, cfg["n_elements"],
                                       jax.numpy.float64)
    doc = {
        "case": name,
        "package": package,
        "dtype": "float32",
        "structure": _structure_json(x),
        "energy": float(ref["energy"]),
        "forces": np.asarray(ref["forces"], np.float64).tolist(),
        "tolerance": "abs(e3j - ref) <= 1e-5 * max(1, abs(ref)), element by element",
    }
    if "stress" in ref:
        doc["stress"] = np.asarray(ref["stress"], np.float64).tolist()
        doc["stress_voigt_order"] = ["xx", "yy", "zz", "yz", "xz", "xy"]
    doc["float64"] = {"energy": float(ref64["energy"]), "forces": np.asarray(ref64["forces"], np.float64).tolist()}
    if "stress" in ref64:
        doc["float64"]["stress"] = np.asarray(ref64["stress"], np.float64).tolist()
    tmp = os.path.join(out_dir, ".expected.json.tmp")
    with open(tmp, "w") as f:
        f.write(dumps(doc) + "\n")
    os.replace(tmp, os.path.join(out_dir, "expected.json"))


def generate(out):
    with tempfile.TemporaryDirectory() as work:
        for name, package, s in CASES:
            make_case(name, package, s, os.path.join(out, name), work)
            print(f"  {name}", flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m e3j_jax.graph.fixtures")
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--check", action="store_true", help="regenerate into a temp dir, compare byte for byte")
    a = ap.parse_args(argv)
    if not a.check:
        generate(a.out)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        generate(tmp)
        bad = []
        for name, _, _ in CASES:
            for fn in ("model.safetensors", "expected.json"):
                p, q = os.path.join(a.out, name, fn), os.path.join(tmp, name, fn)
                if not os.path.exists(p) or not filecmp.cmp(p, q, shallow=False):
                    bad.append(f"{name}/{fn}")
        extra = sorted(set(os.listdir(a.out)) - {c[0] for c in CASES} - {"README.md"}) if os.path.isdir(a.out) else []
        bad += [f"unexpected {e}" for e in extra]
        if bad:
            print("graph fixtures differ: " + ", ".join(bad), file=sys.stderr)
            return 1
    print("graph fixtures up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
