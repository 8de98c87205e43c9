"""Model file: round trip, reproducibility, and refusal of bad input."""

import json
import os
import re

import e3nn_jax as e3nn
import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import safetensors
from conftest import DOCS, FIXTURES

from e3j_jax import export
from e3j_jax.export import ExportError, export_model, load_model, read_model_file
from e3j_jax.fixtures import CASES, potential_graph, simple_graph
from e3j_jax.potential import Potential
from e3j_jax.seed import MLP, SimpleNetwork, seed_example_graph, seed_example_model, seed_init_rng


@pytest.fixture(scope="module")
def seed():
    model = seed_example_model()
    graph = seed_example_graph()
    return model, model.init(seed_init_rng(), graph), graph


def _flat(tree):
    return export.flatten_params(jax.tree.map(np.asarray, tree))


def test_round_trip_seed(tmp_path, seed):
    model, params, graph = seed
    path = tmp_path / "seed.safetensors"
    cfg = export_model(str(path), model, params)
    model2, params2, cfg2 = load_model(str(path))
    assert cfg2 == json.loads(json.dumps(cfg))
    assert model2 == model
    a, b = _flat(params), _flat(params2)
    assert list(a) == list(b)
    for k in a:
        assert a[k].dtype == b[k].dtype == np.float32 and np.array_equal(a[k], b[k]), k
    n1, g1 = model.apply(params, graph)
    n2, g2 = model2.apply(params2, graph)
    assert n1.irreps == n2.irreps
    assert np.array_equal(n1.array, n2.array) and np.array_equal(g1.array, g2.array)


def test_file_layout(tmp_path, seed):
    model, params, _ = seed
    path = tmp_path / "seed.safetensors"
    export_model(str(path), model, params)
    with safetensors.safe_open(str(path), "numpy") as f:
        meta = f.metadata()
        keys = set(f.keys())
    assert set(meta) == {"e3j_config"}
    text = meta["e3j_config"]
    cfg = json.loads(text)
    assert text == json.dumps(cfg, sort_keys=True, separators=(",", ":"))
    assert cfg["format"] == "e3j-model" and cfg["format_version"] == 1
    assert "params/SimpleNetworkLayer_0/Linear_0/w[0,0] 8x0e,8x0e" in keys
    assert "params/AtomEmbedding_0/Embed_0/embedding" in keys
    assert keys == set(cfg["param_names"])
    assert cfg["param_count"] == 6496
    # No timestamps or host names: exporting twice gives the same bytes.
    path2 = tmp_path / "again.safetensors"
    export_model(str(path2), model, params)
    assert path.read_bytes() == path2.read_bytes()
    assert not re.search(r"20\d\d-\d\d-\d\d", text)


def test_round_trip_potential(tmp_path):
    case = next(c for c in CASES if c.name == "potential_batch3")
    model, variables, b = case.build()
    path = tmp_path / "pot.safetensors"
    export_model(str(path), model, variables)
    model2, variables2, cfg = load_model(str(path))
    assert isinstance(model2, Potential) and model2 == model
    assert cfg["species_to_index"] == {"11": 0, "17": 1, "29": 2}
    graph = potential_graph(b, model.species)
    o1 = jax.jit(model.apply)(variables, graph)
    o2 = jax.jit(model2.apply)(variables2, graph)
    assert np.array_equal(o1["energy"], o2["energy"])
    assert np.array_equal(o1["node_features"].array, o2["node_features"].array)


@pytest.mark.parametrize("case", [c.name for c in CASES if c.name != "potential_molecule20"])
def test_committed_model_files_reproduce_fixture_outputs(case):
    """Every committed model file, reloaded, gives the committed outputs bit for bit."""
    from safetensors.numpy import load_file

    from e3j_jax.fixtures import load_case

    model, variables, b = load_case(FIXTURES, case)
    cfg = {"architecture": type(model).__name__}
    t = load_file(os.path.join(FIXTURES, case, "fixture.safetensors"))
    if cfg["architecture"] == "SimpleNetwork":
        nodes, glob = jax.jit(model.apply)(variables, simple_graph(b))
        assert np.array_equal(nodes.array, t["output/node_features"])
        assert np.array_equal(glob.array, t["output/global_features"])
    else:
        out = jax.jit(model.apply)(variables, potential_graph(b, model.species))
        assert np.array_equal(out["energy"], t["output/energy"])
        assert np.array_equal(out["atom_energies"], t["output/atom_energies"])


