"""The force field e3j runs in MD: the seed's layer plus what MD needs.

Differences from the seed (``e3j_jax.seed``), and nothing else:

* node input is a species index (``species[i]`` = atomic number of index i),
  embedded with the seed's ``AtomEmbedding`` (``num_embeddings = len(species)``);
* relative vectors carry the periodic shift:
  ``r = pos[receivers] - pos[senders] + shifts`` (``shifts[e] = S[e] @ cell``,
  ASE ``neighbor_list("ijS")`` with senders = i, receivers = j);
* the MLP input is NequIP's Bessel basis times NequIP's polynomial envelope
  (p = 6), and the MLP output is multiplied once more by the envelope, so every
  message goes to zero smoothly at the cutoff;
* aggregation is ``scatter_sum(messages, receivers) / avg_num_neighbors``;
* after the last layer ``e3nn.flax.Linear("1x0e", name="readout")`` gives one
  scalar per atom, ``E_i = species_energy_scale[s_i] * readout_i +
  species_energy_shift[s_i]``, and the energy of a graph is the sum of its E_i;
* forces ``-dE/dpos`` and stress ``(1/V) dE/d(strain)`` by ``jax.grad``
  (ASE's sign, eV/Angstrom^3, Voigt order xx, yy, zz, yz, xz, xy).

Everything the layer computes is exposed as small functions (``bessel_basis``,
``polynomial_envelope``, ``radial_features``) so the fixture generator can
replicate the forward pass step by step with the same operations.
"""

from __future__ import annotations

import math
from typing import Dict, Sequence, Tuple

import e3nn_jax as e3nn
import flax.linen as nn
import jax
import jax.numpy as jnp
import jraph
import numpy as np

from e3j_jax.seed import MLP, AtomEmbedding

VOIGT_ORDER = ("xx", "yy", "zz", "yz", "xz", "xy")
VOIGT_INDICES = ((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1))


def bessel_basis(d: jnp.ndarray, cutoff: float, num_basis: int) -> jnp.ndarray:
    """NequIP's Bessel basis ``B_n(d) = sqrt(2/rc) * sin(n*pi*d/rc) / d``, n = 1..num_basis.

    ``d`` has shape [E, 1]; the result [E, num_basis]. Evaluated in float32 as
    ``prefactor * sin(freq_n * d) / d`` with ``prefactor = f32(sqrt(2/rc))`` and
    ``freq_n = f32(n*pi/rc)`` (both rounded once from float64). At d == 0 the
    limit ``prefactor * freq_n`` is used (d == 0 only for invalid, coincident atoms).
    """
    dtype = d.dtype
    prefactor = jnp.asarray(math.sqrt(2.0 / cutoff), dtype=dtype)
    freqs = jnp.asarray(
        np.arange(1, num_basis + 1, dtype=np.float64) * (math.pi / cutoff), dtype=dtype
    )
    safe_d = jnp.where(d > 0, d, jnp.ones_like(d))
    values = prefactor * jnp.sin(freqs * safe_d) / safe_d
    return jnp.where(d > 0, values, prefactor * freqs * jnp.ones_like(d))


def polynomial_envelope(d: jnp.ndarray, cutoff: float, p: int = 6) -> jnp.ndarray:
    """NequIP's polynomial cutoff envelope, shape-preserving ([E, 1] -> [E, 1]).

    ``u(x) = 1 - (p+1)(p+2)/2 x^p + p(p+2) x^(p+1) - p(p+1)/2 x^(p+2)`` for
    ``x = d/rc < 1`` and exactly 0 for ``x >= 1``. Evaluated in float32 as
    ``1 - a*x^p + b*x^(p+1) - c*x^(p+2)`` left to right, with
    ``x^p = x**p`` (``jnp.power`` with an integer exponent).
    """
    dtype = d.dtype
    x = d / jnp.asarray(cutoff, dtype=dtype)
    a = (p + 1.0) * (p + 2.0) / 2.0
    b = p * (p + 2.0)
    c = p * (p + 1.0) / 2.0
    xp = x**p
    xp1 = xp * x
    xp2 = xp1 * x
    u = 1.0 - a * xp + b * xp1 - c * xp2
    return jnp.where(x < 1.0, u, jnp.zeros_like(u))


