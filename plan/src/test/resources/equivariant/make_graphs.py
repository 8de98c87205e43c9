"""Writes the synthetic model graphs of plan's EquivariantStepsTest (deterministic, seed 0).

Each graph exercises branches of the float32 equivariant steps that the package fixtures
(tests/fixtures/graph) do not reach: Linear with biases, species-indexed weights, every input
rearrangement and both normalisations; filtered tensor products of lmax-3 inputs with odd parities
and zero chunks; uvu with and without weights; an FCTP with rechunked output; gates with other
activations, 0o gates, scalars only and normalize_act false. Every leaf reaches the energy through
tensor_product(x, x, "0e") so that every component gets a gradient.

    cd plan/src/test/resources/equivariant && PYTHONPATH=../../../../../python python make_graphs.py
"""

import itertools

import e3nn_jax as e3nn
import numpy as np
from e3nn_jax import Irreps
from e3nn_jax.legacy import FunctionalTensorProduct

from e3j_jax.graph.from_nequip_eqx import gate_attrs
from e3j_jax.graph.model_graph import ModelGraph, write_graph_file
from e3j_jax.graph.ops import OPS

rng = np.random.default_rng(0)


def weights_for(g, op, attrs, scale=1.0):
    return {k: scale * rng.standard_normal(s).astype(np.float32) for k, s in OPS[op].weights(attrs).items()}


def kept(g, x, how):
    node = g._by_name[x]
    irreps = Irreps(node["out"]["irreps"])
    zeros = set(node["out"].get("zero_chunks", []))
    k = Irreps([mi for i, mi in enumerate(irreps) if i not in zeros and mi.mul > 0])
    return {"regroup": k.regroup(), "simplify": k.simplify(), "none": k}[how]


def linear(g, name, x, irreps_out, how="regroup", biases=False, pn=0.0, gn=1.0, index=None, n_idx=None):
    attrs = {"irreps_in": str(kept(g, x, how)), "irreps_out": str(Irreps(irreps_out)), "input_rearrange": how,
             "biases": biases, "path_normalization": pn, "gradient_normalization": gn, "num_indexed_weights": n_idx}
    ins = [x] if index is None else [x, index]
    return g.add(name, "linear", ins, attrs, weights_for(g, "linear", attrs))


def base():
    g = ModelGraph()
    for kind in ("positions", "atomic_numbers", "senders", "receivers", "n_node"):
        g.add(kind, "input", attrs={"kind": kind})
    g.add("species", "species_from_atomic_numbers", ["atomic_numbers"], {"atomic_numbers": [1, 8]})
    g.add("r", "relative_vectors", ["positions", "senders", "receivers"], {"sign": "receiver_minus_sender"})
    g.add("sh", "spherical_harmonics", ["r"], {"irreps": "1x0e+1x1o+1x2e+1x3o", "normalization": "component",
                                               "normalize": True})
    g.add("onehot", "one_hot", ["species"], {"num_classes": 2})
    # 1x1o and 1x0o are not reached from the one-hot: zero chunks
    linear(g, "h0", "onehot", "3x0e+2x1o+1x0o", biases=True)
    g.add("h0_edge", "gather", ["h0", "senders"])
    # paths of zero chunks (h0's 1o and 0o) give zero chunks
    g.add("tp0", "tensor_product", ["h0_edge", "sh"], {"filter_ir_out": "0e+1o+2e+3o+1e+0o"})
    # simplified before the scatter, as jax-md does: the Java loader keeps zero chunks through scatter_sum,
    # e3nn-jax's scatter_sum drops them, so a scatter of zero chunks gets a different `out` record
    g.add("tp0_simple", "simplify", ["tp0"], {"irreps": str(kept(g, "tp0", "simplify"))})
    g.add("agg", "scatter_sum", ["tp0_simple", "receivers"], {"divisor": 3.0})
    # genuinely non-zero 1e (pos x a_u) and 0o ((pos x a_u) . a_v): a product of one vector with itself has none
    g.add("cross", "tensor_product", ["positions", "agg"], {"filter_ir_out": "0e+1e+2e"})
    g.add("triple", "tensor_product", ["cross", "agg"], {"filter_ir_out": "0o+1o+1e+2o"})
    g.add("features", "concat", ["agg", "cross", "triple"])
    linear(g, "h1", "features", "2x0e+2x1o+2x2e+1x3o+1x1e+1x0o", biases=True)
    # unsorted irreps with zero chunks
    g.add("h", "concat", ["h1", "h0"])
    return g


def finish(g, leaves, path):
    total = None
    for k, leaf in enumerate(leaves):
        sq = g.add(f"{leaf}_sq", "tensor_product", [leaf, leaf], {"filter_ir_out": "0e"})
        if g._by_name[leaf]["out"]["domain"] == "edge":
            sq = g.add(f"{leaf}_node", "scatter_sum", [sq, "receivers"], {"divisor": 1.0})
        ro = linear(g, f"{leaf}_readout", sq, "1x0e", how="regroup")
        total = ro if total is None else g.add(f"sum_{k}", "add", [total, ro])
    g.add("energy", "sum_over_graphs", [total, "n_node"])
    g.set_outputs(energy="energy", atom_energies=total)
    write_graph_file(path, g, {"package": "e3j plan test", "version": "0"}, species=[1, 8])


