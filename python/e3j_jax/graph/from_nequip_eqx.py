"""nequip-eqx (0.1.0) ``Nequip`` -> model graph.

Conventions read from the installed ``nequip_eqx/model.py``:
* ``r = pos[senders] - pos[receivers]`` (opposite to e3j's), no periodic shifts in its graphs;
* SH ``s2_irreps(lmax)``, ``normalization="component"``, ``normalize=True``;
* Bessel ``(2/rc) sin(n pi d / rc) / d`` (prefactor 2/rc, not sqrt(2/rc)), limit at d = 0;
* polynomial cutoff with float p (default 2.0) multiplies the basis only (not the MLP output);
* per layer: Linear (in->in) -> gather at senders -> ``tensor_product(h, sh, filter_ir_out)`` ->
  x radial MLP (no bias, silu) -> scatter_sum / sqrt(avg_n_neighbors) -> Linear + species-indexed
  skip Linear -> gate(silu, tanh, silu, tanh);
* readout Linear -> 0e, ``* scale + shift`` (scalars), ``+ atom_energies[species]``.
"""

from __future__ import annotations

import json
import math

import e3nn_jax as e3nn
import jax
import numpy as np

from e3j_jax.graph.model_graph import ModelGraph
from e3j_jax.graph.ops import GraphError


def _np(x):
    return np.asarray(x)


def linear_attrs(lin, rearrange="regroup"):
    """attrs of the ``linear`` op for an e3nn.equinox.Linear."""
    if lin.channel_in is not None or lin.channel_out is not None or lin.weights_per_channel:
        raise GraphError(f"e3nn.equinox.Linear with channels: not expressible ({lin.linear_type})")
    if lin.linear_type not in ("vanilla", "indexed"):
        raise GraphError(f"e3nn.equinox.Linear linear_type={lin.linear_type!r}: not expressible")
    pn = lin.path_normalization
    if pn is None:
        pn = e3nn.config("path_normalization")
    if isinstance(pn, str):
        pn = {"element": 0.0, "path": 1.0}[pn]
    return {
        "irreps_in": str(lin._linear.irreps_in),
        "irreps_out": str(lin._linear.irreps_out),
        "input_rearrange": rearrange,
        "biases": bool(lin.biases),
        "path_normalization": float(pn),
        "gradient_normalization": float(lin.gradient_normalization),
        "num_indexed_weights": lin.num_indexed_weights if lin.linear_type == "indexed" else None,
    }


def add_linear(g, name, lin, x, index=None):
    ins = [x] if index is None else [x, index]
    return g.add(name, "linear", ins, linear_attrs(lin), {k: _np(v) for k, v in lin._weights.items()})


def graph_from_nequip_eqx(model, config=None) -> ModelGraph:
    """The graph of a ``nequip_eqx.model.Nequip`` (e.g. from ``nequip_eqx.model.load_model``)."""
    from nequip_eqx.model import Nequip, NequipConvolution

    if type(model) is not Nequip:
        raise GraphError(f"nequip-eqx exporter: expected nequip_eqx.model.Nequip, got {type(model).__name__}")
    g = ModelGraph()
    g.add("positions", "input", attrs={"kind": "positions"})
    g.add("species", "input", attrs={"kind": "species"})
    g.add("senders", "input", attrs={"kind": "senders"})
    g.add("receivers", "input", attrs={"kind": "receivers"})
    g.add("shifts", "input", attrs={"kind": "shifts"})
    g.add("n_node", "input", attrs={"kind": "n_node"})
    g.add("one_hot", "one_hot", ["species"], {"num_classes": model.n_species})
    # nequip-eqx: r = pos[senders] - pos[receivers] and no periodic shift (its graphs have none). The graph
    # takes shifts (e3j's convention, r_e3j = pos[r] - pos[s] + shifts) so that periodic structures get the
    # true image vector -r_e3j; with zero shifts this is exactly nequip-eqx's r.
    g.add("r", "relative_vectors", ["positions", "senders", "receivers", "shifts"], {"sign": "sender_minus_receiver"})
    g.add("r_norm", "norm", ["r"])
    rc = float(model.cutoff)
    g.add("basis", "bessel", ["r_norm"], {"num_basis": model.radial_basis_size, "cutoff": rc,
                                          "prefactor": "2/cutoff", "at_zero": "limit",
                                          "trainable_frequencies": False})
    g.add("envelope", "polynomial_envelope", ["r_norm"], {"cutoff": rc, "p": float(model.radial_polynomial_p)})
    g.add("radial_basis", "mul", ["basis", "envelope"])
    g.add("sh", "spherical_harmonics", ["r"], {"irreps": str(e3nn.s2_irreps(model.lmax)),
                                                "normalization": "component", "normalize": True})
    h = "one_hot"
    for k, layer in enumerate(model.layers):
        if type(layer) is not NequipConvolution:
            raise GraphError(f"layers[{k}]: {type(layer).__name__} is not a NequipConvolution")
        p = f"layer_{k}"
        mlp = layer.radial_mlp
        if mlp.activation is not jax.nn.silu:
            raise GraphError(f"{p}.radial_mlp: activation {mlp.activation} is not jax.nn.silu")
        if any(lay.use_bias for lay in mlp.layers):
            raise GraphError(f"{p}.radial_mlp: biases are not expected in nequip-eqx's radial MLP")
        add_linear(g, f"{p}_linear_1", layer.linear_1, h)
        g.add(f"{p}_gather", "gather", [f"{p}_linear_1", "senders"])
        g.add(f"{p}_tp", "tensor_product", [f"{p}_gather", "sh"], {"filter_ir_out": str(layer.output_irreps)})
        sizes = [mlp.layers[0].weights.shape[0]] + [lay.weights.shape[1] for lay in mlp.layers]
        g.add(f"{p}_radial", "mlp", ["radial_basis"],
              {"sizes": sizes, "use_bias": False, "activation": "silu", "layer_norm": None},
              {f"dense_{i}/kernel": _np(lay.weights) for i, lay in enumerate(mlp.layers)})
        g.add(f"{p}_messages", "scale_irreps", [f"{p}_tp", f"{p}_radial"])
        avg = float(_np(layer.avg_n_neighbors))
        g.add(f"{p}_aggregated", "scatter_sum", [f"{p}_messages", "receivers"], {"divisor": math.sqrt(avg)})
        add_linear(g, f"{p}_linear_2", layer.linear_2, f"{p}_aggregated")
        add_linear(g, f"{p}_skip", layer.skip, h, "species")
        g.add(f"{p}_sum", "add", [f"{p}_linear_2", f"{p}_skip"])
        g.add(f"{p}_gate", "gate", [f"{p}_sum"], gate_attrs("silu", "tanh", "silu", "tanh"))
        h = f"{p}_gate"
    add_linear(g, "readout", model.readout, h)
    g.add("scaled", "scale_shift", ["readout"], {"scale": 1, "shift": 1},
          {"scale": np.array([float(_np(model.scale))]), "shift": np.array([float(_np(model.shift))])})
    ae = _np(model.atom_energies).reshape(-1)
    g.add("atom_energies", "scale_shift", ["scaled", "species"], {"scale": None, "shift": int(ae.shape[0])},
          {"shift": ae})
    g.add("energy", "sum_over_graphs", ["atom_energies", "n_node"])
    g.set_outputs(energy="energy", atom_energies="atom_energies")
    return g.finish()


