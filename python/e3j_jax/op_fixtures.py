"""Op-level parity fixtures for the Java engine: ``python -m e3j_jax.op_fixtures [--out DIR | --check]``.

Writes small JSON files (default ``engine/src/test/resources/ops``) computed with the real
e3nn-jax, that ``org.e3j.engine`` tests read:

* ``sh.json``      spherical harmonics l = 0..11 for 20 seeded vectors + the zero vector + a pole,
                   normalizations norm/component/integral (normalize=True), component with
                   normalize=False, the recursive algorithm (e3nn picks legendre for lmax > 8), and
                   the Jacobians d Y / d r (jax.jacfwd) for a few vectors;
* ``cg.json``      ``e3nn.clebsch_gordan(l1, l2, l3)`` for every triangle-valid triple with l <= 4;
* ``tp.json``      ``e3nn.tensor_product`` on several irreps pairs, with filter_ir_out and the
                   three irrep normalizations;
* ``linear.json``  ``e3nn.flax.Linear`` with seeded random weights (param names verbatim),
                   including unreachable outputs, repeated input irreps, biases;
* ``gate.json``    ``e3nn.gate`` outputs, plus ``scatter_mean``/``scatter_sum``/``concatenate``
                   examples;
* ``constants.json`` e3nn's ``normalize_function`` constants for gelu, sigmoid, tanh, silu,
                   soft_odd in float64 (x64) and float32 (x64 off, as a float32 model uses them).

All values are float64 computed with ``jax_enable_x64`` (so Java can compare at ~1e-12), except
the float32 constants. CPU, highest matmul precision, Eigen single-threaded: byte-reproducible.
Floats are written with Python's shortest round-trip repr.
"""

from __future__ import annotations

import os

os.environ.setdefault("JAX_PLATFORMS", "cpu")
_flag = "--xla_cpu_multi_thread_eigen=false"
if _flag not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " " + _flag).strip()

import argparse  # noqa: E402
import filecmp  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402

import jax  # noqa: E402

jax.config.update("jax_default_matmul_precision", "highest")
jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import e3nn_jax as e3nn  # noqa: E402

DEFAULT_OUT = os.path.join("engine", "src", "test", "resources", "ops")
FILES = ["sh.json", "cg.json", "tp.json", "linear.json", "gate.json", "constants.json"]


def _flat(a) -> list:
    return [float(v) for v in np.asarray(a, dtype=np.float64).reshape(-1)]


def _dump(path: str, obj) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, separators=(",", ":"), allow_nan=False)
        f.write("\n")


def _vectors(rng: np.random.RandomState) -> np.ndarray:
    v = rng.normal(size=(20, 3))
    v[3] *= 1e-3  # short vector
    v[4] *= 25.0  # long vector
    return np.concatenate([v, np.zeros((1, 3)), np.array([[0.0, 2.0, 0.0]])], axis=0)


def spherical_harmonics_fixture() -> dict:
    rng = np.random.RandomState(0)
    vec = _vectors(rng)
    irreps = e3nn.s2_irreps(11)
    out = {"lmax": 11, "irreps": str(irreps), "vectors": _flat(vec), "cases": []}
    x = jnp.asarray(vec, dtype=jnp.float64)
    for normalization, normalize, algorithm in [
        ("norm", True, None),
        ("component", True, None),
        ("integral", True, None),
        ("component", False, None),
        ("norm", True, ("recursive", "dense", "custom_jvp")),
    ]:
        y = e3nn.spherical_harmonics(irreps, x, normalize=normalize, normalization=normalization, algorithm=algorithm)
        out["cases"].append(
            {
                "normalization": normalization,
                "normalize": normalize,
                "algorithm": "automatic" if algorithm is None else "recursive",
                "values": _flat(y.array),
            }
        )
    # Jacobians (d Y_c / d r_a), first 4 vectors + zero vector, lmax 11
    jv = np.concatenate([vec[:4], vec[20:21]], axis=0)
    out["jacobian_vectors"] = _flat(jv)
    out["jacobians"] = []
    for normalization, normalize in [("component", True), ("norm", False)]:

        def f(r, normalization=normalization, normalize=normalize):
            return e3nn.spherical_harmonics(irreps, r, normalize=normalize, normalization=normalization).array

        jac = jnp.stack([jax.jacfwd(f)(jnp.asarray(r)) for r in jv])  # [n, dim, 3]
        out["jacobians"].append({"normalization": normalization, "normalize": normalize, "values": _flat(jac)})
    return out


