package org.e3j.md;

import java.util.SplittableRandom;

/**
 * Langevin dynamics (NVT) with the BAOAB splitting of Leimkuhler and Matthews:
 * {@code B: v += ½ dt F/m; A: x += ½ dt v; O: v = c₁ v + c₂ sqrt(kT/m) ξ; A: x += ½ dt v;
 * F = F(x); B: v += ½ dt F/m}, with {@code c₁ = exp(−γ dt)}, {@code c₂ = sqrt(1 − c₁²)}.
 *
 * <p>Why BAOAB: among the simple Langevin splittings it has the smallest configurational
 * sampling error (exact for harmonic systems in the high-friction limit), with one force
 * evaluation per step like Verlet. The noise comes from a {@link SplittableRandom} seeded by the
 * caller, so a run is reproducible bit for bit. Friction γ is given in 1/fs (ASE's
 * {@code friction} is in 1/ASE-time; 0.01/fs is a common choice).
 */
public final class LangevinBaoab implements Integrator {
    private final double dtFs;
    private final double dt;
    private final double frictionPerFs;
    private final double c1;
    private final double c2;
    private double temperatureK;
    private final SplittableRandom rng;

    /**
     * @param timestepFs   timestep, fs
     * @param temperatureK target temperature, K (>= 0)
     * @param frictionPerFs friction γ, 1/fs (> 0)
     * @param seed         seed of the noise
     */
    public LangevinBaoab(double timestepFs, double temperatureK, double frictionPerFs, long seed) {
        if (!(timestepFs > 0) || !Double.isFinite(timestepFs)) {
            throw new IllegalArgumentException("timestep must be positive and finite (fs), got " + timestepFs);
        }
        if (!(frictionPerFs > 0) || !Double.isFinite(frictionPerFs)) {
            throw new IllegalArgumentException("friction must be positive and finite (1/fs), got " + frictionPerFs);
        }
        this.dtFs = timestepFs;
        this.dt = timestepFs * Units.FS;
        this.frictionPerFs = frictionPerFs;
        this.c1 = Math.exp(-frictionPerFs * timestepFs);
        this.c2 = Math.sqrt(1 - c1 * c1);
        setTemperature(temperatureK);
        this.rng = new SplittableRandom(seed);
    }

    @Override
    public double timestepFs() {
        return dtFs;
    }

    public double temperature() {
        return temperatureK;
    }

    public double frictionPerFs() {
        return frictionPerFs;
    }

    /** Changes the target temperature (e.g. for annealing); takes effect at the next step. */
    public void setTemperature(double temperatureK) {
        if (!(temperatureK >= 0) || !Double.isFinite(temperatureK)) {
            throw new IllegalArgumentException("temperature must be >= 0 and finite (K), got " + temperatureK);
        }
        this.temperatureK = temperatureK;
    }

    @Override
    public void step(AtomsSystem system, ForceField ff, ForceResult out) {
        if (!out.has(ForceResult.FORCES) || out.numAtoms() != system.numAtoms()) {
            throw new IllegalStateException("no forces for the current positions: call init() before step()");
        }
        double[] x = system.positions();
        double[] v = system.velocities();
        double[] m = system.masses();
        double[] f = out.forces();
        int n = system.numAtoms();
        double h = 0.5 * dt;
        double kT = Units.KB * temperatureK;
        for (int i = 0; i < n; i++) {
            double a = h / m[i];
            double sd = c2 * Math.sqrt(kT / m[i]);
            for (int k = 3 * i; k < 3 * i + 3; k++) {
                double vk = v[k] + a * f[k]; // B
                double xk = x[k] + h * vk; // A
                vk = c1 * vk + sd * rng.nextGaussian(); // O
                x[k] = xk + h * vk; // A
                v[k] = vk;
            }
        }
        ff.compute(system, out.requested() | ForceResult.FORCES, out);
        f = out.forces();
        for (int i = 0; i < n; i++) {
            double a = h / m[i];
            for (int k = 3 * i; k < 3 * i + 3; k++) {
                v[k] += a * f[k]; // B
            }
        }
    }

    @Override
    public String toString() {
        return "LangevinBaoab[dt=" + dtFs + " fs, T=" + temperatureK + " K, friction=" + frictionPerFs + " /fs]";
    }
}
