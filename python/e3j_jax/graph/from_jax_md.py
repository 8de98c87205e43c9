"""jax-md (0.2.29) ``jax_md._nn.nequip.NequIPEnergyModel`` + params + config -> model graph.

Conventions read from the installed ``jax_md/_nn/nequip.py``, ``_nn/util.py``, ``_nn/e3nn_layer.py``:
* the model takes ``graph.nodes`` = one-hot species (n_elements columns) and ``graph.edges`` = dR;
  jax-md's featurizer builds ``dR = displacement(pos[receivers], pos[senders])``, i.e.
  ``pos[receivers] - pos[senders]`` (+ the periodic image shift);
* SH of ``sh_irreps`` (any parities, e.g. 1e), e3nn's default normalisation ("component"), normalize;
* Bessel ``(2/rc) sin(f_n d / rc) / d`` with *trainable* frequencies f_n (init n pi), 0 for d <= 1e-5;
* times jax-md's ``multiplicative_isotropic_cutoff`` (a C1 smoothstep in d^2 from rc - 0.5 to rc),
  not NequIP's polynomial envelope; the MLP output is not multiplied again;
* embedding ``Linear(hidden_irreps)`` of the one-hot (only its 0e part is reachable);
* per layer: self-connection FCTP(h, one-hot) -> Linear(h) -> gather at senders -> uvu
  FunctionalTensorProduct with per-edge weights from a bias-free MLP -> index_add at receivers
  / n_neighbors -> Linear(h_out) + self-connection -> gate(e, o, e, o by name);
* readout Linear(mul0e//2 x0e) -> Linear(1x0e) -> ``scale * x + shift`` -> sum per graph.
"""

from __future__ import annotations

import functools
import operator

import e3nn_jax as e3nn
import numpy as np
from e3nn_jax import Irrep, Irreps
from e3nn_jax.legacy import FunctionalTensorProduct

from e3j_jax.graph.from_nequip_eqx import _prepend_species_map, _version, gate_attrs
from e3j_jax.graph.model_graph import ModelGraph
from e3j_jax.graph.ops import GraphError

NONLINEARITY = {"raw_swish": "silu", "silu": "silu", "tanh": "tanh", "sigmoid": "sigmoid", "relu": "relu",
                "none": "identity"}
CONFIG_KEYS = {"graph_net_steps", "nonlinearities", "use_sc", "n_elements", "hidden_irreps", "sh_irreps",
               "num_basis", "r_max", "radial_net_nonlinearity", "radial_net_n_hidden", "radial_net_n_layers",
               "n_neighbors", "scalar_mlp_std", "shift", "scale"}
IGNORED_KEYS = {"scalar_mlp_std", "train_dataset"}  # init-only / only used to look up shift and scale


def _act(name, where):
    if name not in NONLINEARITY:
        raise GraphError(f"{where}: nonlinearity {name!r} not expressible (BetaSwish 'swish' has its own "
                         f"trainable parameter); known: {sorted(NONLINEARITY)}")
    return NONLINEARITY[name]


def _tp_path_exists(a, b, out):
    a, b, out = Irreps(a).simplify(), Irreps(b).simplify(), Irrep(out)
    return any(out in i1 * i2 for _, i1 in a for _, i2 in b)


def _linear(g, name, params, x, irreps_out, module):
    """jax-md's e3nn_layer.Linear: FunctionalLinear(x.remove_zero_chunks().simplify().irreps, irreps_out)."""
    from e3nn_jax._src.irreps_array import IrrepsArray  # noqa: F401

    irreps_in = _rearranged(g, x, "simplify")
    attrs = {"irreps_in": str(irreps_in), "irreps_out": str(Irreps(irreps_out)), "input_rearrange": "simplify",
             "biases": False, "path_normalization": 0.0 if e3nn.config("path_normalization") == "element" else 1.0,
             "gradient_normalization": 1.0 if e3nn.config("gradient_normalization") == "path" else 0.0,
             "num_indexed_weights": None}
    if not isinstance(params, dict):
        raise GraphError(f"{module}: missing in params")
    return g.add(name, "linear", [x], attrs, {k: np.asarray(v) for k, v in params.items()})


