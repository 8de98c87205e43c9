package org.e3j.md;

import java.util.Arrays;
import org.e3j.graph.NeighborList;

/**
 * Shifted-force Lennard-Jones: the reference potential that validates the MD machinery (the
 * integrators, the guard, the i-PI driver) with analytic energies, forces and stress.
 *
 * <p>{@code V(r) = 4ε[(σ/r)¹² − (σ/r)⁶]}, used as
 * {@code V_sf(r) = V(r) − V(r_c) − (r − r_c) V'(r_c)} for {@code r < r_c} and 0 beyond, so that
 * both the energy and the force go continuously to zero at the cutoff. Why shifted-force and not
 * a plain cut: a force jump at the cutoff injects energy whenever a pair crosses it, and the NVE
 * conservation tests must see the integrator's error, not the potential's. One (ε, σ) pair for all
 * species (argon-like systems).
 *
 * <p>Pairs come from a {@link NeighborList} with a Verlet skin, kept between calls: the list is
 * rebuilt only when an atom moved more than skin/2, when the cell or the atom count changes.
 * Energy {@code E = ½ Σ_edges V_sf(|r_e|)} over the full (both directions) list; each edge gives
 * half of its pair energy to its receiver for the per-atom energies; the stress is the virial
 * {@code σ_ab = (1/V) ½ Σ_e V_sf'(d) r_a r_b / d} with ASE's sign ({@code pressure = −trace(σ)/3}:
 * a compressed, repulsive system has a negative stress).
 *
 * <p>Steady-state {@link #compute} does not allocate (the neighbour list's filter path does not);
 * a rebuild allocates in the neighbour list's cell search. Thread-confined, like every
 * {@link ForceField}.
 */
public final class LennardJones implements ForceField {
    /** Argon, ε = 0.0104 eV (120 K), σ = 3.40 Å: the textbook parameters. */
    public static final double ARGON_EPSILON = 0.0104;
    public static final double ARGON_SIGMA = 3.40;

    private final double epsilon;
    private final double sigma;
    private final double cutoff;
    private final double vc;
    private final double dvc;
    private final NeighborList nl;
    private final boolean[] pbc = new boolean[3];
    private boolean built;

    /**
     * @param epsilon well depth, eV (> 0)
     * @param sigma   zero-crossing distance, Å (> 0)
     * @param cutoff  Å (> 0); 2.5 σ is customary
     * @param skin    Verlet skin, Å (>= 0); 0.3–1 Å for MD, 0 rebuilds at every call
     */
    public LennardJones(double epsilon, double sigma, double cutoff, double skin) {
        if (!(epsilon > 0) || !Double.isFinite(epsilon)) {
            throw new IllegalArgumentException("epsilon must be positive and finite, got " + epsilon);
        }
        if (!(sigma > 0) || !Double.isFinite(sigma)) {
            throw new IllegalArgumentException("sigma must be positive and finite, got " + sigma);
        }
        if (!(cutoff > 0) || !Double.isFinite(cutoff)) {
            throw new IllegalArgumentException("cutoff must be positive and finite, got " + cutoff);
        }
        this.epsilon = epsilon;
        this.sigma = sigma;
        this.cutoff = cutoff;
        this.vc = rawEnergy(cutoff);
        this.dvc = rawDerivative(cutoff);
        this.nl = new NeighborList(cutoff, skin);
    }

    /** Argon with cutoff 2.5 σ and a 1 Å skin. */
    public static LennardJones argon() {
        return new LennardJones(ARGON_EPSILON, ARGON_SIGMA, 2.5 * ARGON_SIGMA, 1.0);
    }

    public double epsilon() {
        return epsilon;
    }

    public double sigma() {
        return sigma;
    }

    @Override
    public double cutoff() {
        return cutoff;
    }

    /** The neighbour list (for diagnostics: rebuild counts). */
    public NeighborList neighborList() {
        return nl;
    }

    private double rawEnergy(double r) {
        double s6 = Math.pow(sigma / r, 6);
        return 4 * epsilon * (s6 * s6 - s6);
    }

