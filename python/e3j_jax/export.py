"""Model file I/O: one ``.safetensors`` file holding a config and the Flax params.

* tensors: every Flax variable, keyed by its full path (collection included) joined
  with ``/``, verbatim: ``params/SimpleNetworkLayer_0/Linear_0/w[0,0] 8x0e,8x0e``;
  dtype F32, shape as in Flax;
* ``__metadata__ = {"e3j_config": <JSON>}``, the JSON written with ``sort_keys=True``
  and compact separators so files are byte-reproducible.

The format is documented in docs/model-format.md (the contract with the Java loader).
``export_model`` validates before writing and writes to a temp file that is renamed
into place, so a failed export never leaves a half-written file.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from typing import Any, Dict, Mapping, Tuple

import e3nn_jax as e3nn
import flax.linen as nn
import jax
import numpy as np
import safetensors
import safetensors.numpy

from e3j_jax.config import build_model, model_config

METADATA_KEY = "e3j_config"

# What the Java loader accepts (layers/.../model/ConfigSchema.java; docs/model-format.md §2.1):
# the exporter refuses, before writing, any model e3j would refuse to load. tests/test_export.py
# checks these numbers against the Java constants.
MAX_SH_LMAX = 11  # ConfigSchema.MAX_SH_LMAX: SH and Clebsch-Gordan are verified up to l = 11
MAX_IRREP_L = 2 * MAX_SH_LMAX  # ConfigSchema.MAX_IRREP_L: any irreps in the config
MAX_LAYERS = 64  # ConfigSchema.MAX_LAYERS
MAX_DIM = 1 << 16  # ConfigSchema.MAX_DIM
LIMITS = {
    "sh_lmax": (0, MAX_SH_LMAX),
    "init_embed_dims": (1, MAX_DIM),
    "num_embeddings": (1, MAX_DIM),
    "mlp_hidden_dims": (1, MAX_DIM),
    "mlp_num_layers": (1, 64),  # ConfigSchema.MAX_MLP_LAYERS
    "num_layers": (1, MAX_LAYERS),
    "num_basis": (1, 1024),  # ConfigSchema.MAX_NUM_BASIS
    "envelope_p": (1, 64),  # ConfigSchema.MAX_ENVELOPE_P
}


class ExportError(ValueError):
    """The model or its params cannot be written as an e3j model file."""


def dumps_config(cfg: Mapping[str, Any]) -> str:
    return json.dumps(cfg, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def flatten_params(variables: Mapping[str, Any]) -> Dict[str, Any]:
    """Flax variables -> {"collection/Module_0/.../name": leaf}, in Flax's insertion order."""
    out: Dict[str, Any] = {}

    def walk(prefix, node):
        if isinstance(node, Mapping):
            if not node:
                raise ExportError(f"empty sub-tree at {'/'.join(prefix) or '<root>'}")
            for key, value in node.items():
                if not isinstance(key, str):
                    raise ExportError(f"non-string key {key!r} under {'/'.join(prefix) or '<root>'}")
                if "/" in key or key == "":
                    raise ExportError(
                        f"key {key!r} under {'/'.join(prefix) or '<root>'} contains '/' or is empty; "
                        "paths joined with '/' would be ambiguous"
                    )
                walk(prefix + (key,), value)
        else:
            out["/".join(prefix)] = node

    if not isinstance(variables, Mapping):
        raise ExportError(f"variables must be a mapping of collections, got {type(variables).__name__}")
    walk((), variables)
    return out


def unflatten_params(flat: Mapping[str, Any]) -> Dict[str, Any]:
    root: Dict[str, Any] = {}
    for path, value in flat.items():
        parts = path.split("/")
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return root


def _example_graph(cfg):
    """A tiny graph to trace the model's shapes with (jax.eval_shape, nothing is computed)."""
    import jax.numpy as jnp
    import jraph

    nodes = {"positions": jnp.zeros((2, 3), jnp.float32)}
    edges = None
    if cfg["architecture"] == "SimpleNetwork":
        nodes["numbers"] = jnp.zeros((2,), jnp.int32)
    else:
        nodes["species"] = jnp.zeros((2,), jnp.int32)
        edges = {"shifts": jnp.zeros((1, 3), jnp.float32)}
    return jraph.GraphsTuple(
        nodes=nodes, edges=edges, senders=jnp.array([0], jnp.int32), receivers=jnp.array([1], jnp.int32),
        globals=None, n_node=jnp.array([2], jnp.int32), n_edge=jnp.array([1], jnp.int32),
    )


def expected_param_shapes(model: nn.Module, cfg) -> Dict[str, Tuple[Tuple[int, ...], Any]]:
    shapes = jax.eval_shape(lambda: model.init(jax.random.PRNGKey(0), _example_graph(cfg)))
    return {k: (tuple(v.shape), v.dtype) for k, v in flatten_params(shapes).items()}