# --- bad input --------------------------------------------------------------

def _assert_no_file(tmp_path):
    assert os.listdir(tmp_path) == [], os.listdir(tmp_path)


def test_unknown_module_type(tmp_path):
    mlp = MLP(output_dims=2, hidden_dims=3, num_layers=2)
    params = mlp.init(jax.random.PRNGKey(0), jnp.ones((1, 1)))
    with pytest.raises(ExportError, match="cannot export a module of type .*MLP"):
        export_model(str(tmp_path / "m.safetensors"), mlp, params)
    _assert_no_file(tmp_path)


def test_foreign_module_with_same_fields(tmp_path, seed):
    class NotOurs(nn.Module):
        @nn.compact
        def __call__(self, x):
            return x

    with pytest.raises(ExportError, match="NotOurs"):
        export_model(str(tmp_path / "m.safetensors"), NotOurs(), {"params": {}})
    _assert_no_file(tmp_path)


def _mutated(params, path, fn):
    flat = export.flatten_params(params)
    flat[path] = fn(flat[path])
    return export.unflatten_params(flat)


W = "params/SimpleNetworkLayer_1/Linear_1/w[1,1] 32x1o,8x1o"


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda a: a.at[3, 2].set(jnp.nan), r"non-finite"),
        (lambda a: a.at[0, 0].set(jnp.inf), r"non-finite"),
        (lambda a: a.astype(jnp.int32), r"only float params"),
        (lambda a: np.asarray(a, np.float64), r"float32"),
        (lambda a: a[:-1], r"shape"),
    ],
    ids=["nan", "inf", "int", "float64", "shape"],
)
def test_bad_params(tmp_path, seed, mutate, message):
    model, params, _ = seed
    bad = _mutated(params, W, mutate)
    target = tmp_path / "m.safetensors"
    with pytest.raises(ExportError, match=message) as info:
        export_model(str(target), model, bad)
    assert W in str(info.value)
    _assert_no_file(tmp_path)


def test_missing_and_unexpected_params(tmp_path, seed):
    model, params, _ = seed
    flat = export.flatten_params(params)
    flat["params/extra/thing"] = flat.pop(W)
    with pytest.raises(ExportError, match=r"missing .*32x1o,8x1o.*unexpected .*extra/thing"):
        export_model(str(tmp_path / "m.safetensors"), model, export.unflatten_params(flat))
    _assert_no_file(tmp_path)


def test_failed_export_keeps_existing_file(tmp_path, seed, monkeypatch):
    model, params, _ = seed
    target = tmp_path / "m.safetensors"
    export_model(str(target), model, params)
    before = target.read_bytes()
    with pytest.raises(ExportError):
        export_model(str(target), model, _mutated(params, W, lambda a: a.at[0, 0].set(jnp.nan)))
    assert target.read_bytes() == before

    def boom(src, dst):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(export.os, "replace", boom)
    with pytest.raises(OSError, match="simulated"):
        export_model(str(target), model, params)
    assert target.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["m.safetensors"]  # the temp file was removed


def test_loader_rejects_foreign_files(tmp_path):
    from safetensors.numpy import save_file

    p = tmp_path / "x.safetensors"
    save_file({"a": np.zeros(2, np.float32)}, str(p))
    with pytest.raises(ValueError, match="not an e3j model file"):
        read_model_file(str(p))


# --- the format doc covers every key ----------------------------------------