def radial_features(
    d: jnp.ndarray, cutoff: float, num_basis: int, p: int
) -> Tuple[jnp.ndarray, jnp.ndarray]:
    """(MLP input ``B(d) * u(d)`` [E, num_basis], envelope ``u(d)`` [E, 1])."""
    u = polynomial_envelope(d, cutoff, p)
    return bessel_basis(d, cutoff, num_basis) * u, u


def edge_vectors(positions, senders, receivers, shifts):
    """``pos[receivers] - pos[senders] + shifts`` (ASE's ``D`` of ``neighbor_list``)."""
    return positions[receivers] - positions[senders] + shifts


def edge_lengths(vectors: jnp.ndarray) -> jnp.ndarray:
    """|r| as [E, 1], the seed's ``jnp.linalg.norm(..., keepdims=True)``."""
    return jnp.linalg.norm(vectors, axis=-1, keepdims=True)


class PotentialLayer(nn.Module):
    """The seed's ``SimpleNetworkLayer`` with an enveloped radial MLP and sum/avg aggregation."""

    mlp_hidden_dims: int
    mlp_num_layers: int
    output_irreps: e3nn.Irreps
    avg_num_neighbors: float

    @nn.compact
    def __call__(
        self,
        node_features: e3nn.IrrepsArray,
        senders: jnp.ndarray,
        receivers: jnp.ndarray,
        relative_vectors_sh: e3nn.IrrepsArray,
        radial_input: jnp.ndarray,
        envelope: jnp.ndarray,
    ) -> e3nn.IrrepsArray:
        node_features_skip = node_features

        messages = e3nn.tensor_product(relative_vectors_sh, node_features[senders])

        scalars = MLP(
            output_dims=messages.irreps.num_irreps,
            hidden_dims=self.mlp_hidden_dims,
            num_layers=self.mlp_num_layers,
        )(radial_input)
        scalars = scalars * envelope
        scalars = e3nn.IrrepsArray(f"{scalars.shape[-1]}x0e", scalars)
        messages = jax.vmap(lambda scale, feature: scale * feature)(scalars, messages)

        node_features = e3nn.scatter_sum(
            messages, dst=receivers, output_size=node_features.shape[0]
        )
        node_features = node_features / self.avg_num_neighbors

        gate_irreps = e3nn.Irreps(f"{node_features.irreps.num_irreps}x0e")
        node_features_expanded = e3nn.flax.Linear(node_features.irreps + gate_irreps)(
            node_features
        )
        node_features = e3nn.gate(node_features_expanded)
        node_features = e3nn.concatenate([node_features, node_features_skip])
        node_features = e3nn.flax.Linear(self.output_irreps)(node_features)
        return node_features


class Potential(nn.Module):
    """Energy model: per-atom energies from the seed's message passing.

    Input ``graphs``: ``jraph.GraphsTuple`` with ``nodes = {"species": int [N],
    "positions": float [N, 3]}``, ``edges = {"shifts": float [E, 3]}`` (Cartesian
    periodic shifts, zeros for open boundaries), senders, receivers, n_node, n_edge.
    Returns a dict with ``node_features`` (IrrepsArray [N, ...]), ``atom_energies``
    [N] and ``energy`` [G].
    """

    sh_lmax: int
    init_embed_dims: int
    species: Sequence[int]
    mlp_hidden_dims: int
    mlp_num_layers: int
    output_irreps_per_layer: Sequence[e3nn.Irreps]
    cutoff: float
    num_basis: int = 8
    envelope_p: int = 6
    avg_num_neighbors: float = 1.0

    @nn.compact
    def __call__(self, graphs: jraph.GraphsTuple) -> Dict[str, jnp.ndarray]:
        num_species = len(self.species)
        species = graphs.nodes["species"]
        node_features = AtomEmbedding(
            embed_dims=self.init_embed_dims, max_atomic_number=num_species
        )(species)

        positions = graphs.nodes["positions"]
        vectors = edge_vectors(
            positions, graphs.senders, graphs.receivers, graphs.edges["shifts"]
        )
        sh = e3nn.spherical_harmonics(
            e3nn.s2_irreps(lmax=self.sh_lmax), vectors, normalize=True, normalization="norm"
        )
        lengths = edge_lengths(vectors)
        radial_input, envelope = radial_features(
            lengths, self.cutoff, self.num_basis, self.envelope_p
        )

        for output_irreps in self.output_irreps_per_layer:
            node_features = PotentialLayer(
                mlp_hidden_dims=self.mlp_hidden_dims,
                mlp_num_layers=self.mlp_num_layers,
                output_irreps=output_irreps,
                avg_num_neighbors=self.avg_num_neighbors,
            )(node_features, graphs.senders, graphs.receivers, sh, radial_input, envelope)

        readout = e3nn.flax.Linear("1x0e", name="readout")(node_features)
        if readout.irreps != e3nn.Irreps("1x0e"):
            raise ValueError(
                f"Potential: the last layer's output irreps {node_features.irreps} have no 0e, "
                "so the energy readout is empty"
            )
        scale = self.param(
            "species_energy_scale", nn.initializers.ones, (num_species,), jnp.float32
        )
        shift = self.param(
            "species_energy_shift", nn.initializers.zeros, (num_species,), jnp.float32
        )
        atom_energies = scale[species] * readout.array[:, 0] + shift[species]
        energy = e3nn.scatter_sum(atom_energies, nel=graphs.n_node)
        return {
            "node_features": node_features,
            "readout": readout,
            "atom_energies": atom_energies,
            "energy": energy,
        }