def check_loader_limits(cfg: Mapping[str, Any]) -> None:
    """Refuse (``ExportError``, naming the field) a config outside what the e3j loader accepts."""
    for key, (lo, hi) in LIMITS.items():
        v = cfg.get(key)
        if v is not None and not lo <= v <= hi:
            raise ExportError(
                f"{key}={v} is outside what e3j can load ({lo}..{hi}; docs/model-format.md §2.1)"
            )

    def degrees(where, irreps_str):
        for mul_ir in e3nn.Irreps(irreps_str):
            if mul_ir.ir.l > MAX_IRREP_L:
                raise ExportError(
                    f"{where} irreps {irreps_str} have l = {mul_ir.ir.l}, more than the {MAX_IRREP_L} "
                    f"e3j can load (docs/model-format.md §2.1)"
                )

    for k, irreps_str in enumerate(cfg["output_irreps_per_layer"]):
        degrees(f"output_irreps_per_layer[{k}]", irreps_str)
    for k, layer in enumerate(cfg["layers"]):
        for key, value in layer.items():
            if key.endswith("_irreps") and isinstance(value, str):
                degrees(f"layers[{k}].{key}", value)


def check_params(model: nn.Module, cfg, variables) -> Dict[str, np.ndarray]:
    """Validate params against the model's own structure; return {path: float32 ndarray}."""
    flat = flatten_params(variables)
    expected = expected_param_shapes(model, cfg)
    missing = [k for k in expected if k not in flat]
    extra = [k for k in flat if k not in expected]
    if missing or extra:
        raise ExportError(
            "params do not match the model: "
            + (f"missing {missing}" if missing else "")
            + ("; " if missing and extra else "")
            + (f"unexpected {extra}" if extra else "")
        )
    arrays: Dict[str, np.ndarray] = {}
    for path in expected:  # Flax's order
        leaf = flat[path]
        try:
            arr = np.asarray(leaf)
        except Exception as e:  # noqa: BLE001
            raise ExportError(f"param {path!r} is not an array ({type(leaf).__name__}): {e}") from e
        if arr.dtype.kind != "f":
            raise ExportError(f"param {path!r} has dtype {arr.dtype}; only float params can be exported")
        if arr.dtype != np.float32:
            raise ExportError(
                f"param {path!r} has dtype {arr.dtype}; e3j model files hold float32 params "
                "(cast with jax.tree.map(lambda x: x.astype(jnp.float32), params))"
            )
        shape, _ = expected[path]
        if tuple(arr.shape) != shape:
            raise ExportError(f"param {path!r} has shape {tuple(arr.shape)}, the model expects {shape}")
        if not np.all(np.isfinite(arr)):
            bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
            raise ExportError(f"param {path!r} has {bad} non-finite value(s) (NaN or Inf)")
        arrays[path] = np.ascontiguousarray(arr)
    return arrays


def atomic_write_safetensors(path: str, tensors: Dict[str, np.ndarray], metadata: Dict[str, str]) -> None:
    """Serialize fully in memory, write to a temp file beside ``path``, fsync, rename."""
    data = safetensors.numpy.save(tensors, metadata=metadata)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".safetensors", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def export_model(path: str, model: nn.Module, variables) -> Dict[str, Any]:
    """Write ``model`` (SimpleNetwork or Potential) and its Flax ``variables`` to ``path``.

    Returns the config written. Raises ``ExportError``/``TypeError`` with a clear message on
    unknown module types, models e3j cannot load (``sh_lmax`` above ``MAX_SH_LMAX``, irreps of
    degree above ``MAX_IRREP_L``, more than ``MAX_LAYERS`` layers, see ``LIMITS``), params that do
    not match the model, non-float or NaN/Inf params.
    """
    try:
        cfg = model_config(model)
    except TypeError as e:
        raise ExportError(str(e)) from e
    check_loader_limits(cfg)
    arrays = check_params(model, cfg, variables)
    cfg["param_names"] = list(arrays)  # Flax order (safetensors sorts its header)
    cfg["param_count"] = int(sum(a.size for a in arrays.values()))
    atomic_write_safetensors(path, arrays, {METADATA_KEY: dumps_config(cfg)})
    return cfg


def read_model_file(path: str) -> Tuple[Dict[str, Any], Dict[str, np.ndarray]]:
    """file -> (config, {flat path: ndarray}) with validation."""
    with safetensors.safe_open(path, framework="numpy") as f:
        meta = f.metadata() or {}
        if METADATA_KEY not in meta:
            raise ValueError(f"{path}: no {METADATA_KEY!r} in __metadata__; not an e3j model file")
        cfg = json.loads(meta[METADATA_KEY])
        flat = {k: f.get_tensor(k) for k in f.keys()}
    order = cfg.get("param_names") or sorted(flat)
    if sorted(order) != sorted(flat):
        raise ValueError(f"{path}: param_names in the config do not match the tensors in the file")
    return cfg, {k: flat[k] for k in order}


# Keys that say where a file came from, not what it computes: a rebuilt model may differ in them.
METADATA_ONLY_KEYS = ("provenance", "param_names", "param_count")


