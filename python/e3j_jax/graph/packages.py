"""Small nequip-eqx / jax-md models with non-trivial random parameters, and each package's OWN
energy / forces / stress on a structure. Shared by the graph fixture generator and the tests.

Parameters are drawn from a numpy RNG (deterministic across runs) into the package's own
parameter structure (obtained without running its initialiser: jax.eval_shape /
equinox.filter_eval_shape), so biases, scales, shifts, frequencies are far from their init values.
"""

from __future__ import annotations

from typing import Any, Dict, Sequence

import jax
import jax.numpy as jnp
import numpy as np

VOIGT = ((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1))


# -- structures ----------------------------------------------------------------------------------


def structure(kind: str, species_z: Sequence[int], cutoff: float, seed: int) -> Dict[str, np.ndarray]:
    """A small open cluster or periodic cell with an ASE ``neighbor_list("ijS")`` graph in e3j's
    convention: senders = i, receivers = j, shifts = S @ cell (float64)."""
    from ase import Atoms
    from ase.neighborlist import neighbor_list

    rng = np.random.default_rng(seed)
    if kind == "open":
        n = 6
        pos = rng.uniform(-1.6, 1.6, size=(n, 3))
        atoms = Atoms(numbers=[species_z[i % len(species_z)] for i in range(n)], positions=pos, pbc=False)
    elif kind == "periodic":
        a = 3.1
        cell = np.array([[a, 0.1, 0.0], [0.2, a, 0.0], [0.0, -0.1, a]])
        frac = np.array([[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]], float)
        pos = frac @ cell + rng.normal(scale=0.08, size=(4, 3))
        atoms = Atoms(numbers=[species_z[i % len(species_z)] for i in range(4)], positions=pos, cell=cell, pbc=True)
    else:
        raise ValueError(kind)
    i, j, S = neighbor_list("ijS", atoms, cutoff)
    return {
        "atomic_numbers": atoms.numbers.astype(np.int32),
        "positions": atoms.positions.astype(np.float64),
        "senders": i.astype(np.int32),
        "receivers": j.astype(np.int32),
        "shifts": (S @ atoms.cell.array).astype(np.float64),
        "cell": atoms.cell.array.astype(np.float64),
        "pbc": bool(kind == "periodic"),
    }


def _fill(template, rng: np.random.Generator, dtype, scale=0.7):
    leaves, treedef = jax.tree.flatten(template)
    if not all(isinstance(leaf, jax.ShapeDtypeStruct) for leaf in leaves):
        raise TypeError("parameter template: expected only ShapeDtypeStruct leaves")
    out = [jnp.asarray(rng.normal(scale=scale, size=leaf.shape), dtype) for leaf in leaves]
    return jax.tree.unflatten(treedef, out)


def _strained(fn, x: Dict[str, Any], dtype, with_stress: bool):
    """energy, forces, stress of ``fn(positions, shifts) -> energy`` by jax.grad (ASE sign)."""
    pos = jnp.asarray(x["positions"], dtype)
    shifts = jnp.asarray(x["shifts"], dtype)

    def e(p, strain):
        sym = 0.5 * (strain + strain.T)
        return fn(p + p @ sym, shifts + shifts @ sym)

    energy, (gp, gs) = jax.jit(jax.value_and_grad(e, argnums=(0, 1)))(pos, jnp.zeros((3, 3), dtype))
    out = {"energy": np.asarray(energy), "forces": -np.asarray(gp)}
    if with_stress:
        vol = abs(np.linalg.det(x["cell"]))
        out["stress"] = np.array([np.asarray(gs)[i, j] for i, j in VOIGT]) / vol
    return out


# -- nequip-eqx ----------------------------------------------------------------------------------


def nequip_eqx_model(seed: int, n_species: int, lmax: int, n_layers: int, hidden_size: int, dtype=jnp.float32,
                     radial_basis_size=5, radial_mlp_size=8, radial_mlp_layers=2, radial_polynomial_p=3.0):
    import equinox as eqx
    from nequip_eqx.model import Nequip

    kw = dict(n_species=n_species, lmax=lmax, n_layers=n_layers, hidden_size=hidden_size,
              radial_basis_size=radial_basis_size, radial_mlp_size=radial_mlp_size,
              radial_mlp_layers=radial_mlp_layers, radial_polynomial_p=radial_polynomial_p, mlp_init_scale=4.0)
    shape = eqx.filter_eval_shape(lambda: Nequip(jax.random.key(0), **kw))
    arrays, static = eqx.partition(shape, lambda x: isinstance(x, jax.ShapeDtypeStruct))
    rng = np.random.default_rng(seed)
    model = eqx.combine(_fill(arrays, rng, dtype), static)
    # the scalar leaves: avg_n_neighbors positive, scale/shift/atom energies away from 1/0
    model = eqx.tree_at(lambda m: [lay.avg_n_neighbors for lay in m.layers], model,
                        [jnp.asarray(2.0 + k, dtype) for k in range(n_layers)])
    model = eqx.tree_at(lambda m: (m.scale, m.shift, m.atom_energies), model,
                        (jnp.asarray(1.7, dtype), jnp.asarray(-0.3, dtype),
                         jnp.asarray(rng.normal(size=n_species) - 2.0, dtype)))
    return model, kw


