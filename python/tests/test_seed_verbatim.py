"""e3j_jax.seed holds the tutorial's code verbatim (compared with shared/seed when present)."""

import glob
import inspect
import os
import re

import pytest
from conftest import REPO

from e3j_jax import seed

CANDIDATES = [os.path.join(REPO, "..", "shared", "seed"), "/work/shared/seed"]


def _seed_text():
    for d in CANDIDATES:
        files = sorted(glob.glob(os.path.join(d, "*.txt")))
        if files:
            return open(files[0], encoding="utf-8").read()
    pytest.skip("shared/seed is not beside the repository")


def _norm(code):
    lines = [ln.rstrip() for ln in code.splitlines()]
    lines = [re.sub(r"\s+#.*$", "", ln) for ln in lines]
    return "\n".join(ln for ln in lines if ln.strip())


@pytest.mark.parametrize(
    "obj", [seed.MLP, seed.AtomEmbedding, seed.SimpleNetworkLayer, seed.SimpleNetwork,
            seed.compute_features_of_relative_vectors],
    ids=lambda o: o.__name__,
)
def test_seed_code_is_verbatim(obj):
    text = _norm(_seed_text())
    assert _norm(inspect.getsource(obj)) in text