    private double rawDerivative(double r) {
        double s6 = Math.pow(sigma / r, 6);
        return 24 * epsilon / r * (s6 - 2 * s6 * s6);
    }

    /** The shifted-force pair energy at distance r (eV), 0 at and beyond the cutoff. */
    public double pairEnergy(double r) {
        if (r >= cutoff) {
            return 0;
        }
        return rawEnergy(r) - vc - (r - cutoff) * dvc;
    }

    @Override
    public void compute(AtomsSystem system, ForceResult out) {
        double[] pos = system.positions();
        double[] cell = system.cellView();
        boolean[] sysPbc = system.pbcView();
        int n = system.numAtoms();
        if (!built || nl.numAtoms() != n || !Arrays.equals(pbc, sysPbc)) {
            nl.build(pos, cell, sysPbc);
            System.arraycopy(sysPbc, 0, pbc, 0, 3);
            built = true;
        } else {
            nl.update(pos, cell);
        }
        out.prepare(n);
        boolean wantForces = out.wants(ForceResult.FORCES);
        boolean wantAtoms = out.wants(ForceResult.ATOM_ENERGIES);
        boolean periodic = system.isPeriodic() && system.volume() > 0;
        boolean wantStress = out.wants(ForceResult.STRESS) && periodic;
        double[] f = out.forces();
        double[] ae = out.atomEnergies();
        final int[] snd = nl.sendersView();
        final int[] rcv = nl.receiversView();
        final double[] vec = nl.vectorsView();
        final double[] dist = nl.distancesView();
        final double s6c = Math.pow(sigma, 6);
        final double fourEps = 4 * epsilon;
        final double rc = cutoff;
        double energy = 0;
        double sxx = 0, syy = 0, szz = 0, syz = 0, sxz = 0, sxy = 0;
        for (int e = 0, m = nl.numEdges(); e < m; e++) {
            double d = dist[e];
            double inv2 = 1.0 / (d * d);
            double s6 = s6c * inv2 * inv2 * inv2;
            double s12 = s6 * s6;
            double v = fourEps * (s12 - s6) - vc - (d - rc) * dvc;
            energy += v;
            if (wantAtoms) {
                ae[rcv[e]] += 0.5 * v;
            }
            // dV/dd / d, halved because every pair appears twice in the full list
            double g = 0.5 * ((6 * fourEps * (s6 - 2 * s12)) * inv2 - dvc / d);
            double x = vec[3 * e], y = vec[3 * e + 1], z = vec[3 * e + 2];
            if (wantForces) {
                // r = pos[j] - pos[i] + shift: dE/dpos_j = g r, dE/dpos_i = -g r; F = -dE/dpos
                int i = snd[e], j = rcv[e];
                f[3 * j] -= g * x;
                f[3 * j + 1] -= g * y;
                f[3 * j + 2] -= g * z;
                f[3 * i] += g * x;
                f[3 * i + 1] += g * y;
                f[3 * i + 2] += g * z;
            }
            if (wantStress) {
                sxx += g * x * x;
                syy += g * y * y;
                szz += g * z * z;
                syz += g * y * z;
                sxz += g * x * z;
                sxy += g * x * y;
            }
        }
        out.setEnergy(0.5 * energy);
        int got = ForceResult.ENERGY;
        if (wantForces) {
            got |= ForceResult.FORCES;
        }
        if (wantAtoms) {
            got |= ForceResult.ATOM_ENERGIES;
        }
        if (wantStress) {
            double invV = 1.0 / system.volume();
            double[] s = out.stress();
            s[0] = sxx * invV;
            s[1] = syy * invV;
            s[2] = szz * invV;
            s[3] = syz * invV;
            s[4] = sxz * invV;
            s[5] = sxy * invV;
            got |= ForceResult.STRESS;
        }
        out.markAvailable(got);
    }

    @Override
    public String toString() {
        return "LennardJones[epsilon=" + epsilon + " eV, sigma=" + sigma + " Å, cutoff=" + cutoff + " Å, skin="
                + nl.skin() + " Å]";
    }
}
