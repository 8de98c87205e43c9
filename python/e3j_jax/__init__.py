"""e3j_jax: the Python half of e3j (seed model, MD potential, exporter, fixtures)."""

__version__ = "0.1.0"