def _first_difference(a, b, path=""):
    """The path of the first place two JSON values differ, or None."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{path}{key}"
            d = _first_difference(a[key], b[key], f"{path}{key}.")
            if d is not None:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            d = _first_difference(x, y, f"{path}[{i}].")
            if d is not None:
                return d
        return None
    same_kind = type(a) is type(b) or {type(a), type(b)} == {int, float}  # 1 == 1.0, but True != 1
    return None if same_kind and a == b else path.rstrip(".")


def check_config_honoured(path: str, cfg: Mapping[str, Any], model: nn.Module) -> None:
    """Refuse a file whose config says something the rebuilt module would not do.

    ``build_model`` reads only the sizes; everything else (e3nn config, activations and their
    constants, LayerNorm settings, units, derived irreps, ...) is whatever this environment's
    e3j_jax/e3nn-jax compute. Rebuilding the config from the module and comparing makes every
    value of the file honoured or refused (docs/model-format.md §2.1), as the Java loader does.
    """
    expected = json.loads(dumps_config(model_config(model)))
    for key in METADATA_ONLY_KEYS:
        expected.pop(key, None)
    got = {k: v for k, v in cfg.items() if k not in METADATA_ONLY_KEYS}
    where = _first_difference(got, expected)
    if where is not None:
        def at(obj):
            for part in where.replace("[", ".[").split("."):
                if not part:
                    continue
                if part.startswith("["):
                    obj = obj[int(part[1:-1])]
                elif isinstance(obj, dict) and part in obj:
                    obj = obj[part]
                else:
                    return "<absent>"
            return obj

        raise ValueError(
            f"{path}: config key {where!r} is {at(got)!r} but the model this environment rebuilds has "
            f"{at(expected)!r}: e3j_jax cannot honour it (for e3nn_config, set e3nn.config(...) before loading)"
        )


def load_model(path: str):
    """file -> (model, variables, config): the rebuilt Flax module and its params.

    Every config value must be what the rebuilt module computes (``check_config_honoured``)."""
    cfg, flat = read_model_file(path)
    model = build_model(cfg)
    check_config_honoured(path, cfg, model)
    variables = jax.tree.map(lambda a: jax.numpy.asarray(a), unflatten_params(flat))
    check_params(model, cfg, variables)
    return model, variables, cfg


# -- command line: convert a model trained elsewhere into a version-2 model graph ----------------


def main(argv=None) -> int:
    """``python -m e3j_jax.export --from nequip-eqx MODEL_FILE -o OUT.safetensors``
    ``python -m e3j_jax.export --from jax-md PARAMS.msgpack --config CONFIG.json --species Z0,Z1,... -o OUT``
    ``python -m e3j_jax.export --from e3j MODEL_V1.safetensors -o OUT`` (the same model as a graph).

    Writes a model graph (docs/model-graph.md) atomically; on any refusal prints one line naming
    the file / module / node and exits with status 1."""
    import argparse
    import sys

    ap = argparse.ArgumentParser(prog="python -m e3j_jax.export", description=main.__doc__.split("\n\n")[0])
    ap.add_argument("--from", dest="source", required=True, choices=["nequip-eqx", "jax-md", "e3j"])
    ap.add_argument("model", help="nequip-eqx save_model file, jax-md params (flax to_bytes), or e3j v1 file")
    ap.add_argument("--config", help="jax-md: the ConfigDict of model_from_config, as JSON")
    ap.add_argument("--species", help="jax-md: atomic number of each one-hot column, e.g. 13,29")
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args(argv)
    try:
        if args.source == "nequip-eqx":
            if args.config or args.species:
                ap.error("--config/--species are for --from jax-md (nequip-eqx files carry their own)")
            from e3j_jax.graph.from_nequip_eqx import export_nequip_eqx_file

            cfg = export_nequip_eqx_file(args.model, args.output)
        elif args.source == "jax-md":
            if not args.config or not args.species:
                ap.error("--from jax-md needs --config CONFIG.json and --species Z0,Z1,...")
            try:
                species = [int(z) for z in args.species.split(",")]
            except ValueError:
                ap.error(f"--species {args.species!r}: expected comma-separated atomic numbers")
            if any(z < 1 or z > 118 for z in species):
                ap.error(f"--species {args.species!r}: atomic numbers must be in 1..118")
            from e3j_jax.graph.from_jax_md import export_jax_md_files

            cfg = export_jax_md_files(args.model, args.config, species, args.output)
        else:
            from e3j_jax.graph.from_e3j import e3j_graph_source, graph_from_e3j
            from e3j_jax.graph.model_graph import write_graph_file

            model, variables, v1 = load_model(args.model)
            cfg = write_graph_file(args.output, graph_from_e3j(model, variables), e3j_graph_source(model),
                                   v1.get("species"), neighbor_cutoff=v1.get("cutoff"),
                                   inputs_to_protect=[args.model])
    except (ValueError, OSError, KeyError) as e:  # GraphError and ExportError are ValueErrors
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        print(f"e3j_jax.export: {args.model}: {msg}", file=sys.stderr)
        return 1
    print(f"wrote {args.output}: {len(cfg['graph']['nodes'])} nodes, {cfg['param_count']} parameters")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