def _keys(obj, prefix=""):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield k
            if k not in ("species_to_index", "param_names"):
                yield from _keys(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _keys(v)


@pytest.mark.parametrize("case", ["seed_example", "potential_crystal32"])
def test_format_doc_describes_every_config_key(case):
    cfg, _ = read_model_file(os.path.join(FIXTURES, case, "model.safetensors"))
    doc = open(os.path.join(DOCS, "model-format.md"), encoding="utf-8").read()
    missing = sorted({k for k in _keys(cfg) if f"`{k}`" not in doc})
    assert not missing, f"docs/model-format.md does not describe config keys {missing}"


# --- the exporter refuses what the e3j loader refuses (issue 15, finding 14) ---------

def _tiny_simple(sh_lmax, out="2x0e"):
    return SimpleNetwork(
        sh_lmax=sh_lmax, init_embed_dims=2, max_atomic_number=3, mlp_hidden_dims=2, mlp_num_layers=1,
        output_irreps_per_layer=[e3nn.Irreps(out)],
    )


def test_sh_lmax_above_the_loader_cap_is_refused(tmp_path):
    """sh_lmax 12 used to be written and then refused by the Java loader; now one cap, both sides."""
    target = tmp_path / "m.safetensors"
    with pytest.raises(ExportError, match=r"sh_lmax=12 is outside what e3j can load \(0\.\.11;"):
        export_model(str(target), _tiny_simple(export.MAX_SH_LMAX + 1), {"params": {"x": np.zeros(1, np.float32)}})
    _assert_no_file(tmp_path)
    # 11 is within the cap: the export goes on and fails only on the (deliberately wrong) params
    with pytest.raises(ExportError, match=r"params do not match the model"):
        export_model(str(target), _tiny_simple(export.MAX_SH_LMAX), {"params": {"x": np.zeros(1, np.float32)}})
    _assert_no_file(tmp_path)


def test_irreps_degree_above_the_loader_cap_is_refused(tmp_path):
    with pytest.raises(ExportError, match=r"output_irreps_per_layer\[0\] irreps .*23e have l = 23, more than the 22"):
        export_model(str(tmp_path / "m.safetensors"), _tiny_simple(1, "2x0e+1x23e"),
                     {"params": {"x": np.zeros(1, np.float32)}})
    _assert_no_file(tmp_path)


def _java_schema_constants():
    """The int constants of the Java loader's schema, evaluated in order (they refer to each other)."""
    path = os.path.join(os.path.dirname(DOCS), "layers", "src", "main", "java", "org", "e3j", "layers", "model",
                        "ConfigSchema.java")
    src = open(path, encoding="utf-8").read()
    values = {}
    for name, expr in re.findall(r"public static final int (\w+) = ([^;]+);", src):
        values[name] = eval(expr, {"__builtins__": {}}, dict(values))  # noqa: S307 (our own source)
    return values


def test_exporter_limits_are_the_loaders():
    java = _java_schema_constants()
    assert java["MAX_SH_LMAX"] == export.MAX_SH_LMAX == 11
    assert java["MAX_IRREP_L"] == export.MAX_IRREP_L
    assert java["MAX_LAYERS"] == export.MAX_LAYERS == export.LIMITS["num_layers"][1]
    assert java["MAX_DIM"] == export.MAX_DIM
    assert java["MAX_MLP_LAYERS"] == export.LIMITS["mlp_num_layers"][1]
    assert java["MAX_NUM_BASIS"] == export.LIMITS["num_basis"][1]
    assert java["MAX_ENVELOPE_P"] == export.LIMITS["envelope_p"][1]
    doc = open(os.path.join(DOCS, "model-format.md"), encoding="utf-8").read()
    assert f"| `sh_lmax` | int | 0 … {export.MAX_SH_LMAX} |" in doc


# --- the Python reader honours or refuses every config value too (issue 15, finding 12) ---

@pytest.mark.parametrize(
    "old, new, key",
    [
        ('"epsilon":1e-06', '"epsilon":1e-05', "mlp_layer_norm.epsilon"),
        ('"irrep_normalization":"component"', '"irrep_normalization":"norm"', "e3nn_config.irrep_normalization"),
        ('"mlp_normalized":false', '"mlp_normalized":true', "activations.mlp_normalized"),
        ('"path_normalization":0.0', '"path_normalization":-3.0', "linear.path_normalization"),
        ('"species_to_index":{"11":0,"17":1,"29":2}', '"species_to_index":{"11":1,"17":0,"29":2}',
         "species_to_index.11"),
        ('"energy":"eV"', '"energy":"kcal/mol"', "units.energy"),
        ('"architecture":', '"cutoff_smoothing":0.5,"architecture":', "cutoff_smoothing"),
    ],
)
def test_load_model_refuses_what_it_would_not_honour(tmp_path, old, new, key):
    from safetensors.numpy import load_file, save_file

    src = os.path.join(FIXTURES, "potential_batch3", "model.safetensors")
    with safetensors.safe_open(src, "numpy") as f:
        text = f.metadata()["e3j_config"]
    assert old in text
    path = tmp_path / "m.safetensors"
    save_file(load_file(src), str(path), metadata={"e3j_config": text.replace(old, new, 1)})
    with pytest.raises(ValueError, match=re.escape(repr(key))):
        load_model(str(path))
