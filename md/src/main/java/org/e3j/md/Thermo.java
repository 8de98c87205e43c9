package org.e3j.md;

import java.util.random.RandomGenerator;

/**
 * Kinetic energy, temperature, momentum, and Maxwell–Boltzmann velocities, with ASE's conventions
 * (ASE's {@code get_kinetic_energy}, {@code get_temperature} with 3N degrees of freedom, and
 * {@code MaxwellBoltzmannDistribution} + {@code Stationary}). None of these allocate.
 */
public final class Thermo {
    private Thermo() {}

    /** Kinetic energy ½ Σ m v², eV. */
    public static double kineticEnergy(AtomsSystem s) {
        double[] v = s.velocities();
        double[] m = s.masses();
        double e = 0;
        for (int i = 0, n = s.numAtoms(); i < n; i++) {
            double vx = v[3 * i], vy = v[3 * i + 1], vz = v[3 * i + 2];
            e += m[i] * (vx * vx + vy * vy + vz * vz);
        }
        return 0.5 * e;
    }

    /** Instantaneous temperature, K, with 3N degrees of freedom (as ASE's {@code get_temperature}). */
    public static double temperature(AtomsSystem s) {
        return temperature(kineticEnergy(s), 3 * s.numAtoms());
    }

    /** Temperature, K, of a kinetic energy (eV) spread over {@code dof} degrees of freedom. */
    public static double temperature(double kineticEnergy, int dof) {
        return 2 * kineticEnergy / (dof * Units.KB);
    }

    /** Total momentum component c (amu · ASE velocity). */
    public static double momentum(AtomsSystem s, int c) {
        double[] v = s.velocities();
        double[] m = s.masses();
        double p = 0;
        for (int i = 0, n = s.numAtoms(); i < n; i++) {
            p += m[i] * v[3 * i + c];
        }
        return p;
    }

    /** Removes the centre-of-mass velocity (total momentum becomes zero), as ASE's {@code Stationary}. */
    public static void zeroMomentum(AtomsSystem s) {
        double[] v = s.velocities();
        double[] m = s.masses();
        int n = s.numAtoms();
        double mt = 0;
        for (int i = 0; i < n; i++) {
            mt += m[i];
        }
        for (int c = 0; c < 3; c++) {
            double vc = momentum(s, c) / mt;
            for (int i = 0; i < n; i++) {
                v[3 * i + c] -= vc;
            }
        }
    }

    /**
     * Draws velocities from the Maxwell–Boltzmann distribution at {@code temperatureK}
     * ({@code v ~ N(0, kT/m)} per component), then removes the centre-of-mass motion. With
     * {@code exact} the velocities are rescaled so that {@link #temperature(AtomsSystem)} equals
     * the target (ASE's {@code force_temp=True}). Deterministic for a given generator state.
     */
    public static void maxwellBoltzmann(AtomsSystem s, double temperatureK, RandomGenerator rng, boolean exact) {
        if (!(temperatureK >= 0) || !Double.isFinite(temperatureK)) {
            throw new IllegalArgumentException("temperature must be >= 0 and finite, got " + temperatureK);
        }
        double[] v = s.velocities();
        double[] m = s.masses();
        double kT = Units.KB * temperatureK;
        for (int i = 0, n = s.numAtoms(); i < n; i++) {
            double sd = Math.sqrt(kT / m[i]);
            for (int c = 0; c < 3; c++) {
                v[3 * i + c] = sd * rng.nextGaussian();
            }
        }
        zeroMomentum(s);
        if (exact && temperatureK > 0) {
            double t = temperature(s);
            if (t > 0) {
                double k = Math.sqrt(temperatureK / t);
                for (int i = 0; i < v.length; i++) {
                    v[i] *= k;
                }
            }
        }
    }
}