def _rearranged(g, x, how):
    node = g._by_name[x]
    irreps = Irreps(node["out"]["irreps"])
    zeros = set(node["out"].get("zero_chunks", []))
    kept = Irreps([mi for i, mi in enumerate(irreps) if i not in zeros and mi.mul > 0])
    return kept.simplify() if how == "simplify" else kept.regroup()


def graph_from_jax_md(cfg: dict, params) -> ModelGraph:
    """Graph of ``jax_md._nn.nequip.model_from_config(cfg)`` with ``params`` (its Flax variables)."""
    unknown = sorted(set(cfg) - CONFIG_KEYS - IGNORED_KEYS)
    if unknown:
        raise GraphError(f"jax-md config: unknown key(s) {unknown} (would they change the model?)")
    if "shift" not in cfg or "scale" not in cfg:
        raise GraphError("jax-md config: shift and scale must be given (dataset look-up tables are not exported)")
    p = params["params"] if "params" in params else params
    hidden = Irreps(cfg["hidden_irreps"])
    sh_irreps = Irreps(cfg["sh_irreps"])
    nl = cfg["nonlinearities"]
    if isinstance(nl, str):
        raise GraphError(f"jax-md config: nonlinearities must be a dict {{'e':..,'o':..}}, got {nl!r}")
    even, odd = _act(nl["e"], "nonlinearities.e"), _act(nl["o"], "nonlinearities.o")
    radial_act = _act(cfg["radial_net_nonlinearity"], "radial_net_nonlinearity")
    n_el = int(cfg["n_elements"])
    # NequIPEnergyModel uses r_max = jnp.float32(self.r_max): its cutoffs and the Bessel prefactor
    # 2 / r_max are float32 numbers even in float64 runs; record exactly those values.
    r_max32 = np.float32(cfg["r_max"])
    r_max = float(r_max32)

    g = ModelGraph()
    for k in ("positions", "species", "senders", "receivers", "shifts", "n_node"):
        g.add(k, "input", attrs={"kind": k})
    g.add("node_attrs", "one_hot", ["species"], {"num_classes": n_el})
    g.add("dR", "relative_vectors", ["positions", "senders", "receivers", "shifts"], {"sign": "receiver_minus_sender"})
    g.add("d", "norm", ["dR"])
    g.add("sh", "spherical_harmonics", ["dR"], {"irreps": str(sh_irreps), "normalization": "component",
                                                "normalize": True})
    freqs = p.get("BesselEmbedding_0", {}).get("frequencies")
    if freqs is None:
        raise GraphError("BesselEmbedding_0: frequencies missing in params")
    g.add("bessel", "bessel", ["d"], {"num_basis": int(cfg["num_basis"]), "cutoff": r_max,
                                      "prefactor": float(np.float32(2.0) / r_max32),
                                      "at_zero": "zero_below_1e-5", "trainable_frequencies": True},
          {"frequencies": np.asarray(freqs)})
    g.add("cutoff", "smoothstep_envelope", ["d"], {"r_onset": float(r_max32 - np.float32(0.5)), "r_cutoff": r_max,
                                                   "float32_constants": True})
    g.add("edge_embedded", "mul", ["bessel", "cutoff"])
    h = _linear(g, "embedding", p.get("Linear_0"), "node_attrs", hidden, "Linear_0")
    for k in range(int(cfg["graph_net_steps"])):
        h = _layer(g, k, p.get(f"NequIPConvolution_{k}"), h, hidden, sh_irreps, cfg, even, odd, radial_act)
    mul = None
    for m, ir in g.irreps(h):
        if ir == Irrep("0e"):
            mul = m // 2
    if mul is None:
        raise GraphError("readout: the last layer has no 0e features")
    r1 = _linear(g, "readout_1", p.get("Linear_1"), h, f"{mul}x0e", "Linear_1")
    r2 = _linear(g, "readout_2", p.get("Linear_2"), r1, "1x0e", "Linear_2")
    g.add("atom_energies", "scale_shift", [r2], {"scale": 1, "shift": 1},
          {"scale": np.array([float(cfg["scale"])]), "shift": np.array([float(cfg["shift"])])})
    g.add("energy", "sum_over_graphs", ["atom_energies", "n_node"])
    g.set_outputs(energy="energy", atom_energies="atom_energies")
    extra = sorted(set(p) - {"BesselEmbedding_0", "Linear_0", "Linear_1", "Linear_2"}
                   - {f"NequIPConvolution_{k}" for k in range(int(cfg["graph_net_steps"]))})
    if extra:
        raise GraphError(f"params: unexpected module(s) {extra}")
    return g.finish()


