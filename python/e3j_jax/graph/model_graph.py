"""The model graph (format version 2): builder, validation, file I/O and the JAX interpreter.

A graph is a list of nodes ``{"name", "op", "inputs": [names], "attrs": {...}, "out": {"domain",
"dtype", "irreps"}}`` plus ``outputs`` (``energy``/``atom_energies`` or ``node_features``/
``global_features``). Weights are named tensors ``<node name>/<weight name>``. See
docs/model-graph.md for every op.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, Optional, Tuple

import e3nn_jax as e3nn
import jax
import jax.numpy as jnp
import numpy as np
import safetensors
import safetensors.numpy

from e3j_jax.graph.ops import INPUT_KINDS, OPS, Ctx, GraphError, irreps_str

FORMAT = "e3j-model"
FORMAT_VERSION = 2
METADATA_KEY = "e3j_config"
CONFIG_KEYS = {"format", "format_version", "architecture", "dtype", "graph", "source", "species", "neighbor_cutoff",
               "units", "provenance", "param_names", "param_count"}
OUTPUT_SETS = ({"energy", "atom_energies"}, {"node_features", "global_features"})

# Abstract sizes used to infer and check the irreps of every value (no numbers are computed).
_N, _E, _G = 3, 4, 1


def _split_inputs(op) -> Tuple[List[str], List[str], bool]:
    required = [i for i in op.inputs if not i.endswith("?") and not i.endswith("*")]
    optional = [i[:-1] for i in op.inputs if i.endswith("?")]
    variadic = any(i.endswith("*") for i in op.inputs)
    return required, optional, variadic


_PROBE = {
    "positions": np.array([[0.1, 0.2, 0.3], [1.1, -0.4, 0.5], [-0.6, 0.9, 1.2]]),
    "atomic_numbers": np.zeros(_N, np.int32), "species": np.zeros(_N, np.int32),
    "senders": np.array([0, 1, 2, 0], np.int32), "receivers": np.array([1, 2, 0, 2], np.int32),
    "shifts": np.zeros((_E, 3)), "n_node": np.array([_N], np.int32),
}


def _probe_input(kind: str, dtype):
    """Small concrete inputs used to infer each value's irreps and known-zero chunks (e3nn tracks
    zero chunks only on concrete arrays, not under jax.eval_shape)."""
    _, kdt, irreps = INPUT_KINDS[kind]
    if kdt == "int":
        return jnp.asarray(_PROBE[kind])
    return e3nn.IrrepsArray(irreps, jnp.asarray(_PROBE[kind], dtype))


def _out_record(node_name: str, value, domain: str) -> Dict[str, Any]:
    if isinstance(value, e3nn.IrrepsArray):
        rec = {"domain": domain, "dtype": "float", "irreps": irreps_str(value.irreps)}
        zeros = [i for i, z in enumerate(value.zero_flags) if z]
        if zeros:
            rec["zero_chunks"] = zeros
        return rec
    if not jnp.issubdtype(value.dtype, jnp.integer):
        raise GraphError(f"node {node_name!r}: produced a float value without irreps")
    return {"domain": domain, "dtype": "int", "irreps": None}


class ModelGraph:
    """Nodes in topological order, output names, and the weights (numpy arrays by full name)."""

    def __init__(self):
        self.nodes: List[Dict[str, Any]] = []
        self.outputs: Dict[str, str] = {}
        self.weights: Dict[str, np.ndarray] = {}
        self._abstract: Dict[str, Any] = {}
        self._zero_flags: Dict[str, Any] = {}
        self._by_name: Dict[str, Dict[str, Any]] = {}

    # -- building -------------------------------------------------------------------------------

    def add(self, name: str, op: str, inputs=(), attrs=None, weights: Optional[Mapping[str, Any]] = None) -> str:
        """Append a node, check it (op, attrs, inputs, weight shapes) and infer its output type."""
        node = {"name": name, "op": op, "inputs": list(inputs), "attrs": dict(attrs or {})}
        for k, v in (weights or {}).items():
            self.weights[f"{name}/{k}"] = np.asarray(v)
        self._check_and_infer(node)
        return name

    def irreps(self, name: str) -> e3nn.Irreps:
        return e3nn.Irreps(self._by_name[name]["out"]["irreps"])

    def _check_and_infer(self, node: Dict[str, Any]) -> None:
        name, opname = node.get("name"), node.get("op")
        if not isinstance(name, str) or not name or "/" in name:
            raise GraphError(f"node {name!r}: a node name must be a non-empty string without '/'")
        if name in self._by_name:
            raise GraphError(f"node {name!r}: duplicate name")
        if opname not in OPS:
            raise GraphError(f"node {name!r}: unknown op {opname!r}")
        op = OPS[opname]
        attrs = node.get("attrs") or {}
        unknown = sorted(set(attrs) - set(op.required) - set(op.optional))
        if unknown:
            raise GraphError(f"node {name!r} ({opname}): unknown attribute(s) {unknown}")
        missing = [a for a in op.required if a not in attrs]
        if missing:
            raise GraphError(f"node {name!r} ({opname}): missing attribute(s) {missing}")
        req, opt, variadic = _split_inputs(op)
        ins = node.get("inputs") or []
        if not variadic and not (len(req) <= len(ins) <= len(req) + len(opt)):
            raise GraphError(f"node {name!r} ({opname}): takes inputs {list(op.inputs)}, got {len(ins)}")
        if variadic and len(ins) < 1:
            raise GraphError(f"node {name!r} ({opname}): needs at least one input")
        for i in ins:
            if i not in self._by_name:
                raise GraphError(f"node {name!r}: input {i!r} is not an earlier node (dangling input or cycle)")
        if opname == "input":
            kind = attrs["kind"]
            if kind not in INPUT_KINDS:
                raise GraphError(f"node {name!r}: unknown input kind {kind!r} (known: {sorted(INPUT_KINDS)})")
            if any(n["op"] == "input" and n["attrs"]["kind"] == kind for n in self.nodes):
                raise GraphError(f"node {name!r}: a second input of kind {kind!r}")
        # weights: every expected tensor present with the right shape
        try:
            op.validate(attrs)
            expected = op.weights(attrs)
        except GraphError as e:
            raise GraphError(f"node {name!r} ({opname}): {e}") from e
        except Exception as e:  # noqa: BLE001 - e3nn raises plain errors on bad irreps
            raise GraphError(f"node {name!r} ({opname}): bad attributes: {e}") from e
        for wname, shape in expected.items():
            full = f"{name}/{wname}"
            if full not in self.weights:
                raise GraphError(f"node {name!r} ({opname}): weight tensor {full!r} is missing")
            got = tuple(self.weights[full].shape)
            if got != tuple(shape):
                raise GraphError(f"node {name!r} ({opname}): weight {full!r} has shape {got}, expected {tuple(shape)}")
        # infer the output type by running the op on abstract values
        if opname == "input":
            value = _probe_input(attrs["kind"], jnp.float32)
            domain = INPUT_KINDS[attrs["kind"]][0]
        else:
            xs = [self._abstract[i] for i in ins]
            doms = [self._by_name[i]["out"]["domain"] for i in ins]
            ws = {k: jax.ShapeDtypeStruct(tuple(s), jnp.float32) for k, s in expected.items()}
            ctx = Ctx(_N, _G, jnp.float32)
            flags_in = [self._zero_flags.get(i) for i in ins]
            flags_out = []

            def probe(w, *a):
                a = [e3nn.IrrepsArray(x.irreps, x.array, zero_flags=f) if f is not None else x
                     for x, f in zip(a, flags_in)]
                y = op.apply(ctx, attrs, w, *a)
                if isinstance(y, e3nn.IrrepsArray):
                    flags_out.append(tuple(y.zero_flags))
                return y

            try:
                value = jax.eval_shape(probe, ws, *xs)
                if flags_out:  # known-zero chunks survive only inside a trace: carry them by hand
                    value = e3nn.IrrepsArray(value.irreps, value.array, zero_flags=flags_out[0])
            except GraphError as e:
                raise GraphError(f"node {name!r}: {e}") from e
            except Exception as e:  # noqa: BLE001
                raise GraphError(f"node {name!r} ({opname}): inputs do not connect: {type(e).__name__}: {e}") from e
            domain = op.domain(doms, attrs)
        out = _out_record(name, value, domain)
        declared = node.get("out")
        if declared is not None and declared != out:
            raise GraphError(f"node {name!r} ({opname}): declared output {declared} but the op gives {out}")
        node["out"] = out
        self.nodes.append(node)
        self._by_name[name] = node
        self._abstract[name] = value
        if isinstance(value, e3nn.IrrepsArray):
            self._zero_flags[name] = tuple(value.zero_flags)

    def set_outputs(self, **outputs: str) -> None:
        for k, v in outputs.items():
            if v not in self._by_name:
                raise GraphError(f"output {k!r}: node {v!r} does not exist")
        if set(outputs) not in OUTPUT_SETS:
            raise GraphError(f"outputs must be one of {[sorted(s) for s in OUTPUT_SETS]}, got {sorted(outputs)}")
        self.outputs = dict(outputs)

    def finish(self) -> "ModelGraph":
        """Refuse tensors no node reads; refuse nodes that no output depends on."""
        used = set()
        for n in self.nodes:
            used |= {f"{n['name']}/{w}" for w in OPS[n["op"]].weights(n["attrs"])}
        extra = sorted(set(self.weights) - used)
        if extra:
            raise GraphError(f"tensor {extra[0]!r} is not read by any node")
        if not self.outputs:
            raise GraphError("the graph has no outputs")
        live = set(self.outputs.values())
        for n in reversed(self.nodes):
            if n["name"] in live:
                live |= set(n["inputs"])
        dead = [n["name"] for n in self.nodes if n["name"] not in live and n["op"] != "input"]
        if dead:
            raise GraphError(f"node {dead[0]!r}: no output depends on it")
        return self

    # -- serialisation ---------------------------------------------------------------------------

    def to_json(self) -> Dict[str, Any]:
        return {"nodes": self.nodes, "outputs": self.outputs}

    @staticmethod
    def from_json(doc: Mapping[str, Any], weights: Mapping[str, np.ndarray]) -> "ModelGraph":
        """Validate a graph read from a file (topological order required: a forward or self
        reference is a cycle or a dangling input, refused naming the node)."""
        g = ModelGraph()
        g.weights = {k: np.asarray(v) for k, v in weights.items()}
        unknown = sorted(set(doc) - {"nodes", "outputs"})
        if unknown:
            raise GraphError(f"graph: unknown key(s) {unknown}")
        names = [n.get("name") for n in doc.get("nodes", [])]
        for n in doc.get("nodes", []):
            extra = sorted(set(n) - {"name", "op", "inputs", "attrs", "out"})
            if extra:
                raise GraphError(f"node {n.get('name')!r}: unknown key(s) {extra}")
            if "out" not in n:
                raise GraphError(f"node {n.get('name')!r}: no 'out' record")
            for i in n.get("inputs") or []:
                if i not in names:
                    raise GraphError(f"node {n.get('name')!r}: input {i!r} names no node (dangling input)")
                if i not in g._by_name:
                    raise GraphError(f"node {n.get('name')!r}: input {i!r} is not computed before it (a cycle)")
            g._check_and_infer(dict(n))
        g.set_outputs(**doc.get("outputs", {}))
        return g.finish()


# -- interpreter ---------------------------------------------------------------------------------


def run(graph: ModelGraph, inputs: Mapping[str, Any], dtype=jnp.float32, weights=None) -> Dict[str, Any]:
    """Evaluate the graph. ``inputs`` maps input kinds (positions, species, ...) to arrays."""
    weights = graph.weights if weights is None else weights
    pos = inputs["positions"]
    n_node = inputs.get("n_node", jnp.array([pos.shape[0]], jnp.int32))
    ctx = Ctx(pos.shape[0], n_node.shape[0], dtype)
    values: Dict[str, Any] = {}
    for node in graph.nodes:
        op = OPS[node["op"]]
        if node["op"] == "input":
            kind = node["attrs"]["kind"]
            if kind == "n_node":
                values[node["name"]] = n_node
                continue
            if kind not in inputs:
                raise GraphError(f"node {node['name']!r}: input {kind!r} not given")
            x = inputs[kind]
            if INPUT_KINDS[kind][1] == "float":
                x = e3nn.IrrepsArray(INPUT_KINDS[kind][2], jnp.asarray(x, dtype))
            values[node["name"]] = x
            continue
        _check_indices(node, [values[i] for i in node["inputs"]])
        ws = {k: jnp.asarray(weights[f"{node['name']}/{k}"], dtype) for k in op.weights(node["attrs"])}
        out = op.apply(ctx, node["attrs"], ws, *[values[i] for i in node["inputs"]])
        if isinstance(out, e3nn.IrrepsArray) and out.dtype != dtype:
            out = out.astype(dtype)
        values[node["name"]] = out
    return {k: values[v] for k, v in graph.outputs.items()}


def _check_indices(node, xs) -> None:
    """Refuse out-of-range atomic numbers / species when the inputs are concrete (outside jax.jit;
    under jit the caller validates: JAX would silently give zero or clamped rows)."""
    a = node["attrs"]
    limits = {"species_from_atomic_numbers": None, "one_hot": a.get("num_classes"),
              "embed": a.get("num_embeddings")}
    if node["op"] not in limits or isinstance(xs[0], jax.core.Tracer):
        return
    idx = np.asarray(xs[0])
    if node["op"] == "species_from_atomic_numbers":
        unknown = sorted(set(idx.tolist()) - set(a["atomic_numbers"]))
        if unknown:
            raise GraphError(f"node {node['name']!r}: atomic number(s) {unknown} not in the model's "
                             f"{a['atomic_numbers']}")
    elif idx.size and (idx.min() < 0 or idx.max() >= limits[node["op"]]):
        raise GraphError(f"node {node['name']!r}: index out of range 0..{limits[node['op']] - 1}")


VOIGT = ((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1))


def energy_forces_stress(graph: ModelGraph, inputs: Mapping[str, Any], dtype=jnp.float32, cell=None):
    """Energy [G], forces [N,3] and (when ``cell`` [3,3] is given, one graph) stress (Voigt, eV/A^3):
    a symmetric strain applied to positions and shifts, ASE's sign."""
    pos = jnp.asarray(inputs["positions"], dtype)
    has_shifts = "shifts" in inputs

    def energy(p, strain):
        sym = 0.5 * (strain + strain.T)
        x = dict(inputs)
        x["positions"] = p + p @ sym
        if has_shifts:
            s = jnp.asarray(inputs["shifts"], dtype)
            x["shifts"] = s + s @ sym
        out = run(graph, x, dtype)
        e = out["energy"].array[:, 0]
        return jnp.sum(e), e

    (_, e), (g_pos, g_strain) = jax.value_and_grad(energy, argnums=(0, 1), has_aux=True)(
        pos, jnp.zeros((3, 3), dtype)
    )
    result = {"energy": e, "forces": -g_pos}
    if cell is not None:
        vol = abs(float(np.linalg.det(np.asarray(cell, np.float64))))
        sigma = g_strain / vol
        result["stress"] = jnp.stack([sigma[i, j] for i, j in VOIGT])
    return result


