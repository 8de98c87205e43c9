"""The op vocabulary of the e3j model graph (format version 2), as executable JAX code.

Every op is a small class with
* ``inputs``: the names of its positional inputs (a trailing ``?`` marks an optional one),
* ``attrs``: required and optional attribute names (anything else is refused),
* ``weights(attrs)``: the named tensors it reads and their shapes,
* ``domain(in_domains, attrs)``: where its output lives (``node``, ``edge`` or ``graph``),
* ``apply(ctx, attrs, weights, *inputs)``: the computation, written with e3nn-jax's own
  functions so that this interpreter is the executable form of docs/model-graph.md.

Values are either integer index arrays (``dtype: "int"``) or float ``e3nn.IrrepsArray``s
whose irreps are recorded in the graph; vectors are ``1x1o`` values.
"""

from __future__ import annotations

import functools
import math
from typing import Any, Callable, Dict, List, Sequence, Tuple

import e3nn_jax as e3nn
import jax
import jax.numpy as jnp
import numpy as np
from e3nn_jax.legacy import FunctionalFullyConnectedTensorProduct, FunctionalTensorProduct


class GraphError(ValueError):
    """A model graph that cannot be built, loaded or run; the message names the node."""


# -- activations ---------------------------------------------------------------------------------

ACTIVATIONS: Dict[str, Callable] = {
    "silu": jax.nn.silu,  # x * sigmoid(x); jax-md's "raw_swish", nequip-eqx's silu
    "tanh": jnp.tanh,
    "sigmoid": jax.nn.sigmoid,
    "gelu_tanh": jax.nn.gelu,  # jax.nn.gelu(approximate=True), e3nn.gate's default
    "soft_odd": e3nn.soft_odd,  # (1 - exp(-x^2)) x
    "relu": jax.nn.relu,
    "identity": lambda x: x,
}


def activation(name: str, where: str) -> Callable:
    if name not in ACTIVATIONS:
        raise GraphError(f"{where}: unknown activation {name!r} (known: {sorted(ACTIVATIONS)})")
    return ACTIVATIONS[name]


@functools.lru_cache(maxsize=None)
def normalization_constant(name: str, x64: bool) -> float:
    """The constant c of ``e3nn.normalize_function(act)`` (1.0 when e3nn leaves it unnormalised).

    e3nn computes c on a grid in the default float dtype, so the float32 and float64 values differ;
    both are recorded in the graph (``c_f32``, ``c_f64``).
    """
    phi = ACTIVATIONS[name]
    with jax.enable_x64(x64):
        rho = e3nn.normalize_function(phi)
    if rho is phi:
        return 1.0
    cells = {v: c.cell_contents for v, c in zip(rho.__code__.co_freevars, rho.__closure__ or ())}
    return float(cells["c"])


# -- helpers -----------------------------------------------------------------------------------------


def irreps_str(irreps) -> str:
    return str(e3nn.Irreps(irreps))


def _float(v, dtype):
    return jnp.asarray(v, dtype=dtype)


def _scalars(x: e3nn.IrrepsArray, where: str) -> jnp.ndarray:
    if not x.irreps.is_scalar():
        raise GraphError(f"{where}: expects scalars (Nx0e), got {x.irreps}")
    return x.array


class Ctx:
    """What ops may need besides their inputs: sizes and the float dtype."""

    def __init__(self, num_nodes: int, num_graphs: int, dtype):
        self.num_nodes = num_nodes
        self.num_graphs = num_graphs
        self.dtype = dtype
        self.node_graph = None  # filled by the interpreter from n_node


class Op:
    inputs: Sequence[str] = ()
    required: Sequence[str] = ()
    optional: Sequence[str] = ()

    def weights(self, attrs) -> Dict[str, Tuple[int, ...]]:
        return {}

    def validate(self, attrs) -> None:
        """Checks of attribute values that the computation itself would not catch."""

    def domain(self, doms: List[str], attrs) -> str:
        return doms[0]

    def apply(self, ctx: Ctx, attrs, w, *xs):
        raise NotImplementedError


