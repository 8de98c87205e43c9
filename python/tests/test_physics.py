"""Physics of the models: finite-difference forces and stress (float64), equivariance, invariance."""

import functools

import e3nn_jax as e3nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk

from e3j_jax.calculator import E3jCalculator, atoms_to_graph
from conftest import FIXTURES

from e3j_jax.fixtures import load_case, potential_graph, simple_graph
from e3j_jax.potential import Potential, bessel_basis, energy_forces_stress, polynomial_envelope

# ASE 3.29 deprecates calculate_numerical_* in favour of FiniteDifferenceCalculator; same maths.
pytestmark = pytest.mark.filterwarnings("ignore:Please use `ase.calculators.fd:FutureWarning")


def small_potential():
    return Potential(
        sh_lmax=2, init_embed_dims=5, species=(11, 17), mlp_hidden_dims=6, mlp_num_layers=2,
        output_irreps_per_layer=[e3nn.Irreps("6x0e + 2x1o + 1x1e + 1x2e"), e3nn.Irreps("4x0e + 1x0o + 1x1o")],
        cutoff=3.5, num_basis=6, envelope_p=6, avg_num_neighbors=6.0,
    )


def init_f64(model, atoms):
    graph, _, _ = atoms_to_graph(atoms, model)
    variables = jax.jit(model.init)(jax.random.PRNGKey(0), graph)
    params = dict(variables["params"])
    params["species_energy_scale"] = jnp.array([0.8, 1.3])
    params["species_energy_shift"] = jnp.array([-1.0, -2.0])
    return jax.tree.map(lambda a: jnp.asarray(a, jnp.float64), {"params": params})


def rattled(atoms, seed, scale):
    atoms = atoms.copy()
    atoms.positions += np.random.default_rng(seed).normal(scale=scale, size=atoms.positions.shape)
    return atoms


def test_forces_and_stress_equal_central_differences_float64():
    with jax.enable_x64(True):
        model = small_potential()
        atoms = rattled(bulk("NaCl", "rocksalt", a=5.4, cubic=True), 0, 0.1)
        atoms.set_cell(np.array(atoms.cell) @ (np.eye(3) + [[0, 0.03, 0], [0, 0, 0.02], [-0.02, 0, 0]]),
                       scale_atoms=True)
        variables = init_f64(model, atoms)
        calc = E3jCalculator(model, variables)
        atoms.calc = calc
        energy = atoms.get_potential_energy()
        forces = atoms.get_forces()
        stress = atoms.get_stress()  # ASE Voigt order xx yy zz yz xz xy
        assert np.isfinite(energy) and np.abs(forces).max() > 1e-3 and np.abs(stress).max() > 1e-4
        np.testing.assert_allclose(atoms.get_potential_energies().sum(), energy, rtol=1e-12)
        num_f = calc.calculate_numerical_forces(atoms, d=1e-5)
        num_s = calc.calculate_numerical_stress(atoms, d=1e-6, voigt=True)
        np.testing.assert_allclose(forces, num_f, rtol=1e-6, atol=1e-8 * max(1, np.abs(forces).max()))
        np.testing.assert_allclose(stress, num_s, rtol=1e-6, atol=1e-9)