def graph_index(n: jnp.ndarray, total: int) -> jnp.ndarray:
    """Graph index of each node (or edge) from n_node (or n_edge)."""
    return jnp.repeat(jnp.arange(n.shape[0]), n, total_repeat_length=total)


def energy_forces_stress(
    model: Potential,
    params,
    graphs: jraph.GraphsTuple,
    cell: jnp.ndarray,
    pbc: jnp.ndarray,
):
    """Energy [G], atom energies [N], forces [N,3] and stress [G,6] (Voigt, eV/A^3).

    A symmetric strain ``eps_g`` per graph is applied as ``pos @ (I + eps)`` and
    ``shifts @ (I + eps)`` (the same as ``cell @ (I + eps)`` since ``shifts = S @ cell``);
    ``stress_g = (1/V_g) dE_g/d eps_g`` at eps = 0, which is ASE's convention
    (``atoms.get_stress()``: positive = tensile, pressure = -trace/3).
    Graphs whose ``pbc`` is not all true get NaN-free zeros in ``stress`` and
    ``stress_valid = False``; their volume is not defined.
    """
    n_graph = graphs.n_node.shape[0]
    positions = graphs.nodes["positions"]
    shifts = graphs.edges["shifts"]
    node_g = graph_index(graphs.n_node, positions.shape[0])
    edge_g = graph_index(graphs.n_edge, shifts.shape[0])

    def total_energy(pos, strain):
        sym = 0.5 * (strain + jnp.swapaxes(strain, -1, -2))
        pos_s = pos + jnp.einsum("ni,nij->nj", pos, sym[node_g])
        shifts_s = shifts + jnp.einsum("ei,eij->ej", shifts, sym[edge_g])
        g = graphs._replace(
            nodes={**graphs.nodes, "positions": pos_s},
            edges={**graphs.edges, "shifts": shifts_s},
        )
        out = model.apply(params, g)
        return jnp.sum(out["energy"]), out

    strain0 = jnp.zeros((n_graph, 3, 3), dtype=positions.dtype)
    (_, out), (d_pos, d_strain) = jax.value_and_grad(
        total_energy, argnums=(0, 1), has_aux=True
    )(positions, strain0)

    periodic = jnp.all(pbc.astype(bool), axis=-1)
    volume = jnp.abs(jnp.linalg.det(cell))
    safe_volume = jnp.where(periodic, volume, jnp.ones_like(volume))
    sigma = d_strain / safe_volume[:, None, None]
    voigt = jnp.stack([sigma[:, i, j] for i, j in VOIGT_INDICES], axis=-1)
    voigt = jnp.where(periodic[:, None], voigt, jnp.zeros_like(voigt))
    return {
        "energy": out["energy"],
        "atom_energies": out["atom_energies"],
        "node_features": out["node_features"],
        "forces": -d_pos,
        "stress": voigt,
        "stress_valid": periodic,
    }