OPS: Dict[str, Op] = {}


def op(name):
    def deco(cls):
        OPS[name] = cls()
        OPS[name].name = name
        return cls

    return deco


INPUT_KINDS = {
    # name: (domain, dtype, irreps or None)
    "positions": ("node", "float", "1x1o"),
    "atomic_numbers": ("node", "int", None),
    "species": ("node", "int", None),
    "senders": ("edge", "int", None),
    "receivers": ("edge", "int", None),
    "shifts": ("edge", "float", "1x1o"),
    "n_node": ("graph", "int", None),
}


@op("input")
class Input(Op):
    required = ("kind",)

    def domain(self, doms, attrs):
        return INPUT_KINDS[attrs["kind"]][0]


@op("species_from_atomic_numbers")
class SpeciesFromZ(Op):
    """species[i] = index of atomic_numbers[i] in attrs.atomic_numbers (a loader refuses unknown Z)."""

    inputs = ("atomic_numbers",)
    required = ("atomic_numbers",)

    def apply(self, ctx, attrs, w, z):
        table = np.full(max(attrs["atomic_numbers"]) + 1, -1, np.int32)
        for i, zz in enumerate(attrs["atomic_numbers"]):
            table[zz] = i
        return jnp.asarray(table)[z]


@op("relative_vectors")
class RelativeVectors(Op):
    """sign "receiver_minus_sender": pos[r] - pos[s] + shifts; "sender_minus_receiver": the negative."""

    inputs = ("positions", "senders", "receivers", "shifts?")
    required = ("sign",)

    def domain(self, doms, attrs):
        return "edge"

    def apply(self, ctx, attrs, w, pos, s, r, shifts=None):
        p = pos.array
        d = p[r] - p[s]
        if shifts is not None:
            d = d + shifts.array
        if attrs["sign"] == "receiver_minus_sender":
            pass
        elif attrs["sign"] == "sender_minus_receiver":
            d = -d
        else:
            raise GraphError(f"relative_vectors: sign must be receiver_minus_sender or sender_minus_receiver")
        return e3nn.IrrepsArray("1x1o", d)


@op("norm")
class Norm(Op):
    """|r| per row of a 1x1o value, 0 (with zero gradient) at r = 0."""

    inputs = ("vectors",)

    def apply(self, ctx, attrs, w, v):
        sq = jnp.sum(v.array**2, axis=-1, keepdims=True)
        safe = jnp.where(sq == 0.0, 1.0, sq)
        return e3nn.IrrepsArray("1x0e", jnp.where(sq == 0.0, 0.0, jnp.sqrt(safe)))


@op("spherical_harmonics")
class SphericalHarmonics(Op):
    inputs = ("vectors",)
    required = ("irreps", "normalization", "normalize")

    def apply(self, ctx, attrs, w, v):
        return e3nn.spherical_harmonics(
            attrs["irreps"], v.array, normalize=attrs["normalize"], normalization=attrs["normalization"]
        )


@op("bessel")
class Bessel(Op):
    """B_n(d) = prefactor * sin(f_n d / cutoff) / d, f_n = n*pi or the tensor ``frequencies``."""

    inputs = ("norm",)
    required = ("num_basis", "cutoff", "prefactor", "at_zero", "trainable_frequencies")

    def weights(self, attrs):
        return {"frequencies": (attrs["num_basis"],)} if attrs["trainable_frequencies"] else {}

    def apply(self, ctx, attrs, w, d):
        dt = ctx.dtype
        n, rc = attrs["num_basis"], attrs["cutoff"]
        if attrs["trainable_frequencies"]:
            f = w["frequencies"].astype(dt)
        else:
            f = _float(np.arange(1, n + 1) * math.pi, dt)
        pre = attrs["prefactor"]
        if isinstance(pre, str):
            pre = {"sqrt(2/cutoff)": math.sqrt(2.0 / rc), "2/cutoff": 2.0 / rc}.get(pre)
        if not isinstance(pre, (int, float)) or isinstance(pre, bool):
            raise GraphError("bessel: prefactor must be 'sqrt(2/cutoff)', '2/cutoff' or a number")
        x = _scalars(d, "bessel")  # [E, 1]
        if attrs["at_zero"] == "limit":
            ok = x > 0
            safe = jnp.where(ok, x, 1.0)
            val = pre * jnp.sin(f * safe / rc) / safe
            out = jnp.where(ok, val, pre * f / rc * jnp.ones_like(x))
        elif attrs["at_zero"] == "zero_below_1e-5":
            ok = x > float(np.float32(1e-5))  # jax-md compares with f32(1e-5)
            safe = jnp.where(ok, x, 1000.0)
            out = jnp.where(ok, pre * jnp.sin(f * safe / rc) / safe, 0.0)
        else:
            raise GraphError("bessel: at_zero must be 'limit' or 'zero_below_1e-5'")
        return e3nn.IrrepsArray(f"{n}x0e", out)


