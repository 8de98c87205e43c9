"""The model graph (docs/model-graph.md): the interpreter equals each package's own apply function,
and bad graphs / inexpressible models are refused naming the node or module."""

import copy
import functools
import json
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import safetensors.numpy as stn

from conftest import FIXTURES

from e3j_jax.graph.model_graph import ModelGraph, energy_forces_stress, read_graph_file, run
from e3j_jax.graph.ops import GraphError

GRAPH_FIXTURES = os.path.join(FIXTURES, "graph")
GRAPH_CASES = sorted(d for d in os.listdir(GRAPH_FIXTURES) if os.path.isdir(os.path.join(GRAPH_FIXTURES, d))) \
    if os.path.isdir(GRAPH_FIXTURES) else []


def assert_close(got, ref, rel, what):
    got, ref = np.asarray(got, np.float64), np.asarray(ref, np.float64)
    assert got.shape == ref.shape, f"{what}: shape {got.shape} != {ref.shape}"
    bound = rel * np.maximum(1.0, np.abs(ref))
    err = np.abs(got - ref)
    assert np.all(err <= bound), f"{what}: max error {err.max():.3g} (bound {bound.max():.3g})"


def structure_inputs(st, dtype=np.float32):
    return {
        "positions": np.asarray(st["positions"], dtype),
        "atomic_numbers": np.asarray(st["atomic_numbers"], np.int32),
        "senders": np.asarray(st["senders"], np.int32),
        "receivers": np.asarray(st["receivers"], np.int32),
        "shifts": np.asarray(st["shifts"], dtype).reshape(-1, 3),
        "n_node": np.array([len(st["atomic_numbers"])], np.int32),
    }


def test_fixture_cases_present():
    assert len(GRAPH_CASES) == 8, GRAPH_CASES
    size = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(GRAPH_FIXTURES) for f in fs)
    assert size < 1_000_000


@pytest.mark.parametrize("case", GRAPH_CASES)
def test_graph_file_equals_package_float32(case):
    """energy, forces (and stress for periodic jax-md) of the exported file, run by the interpreter,
    equal the package's own float32 apply (expected.json, written by e3j_jax.graph.fixtures)."""
    g, cfg = read_graph_file(os.path.join(GRAPH_FIXTURES, case, "model.safetensors"))
    with open(os.path.join(GRAPH_FIXTURES, case, "expected.json")) as f:
        exp = json.load(f)
    st = exp["structure"]
    assert cfg["species"] is not None and set(st["atomic_numbers"]) <= set(cfg["species"])
    cell = np.asarray(st["cell"]) if st["pbc"] else None
    out = jax.jit(lambda x: energy_forces_stress(g, x, jnp.float32, cell))(structure_inputs(st))
    assert_close(out["energy"][0], exp["energy"], 1e-5, f"{case} energy")
    assert_close(out["forces"], exp["forces"], 1e-5, f"{case} forces")
    if st["pbc"]:
        assert_close(out["stress"], exp["stress"], 1e-5, f"{case} stress")
    assert np.abs(np.asarray(exp["forces"])).max() > 1e-3  # the case exercises the forces


def test_nequip_eqx_float64_equals_package():
    from e3j_jax.graph import packages as P
    from e3j_jax.graph.from_nequip_eqx import graph_from_nequip_eqx

    with jax.enable_x64(True):
        model, _ = P.nequip_eqx_model(5, 2, lmax=2, n_layers=2, hidden_size=2, dtype=jnp.float64)
        g = graph_from_nequip_eqx(model)
        x = P.structure("open", [29, 13], 5.0, 5)
        index = (x["atomic_numbers"] == 29).astype(np.int32)  # sorted [13, 29]: Al 0, Cu 1
        ref = P.nequip_eqx_reference(model, x, index, jnp.float64)
        inputs = {k: x[k] for k in ("positions", "senders", "receivers", "shifts")}
        inputs["species"] = index
        out = jax.jit(lambda i: energy_forces_stress(g, i, jnp.float64))(inputs)
        assert out["energy"].dtype == jnp.float64
        assert_close(out["energy"][0], ref["energy"], 1e-10, "energy")
        assert_close(out["forces"], ref["forces"], 1e-10, "forces")