def gate_attrs(even, odd, even_gate, odd_gate, normalize=True):
    from e3j_jax.graph.ops import normalization_constant

    names = sorted({even, odd, even_gate, odd_gate})
    return {
        "even_act": even, "odd_act": odd, "even_gate_act": even_gate, "odd_gate_act": odd_gate,
        "normalize_act": normalize,
        "constants": {n: {"c_f32": normalization_constant(n, False), "c_f64": normalization_constant(n, True)}
                      for n in names} if normalize else None,
    }


def export_nequip_eqx_file(model_file: str, out: str):
    """``nequip_eqx.model.load_model(model_file)`` -> graph file. Species = the config's atomic_numbers."""
    from nequip_eqx.model import load_model

    from e3j_jax.graph.model_graph import write_graph_file

    import sys

    try:
        model, config = load_model(model_file)
    except (KeyError, json.JSONDecodeError, UnicodeDecodeError) as e:
        raise GraphError(f"not a nequip-eqx save_model file ({type(e).__name__}: {e})") from e
    g = graph_from_nequip_eqx(model, config)
    species = nequip_eqx_species(config)
    if "cutoff" in config and float(config["cutoff"]) != float(model.cutoff):
        # nequip-eqx's Nequip(...) is never given the cutoff (train.py, load_model): its Bessel basis and
        # envelope always use model.cutoff (5.0), while training built neighbour lists with config["cutoff"].
        print(f"e3j_jax.export: warning: {model_file}: trained with neighbour-list cutoff {config['cutoff']} but "
              f"the model's radial cutoff is {model.cutoff}; e3j uses {model.cutoff}, like nequip_eqx.calculator",
              file=sys.stderr)
    g2 = _prepend_species_map(g, species)
    source = {"package": "nequip-eqx", "version": _version("nequip-eqx"), "file": model_file.split("/")[-1],
              "config": config}
    return write_graph_file(out, g2, source, species, neighbor_cutoff=float(model.cutoff),
                            inputs_to_protect=[model_file])


def nequip_eqx_species(config):
    """Species index i <-> atomic number sorted(config["atomic_numbers"])[i]
    (nequip_eqx.data.atomic_numbers_to_indices sorts)."""
    zs = [int(z) for z in config["atomic_numbers"]]
    if len(set(zs)) != len(zs):
        raise GraphError(f"config atomic_numbers {zs} has repeats")
    return sorted(zs)


def _version(pkg):
    import importlib.metadata as md

    return md.version(pkg)


def _prepend_species_map(g: ModelGraph, species):
    """Same graph with ``species`` computed from ``atomic_numbers`` (so e3j feeds Z)."""
    out = ModelGraph()
    out.weights = dict(g.weights)
    for n in g.nodes:
        n = {k: v for k, v in n.items() if k != "out"}
        if n["op"] == "input" and n["attrs"]["kind"] == "species":
            out.add("atomic_numbers", "input", attrs={"kind": "atomic_numbers"})
            out.add(n["name"], "species_from_atomic_numbers", ["atomic_numbers"], {"atomic_numbers": list(species)})
        else:
            out._check_and_infer(n)
    out.set_outputs(**g.outputs)
    return out.finish()
