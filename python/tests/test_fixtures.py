"""Fixture generator: determinism, contents, size."""

import json
import os

import numpy as np
import pytest
import safetensors
from conftest import FIXTURES

from e3j_jax import fixtures as F

REQUIRED_COMMON = [
    "input/numbers", "input/positions", "input/senders", "input/receivers", "input/n_node", "input/n_edge",
    "edge/vectors", "edge/sh", "node/embedding", "output/node_features",
]
REQUIRED_LAYER = ["tp", "radial", "messages", "aggregated", "expanded", "gated", "output"]
REQUIRED_SIMPLE = ["edge/norm", "output/global_features"]
REQUIRED_POTENTIAL = [
    "input/species", "input/shifts", "input/cell", "input/pbc", "edge/radial_basis", "edge/envelope",
    "output/atom_energies", "output/energy", "output/forces",
]
INT_TENSORS = {"input/numbers", "input/species", "input/senders", "input/receivers", "input/n_node",
               "input/n_edge", "input/pbc", "input/cell_shifts"}


@pytest.mark.parametrize("case", ["seed_example", "potential_batch3"])
def test_generator_is_deterministic(tmp_path, case):
    """Regenerating gives byte-identical files (the full set is checked by `--check` in CI)."""
    F.generate_all(str(tmp_path), [case], verbose=False)
    for name in ("model.safetensors", "fixture.safetensors"):
        fresh = (tmp_path / case / name).read_bytes()
        committed = open(os.path.join(FIXTURES, case, name), "rb").read()
        assert fresh == committed, f"{case}/{name} is not reproduced byte for byte"


def test_case_list_matches_committed():
    # tests/fixtures/graph/ belongs to e3j_jax.graph.fixtures (model-graph cases), not to this generator
    have = sorted(d for d in os.listdir(FIXTURES) if os.path.isdir(os.path.join(FIXTURES, d)) and d != "graph")
    assert have == sorted(F.CASE_NAMES)
    archs = [json.loads(_meta(c)["fixture"])["architecture"] for c in F.CASE_NAMES]
    assert archs.count("Potential") >= 3 and archs.count("SimpleNetwork") >= 4


def test_total_size_under_5mb():
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(FIXTURES) for f in fs)
    assert total < 5 * 1024 * 1024, total


def _meta(case):
    with safetensors.safe_open(os.path.join(FIXTURES, case, "fixture.safetensors"), "numpy") as f:
        return f.metadata()


@pytest.mark.parametrize("case", F.CASE_NAMES)
def test_fixture_contents(case):
    from safetensors.numpy import load_file

    t = load_file(os.path.join(FIXTURES, case, "fixture.safetensors"))
    meta = json.loads(_meta(case)["fixture"])
    assert meta["case"] == case
    potential = meta["architecture"] == "Potential"
    required = REQUIRED_COMMON + (REQUIRED_POTENTIAL if potential else REQUIRED_SIMPLE)
    required += [f"layer_{k}/{n}" for k in range(meta["num_layers"]) for n in REQUIRED_LAYER]
    if meta["has_stress"]:
        required.append("output/stress")
    missing = [n for n in required if n not in t]
    assert not missing, missing
    for name, arr in t.items():
        want = np.int32 if name in INT_TENSORS else np.float32
        assert arr.dtype == want, (name, arr.dtype)
        if arr.dtype == np.float32:
            assert np.all(np.isfinite(arr)), name
    n, e, g = meta["num_nodes"], meta["num_edges"], meta["num_graphs"]
    assert t["input/positions"].shape == (n, 3) and t["input/senders"].shape == (e,)
    assert t["input/n_node"].sum() == n and t["input/n_edge"].sum() == e and t["input/n_node"].shape == (g,)
    for name, irreps in meta["irreps"].items():
        import e3nn_jax as e3nn

        assert t[name].shape[-1] == e3nn.Irreps(irreps).dim, name
    if potential:
        assert t["output/forces"].shape == (n, 3)
        assert t["output/energy"].shape == (g,)
        np.testing.assert_allclose(
            t["output/energy"], np.bincount(np.repeat(np.arange(g), t["input/n_node"]),
                                            t["output/atom_energies"].astype(np.float64), g), rtol=1e-5)
        if meta["has_stress"]:
            assert t["output/stress"].shape == (g, 6)