def _layer(g, k, p, h, hidden, sh_irreps, cfg, even, odd, radial_act):
    name = f"NequIPConvolution_{k}"
    if not isinstance(p, dict):
        raise GraphError(f"{name}: missing in params")
    pre = f"layer_{k}"
    h_irreps = g.irreps(h)
    scalars = Irreps([(m, ir) for m, ir in hidden if Irrep(ir).l == 0 and _tp_path_exists(h_irreps, sh_irreps, ir)])
    nonscalars = Irreps([(m, ir) for m, ir in hidden if Irrep(ir).l > 0 and _tp_path_exists(h_irreps, sh_irreps, ir)])
    gate_type = "0e" if _tp_path_exists(h_irreps, sh_irreps, "0e") else "0o"
    gates = Irreps([(m, gate_type) for m, _ in nonscalars])
    h_out = scalars + gates + nonscalars

    ins = []
    if cfg["use_sc"]:
        fctp = p.get("FullyConnectedTensorProductE3nn_0")
        if fctp is None:
            raise GraphError(f"{name}.FullyConnectedTensorProductE3nn_0: missing in params")
        attrs = {"irreps_in1": str(_rearranged(g, h, "simplify")),
                 "irreps_in2": str(_rearranged(g, "node_attrs", "simplify")),
                 "irreps_out": str(h_out.simplify()), "output_irreps": str(h_out),
                 "irrep_normalization": e3nn.config("irrep_normalization"),
                 "path_normalization": e3nn.config("path_normalization"),
                 "gradient_normalization": e3nn.config("gradient_normalization")}
        g.add(f"{pre}_self_connection", "fully_connected_tensor_product", [h, "node_attrs"], attrs,
              {kk: np.asarray(v) for kk, v in fctp.items()})
    lin0 = _linear(g, f"{pre}_linear_0", p.get("Linear_0"), h, h_irreps, f"{name}.Linear_0")
    g.add(f"{pre}_gather", "gather", [lin0, "senders"])
    irreps_after, instructions = [], []
    for i, (mul_in1, ir1) in enumerate(h_irreps):
        for j, (_, ir2) in enumerate(sh_irreps):
            for ir_out in ir1 * ir2:
                if ir_out in h_out:
                    instructions.append((i, j, len(irreps_after), "uvu", True))
                    irreps_after.append((mul_in1, ir_out))
    irreps_after, perm, _ = Irreps(irreps_after).sort()
    instructions = [(a, b, perm[c], m, t) for a, b, c, m, t in instructions]
    tp_common = {"irrep_normalization": e3nn.config("irrep_normalization"),
                 "path_normalization": e3nn.config("path_normalization"),
                 "gradient_normalization": e3nn.config("gradient_normalization")}
    tp = FunctionalTensorProduct(g.irreps(f"{pre}_gather"), sh_irreps, irreps_after, instructions)
    n_w = sum(functools.reduce(operator.mul, ins_.path_shape, 1) for ins_ in tp.instructions if ins_.has_weight)
    mlp = p.get("MLP_0", {})
    n_dense = int(cfg["radial_net_n_layers"]) + 1
    sizes = [int(cfg["num_basis"])] + [int(cfg["radial_net_n_hidden"])] * int(cfg["radial_net_n_layers"]) + [n_w]
    if sorted(mlp) != [f"Dense_{i}" for i in range(n_dense)]:
        raise GraphError(f"{name}.MLP_0: expected Dense_0..Dense_{n_dense - 1}, got {sorted(mlp)}")
    for i in range(n_dense):
        if set(mlp[f"Dense_{i}"]) != {"kernel"}:
            raise GraphError(f"{name}.MLP_0.Dense_{i}: expected only a kernel (no bias), got {sorted(mlp[f'Dense_{i}'])}")
    g.add(f"{pre}_radial", "mlp", ["edge_embedded"],
          {"sizes": sizes, "use_bias": False, "activation": radial_act, "layer_norm": None},
          {f"dense_{i}/kernel": np.asarray(mlp[f"Dense_{i}"]["kernel"]) for i in range(n_dense)})
    g.add(f"{pre}_tp", "tensor_product_uvu", [f"{pre}_gather", "sh", f"{pre}_radial"],
          dict(irreps_in1=str(g.irreps(f"{pre}_gather")), irreps_in2=str(sh_irreps), irreps_out=str(irreps_after),
               instructions=[list(x) for x in instructions], **tp_common))
    g.add(f"{pre}_tp_simplified", "simplify", [f"{pre}_tp"],
          {"irreps": str(_rearranged(g, f"{pre}_tp", "simplify"))})
    g.add(f"{pre}_aggregated", "scatter_sum", [f"{pre}_tp_simplified", "receivers"],
          {"divisor": float(cfg["n_neighbors"])})
    lin1 = _linear(g, f"{pre}_linear_1", p.get("Linear_1"), f"{pre}_aggregated", h_out, f"{name}.Linear_1")
    if cfg["use_sc"]:
        g.add(f"{pre}_sum", "add", [lin1, f"{pre}_self_connection"])
        lin1 = f"{pre}_sum"
    extra = sorted(set(p) - {"FullyConnectedTensorProductE3nn_0", "Linear_0", "Linear_1", "MLP_0"})
    if extra:
        raise GraphError(f"{name}: unexpected module(s) {extra}")
    return g.add(f"{pre}_gate", "gate", [lin1], gate_attrs(even, odd, even, odd))