@op("polynomial_envelope")
class PolynomialEnvelope(Op):
    """NequIP's u(x) = 1 - (p+1)(p+2)/2 x^p + p(p+2) x^(p+1) - p(p+1)/2 x^(p+2), x = d/cutoff < 1; else 0."""

    inputs = ("norm",)
    required = ("cutoff", "p")

    def apply(self, ctx, attrs, w, d):
        p = float(attrs["p"])
        x = _scalars(d, "polynomial_envelope") / attrs["cutoff"]
        u = 1.0 - (p + 1) * (p + 2) / 2 * x**p + p * (p + 2) * x ** (p + 1) - p * (p + 1) / 2 * x ** (p + 2)
        return e3nn.IrrepsArray("1x0e", jnp.where(x < 1.0, u, 0.0))


@op("smoothstep_envelope")
class SmoothstepEnvelope(Op):
    """jax-md's multiplicative_isotropic_cutoff (HOOMD): 1 below r_onset, 0 from r_cutoff,
    (rc2 - d^2)^2 (rc2 + 2 d^2 - 3ro2) / (rc2 - ro2)^3 between, rc2 = r_cutoff^2, ro2 = r_onset^2.
    With ``float32_constants`` (jax-md: r_max is a jnp.float32) rc2, ro2, 3*ro2 and (rc2 - ro2)^3 are
    float32 computations even when the rest runs in float64."""

    inputs = ("norm",)
    required = ("r_onset", "r_cutoff", "float32_constants")

    def apply(self, ctx, attrs, w, d):
        x = _scalars(d, "smoothstep_envelope")
        cdt = jnp.float32 if attrs["float32_constants"] else x.dtype
        rc, ro = jnp.asarray(attrs["r_cutoff"], cdt), jnp.asarray(attrs["r_onset"], cdt)
        rc2, ro2 = rc ** jnp.asarray(2, cdt), ro ** jnp.asarray(2, cdt)
        three_ro2 = jnp.asarray(3, cdt) * ro2
        den = (rc2 - ro2) ** 3
        r2 = x ** 2
        inner = jnp.where(x < rc, (rc2 - r2) ** 2 * (rc2 + 2 * r2 - three_ro2) / den, 0.0)
        return e3nn.IrrepsArray("1x0e", jnp.where(x < ro, 1.0, inner).astype(x.dtype))


@op("mul")
class Mul(Op):
    """Elementwise product of two scalar values; a 1x0e operand broadcasts."""

    inputs = ("a", "b")

    def apply(self, ctx, attrs, w, a, b):
        x, y = _scalars(a, "mul"), _scalars(b, "mul")
        if not (x.shape[-1] == y.shape[-1] or y.shape[-1] == 1 or x.shape[-1] == 1):
            raise GraphError(f"mul: widths {x.shape[-1]} and {y.shape[-1]} do not broadcast")
        out = x * y
        return e3nn.IrrepsArray(f"{out.shape[-1]}x0e", out)


