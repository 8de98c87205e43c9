"""The e3j model config: one JSON schema for the seed (SimpleNetwork) and the Potential.

``model_config(model)`` turns a Flax module into the JSON-able dict that goes into the
model file; ``build_model(config)`` rebuilds the module. Everything derived (irreps per
layer, activation normalisation constants, e3nn-jax config values) is computed here by
calling e3nn-jax itself, so the Java side never has to guess. See docs/model-format.md.
"""

from __future__ import annotations

import importlib.metadata
import math
import sys
from typing import Any, Dict, List

import e3nn_jax as e3nn
import jax
import jax.numpy as jnp
import numpy as np

from e3j_jax.potential import VOIGT_ORDER, Potential
from e3j_jax.seed import SimpleNetwork

FORMAT = "e3j-model"
FORMAT_VERSION = 1
ARCHITECTURES = ("SimpleNetwork", "Potential")

# e3nn.gate's defaults (e3nn_jax/_src/gate.py), by the names used in the config.
GATE_ACTIVATIONS = {
    "even_act": "gelu_tanh",
    "odd_act": "soft_odd",
    "even_gate_act": "sigmoid",
    "odd_gate_act": "tanh",
}
ACTIVATION_FUNCTIONS = {
    "gelu_tanh": jax.nn.gelu,  # approximate=True is jax's default: the tanh form
    "soft_odd": e3nn.soft_odd,
    "sigmoid": jax.nn.sigmoid,
    "tanh": jax.nn.tanh,
}
ACTIVATION_FORMULAS = {
    "gelu_tanh": "x * 0.5 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))",
    "soft_odd": "(1 - exp(-x^2)) * x",
    "sigmoid": "1 / (1 + exp(-x))",
    "tanh": "tanh(x)",
    "silu": "x * sigmoid(x)",
}
E3NN_CONFIG_KEYS = (
    "irrep_normalization",
    "path_normalization",
    "gradient_normalization",
    "spherical_harmonics_algorithm",
    "spherical_harmonics_normalization",
    "custom_einsum_jvp",
    "fused",
    "sparse_tp",
)
PROVENANCE_PACKAGES = ("jax", "jaxlib", "flax", "e3nn-jax", "jraph", "numpy", "safetensors")


def f32_bits(x: float) -> str:
    return "0x%08x" % int(np.array(x, dtype=np.float32).view(np.uint32))


def normalization_constant(name: str) -> float:
    """The exact float32 constant c that ``e3nn.normalize_function`` divides by.

    Read from the closure of the function e3nn-jax returns, so it is the value the
    library uses in this environment, not a recomputation.
    """
    phi = ACTIVATION_FUNCTIONS[name]
    rho = e3nn.normalize_function(phi)
    if rho is phi:
        return 1.0
    cells = {
        var: cell.cell_contents
        for var, cell in zip(rho.__code__.co_freevars, rho.__closure__ or ())
    }
    c = cells["c"]
    if not isinstance(c, float):
        raise RuntimeError(f"unexpected normalize_function closure for {name}: {cells}")
    # Cross-check against the library's own evaluation.
    x = jnp.float32(0.7)
    if float(rho(x)) != float(phi(x) / c):
        raise RuntimeError(f"normalize_function({name}) does not divide by {c!r}")
    if float(np.float32(c)) != c:
        raise RuntimeError(f"normalisation constant {c!r} of {name} is not a float32 value")
    return c


def activations_config() -> Dict[str, Any]:
    constants = {name: normalization_constant(name) for name in ACTIVATION_FUNCTIONS}
    return {
        "gate": dict(GATE_ACTIVATIONS, normalize_act=True),
        "mlp": "silu",
        "mlp_normalized": False,
        "formulas": ACTIVATION_FORMULAS,
        "normalization_constants": constants,
        "normalization_constants_f32_bits": {k: f32_bits(v) for k, v in constants.items()},
        "normalization_applied_as": "act(x) / c, c a float32 constant",
    }


def e3nn_config() -> Dict[str, Any]:
    return {key: e3nn.config(key) for key in E3NN_CONFIG_KEYS}


def linear_normalization() -> Dict[str, float]:
    to_num = {"element": 0.0, "path": 1.0}
    p, g = e3nn.config("path_normalization"), e3nn.config("gradient_normalization")
    return {
        "path_normalization": to_num[p] if isinstance(p, str) else float(p),
        "gradient_normalization": to_num[g] if isinstance(g, str) else float(g),
        "biases": False,
    }


def provenance() -> Dict[str, str]:
    out = {"generator": "e3j_jax " + importlib.metadata.version("e3j_jax")}
    for pkg in PROVENANCE_PACKAGES:
        out[pkg] = importlib.metadata.version(pkg)
    out["python"] = "%d.%d" % sys.version_info[:2]
    return out