def nequip_eqx_config(kw, atomic_numbers):
    """The subset of nequip-eqx's training config that its load_model reads (+ the cutoff)."""
    return {"atomic_numbers": list(atomic_numbers), "hidden_size": kw["hidden_size"], "lmax": kw["lmax"],
            "n_layers": kw["n_layers"], "radial_basis_size": kw["radial_basis_size"],
            "radial_mlp_size": kw["radial_mlp_size"], "radial_mlp_layers": kw["radial_mlp_layers"],
            "radial_polynomial_p": kw["radial_polynomial_p"], "mlp_init_scale": kw["mlp_init_scale"],
            "cutoff": 5.0}


def nequip_eqx_reference(model, x, species_index, dtype=jnp.float32):
    """nequip-eqx's own ``Nequip.node_energies`` summed, forces by jax.grad (open structures only:
    its graphs carry no shifts). ``Nequip.__call__`` is not used: it treats the last graph of a batch
    as padding and zeroes its forces."""
    import jraph

    s, r = jnp.asarray(x["senders"]), jnp.asarray(x["receivers"])
    n = x["positions"].shape[0]

    def energy(p, shifts):
        del shifts  # zero for open structures; nequip-eqx has no shifts
        data = jraph.GraphsTuple(nodes={"species": jnp.asarray(species_index), "positions": p}, edges=None,
                                 senders=s, receivers=r, globals=None, n_node=jnp.array([n]),
                                 n_edge=jnp.array([s.shape[0]]))
        return jnp.sum(model.node_energies(p, data).array)

    if x["pbc"]:
        raise ValueError("nequip-eqx reference: open structures only")
    return _strained(energy, x, dtype, with_stress=False)


# -- jax-md ----------------------------------------------------------------------------------------


def jax_md_config(n_elements, hidden_irreps, sh_irreps, layers, use_sc=True, nonlinearities=None):
    from jax_md._nn import nequip

    cfg = dict(nequip.default_config())
    cfg.update(graph_net_steps=layers, n_elements=n_elements, hidden_irreps=hidden_irreps, sh_irreps=sh_irreps,
               num_basis=5, r_max=2.9, radial_net_n_hidden=8, radial_net_n_layers=2, n_neighbors=3.5,
               shift=-0.4, scale=1.6, use_sc=use_sc)
    if nonlinearities:
        cfg["nonlinearities"] = nonlinearities
    return {k: (dict(v) if hasattr(v, "items") else v) for k, v in cfg.items()}


def jax_md_model(cfg, seed, dtype=jnp.float32):
    import jraph
    from jax_md._nn import nequip
    from ml_collections import ConfigDict

    model = nequip.model_from_config(ConfigDict(cfg))
    g = jraph.GraphsTuple(nodes=jnp.zeros((2, cfg["n_elements"]), dtype), edges=jnp.ones((1, 3), dtype),
                          senders=jnp.array([0]), receivers=jnp.array([1]), globals=None,
                          n_node=jnp.array([2]), n_edge=jnp.array([1]))
    template = jax.eval_shape(lambda: model.init(jax.random.key(0), g))
    params = _fill(template, np.random.default_rng(seed), dtype)
    # Bessel frequencies near their init n*pi (trainable, perturbed)
    f = params["params"]["BesselEmbedding_0"]["frequencies"]
    params["params"]["BesselEmbedding_0"]["frequencies"] = (
        jnp.arange(1, f.shape[0] + 1, dtype=dtype) * np.pi + 0.1 * f)
    return model, params


def jax_md_reference(model, params, x, species_index, n_elements, dtype=jnp.float32):
    """jax-md's own ``model.apply`` on ``dR = pos[receivers] - pos[senders] + shifts`` (its featurizer's
    ``displacement(Ra, Rb)`` with Ra = pos[receivers])."""
    import jraph

    s, r = jnp.asarray(x["senders"]), jnp.asarray(x["receivers"])
    nodes = jax.nn.one_hot(jnp.asarray(species_index), n_elements, dtype=dtype)
    n = x["positions"].shape[0]

    def energy(p, shifts):
        dR = p[r] - p[s] + shifts
        g = jraph.GraphsTuple(nodes=nodes, edges=dR, senders=s, receivers=r, globals=None,
                              n_node=jnp.array([n]), n_edge=jnp.array([s.shape[0]]))
        return model.apply(params, g)[0, 0]

    return _strained(energy, x, dtype, with_stress=x["pbc"])