@op("scale_irreps")
class ScaleIrreps(Op):
    """x * s: irrep copy k of x times scalar k of s (s has x.irreps.num_irreps scalars)."""

    inputs = ("x", "scalars")

    def apply(self, ctx, attrs, w, x, s):
        if s.irreps.num_irreps != x.irreps.num_irreps or not s.irreps.is_scalar():
            raise GraphError(f"scale_irreps: {s.irreps} cannot scale the {x.irreps.num_irreps} irreps of {x.irreps}")
        return x * s.array


@op("mlp")
class Mlp(Op):
    """Dense layers sizes[0] -> ... -> sizes[-1]; between them [LayerNorm] then activation."""

    inputs = ("x",)
    required = ("sizes", "use_bias", "activation", "layer_norm")

    def weights(self, attrs):
        s = attrs["sizes"]
        out = {}
        for i in range(len(s) - 1):
            out[f"dense_{i}/kernel"] = (s[i], s[i + 1])
            if attrs["use_bias"]:
                out[f"dense_{i}/bias"] = (s[i + 1],)
            if attrs["layer_norm"] is not None and i < len(s) - 2:
                ln = attrs["layer_norm"]
                if ln.get("use_scale", True):
                    out[f"layer_norm_{i}/scale"] = (s[i + 1],)
                if ln.get("use_bias", True):
                    out[f"layer_norm_{i}/bias"] = (s[i + 1],)
        return out

    def validate(self, attrs):
        ln = attrs["layer_norm"]
        if ln is not None:
            if not isinstance(ln, dict) or "epsilon" not in ln:
                raise GraphError("mlp: layer_norm must be null or an object with epsilon")
            extra = sorted(set(ln) - {"epsilon", "use_scale", "use_bias", "fast_variance"})
            if extra:
                raise GraphError(f"mlp: unknown layer_norm key(s) {extra}")

    def apply(self, ctx, attrs, w, x):
        s = attrs["sizes"]
        act = activation(attrs["activation"], "mlp")
        h = _scalars(x, "mlp")
        if h.shape[-1] != s[0]:
            raise GraphError(f"mlp: input width {h.shape[-1]} != sizes[0] = {s[0]}")
        for i in range(len(s) - 1):
            h = h @ w[f"dense_{i}/kernel"].astype(h.dtype)
            if attrs["use_bias"]:
                h = h + w[f"dense_{i}/bias"].astype(h.dtype)
            if i < len(s) - 2:
                ln = attrs["layer_norm"]
                if ln is not None:
                    mean = jnp.mean(h, axis=-1, keepdims=True)
                    if ln.get("fast_variance", True):
                        var = jnp.maximum(0.0, jnp.mean(h * h, axis=-1, keepdims=True) - mean * mean)
                    else:
                        var = jnp.mean((h - mean) ** 2, axis=-1, keepdims=True)
                    h = (h - mean) * jax.lax.rsqrt(var + ln["epsilon"])
                    if ln.get("use_scale", True):
                        h = h * w[f"layer_norm_{i}/scale"].astype(h.dtype)
                    if ln.get("use_bias", True):
                        h = h + w[f"layer_norm_{i}/bias"].astype(h.dtype)
                h = act(h)
        return e3nn.IrrepsArray(f"{s[-1]}x0e", h)


@op("embed")
class Embed(Op):
    inputs = ("index",)
    required = ("num_embeddings", "features")

    def weights(self, attrs):
        return {"embedding": (attrs["num_embeddings"], attrs["features"])}

    def apply(self, ctx, attrs, w, idx):
        return e3nn.IrrepsArray(f"{attrs['features']}x0e", w["embedding"].astype(ctx.dtype)[idx])


@op("one_hot")
class OneHot(Op):
    inputs = ("index",)
    required = ("num_classes",)

    def apply(self, ctx, attrs, w, idx):
        n = attrs["num_classes"]
        return e3nn.IrrepsArray(f"{n}x0e", jax.nn.one_hot(idx, n, dtype=ctx.dtype))