def linear_and_tp():
    g = base()
    leaves = [
        linear(g, "lin_regroup", "h", "3x0e+2x1o+2x2e+1x3o+1x0o+1x2o", biases=True),
        linear(g, "lin_simplify", "h", "2x0e+1x1o+1x2e+2x3o", how="simplify", pn=1.0, gn=0.0),
        linear(g, "lin_none", "h", "2x0e+3x1o+1x1e", how="none", biases=True, pn=1.0, gn=1.0),
        linear(g, "lin_indexed", "h", "2x0e+2x1o+1x2e+1x3o", biases=True, index="species", n_idx=2),
        linear(g, "lin_indexed_simplify", "h", "1x0e+1x1o+1x1e", how="simplify", index="species", n_idx=2),
    ]
    g.add("tp_lmax3", "tensor_product", ["lin_simplify", "lin_regroup"],
          {"filter_ir_out": "0e+0o+1o+1e+2e+2o+3o+3e"})
    g.add("tp_all", "tensor_product", ["lin_indexed", "lin_none"], {"filter_ir_out": None})
    n = g.irreps("lin_regroup").num_irreps
    linear(g, "scalars", "h", f"{n}x0e", biases=True)
    g.add("scaled", "scale_irreps", ["lin_regroup", "scalars"])
    leaves += ["tp_lmax3", "tp_all", "scaled"]
    finish(g, leaves, "linear_tp.safetensors")


def weighted_tps():
    g = base()
    linear(g, "x1", "h", "3x0e+2x1o+1x2e+1x3o+1x0o")
    g.add("x1_edge", "gather", ["x1", "senders"])
    irreps1 = g.irreps("x1_edge")
    sh = g.irreps("sh")
    irreps_after, instructions = [], []
    for i, (mul, ir1) in enumerate(irreps1):
        for j, (_, ir2) in enumerate(sh):
            for ir_out in ir1 * ir2:
                if ir_out.l <= 2:
                    # one unweighted instruction covers the has_weight = false branch
                    instructions.append((i, j, len(irreps_after), "uvu", not (i == 1 and j == 1)))
                    irreps_after.append((mul, ir_out))
    irreps_after, perm, _ = Irreps(irreps_after).sort()
    instructions = [(a, b, perm[c], m, t) for a, b, c, m, t in instructions]
    tp = FunctionalTensorProduct(irreps1, sh, irreps_after, instructions)
    nw = sum(int(np.prod(i.path_shape)) for i in tp.instructions if i.has_weight)
    linear(g, "w_node", "h", f"{nw}x0e", biases=True)
    g.add("w_edge", "gather", ["w_node", "senders"])
    common = {"irrep_normalization": "component", "path_normalization": "element", "gradient_normalization": "path"}
    g.add("uvu", "tensor_product_uvu", ["x1_edge", "sh", "w_edge"],
          dict(irreps_in1=str(irreps1), irreps_in2=str(sh), irreps_out=str(irreps_after),
               instructions=[list(x) for x in instructions], **common))
    g.add("uvu_norm", "tensor_product_uvu", ["x1_edge", "sh", "w_edge"],
          dict(irreps_in1=str(irreps1), irreps_in2=str(sh), irreps_out=str(irreps_after),
               instructions=[list(x) for x in instructions], irrep_normalization="norm", path_normalization="path",
               gradient_normalization="element"))
    # FCTP with the one-hot as x2 (jax-md's self-connection) and with a dense x2; rechunked output
    attrs = {"irreps_in1": str(kept(g, "h", "simplify")), "irreps_in2": "2x0e",
             "irreps_out": "3x0e+2x1o+1x2e+1x0o", "output_irreps": "1x0e+2x0e+1x1o+1x1o+1x2e+1x0o",
             **common}
    g.add("fctp", "fully_connected_tensor_product", ["h", "onehot"], attrs,
          weights_for(g, "fully_connected_tensor_product", attrs))
    attrs = {"irreps_in1": str(kept(g, "h1", "simplify")), "irreps_in2": str(kept(g, "x1", "simplify")),
             "irreps_out": "2x0e+1x1o+1x1e+1x2e+1x3o", "output_irreps": "2x0e+1x1o+1x1e+1x2e+1x3o",
             "irrep_normalization": "norm", "path_normalization": "path", "gradient_normalization": "element"}
    g.add("fctp_dense", "fully_connected_tensor_product", ["h1", "x1"], attrs,
          weights_for(g, "fully_connected_tensor_product", attrs))
    finish(g, ["uvu", "uvu_norm", "fctp", "fctp_dense"], "weighted_tp.safetensors")


def gates():
    g = base()
    leaves = []
    variants = [
        ("gate_nequip", "3x0e+1x0o+3x0e+1x1o+1x2e+1x1e", gate_attrs("silu", "tanh", "silu", "tanh")),
        ("gate_e3j", "2x0e+2x0o+2x0e+1x0o+1x1o+1x2e+1x3o", gate_attrs("gelu_tanh", "soft_odd", "sigmoid", "tanh")),
        ("gate_scalars", "3x0e+2x0o", gate_attrs("tanh", "identity", "sigmoid", "tanh", normalize=False)),
        ("gate_raw", "1x0e+2x0e+1x1o+1x2e", gate_attrs("sigmoid", "tanh", "gelu_tanh", "tanh", normalize=False)),
        ("gate_identity", "2x0e+1x0o+1x1o+1x1e", gate_attrs("identity", "soft_odd", "tanh", "identity")),
    ]
    for name, irreps, attrs in variants:
        linear(g, f"{name}_in", "h", irreps, biases=True)
        leaves.append(g.add(name, "gate", [f"{name}_in"], attrs))
    finish(g, leaves, "gates.safetensors")


if __name__ == "__main__":
    linear_and_tp()
    weighted_tps()
    gates()