def load_jax_md(params_file: str, config_file: str):
    """(cfg dict, params) from ``flax.serialization.to_bytes`` params and the ConfigDict as JSON."""
    import json

    import flax.serialization
    import jax

    from jax_md._nn import nequip

    with open(config_file) as f:
        cfg = json.load(f)
    from ml_collections import ConfigDict

    model = nequip.model_from_config(ConfigDict(cfg))
    import jax.numpy as jnp
    import jraph

    g = jraph.GraphsTuple(nodes=jnp.zeros((2, int(cfg["n_elements"]))), edges=jnp.ones((1, 3)),
                          senders=jnp.array([0]), receivers=jnp.array([1]), globals=None,
                          n_node=jnp.array([2]), n_edge=jnp.array([1]))
    template = jax.eval_shape(lambda: model.init(jax.random.key(0), g))
    with open(params_file, "rb") as f:
        params = flax.serialization.from_bytes(template, f.read())
    return cfg, params, model


def export_jax_md_files(params_file: str, config_file: str, species, out: str):
    from e3j_jax.graph.model_graph import write_graph_file

    cfg, params, _ = load_jax_md(params_file, config_file)
    if len(species) != int(cfg["n_elements"]):
        raise GraphError(f"--species: {len(species)} atomic numbers for n_elements = {cfg['n_elements']}")
    if len(set(species)) != len(species):
        raise GraphError(f"--species: repeated atomic number in {species}")
    g = _prepend_species_map(graph_from_jax_md(cfg, params), species)
    source = {"package": "jax-md", "version": _version("jax-md"), "config": cfg,
              "file": params_file.split("/")[-1]}
    return write_graph_file(out, g, source, list(species), neighbor_cutoff=float(cfg["r_max"]),
                            inputs_to_protect=[params_file, config_file])
