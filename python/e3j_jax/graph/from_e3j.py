"""e3j_jax ``SimpleNetwork`` / ``Potential`` (+ Flax variables) -> model graph.

The version-1 file stays the default for these models (``e3j_jax.export.export_model``); this is
the same model written as a graph, so the Java side can run both through one executor.
"""

from __future__ import annotations

import e3nn_jax as e3nn
import numpy as np

from e3j_jax.config import model_config
from e3j_jax.export import flatten_params
from e3j_jax.graph.from_nequip_eqx import _prepend_species_map, gate_attrs
from e3j_jax.graph.model_graph import ModelGraph
from e3j_jax.graph.ops import GraphError


def _linear(g, name, flat, prefix, x, irreps_in, irreps_out):
    ws = {k[len(prefix) + 1:]: np.asarray(v) for k, v in flat.items() if k.startswith(prefix + "/")}
    attrs = {"irreps_in": irreps_in, "irreps_out": irreps_out, "input_rearrange": "regroup", "biases": False,
             "path_normalization": 0.0, "gradient_normalization": 1.0, "num_indexed_weights": None}
    return g.add(name, "linear", [x], attrs, ws)


def graph_from_e3j(model, variables) -> ModelGraph:
    try:
        cfg = model_config(model)
    except TypeError as e:
        raise GraphError(f"e3j exporter: {e}") from e
    if cfg["e3nn_config"]["irrep_normalization"] != "component" or cfg["linear"]["path_normalization"] != 0.0 \
            or cfg["linear"]["gradient_normalization"] != 1.0:
        raise GraphError("e3j exporter: non-default e3nn config is not expressible here")
    flat = {k: np.asarray(v) for k, v in flatten_params(variables).items()}
    used = set()

    def take(prefix):
        used.update(k for k in flat if k == prefix or k.startswith(prefix + "/"))
        return prefix

    potential = cfg["architecture"] == "Potential"
    g = ModelGraph()
    g.add("positions", "input", attrs={"kind": "positions"})
    g.add("atomic_numbers" if not potential else "species", "input",
          attrs={"kind": "atomic_numbers" if not potential else "species"})
    for k in ("senders", "receivers") + (("shifts",) if potential else ()) + ("n_node",):
        g.add(k, "input", attrs={"kind": k})
    index = "species" if potential else "atomic_numbers"
    emb = take("params/AtomEmbedding_0/Embed_0/embedding")
    g.add("embedding", "embed", [index], {"num_embeddings": cfg["num_embeddings"], "features": cfg["init_embed_dims"]},
          {"embedding": flat[emb]})
    g.add("r", "relative_vectors", ["positions", "senders", "receivers"] + (["shifts"] if potential else []),
          {"sign": "receiver_minus_sender"})
    g.add("sh", "spherical_harmonics", ["r"], {"irreps": cfg["sh_irreps"], "normalization": cfg["sh_normalization"],
                                                "normalize": cfg["sh_normalize"]})
    g.add("r_norm", "norm", ["r"])
    if potential:
        rc = cfg["cutoff"]
        g.add("basis", "bessel", ["r_norm"], {"num_basis": cfg["num_basis"], "cutoff": rc,
                                              "prefactor": "sqrt(2/cutoff)", "at_zero": "limit",
                                              "trainable_frequencies": False})
        g.add("envelope", "polynomial_envelope", ["r_norm"], {"cutoff": rc, "p": cfg["envelope_p"]})
        g.add("mlp_input", "mul", ["basis", "envelope"])
        radial_in = "mlp_input"
    else:
        radial_in = "r_norm"
    ln = cfg["mlp_layer_norm"]
    layer_norm = {"epsilon": ln["epsilon"], "use_scale": ln["use_scale"], "use_bias": ln["use_bias"],
                  "fast_variance": ln["use_fast_variance"]}
    h = "embedding"
    for k, lay in enumerate(cfg["layers"]):
        pre, scope = f"layer_{k}", f"params/{lay['name']}"
        g.add(f"{pre}_gather", "gather", [h, "senders"])
        g.add(f"{pre}_tp", "tensor_product", ["sh", f"{pre}_gather"], {"filter_ir_out": None})
        n_dense = cfg["mlp_num_layers"]
        sizes = [1 if not potential else cfg["num_basis"]] + [cfg["mlp_hidden_dims"]] * (n_dense - 1) \
            + [lay["tp_num_irreps"]]
        ws = {}
        for i in range(n_dense):
            ws[f"dense_{i}/kernel"] = flat[take(f"{scope}/MLP_0/Dense_{i}/kernel")]
            ws[f"dense_{i}/bias"] = flat[take(f"{scope}/MLP_0/Dense_{i}/bias")]
        for i in range(n_dense - 1):
            ws[f"layer_norm_{i}/scale"] = flat[take(f"{scope}/MLP_0/LayerNorm_{i}/scale")]
            ws[f"layer_norm_{i}/bias"] = flat[take(f"{scope}/MLP_0/LayerNorm_{i}/bias")]
        g.add(f"{pre}_radial", "mlp", [radial_in], {"sizes": sizes, "use_bias": True, "activation": "silu",
                                                     "layer_norm": layer_norm}, ws)
        scalars = f"{pre}_radial"
        if potential:
            g.add(f"{pre}_radial_enveloped", "mul", [scalars, "envelope"])
            scalars = f"{pre}_radial_enveloped"
        g.add(f"{pre}_messages", "scale_irreps", [f"{pre}_tp", scalars])
        if potential:
            g.add(f"{pre}_aggregated", "scatter_sum", [f"{pre}_messages", "receivers"],
                  {"divisor": cfg["avg_num_neighbors"]})
        else:
            g.add(f"{pre}_aggregated", "scatter_mean", [f"{pre}_messages", "receivers"])
        _linear(g, f"{pre}_expanded", flat, take(f"{scope}/Linear_0"), f"{pre}_aggregated",
                lay["expanded_linear_input_irreps"], lay["expanded_irreps"])
        act = cfg["activations"]["gate"]
        g.add(f"{pre}_gated", "gate", [f"{pre}_expanded"],
              gate_attrs(act["even_act"], act["odd_act"], act["even_gate_act"], act["odd_gate_act"]))
        g.add(f"{pre}_concat", "concat", [f"{pre}_gated", h])
        h = _linear(g, f"{pre}_output", flat, take(f"{scope}/Linear_1"), f"{pre}_concat",
                    lay["output_linear_input_irreps"], lay["output_irreps"])
    if potential:
        ro = cfg["readout"]
        _linear(g, "readout", flat, take("params/readout"), h, ro["linear_input_irreps"], "1x0e")
        g.add("atom_energies", "scale_shift", ["readout", "species"],
              {"scale": len(cfg["species"]), "shift": len(cfg["species"])},
              {"scale": flat[take("params/species_energy_scale")], "shift": flat[take("params/species_energy_shift")]})
        g.add("energy", "sum_over_graphs", ["atom_energies", "n_node"])
        g.set_outputs(energy="energy", atom_energies="atom_energies")
    else:
        g.add("global_features", "mean_over_graphs", [h, "n_node"])
        g.set_outputs(node_features=h, global_features="global_features")
    left = sorted(set(flat) - used)
    if left:
        raise GraphError(f"e3j exporter: param {left[0]!r} has no place in the graph")
    g.finish()
    if potential:
        g = _prepend_species_map(g, cfg["species"])
    return g


def e3j_graph_source(model):
    return {"package": "e3j_jax", "architecture": type(model).__name__}


__all__ = ["graph_from_e3j", "e3j_graph_source", "e3nn"]