# -- file I/O ------------------------------------------------------------------------------------


def dumps(doc) -> str:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def graph_config(graph: ModelGraph, source: Dict[str, Any], species: Optional[List[int]],
                 neighbor_cutoff: Optional[float]) -> Dict[str, Any]:
    from e3j_jax.config import provenance

    names = sorted(graph.weights)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "architecture": "graph",
        "dtype": "float32",
        "graph": graph.to_json(),
        "source": source,
        "species": species,
        "neighbor_cutoff": neighbor_cutoff,
        "units": {"energy": "eV", "length": "Angstrom"},
        "provenance": provenance(),
        "param_names": names,
        "param_count": int(sum(graph.weights[n].size for n in names)),
    }


def write_graph_file(path: str, graph: ModelGraph, source: Dict[str, Any], species=None,
                     neighbor_cutoff=None, inputs_to_protect=()) -> Dict[str, Any]:
    """Validate, then write atomically (temp file beside ``path`` + rename). Refuses to write onto
    any path in ``inputs_to_protect``."""
    import os

    from e3j_jax.export import ExportError, atomic_write_safetensors

    target = os.path.realpath(path)
    for p in inputs_to_protect:
        if p and os.path.exists(p) and os.path.realpath(p) == target:
            raise ExportError(f"{path}: the output would overwrite an input file")
    graph.finish()
    tensors = {}
    for k, v in graph.weights.items():
        a = np.asarray(v)
        if a.dtype.kind != "f":
            raise ExportError(f"tensor {k!r}: dtype {a.dtype} is not float")
        a = a.astype(np.float32)
        if not np.all(np.isfinite(a)):
            raise ExportError(f"tensor {k!r}: non-finite values")
        tensors[k] = np.ascontiguousarray(a)
    cfg = graph_config(graph, source, species, neighbor_cutoff)
    # round-trip validation before anything is written
    ModelGraph.from_json(json.loads(dumps(cfg["graph"])), tensors)
    atomic_write_safetensors(path, tensors, {METADATA_KEY: dumps(cfg)})
    return cfg


def read_graph_file(path: str) -> Tuple[ModelGraph, Dict[str, Any]]:
    with safetensors.safe_open(path, framework="numpy") as f:
        meta = f.metadata() or {}
        if METADATA_KEY not in meta:
            raise GraphError(f"{path}: no {METADATA_KEY!r} metadata; not an e3j model file")
        cfg = json.loads(meta[METADATA_KEY])
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    unknown = sorted(set(cfg) - CONFIG_KEYS)
    if unknown:
        raise GraphError(f"{path}: unknown config key(s) {unknown}")
    if cfg.get("format") != FORMAT or cfg.get("format_version") != FORMAT_VERSION:
        raise GraphError(f"{path}: format {cfg.get('format')!r} version {cfg.get('format_version')!r} is not a "
                         f"version-{FORMAT_VERSION} model graph")
    return ModelGraph.from_json(cfg["graph"], tensors), cfg