def test_molecule_forces_equal_central_differences_float64():
    with jax.enable_x64(True):
        model = small_potential()
        rng = np.random.default_rng(3)
        atoms = Atoms("Na3Cl3", positions=rng.uniform(0, 3.2, (6, 3)))
        variables = init_f64(model, atoms)
        calc = E3jCalculator(model, variables)
        atoms.calc = calc
        forces = atoms.get_forces()
        np.testing.assert_allclose(forces, calc.calculate_numerical_forces(atoms, d=1e-5), rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(forces.sum(0), 0, atol=1e-12)  # Newton's third law, no cell
        from ase.calculators.calculator import PropertyNotImplementedError

        with pytest.raises(PropertyNotImplementedError):
            atoms.get_stress()


def test_envelope_and_basis():
    rc = 3.5
    with jax.enable_x64(True):
        d = jnp.array([[0.0], [1.0], [rc - 1e-9], [rc], [rc + 0.5]])
        u = polynomial_envelope(d, rc, 6)
        np.testing.assert_allclose(u[:, 0], [1.0, float(u[1, 0]), 0.0, 0.0, 0.0], atol=1e-12)
        du = jax.vmap(jax.grad(lambda x: polynomial_envelope(x[None, None], rc, 6)[0, 0]))
        d2u = jax.vmap(jax.grad(jax.grad(lambda x: polynomial_envelope(x[None, None], rc, 6)[0, 0])))
        xs = jnp.array([rc - 1e-6, rc])
        np.testing.assert_allclose(du(xs), 0, atol=1e-9)
        np.testing.assert_allclose(d2u(xs), 0, atol=1e-4)
        b = bessel_basis(jnp.array([[0.0], [1.3]]), rc, 4)
        n = np.arange(1, 5)
        np.testing.assert_allclose(b[0], np.sqrt(2 / rc) * n * np.pi / rc, rtol=1e-12)
        np.testing.assert_allclose(b[1], np.sqrt(2 / rc) * np.sin(n * np.pi * 1.3 / rc) / 1.3, rtol=1e-12)


def test_energy_continuous_at_cutoff():
    """Energy and forces go to zero continuously as a pair crosses the cutoff (one graph shape)."""
    import jraph

    with jax.enable_x64(True):
        model = small_potential()
        rc = model.cutoff
        direction = np.array([0.9, 0.3, 0.2]) / np.linalg.norm([0.9, 0.3, 0.2])
        def graph(dist):
            return jraph.GraphsTuple(
                nodes=dict(species=jnp.array([0, 1], jnp.int32),
                           positions=jnp.asarray(np.stack([np.zeros(3), dist * direction]))),
                edges=dict(shifts=jnp.zeros((2, 3))), senders=jnp.array([0, 1], jnp.int32),
                receivers=jnp.array([1, 0], jnp.int32), globals=None,
                n_node=jnp.array([2], jnp.int32), n_edge=jnp.array([2], jnp.int32))
        params = jax.jit(model.init)(jax.random.PRNGKey(1), graph(2.5))
        params = jax.tree.map(lambda a: jnp.asarray(a, jnp.float64), params)
        efs = jax.jit(lambda g: energy_forces_stress(model, params, g, jnp.zeros((1, 3, 3)), jnp.zeros((1, 3))))
        isolated = efs(graph(rc + 0.5))
        at_cut = efs(graph(rc))
        just_out = efs(graph(rc + 1e-4))
        just_in = efs(graph(rc - 1e-4))
        inside = efs(graph(rc - 0.5))
        assert float(at_cut["energy"][0]) == float(isolated["energy"][0]) == float(just_out["energy"][0])
        assert np.abs(np.asarray(isolated["forces"])).max() == 0.0
        assert abs(float(just_in["energy"][0] - isolated["energy"][0])) < 1e-9
        assert np.abs(np.asarray(just_in["forces"])).max() < 1e-6
        assert abs(float(inside["energy"][0] - isolated["energy"][0])) > 1e-5  # the pair does interact


# --- equivariance (float32) -------------------------------------------------

@functools.lru_cache(maxsize=None)
def _case(name):
    return load_case(FIXTURES, name)


@functools.lru_cache(maxsize=None)
def _apply(name):
    """One jitted function per case, so parametrized tests share compilations."""
    model, _, _ = _case(name)
    if isinstance(model, Potential):
        return jax.jit(lambda v, g, c, p: energy_forces_stress(model, v, g, c, p))
    return jax.jit(model.apply)


def _transforms():
    R = np.asarray(e3nn.rand_matrix(jax.random.PRNGKey(7)), np.float64)
    return {"rotation": R, "reflection": -R, "mirror": np.diag([1.0, -1.0, 1.0])}


@pytest.mark.parametrize("case", ["simple_lmax1_molecule20", "simple_lmax4_cluster8"])
@pytest.mark.parametrize("kind", ["rotation", "reflection", "mirror"])
def test_simple_network_equivariance(case, kind):
    model, variables, b = _case(case)
    R = _transforms()[kind]
    apply = _apply(case)
    nodes, glob = apply(variables, simple_graph(b))
    b2 = _replace(b, positions=(b.positions.astype(np.float64) @ R.T).astype(np.float32))
    nodes2, glob2 = apply(variables, simple_graph(b2))
    Rj = jnp.asarray(R, jnp.float32)
    scale = float(jnp.abs(nodes.array).max())
    np.testing.assert_allclose(nodes2.array, nodes.transform_by_matrix(Rj).array, atol=2e-5 * scale)
    np.testing.assert_allclose(glob2.array, glob.transform_by_matrix(Rj).array, atol=2e-5 * scale)
    if kind != "rotation":
        assert nodes.irreps.count("1o") > 0  # parity matters in this check


def _replace(b, **kw):
    import dataclasses

    return dataclasses.replace(b, **kw)


def _voigt_to_matrix(v):
    xx, yy, zz, yz, xz, xy = v
    return np.array([[xx, xy, xz], [xy, yy, yz], [xz, yz, zz]])


@pytest.mark.parametrize("case", ["potential_crystal32", "potential_molecule20"])
@pytest.mark.parametrize("kind", ["rotation", "reflection"])
def test_potential_equivariance(case, kind):
    model, variables, b = _case(case)
    R = _transforms()[kind]
    efs = _apply(case)
    o1 = efs(variables, potential_graph(b, model.species), jnp.asarray(b.cell), jnp.asarray(b.pbc))
    rot = lambda x: (np.asarray(x, np.float64) @ R.T).astype(np.float32)  # noqa: E731
    b2 = _replace(b, positions=rot(b.positions), shifts=rot(b.shifts), cell=rot(b.cell))
    o2 = efs(variables, potential_graph(b2, model.species), jnp.asarray(b2.cell), jnp.asarray(b2.pbc))
    e_scale = float(np.abs(o1["atom_energies"]).max())
    np.testing.assert_allclose(o2["energy"], o1["energy"], rtol=2e-6, atol=2e-6 * e_scale * len(b.numbers))
    f_scale = float(np.abs(o1["forces"]).max())
    np.testing.assert_allclose(o2["forces"], np.asarray(o1["forces"]) @ R.T, atol=5e-5 * f_scale)
    n_scale = float(np.abs(o1["node_features"].array).max())
    np.testing.assert_allclose(
        o2["node_features"].array,
        o1["node_features"].transform_by_matrix(jnp.asarray(R, jnp.float32)).array, atol=2e-5 * n_scale)
    if np.asarray(o1["stress_valid"]).all():
        s1, s2 = _voigt_to_matrix(np.asarray(o1["stress"][0])), _voigt_to_matrix(np.asarray(o2["stress"][0]))
        np.testing.assert_allclose(s2, R @ s1 @ R.T, atol=5e-5 * np.abs(s1).max())


@pytest.mark.parametrize("case", ["simple_lmax2_batch4", "potential_batch3"])
def test_translation_invariance(case):
    model, variables, b = _case(case)
    t = np.array([1.75, -3.5, 0.625], np.float32)
    b2 = _replace(b, positions=b.positions + t)
    if isinstance(model, Potential):
        efs = _apply(case)
        o1 = efs(variables, potential_graph(b, model.species), jnp.asarray(b.cell), jnp.asarray(b.pbc))
        o2 = efs(variables, potential_graph(b2, model.species), jnp.asarray(b.cell), jnp.asarray(b.pbc))
        np.testing.assert_allclose(o2["energy"], o1["energy"], rtol=1e-6)
        np.testing.assert_allclose(o2["forces"], o1["forces"], atol=5e-5 * float(np.abs(o1["forces"]).max()))
        np.testing.assert_allclose(o2["stress"], o1["stress"], atol=5e-5 * float(np.abs(o1["stress"]).max()))
    else:
        n1, g1 = _apply(case)(variables, simple_graph(b))
        n2, g2 = _apply(case)(variables, simple_graph(b2))
        np.testing.assert_allclose(n2.array, n1.array, atol=2e-5 * float(np.abs(n1.array).max()))