def test_jax_md_float64_periodic_equals_package():
    from e3j_jax.graph import packages as P
    from e3j_jax.graph.from_jax_md import graph_from_jax_md

    with jax.enable_x64(True):
        # 3 layers with jax-md's 1e labels: a chiral (triple-product) term reaches the energy, so this
        # case, unlike parity-correct models, also sees the sign convention of the edge vectors
        cfg = P.jax_md_config(2, "3x0e+2x1e+1x2e", "1x0e+1x1e+1x2e", 3)
        model, params = P.jax_md_model(cfg, 7, jnp.float64)
        g = graph_from_jax_md(cfg, params)
        x = P.structure("periodic", [29, 13], cfg["r_max"], 7)
        index = (x["atomic_numbers"] == 13).astype(np.int32)  # one-hot columns [29, 13]
        ref = P.jax_md_reference(model, params, x, index, 2, jnp.float64)
        inputs = {k: x[k] for k in ("positions", "senders", "receivers", "shifts")}
        inputs["species"] = index
        out = jax.jit(lambda i: energy_forces_stress(g, i, jnp.float64, x["cell"]))(inputs)
        assert_close(out["energy"][0], ref["energy"], 1e-10, "energy")
        assert_close(out["forces"], ref["forces"], 1e-10, "forces")
        assert_close(out["stress"], ref["stress"], 1e-10, "stress")
        assert np.abs(ref["stress"]).max() > 1e-4


@pytest.mark.parametrize("case", ["potential_molecule20", "simple_lmax2_batch4"])
def test_e3j_models_as_graphs_equal_their_fixtures(case, tmp_path):
    """The CLI --from e3j writes the v1 model as a graph; the interpreter reproduces the v1 fixture."""
    from e3j_jax.export import main

    src = os.path.join(FIXTURES, case, "model.safetensors")
    out = str(tmp_path / "g.safetensors")
    assert main(["--from", "e3j", src, "-o", out]) == 0
    g, cfg = read_graph_file(out)
    fx = stn.load_file(os.path.join(FIXTURES, case, "fixture.safetensors"))
    inputs = {"positions": fx["input/positions"], "senders": fx["input/senders"],
              "receivers": fx["input/receivers"], "n_node": fx["input/n_node"], "atomic_numbers": fx["input/numbers"]}
    if "input/shifts" in fx:
        inputs["shifts"] = fx["input/shifts"]
        res = jax.jit(lambda i: energy_forces_stress(g, i))(inputs)
        assert_close(res["energy"], fx["output/energy"], 1e-5, "energy")
        assert_close(res["forces"], fx["output/forces"], 1e-5, "forces")
    else:
        res = jax.jit(lambda i: run(g, i))(inputs)
        assert_close(res["node_features"].array, fx["output/node_features"], 1e-5, "node features")
        assert_close(res["global_features"].array, fx["output/global_features"], 1e-5, "global features")


# -- refusals -----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def tiny_graph():
    """positions -> one message-passing step -> energy, with every weight present."""
    rng = np.random.default_rng(0)
    g = ModelGraph()
    for k in ("positions", "species", "senders", "receivers", "n_node"):
        g.add(k, "input", attrs={"kind": k})
    g.add("onehot", "one_hot", ["species"], {"num_classes": 2})
    g.add("r", "relative_vectors", ["positions", "senders", "receivers"], {"sign": "receiver_minus_sender"})
    g.add("sh", "spherical_harmonics", ["r"], {"irreps": "1x0e+1x1o", "normalization": "component", "normalize": True})
    g.add("d", "norm", ["r"])
    g.add("h_s", "gather", ["onehot", "senders"])
    g.add("tp", "tensor_product", ["h_s", "sh"], {"filter_ir_out": None})
    g.add("radial", "mlp", ["d"], {"sizes": [1, 4, 4], "use_bias": False, "activation": "silu", "layer_norm": None},
          {"dense_0/kernel": rng.normal(size=(1, 4)), "dense_1/kernel": rng.normal(size=(4, 4))})
    g.add("msg", "scale_irreps", ["tp", "radial"])
    g.add("agg", "scatter_sum", ["msg", "receivers"], {"divisor": 2.0})
    lin = {"irreps_in": "2x0e+2x1o", "irreps_out": "1x0e", "input_rearrange": "regroup", "biases": False,
           "path_normalization": 0.0, "gradient_normalization": 1.0, "num_indexed_weights": None}
    g.add("readout", "linear", ["agg"], lin, {"w[0,0] 2x0e,1x0e": rng.normal(size=(2, 1))})
    g.add("energy", "sum_over_graphs", ["readout", "n_node"])
    g.set_outputs(energy="energy", atom_energies="readout")
    return g.finish()


def test_tiny_graph_round_trips_and_runs():
    g = tiny_graph()
    g2 = ModelGraph.from_json(json.loads(json.dumps(g.to_json())), g.weights)
    x = {"positions": np.array([[0.0, 0, 0], [1.0, 0.2, 0], [0, 1.1, 0.3]]), "species": np.array([0, 1, 1]),
         "senders": np.array([0, 1, 2, 1]), "receivers": np.array([1, 0, 1, 2])}
    e1 = run(g, x)["energy"].array
    e2 = run(g2, x)["energy"].array
    assert np.array_equal(e1, e2) and np.isfinite(e1).all() and e1[0, 0] != 0


