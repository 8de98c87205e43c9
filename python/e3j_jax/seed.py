"""The seed tutorial's model, verbatim.

Source: shared/seed/000_498d904d06604c2a.txt ("E(3)-Equivariant Message-Passing
Networks", a simpler NequIP written with Flax + jraph + e3nn-jax).

The classes and the function below are copied from the tutorial cell by cell.
Nothing had to change to run on jax 0.10.2 / flax 0.12.8 / e3nn-jax 0.21.0 /
jraph 0.0.6.dev0: every API the tutorial uses still exists with the same
meaning (the removals in newer JAX -- top-level ``jax.tree_map`` and friends --
are not on the tutorial's path). If a future pin removes something, change only
that line and say so in a comment here.

The only additions are outside the tutorial's code: the example graph and
config as functions (``seed_example_graph``, ``seed_example_model``) and the
seed's RNG recipe (``seed_init_rng``), so other modules can reuse them.
"""

# Imports (tutorial cell 11)
from typing import Callable, Tuple, Sequence  # noqa: F401  (verbatim)

import flax.linen as nn
import jax
import jax.numpy as jnp
import jraph
import e3nn_jax as e3nn


# Tutorial cell 12
class MLP(nn.Module):
    """A simple multi-layer perceptron."""

    # These are attributes.
    output_dims: int
    hidden_dims: int
    num_layers: int

    @nn.compact
    def __call__(self, x: jnp.ndarray) -> jnp.ndarray:
        for _ in range(self.num_layers - 1):
            x = nn.Dense(features=self.hidden_dims)(x)
            x = nn.LayerNorm()(x)
            x = nn.silu(x)
        x = nn.Dense(features=self.output_dims)(x)
        return x


# Tutorial cell 15
class AtomEmbedding(nn.Module):
    """Embeds atomic numbers into a learnable vector space."""

    embed_dims: int
    max_atomic_number: int

    @nn.compact
    def __call__(self, atomic_numbers: jnp.ndarray) -> jnp.ndarray:
        atom_embeddings = nn.Embed(
            num_embeddings=self.max_atomic_number, features=self.embed_dims
        )(atomic_numbers)
        return e3nn.IrrepsArray(f"{self.embed_dims}x0e", atom_embeddings)


# Tutorial cell 16
class SimpleNetworkLayer(nn.Module):
    """A layer of a simple E(3)-equivariant message passing network."""

    mlp_hidden_dims: int
    mlp_num_layers: int
    output_irreps: e3nn.Irreps

    @nn.compact
    def __call__(
        self,
        node_features: e3nn.IrrepsArray,
        senders: jnp.ndarray,
        receivers: jnp.ndarray,
        relative_vectors_sh: e3nn.IrrepsArray,
        relative_vectors_norm: jnp.ndarray,
    ) -> e3nn.IrrepsArray:

        # Compute the skip connection.
        node_features_skip = node_features

        # Tensor product of the relative vectors and the neighbouring node features.
        node_features_broadcasted = node_features[senders]
        node_features_broadcasted = e3nn.tensor_product(
            relative_vectors_sh, node_features_broadcasted
        )

        # Simply multiply each irrep by a learned scalar, based on the norm of the relative vector.
        scalars = MLP(
            output_dims=node_features_broadcasted.irreps.num_irreps,
            hidden_dims=self.mlp_hidden_dims,
            num_layers=self.mlp_num_layers,
        )(relative_vectors_norm)
        scalars = e3nn.IrrepsArray(f"{scalars.shape[-1]}x0e", scalars)
        node_features_broadcasted = jax.vmap(lambda scale, feature: scale * feature)(
            scalars, node_features_broadcasted
        )

        # Aggregate the node features back.
        node_features = e3nn.scatter_mean(
            node_features_broadcasted,
            dst=receivers,
            output_size=node_features.shape[0],
        )

        # Apply a non-linearity.
        # Note that using an unnormalized non-linearity will make the model not equivariant.
        gate_irreps = e3nn.Irreps(f"{node_features.irreps.num_irreps}x0e")
        node_features_expanded = e3nn.flax.Linear(node_features.irreps + gate_irreps)(
            node_features
        )
        node_features = e3nn.gate(node_features_expanded)

        # Add the skip connection.
        node_features = e3nn.concatenate([node_features, node_features_skip])

        # Apply a linear transformation to the output.
        node_features = e3nn.flax.Linear(self.output_irreps)(node_features)
        return node_features