def _irreps_str(irreps) -> str:
    return str(e3nn.Irreps(irreps))


def _ones(irreps) -> e3nn.IrrepsArray:
    irreps = e3nn.Irreps(irreps)
    return e3nn.IrrepsArray(irreps, jnp.ones((1, irreps.dim), jnp.float32))


def _linear_irreps(irreps_out, x: e3nn.IrrepsArray) -> e3nn.Irreps:
    lin = e3nn.flax.Linear(irreps_out)
    y, _ = lin.init_with_output(jax.random.PRNGKey(0), x)
    return y.irreps


def derive_layer_irreps(
    sh_lmax: int, init_embed_dims: int, output_irreps_per_layer, layer_prefix: str
) -> List[Dict[str, Any]]:
    """Run e3nn-jax's own operations (abstractly, under ``jax.eval_shape``) and record
    every irreps a layer produces."""
    layers: List[Dict[str, Any]] = []

    def trace():
        sh = _ones(e3nn.s2_irreps(sh_lmax))
        x = _ones(f"{init_embed_dims}x0e")
        for k, requested in enumerate(output_irreps_per_layer):
            tp = e3nn.tensor_product(sh, x)
            gate_irreps = e3nn.Irreps(f"{tp.irreps.num_irreps}x0e")
            expanded_requested = tp.irreps + gate_irreps
            expanded_irreps = _linear_irreps(expanded_requested, tp)
            gated = e3nn.gate(_ones(expanded_irreps))
            concat = e3nn.concatenate([gated, x])
            out_irreps = _linear_irreps(requested, concat)
            vectors = e3nn.Irreps(expanded_irreps).filter(drop=["0e", "0o"])
            scalars = e3nn.Irreps(expanded_irreps).filter(keep=["0e", "0o"])
            layers.append(
                {
                    "name": f"{layer_prefix}_{k}",
                    "input_irreps": str(x.irreps),
                    "tp_irreps": str(tp.irreps),
                    "tp_num_irreps": tp.irreps.num_irreps,
                    "expanded_requested_irreps": str(expanded_requested),
                    "expanded_linear_input_irreps": str(tp.irreps.regroup()),
                    "expanded_irreps": str(expanded_irreps),
                    "gate_scalar_irreps": str(scalars),
                    "gate_num_gates": vectors.num_irreps,
                    "gated_irreps": str(gated.irreps),
                    "concat_irreps": str(concat.irreps),
                    "output_requested_irreps": _irreps_str(requested),
                    "output_linear_input_irreps": str(concat.irreps.regroup()),
                    "output_irreps": str(out_irreps),
                }
            )
            x = _ones(out_irreps)
        return 0

    jax.eval_shape(trace)
    return layers