def clebsch_gordan_fixture() -> dict:
    tables = []
    for l1 in range(5):
        for l2 in range(5):
            for l3 in range(abs(l1 - l2), min(l1 + l2, 4) + 1):
                tables.append({"l": [l1, l2, l3], "values": _flat(e3nn.clebsch_gordan(l1, l2, l3))})
    return {"tables": tables}


TP_CASES = [
    ("2x0e + 1o", "0o + 2o", None, "component"),
    ("1x0e+1x1o+1x2e+1x3o", "8x0e", None, "component"),
    ("1x0e+1x1o+1x2e+1x3o", "2x0e+2x1o", None, "component"),
    ("1o + 2x1e + 0e + 1o", "2e + 0o + 1e", None, "norm"),
    ("1o + 2x1e + 0e + 1o", "2e + 0o + 1e", None, "none"),
    ("2x1o + 3e + 0x2e", "1o + 2x2o", "0e + 1e + 2o + 3e", "component"),
    ("1x0e+1x1o+1x2e+1x3o+1x4e", "1o + 1e", None, "component"),
]


def tensor_product_fixture() -> dict:
    rng = np.random.RandomState(1)
    rows = 2
    cases = []
    for a, b, filt, norm in TP_CASES:
        ia, ib = e3nn.Irreps(a), e3nn.Irreps(b)
        x1 = e3nn.IrrepsArray(ia, jnp.asarray(rng.normal(size=(rows, ia.dim))))
        x2 = e3nn.IrrepsArray(ib, jnp.asarray(rng.normal(size=(rows, ib.dim))))
        kw = {"irrep_normalization": norm}
        if filt is not None:
            kw["filter_ir_out"] = filt
        z = e3nn.tensor_product(x1, x2, **kw)
        cases.append(
            {
                "irreps1": a,
                "irreps2": b,
                "filter_ir_out": filt,
                "irrep_normalization": norm,
                "rows": rows,
                "x1": _flat(x1.array),
                "x2": _flat(x2.array),
                "irreps_out": str(z.irreps),
                "out": _flat(z.array),
            }
        )
    return {"cases": cases}


LINEAR_CASES = [
    ("8x0e+8x1o+8x2e+8x3o", "8x0e+8x1o+8x2e+8x3o+32x0e", False),
    ("8x0e+8x0e+8x1o+8x2e+8x3o+8x0e", "8x0e+8x1o+1x1e", False),  # unreachable 1e, repeated 0e inputs
    ("3x0e + 2x1o + 1x0e + 2x2e + 1x1o + 0x3o", "4x1o + 2x0e + 3x2e + 1x3o + 5x0e", False),
    ("2x0e + 1o", "3x0e + 0e + 2x1o + 2e", True),  # biases, adjacent duplicates merged
]


def linear_fixture() -> dict:
    from flax.traverse_util import flatten_dict, unflatten_dict

    rng = np.random.RandomState(2)
    rows = 3
    cases = []
    for irreps_in, irreps_out, biases in LINEAR_CASES:
        ii = e3nn.Irreps(irreps_in)
        x = e3nn.IrrepsArray(ii, jnp.asarray(rng.normal(size=(rows, ii.dim))))
        lin = e3nn.flax.Linear(irreps_out, biases=biases)
        params = lin.init(jax.random.PRNGKey(0), x)
        flat = flatten_dict(params, sep="\x00")
        weights = {}
        new = {}
        for key in flat:  # insertion order = Flax creation order
            shape = flat[key].shape
            w = rng.normal(size=shape)
            name = key.split("\x00")[-1]
            weights[name] = {"shape": list(shape), "values": _flat(w)}
            new[key] = jnp.asarray(w)
        y = lin.apply(unflatten_dict(new, sep="\x00"), x)
        cases.append(
            {
                "irreps_in": irreps_in,
                "irreps_out": irreps_out,
                "biases": biases,
                "rows": rows,
                "x": _flat(x.array),
                "weights": weights,
                "irreps_result": str(y.irreps),
                "out": _flat(y.array),
            }
        )
    return {"cases": cases}