def _mutated(mutate):
    g = tiny_graph()
    doc = copy.deepcopy(g.to_json())
    weights = dict(g.weights)
    mutate(doc, weights)
    return doc, weights


def _node(doc, name):
    return next(n for n in doc["nodes"] if n["name"] == name)


@pytest.mark.parametrize("mutate, message", [
    (lambda d, w: _node(d, "tp").update(op="tensor_square"), "node 'tp': unknown op 'tensor_square'"),
    (lambda d, w: _node(d, "agg")["attrs"].update(mean=True), "node 'agg' (scatter_sum): unknown attribute(s) ['mean']"),
    (lambda d, w: _node(d, "sh")["attrs"].pop("normalize"), "node 'sh' (spherical_harmonics): missing attribute"),
    (lambda d, w: _node(d, "msg").update(inputs=["tp", "radial_x"]), "node 'msg': input 'radial_x' names no node"),
    (lambda d, w: _node(d, "h_s").update(inputs=["agg", "senders"]), "node 'h_s': input 'agg' is not computed before"),
    (lambda d, w: _node(d, "readout")["attrs"].update(irreps_in="3x0e+2x1o"), "node 'readout'"),
    (lambda d, w: _node(d, "radial")["attrs"].update(sizes=[1, 4, 5]), "node 'radial'"),
    (lambda d, w: w.update({"radial/dense_0/kernel": np.zeros((1, 5))}),
     "node 'radial' (mlp): weight 'radial/dense_0/kernel' has shape (1, 5), expected (1, 4)"),
    (lambda d, w: w.pop("readout/w[0,0] 2x0e,1x0e"), "node 'readout' (linear): weight tensor"),
    (lambda d, w: w.update({"readout/b[0] 1x0e": np.zeros(1)}), "tensor 'readout/b[0] 1x0e' is not read by any node"),
    (lambda d, w: _node(d, "tp")["out"].update(irreps="2x0e"), "node 'tp' (tensor_product): declared output"),
    (lambda d, w: _node(d, "r")["attrs"].update(sign="outward"), "node 'r'"),
    (lambda d, w: _node(d, "radial")["attrs"].update(activation="swish"), "node 'radial'"),
    (lambda d, w: _node(d, "positions")["attrs"].update(kind="velocities"), "node 'positions': unknown input kind"),
    (lambda d, w: d.update(outputs={"energy": "energy"}), "outputs must be one of"),
    (lambda d, w: d["nodes"].insert(9, {"name": "unused", "op": "norm", "inputs": ["r"], "attrs": {},
                                     "out": {"domain": "edge", "dtype": "float", "irreps": "1x0e"}}),
     "node 'unused': no output depends on it"),
    (lambda d, w: d.update(version=3), "graph: unknown key(s) ['version']"),
    (lambda d, w: _node(d, "agg").pop("out"), "node 'agg': no 'out' record"),
    (lambda d, w: _node(d, "radial")["attrs"].update(layer_norm={"epsilon": 1e-6, "center": False}),
     "node 'radial'"),
])
def test_bad_graphs_are_refused_naming_the_node(mutate, message):
    doc, weights = _mutated(mutate)
    with pytest.raises(GraphError) as e:
        ModelGraph.from_json(doc, weights)
    assert message in str(e.value), str(e.value)


def test_nequip_eqx_exporter_refuses_other_modules():
    from e3j_jax.graph.from_nequip_eqx import graph_from_nequip_eqx

    with pytest.raises(GraphError, match="expected nequip_eqx.model.Nequip, got dict"):
        graph_from_nequip_eqx({"layers": []})


@pytest.mark.parametrize("change, message", [
    (dict(nonlinearities={"e": "swish", "o": "tanh"}), "nonlinearity 'swish' not expressible"),
    (dict(radial_net_nonlinearity="gelu"), "radial_net_nonlinearity: nonlinearity 'gelu'"),
    (dict(use_fancy_readout=True), "unknown key(s) ['use_fancy_readout']"),
    (dict(shift=None), None),
])
def test_jax_md_exporter_refusals(change, message):
    from e3j_jax.graph import packages as P
    from e3j_jax.graph.from_jax_md import graph_from_jax_md

    cfg = P.jax_md_config(2, "4x0e+2x1o", "1x0e+1x1o", 1)
    cfg.update(change)
    if change == dict(shift=None):
        del cfg["shift"]
        message = "shift and scale must be given"
    with pytest.raises(GraphError) as e:
        graph_from_jax_md(cfg, {"params": {}})
    assert message in str(e.value)