def _functional_linear(attrs):
    return e3nn.FunctionalLinear(
        e3nn.Irreps(attrs["irreps_in"]),
        e3nn.Irreps(attrs["irreps_out"]),
        biases=attrs["biases"],
        path_normalization=attrs["path_normalization"],
        gradient_normalization=attrs["gradient_normalization"],
    )


def _rearrange(x: e3nn.IrrepsArray, how: str, where: str) -> e3nn.IrrepsArray:
    x = x.remove_zero_chunks()
    if how == "regroup":
        return x.regroup()
    if how == "simplify":
        return x.simplify()
    if how == "none":
        return x
    raise GraphError(f"{where}: input_rearrange must be regroup, simplify or none, got {how!r}")


@op("linear")
class Linear(Op):
    """e3nn FunctionalLinear(irreps_in, irreps_out, biases, path/gradient normalisation).

    Weights ``w[i_in,i_out] {ir_in},{ir_out}`` (mul_in, mul_out) and ``b[i_out] {ir_out}`` (mul_out,),
    with a leading (num_indexed_weights,) axis when indexed by the optional second input.
    """

    inputs = ("x", "index?")
    required = ("irreps_in", "irreps_out", "input_rearrange", "biases", "path_normalization",
                "gradient_normalization", "num_indexed_weights")

    def weights(self, attrs):
        lin = _functional_linear(attrs)
        lead = () if attrs["num_indexed_weights"] is None else (attrs["num_indexed_weights"],)
        out = {}
        for ins in lin.instructions:
            if ins.i_in == -1:
                out[f"b[{ins.i_out}] {lin.irreps_out[ins.i_out]}"] = lead + tuple(ins.path_shape)
            else:
                name = f"w[{ins.i_in},{ins.i_out}] {lin.irreps_in[ins.i_in]},{lin.irreps_out[ins.i_out]}"
                out[name] = lead + tuple(ins.path_shape)
        return out

    def apply(self, ctx, attrs, w, x, index=None):
        lin = _functional_linear(attrs)
        x = _rearrange(x, attrs["input_rearrange"], "linear")
        if x.irreps != lin.irreps_in:
            raise GraphError(f"linear: input irreps {x.irreps} (rearranged) != irreps_in {lin.irreps_in}")
        names = list(self.weights(attrs))
        ws = [w[n].astype(x.dtype) for n in names]
        if attrs["num_indexed_weights"] is None:
            f = lambda xx: lin(ws, xx)  # noqa: E731
            return e3nn.utils.vmap(f)(x)
        if index is None:
            raise GraphError("linear: num_indexed_weights is set but no index input is given")
        f = lambda i, xx: lin([wi[i] for wi in ws], xx)  # noqa: E731
        return e3nn.utils.vmap(f)(index, x)


@op("gather")
class Gather(Op):
    """x[index]: node values taken to edges (index = senders or receivers)."""

    inputs = ("x", "index")

    def domain(self, doms, attrs):
        return doms[1]

    def apply(self, ctx, attrs, w, x, idx):
        return x[idx]


@op("tensor_product")
class TensorProduct(Op):
    """e3nn.tensor_product(a, b, filter_ir_out) (all paths, weightless; output regrouped)."""

    inputs = ("a", "b")
    required = ("filter_ir_out",)

    def apply(self, ctx, attrs, w, a, b):
        f = attrs["filter_ir_out"]
        return e3nn.tensor_product(a, b, filter_ir_out=None if f is None else e3nn.Irreps(f))


def _tp_common(attrs):
    return dict(
        irrep_normalization=attrs["irrep_normalization"],
        path_normalization=attrs["path_normalization"],
        gradient_normalization=attrs["gradient_normalization"],
    )