GATE_CASES = [
    "8x0e+8x1o+8x2e+8x3o+32x0e",
    "15x0e + 2x1e + 1x2e",
    "12x0e + 3x0o + 2x1e + 1x2e",
    "12x0e + 3x0o",
    "4x0e + 2x0o + 2x1o + 1x2e + 1x0o + 2x0e",
]


def gate_fixture() -> dict:
    rng = np.random.RandomState(3)
    rows = 3
    cases = []
    for irreps in GATE_CASES:
        ii = e3nn.Irreps(irreps)
        x = e3nn.IrrepsArray(ii, jnp.asarray(2.0 * rng.normal(size=(rows, ii.dim))))
        y = e3nn.gate(x)
        cases.append({"irreps": irreps, "rows": rows, "x": _flat(x.array), "irreps_out": str(y.irreps), "out": _flat(y.array)})

    # scatter + concatenate
    data = e3nn.IrrepsArray("1x0e+1x1o", jnp.asarray(rng.normal(size=(6, 4))))
    dst = jnp.array([2, 0, 2, 2, 4, 0])
    nel = jnp.array([2, 0, 3, 1])
    scatter = {
        "irreps": str(data.irreps),
        "data": _flat(data.array),
        "dst": [int(v) for v in dst],
        "output_size": 5,
        "nel": [int(v) for v in nel],
        "sum_dst": _flat(e3nn.scatter_sum(data, dst=dst, output_size=5).array),
        "mean_dst": _flat(e3nn.scatter_mean(data, dst=dst, output_size=5).array),
        "sum_nel": _flat(e3nn.scatter_sum(data, nel=nel).array),
        "mean_nel": _flat(e3nn.scatter_mean(data, nel=nel).array),
    }
    a = e3nn.IrrepsArray("0e + 1e", jnp.asarray(rng.normal(size=(2, 4))))
    b = e3nn.IrrepsArray("0e", jnp.asarray(rng.normal(size=(2, 1))))
    c = e3nn.concatenate([a, b, a])
    concat = {"parts": [str(a.irreps), str(b.irreps), str(a.irreps)], "a": _flat(a.array), "b": _flat(b.array),
              "irreps_out": str(c.irreps), "out": _flat(c.array)}
    return {"cases": cases, "scatter": scatter, "concatenate": concat}


def _constants() -> dict:
    from e3nn_jax._src.activation import normalspace

    acts = {
        "gelu": jax.nn.gelu,
        "sigmoid": jax.nn.sigmoid,
        "tanh": jax.nn.tanh,
        "silu": jax.nn.silu,
        "soft_odd": e3nn.soft_odd,
    }
    out = {}
    for name, phi in acts.items():
        # exactly e3nn_jax._src.activation.normalize_function's computation of c
        with jax.ensure_compile_time_eval():
            x = normalspace(1_000_001)
            c = (jnp.mean(phi(x) ** 2) ** 0.5).item()
        out[name] = {"c": float(c), "dtype": str(x.dtype)}
    return out


def constants_fixture() -> dict:
    f64 = _constants()
    with jax.enable_x64(False):
        f32 = _constants()
    return {"float64": f64, "float32": f32}


def generate(out_dir: str) -> None:
    os.makedirs(out_dir, exist_ok=True)
    _dump(os.path.join(out_dir, "sh.json"), spherical_harmonics_fixture())
    _dump(os.path.join(out_dir, "cg.json"), clebsch_gordan_fixture())
    _dump(os.path.join(out_dir, "tp.json"), tensor_product_fixture())
    _dump(os.path.join(out_dir, "linear.json"), linear_fixture())
    _dump(os.path.join(out_dir, "gate.json"), gate_fixture())
    _dump(os.path.join(out_dir, "constants.json"), constants_fixture())


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=DEFAULT_OUT)
    p.add_argument("--check", action="store_true", help="regenerate into a temp dir and compare byte for byte")
    args = p.parse_args(argv)
    if not args.check:
        generate(args.out)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        generate(tmp)
        bad = [f for f in FILES if not os.path.exists(os.path.join(args.out, f))
               or not filecmp.cmp(os.path.join(tmp, f), os.path.join(args.out, f), shallow=False)]
        if bad:
            print("op fixtures differ: " + ", ".join(bad), file=sys.stderr)
            return 1
    print("op fixtures up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