def test_jax_md_exporter_names_missing_module():
    from e3j_jax.graph import packages as P
    from e3j_jax.graph.from_jax_md import graph_from_jax_md

    cfg = P.jax_md_config(2, "4x0e+2x1o", "1x0e+1x1o", 1)
    params = {"params": {"BesselEmbedding_0": {"frequencies": np.arange(1.0, 6.0)}}}
    with pytest.raises(GraphError, match="Linear_0: missing in params"):
        graph_from_jax_md(cfg, params)


def test_cli_refuses_to_overwrite_its_input(tmp_path, capsys):
    import shutil

    from e3j_jax.export import main

    src = str(tmp_path / "m.safetensors")
    shutil.copy(os.path.join(FIXTURES, "potential_molecule20", "model.safetensors"), src)
    before = open(src, "rb").read()
    assert main(["--from", "e3j", src, "-o", src]) == 1
    assert "would overwrite an input" in capsys.readouterr().err
    assert open(src, "rb").read() == before
    assert os.listdir(tmp_path) == ["m.safetensors"]  # no temp file left behind


def test_cli_jax_md_needs_config_and_species(capsys):
    from e3j_jax.export import main

    with pytest.raises(SystemExit) as e:
        main(["--from", "jax-md", "p.msgpack", "-o", "out.safetensors"])
    assert e.value.code == 2
    assert "--config" in capsys.readouterr().err


def test_cli_unreadable_nequip_eqx_file_is_one_line(tmp_path, capsys):
    from e3j_jax.export import main

    bad = tmp_path / "model.eqx"
    bad.write_bytes(b"{\"atomic_numbers\": [1]}\n\x00\x01")
    assert main(["--from", "nequip-eqx", str(bad), "-o", str(tmp_path / "o.safetensors")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("e3j_jax.export: ") and "\n" not in err
    assert not (tmp_path / "o.safetensors").exists()


def test_e3j_exporter_refuses_foreign_modules():
    from e3j_jax.graph.from_e3j import graph_from_e3j

    with pytest.raises(GraphError, match="e3j exporter"):
        graph_from_e3j(object(), {})


def test_gate_constants_must_be_e3nn_s():
    from e3j_jax.graph.from_nequip_eqx import gate_attrs

    g = ModelGraph()
    g.add("species", "input", attrs={"kind": "species"})
    g.add("x", "one_hot", ["species"], {"num_classes": 4})
    ok = gate_attrs("silu", "tanh", "silu", "tanh")
    g.add("gate_ok", "gate", ["x"], ok)
    bad = copy.deepcopy(ok)
    bad["constants"]["silu"]["c_f32"] *= 1.0000001
    with pytest.raises(GraphError, match="node 'gate_bad'.*constants of silu"):
        g.add("gate_bad", "gate", ["x"], bad)


def test_unknown_atomic_number_is_refused():
    g, _ = read_graph_file(os.path.join(GRAPH_FIXTURES, "nequip_eqx_lmax1_layers1_open", "model.safetensors"))
    with open(os.path.join(GRAPH_FIXTURES, "nequip_eqx_lmax1_layers1_open", "expected.json")) as f:
        x = structure_inputs(json.load(f)["structure"])
    x["atomic_numbers"] = x["atomic_numbers"].copy()
    x["atomic_numbers"][2] = 26
    with pytest.raises(GraphError, match=r"node 'species': atomic number\(s\) \[26\] not in the model's \[13, 29\]"):
        run(g, x)


def test_jax_md_without_self_connection_and_other_activations_float64():
    """use_sc=False, tanh radial MLP, silu/tanh gate names: still the package's own numbers."""
    from e3j_jax.graph import packages as P
    from e3j_jax.graph.from_jax_md import graph_from_jax_md

    with jax.enable_x64(True):
        cfg = P.jax_md_config(2, "4x0e+2x1o", "1x0e+1x1o", 2, use_sc=False,
                              nonlinearities={"e": "silu", "o": "tanh"})
        cfg["radial_net_nonlinearity"] = "tanh"
        model, params = P.jax_md_model(cfg, 9, jnp.float64)
        g = graph_from_jax_md(cfg, params)
        assert not any(n["op"] == "fully_connected_tensor_product" for n in g.nodes)
        x = P.structure("open", [29, 13], cfg["r_max"], 9)
        index = (x["atomic_numbers"] == 13).astype(np.int32)
        ref = P.jax_md_reference(model, params, x, index, 2, jnp.float64)
        inputs = {k: x[k] for k in ("positions", "senders", "receivers", "shifts")}
        inputs["species"] = index
        out = jax.jit(lambda i: energy_forces_stress(g, i, jnp.float64))(inputs)
        assert_close(out["energy"][0], ref["energy"], 1e-10, "energy")
        assert_close(out["forces"], ref["forces"], 1e-10, "forces")