# Tutorial cell 21
def compute_features_of_relative_vectors(
    relative_vectors: jnp.ndarray, lmax: int
) -> Tuple[e3nn.IrrepsArray, jnp.ndarray]:
    """Compute the spherical harmonics of the relative vectors and their norms."""
    relative_vectors_sh = e3nn.spherical_harmonics(
        e3nn.s2_irreps(lmax=lmax),
        relative_vectors,
        normalize=True,
        normalization="norm",
    )
    relative_vectors_norm = jnp.linalg.norm(relative_vectors, axis=-1, keepdims=True)
    return relative_vectors_sh, relative_vectors_norm


class SimpleNetwork(nn.Module):
    """A simple E(3)-equivariant message passing network."""

    sh_lmax: int
    init_embed_dims: int
    max_atomic_number: int
    mlp_hidden_dims: int
    mlp_num_layers: int
    output_irreps_per_layer: Sequence[e3nn.Irreps]

    @nn.compact
    def __call__(self, graphs: jraph.GraphsTuple) -> jnp.ndarray:
        # Node features are initially the atomic numbers embedded.
        node_features = graphs.nodes["numbers"]
        node_features = AtomEmbedding(
            embed_dims=self.init_embed_dims,
            max_atomic_number=self.max_atomic_number,
        )(node_features)

        # Precompute the spherical harmonics of the relative vectors.
        positions = graphs.nodes["positions"]
        relative_vectors = positions[graphs.receivers] - positions[graphs.senders]
        (
            relative_vectors_sh,
            relative_vectors_norm,
        ) = compute_features_of_relative_vectors(
            relative_vectors,
            lmax=self.sh_lmax,
        )

        # Message passing.
        for output_irreps in self.output_irreps_per_layer:
            node_features = SimpleNetworkLayer(
                mlp_hidden_dims=self.mlp_hidden_dims,
                mlp_num_layers=self.mlp_num_layers,
                output_irreps=output_irreps,
            )(
                node_features,
                graphs.senders,
                graphs.receivers,
                relative_vectors_sh,
                relative_vectors_norm,
            )

        # Readout.
        return node_features, e3nn.scatter_mean(node_features, nel=graphs.n_node)


# ---------------------------------------------------------------------------
# Not tutorial code: the tutorial's example inputs, as reusable functions.

def seed_example_graph() -> jraph.GraphsTuple:
    """The tutorial's 3-atom example graph (cell 19), verbatim."""
    graph = jraph.GraphsTuple(
        nodes=dict(
            numbers=jnp.array([1, 6, 8]),
            positions=jnp.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0], [2.0, 0.0, 0.0]]),
        ),
        senders=jnp.array([0, 1, 2]),
        receivers=jnp.array([1, 2, 0]),
        globals=jnp.array([0]),
        edges=None,
        n_node=jnp.array([3]),
        n_edge=jnp.array([3]),
    )
    return graph


def seed_example_model() -> SimpleNetwork:
    """The tutorial's example configuration (cell 22), verbatim."""
    model = SimpleNetwork(
        sh_lmax=3,
        init_embed_dims=8,
        max_atomic_number=10,
        mlp_hidden_dims=8,
        mlp_num_layers=2,
        output_irreps_per_layer=[
            e3nn.Irreps("8x0e + 8x1o"),
            e3nn.Irreps("8x0e + 8x1o"),
        ],
    )
    return model


def seed_init_rng():
    """The tutorial's RNG recipe (cell 14): PRNGKey(0), split once, use the second key."""
    rng = jax.random.PRNGKey(0)
    rng, init_rng = jax.random.split(rng)
    return init_rng