def model_config(model) -> Dict[str, Any]:
    """The JSON-able config of a SimpleNetwork or Potential module (see docs/model-format.md)."""
    if isinstance(model, SimpleNetwork):
        arch = "SimpleNetwork"
    elif isinstance(model, Potential):
        arch = "Potential"
    else:
        raise TypeError(
            f"cannot export a module of type {type(model).__module__}.{type(model).__qualname__}: "
            f"only e3j_jax SimpleNetwork and Potential are supported"
        )
    for field in ("sh_lmax", "init_embed_dims", "mlp_hidden_dims", "mlp_num_layers"):
        v = getattr(model, field)
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < (0 if field == "sh_lmax" else 1):
            raise ValueError(f"model field {field}={v!r} must be a positive integer")
    output_irreps = [e3nn.Irreps(ir) for ir in model.output_irreps_per_layer]
    if not output_irreps:
        raise ValueError("model has no layers (output_irreps_per_layer is empty)")

    cfg: Dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "architecture": arch,
        "dtype": "float32",
        "sh_lmax": int(model.sh_lmax),
        "sh_irreps": str(e3nn.s2_irreps(model.sh_lmax)),
        "sh_normalization": "norm",
        "sh_normalize": True,
        "init_embed_dims": int(model.init_embed_dims),
        "mlp_hidden_dims": int(model.mlp_hidden_dims),
        "mlp_num_layers": int(model.mlp_num_layers),
        "mlp_layer_norm": {"epsilon": 1e-6, "use_fast_variance": True, "use_bias": True, "use_scale": True},
        "output_irreps_per_layer": [str(ir) for ir in output_irreps],
        "num_layers": len(output_irreps),
        "activations": activations_config(),
        "e3nn_config": e3nn_config(),
        "linear": linear_normalization(),
        "units": {"length": "Angstrom", "energy": "eV"},
        "provenance": provenance(),
    }
    if arch == "SimpleNetwork":
        cfg.update(
            {
                "node_input": "atomic_number",
                "max_atomic_number": int(model.max_atomic_number),
                "num_embeddings": int(model.max_atomic_number),
                "species": None,
                "species_to_index": None,
                "relative_vectors": "pos[receivers] - pos[senders]",
                "radial": {"type": "norm"},
                "aggregation": {"type": "mean", "divisor": "max(1, in-degree)"},
                "cutoff": None,
                "num_basis": None,
                "envelope_p": None,
                "avg_num_neighbors": None,
                "readout": {
                    "type": "node_features_and_graph_mean",
                    "node_features": "output of the last layer",
                    "global_features": "scatter_mean(node_features, nel=n_node), divisor max(1, n_node)",
                },
                "layers": derive_layer_irreps(
                    model.sh_lmax, model.init_embed_dims, output_irreps, "SimpleNetworkLayer"
                ),
            }
        )
    else:
        species = [int(z) for z in model.species]
        if len(set(species)) != len(species) or any(z < 1 or z > 118 for z in species):
            raise ValueError(f"species must be distinct atomic numbers 1..118, got {species}")
        for field in ("cutoff", "avg_num_neighbors"):
            v = float(getattr(model, field))
            if not math.isfinite(v) or v <= 0:
                raise ValueError(f"model field {field}={v!r} must be a positive finite number")
            if float(np.float32(v)) != v:
                raise ValueError(
                    f"model field {field}={v!r} is not exactly representable in float32; "
                    f"use {float(np.float32(v))!r}"
                )
        layers = derive_layer_irreps(
            model.sh_lmax, model.init_embed_dims, output_irreps, "PotentialLayer"
        )
        last = e3nn.Irreps(layers[-1]["output_irreps"])
        if last.count("0e") == 0:
            raise ValueError(f"the last layer's output irreps {last} have no 0e for the energy readout")
        cfg.update(
            {
                "node_input": "species_index",
                "max_atomic_number": None,
                "num_embeddings": len(species),
                "species": species,
                "species_to_index": {str(z): i for i, z in enumerate(species)},
                "relative_vectors": "pos[receivers] - pos[senders] + shifts",
                "radial": {
                    "type": "bessel_times_envelope",
                    "basis": "sqrt(2/cutoff) * sin(n*pi*d/cutoff) / d, n = 1..num_basis",
                    "envelope": "1 - (p+1)(p+2)/2 x^p + p(p+2) x^(p+1) - p(p+1)/2 x^(p+2), x = d/cutoff < 1, else 0",
                    "mlp_input": "basis * envelope",
                    "mlp_output_times_envelope": True,
                },
                "aggregation": {"type": "sum_over_constant", "divisor": "avg_num_neighbors"},
                "cutoff": float(model.cutoff),
                "num_basis": int(model.num_basis),
                "envelope_p": int(model.envelope_p),
                "avg_num_neighbors": float(model.avg_num_neighbors),
                "readout": {
                    "type": "per_species_scaled_energy",
                    "module": "readout",
                    "linear_input_irreps": str(last.regroup()),
                    "irreps_out": "1x0e",
                    "atom_energy": "species_energy_scale[s] * readout + species_energy_shift[s]",
                    "scale_param": "params/species_energy_scale",
                    "shift_param": "params/species_energy_shift",
                    "energy": "sum of atom energies per graph",
                    "forces": "-dE/dpositions",
                    "stress": "(1/V) dE/dstrain, symmetric strain, ASE sign",
                    "stress_voigt_order": list(VOIGT_ORDER),
                    "stress_units": "eV/Angstrom^3",
                },
                "layers": layers,
            }
        )
    return cfg


def build_model(cfg: Dict[str, Any]):
    """Rebuild the Flax module a config describes."""
    if cfg.get("format") != FORMAT:
        raise ValueError(f"not an e3j model config: format={cfg.get('format')!r}, expected {FORMAT!r}")
    if cfg.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"unsupported e3j model format_version {cfg.get('format_version')!r}; this loader reads {FORMAT_VERSION}"
        )
    arch = cfg.get("architecture")
    irreps = [e3nn.Irreps(s) for s in cfg["output_irreps_per_layer"]]
    common = dict(
        sh_lmax=cfg["sh_lmax"],
        init_embed_dims=cfg["init_embed_dims"],
        mlp_hidden_dims=cfg["mlp_hidden_dims"],
        mlp_num_layers=cfg["mlp_num_layers"],
        output_irreps_per_layer=irreps,
    )
    if arch == "SimpleNetwork":
        return SimpleNetwork(max_atomic_number=cfg["max_atomic_number"], **common)
    if arch == "Potential":
        return Potential(
            species=tuple(cfg["species"]),
            cutoff=cfg["cutoff"],
            num_basis=cfg["num_basis"],
            envelope_p=cfg["envelope_p"],
            avg_num_neighbors=cfg["avg_num_neighbors"],
            **common,
        )
    raise ValueError(f"unknown architecture {arch!r}; expected one of {ARCHITECTURES}")