@op("tensor_product_uvu")
class TensorProductUvu(Op):
    """e3nn_jax.legacy.FunctionalTensorProduct with the given instructions, weights per edge
    (the third input, concatenated path weights in instruction order)."""

    inputs = ("x1", "x2", "weights")
    required = ("irreps_in1", "irreps_in2", "irreps_out", "instructions", "irrep_normalization",
                "path_normalization", "gradient_normalization")

    def _tp(self, attrs):
        return FunctionalTensorProduct(
            e3nn.Irreps(attrs["irreps_in1"]), e3nn.Irreps(attrs["irreps_in2"]), e3nn.Irreps(attrs["irreps_out"]),
            [tuple(i) for i in attrs["instructions"]], **_tp_common(attrs),
        )

    def apply(self, ctx, attrs, w, x1, x2, weights):
        tp = self._tp(attrs)
        if x1.irreps != tp.irreps_in1 or x2.irreps != tp.irreps_in2:
            raise GraphError(f"tensor_product_uvu: inputs {x1.irreps}, {x2.irreps} != {tp.irreps_in1}, {tp.irreps_in2}")
        n = sum(int(np.prod(i.path_shape)) for i in tp.instructions if i.has_weight)
        if weights.irreps.dim != n:
            raise GraphError(f"tensor_product_uvu: {n} weights per edge needed, got {weights.irreps}")
        out = e3nn.utils.vmap(tp.left_right)(weights.array, x1, x2)
        out = out.astype(x1.dtype)
        return out


@op("fully_connected_tensor_product")
class FullyConnectedTP(Op):
    """e3nn_jax.legacy.FunctionalFullyConnectedTensorProduct(irreps_in1, irreps_in2, irreps_out) with
    weights ``w[i1,i2,o] {ir1},{ir2},{ir_out}``; inputs are rearranged by remove_zero_chunks + simplify;
    the output is rechunked to ``output_irreps``."""

    inputs = ("x1", "x2")
    required = ("irreps_in1", "irreps_in2", "irreps_out", "output_irreps", "irrep_normalization",
                "path_normalization", "gradient_normalization")

    def _tp(self, attrs):
        return FunctionalFullyConnectedTensorProduct(
            e3nn.Irreps(attrs["irreps_in1"]), e3nn.Irreps(attrs["irreps_in2"]), e3nn.Irreps(attrs["irreps_out"]),
            **_tp_common(attrs),
        )

    def weights(self, attrs):
        tp = self._tp(attrs)
        return {
            f"w[{i.i_in1},{i.i_in2},{i.i_out}] {tp.irreps_in1[i.i_in1]},{tp.irreps_in2[i.i_in2]},{tp.irreps_out[i.i_out]}":
                tuple(i.path_shape)
            for i in tp.instructions
        }

    def apply(self, ctx, attrs, w, x1, x2):
        tp = self._tp(attrs)
        x1 = x1.remove_zero_chunks().simplify()
        x2 = x2.remove_zero_chunks().simplify()
        if x1.irreps != tp.irreps_in1 or x2.irreps != tp.irreps_in2:
            raise GraphError(f"fully_connected_tensor_product: inputs {x1.irreps}, {x2.irreps} "
                             f"!= {tp.irreps_in1}, {tp.irreps_in2}")
        ws = [w[n].astype(x1.dtype) for n in self.weights(attrs)]
        out = e3nn.utils.vmap(lambda a, b: tp.left_right(ws, a, b))(x1, x2)
        return out.rechunk(e3nn.Irreps(attrs["output_irreps"]))


@op("simplify")
class Simplify(Op):
    """Same numbers without the known-zero chunks, adjacent equal irreps merged
    (e3nn ``remove_zero_chunks().simplify()``); ``irreps`` is the result, checked."""

    inputs = ("x",)
    required = ("irreps",)

    def apply(self, ctx, attrs, w, x):
        y = x.remove_zero_chunks().simplify()
        if y.irreps != e3nn.Irreps(attrs["irreps"]):
            raise GraphError(f"simplify: {x.irreps} gives {y.irreps}, not {attrs['irreps']}")
        return y


@op("scatter_sum")
class ScatterSum(Op):
    """sum over edges e with index[e] = i, then / divisor (a constant, 1 = none)."""

    inputs = ("x", "index")
    required = ("divisor",)

    def domain(self, doms, attrs):
        return "node"

    def apply(self, ctx, attrs, w, x, idx):
        out = e3nn.scatter_sum(x, dst=idx, output_size=ctx.num_nodes)
        d = attrs["divisor"]
        return out if d == 1 else out / d


@op("scatter_mean")
class ScatterMean(Op):
    """mean over edges with index[e] = i, divisor max(1, count)."""

    inputs = ("x", "index")

    def domain(self, doms, attrs):
        return "node"

    def apply(self, ctx, attrs, w, x, idx):
        return e3nn.scatter_mean(x, dst=idx, output_size=ctx.num_nodes)


@op("gate")
class Gate(Op):
    """e3nn.gate(x, even_act, odd_act, even_gate_act, odd_gate_act, normalize_act); constants c_f32/c_f64."""

    inputs = ("x",)
    required = ("even_act", "odd_act", "even_gate_act", "odd_gate_act", "normalize_act")
    optional = ("constants",)

    def validate(self, attrs):
        names = {attrs[k] for k in ("even_act", "odd_act", "even_gate_act", "odd_gate_act")}
        for n in names:
            activation(n, "gate")
        c = attrs.get("constants")
        if c is None:
            return
        if not attrs["normalize_act"] or set(c) != names:
            raise GraphError(f"gate: constants must be given for exactly {sorted(names)} (normalize_act true)")
        for n in names:
            want = {"c_f32": normalization_constant(n, False), "c_f64": normalization_constant(n, True)}
            if c[n] != want:
                raise GraphError(f"gate: constants of {n} are {c[n]}, e3nn-jax uses {want}")

    def apply(self, ctx, attrs, w, x):
        return e3nn.gate(
            x,
            even_act=activation(attrs["even_act"], "gate"),
            odd_act=activation(attrs["odd_act"], "gate"),
            even_gate_act=activation(attrs["even_gate_act"], "gate"),
            odd_gate_act=activation(attrs["odd_gate_act"], "gate"),
            normalize_act=attrs["normalize_act"],
        )


@op("concat")
class Concat(Op):
    inputs = ("xs*",)

    def apply(self, ctx, attrs, w, *xs):
        return e3nn.concatenate(list(xs))


@op("add")
class Add(Op):
    inputs = ("a", "b")

    def apply(self, ctx, attrs, w, a, b):
        if a.irreps != b.irreps:
            raise GraphError(f"add: irreps {a.irreps} and {b.irreps} differ")
        return a + b


@op("scale_shift")
class ScaleShift(Op):
    """x * scale[index] + shift[index] on 0e values; each of scale/shift is a tensor of shape
    (num_species,) (indexed by the optional index input) or (1,) (global), or absent."""

    inputs = ("x", "index?")
    required = ("scale", "shift")

    def weights(self, attrs):
        out = {}
        for k in ("scale", "shift"):
            if attrs[k] is not None:
                out[k] = (attrs[k],)
        return out

    def apply(self, ctx, attrs, w, x, index=None):
        y = _scalars(x, "scale_shift")

        def coef(k):
            t = w[k].astype(y.dtype)
            if t.shape[0] == 1:
                return t[0]
            if index is None:
                raise GraphError(f"scale_shift: per-species {k} needs an index input")
            return t[index][:, None]

        if attrs["scale"] is not None:
            y = y * coef("scale")
        if attrs["shift"] is not None:
            y = y + coef("shift")
        return e3nn.IrrepsArray(x.irreps, y)


@op("sum_over_graphs")
class SumOverGraphs(Op):
    """Per-graph sum of a node value (graphs given by n_node)."""

    inputs = ("x", "n_node")

    def domain(self, doms, attrs):
        return "graph"

    def apply(self, ctx, attrs, w, x, n_node):
        return e3nn.scatter_sum(x, nel=n_node)


@op("mean_over_graphs")
class MeanOverGraphs(Op):
    """Per-graph mean of a node value, divisor max(1, n_node)."""

    inputs = ("x", "n_node")

    def domain(self, doms, attrs):
        return "graph"

    def apply(self, ctx, attrs, w, x, n_node):
        return e3nn.scatter_mean(x, nel=n_node)
