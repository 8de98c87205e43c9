package org.e3j.md;

/**
 * Velocity Verlet (NVE): {@code v += ½ dt F/m; x += dt v; F = F(x); v += ½ dt F/m}. Symplectic and
 * time-reversible, so with a smooth potential the total energy shows bounded fluctuations of order
 * dt² and no secular drift — which is what the conservation tests check. Same update as ASE's
 * {@code VelocityVerlet}; the timestep is in fs (converted with {@link Units#FS}).
 */
public final class VelocityVerlet implements Integrator {
    private final double dtFs;
    private final double dt;

    public VelocityVerlet(double timestepFs) {
        if (!(timestepFs > 0) || !Double.isFinite(timestepFs)) {
            throw new IllegalArgumentException("timestep must be positive and finite (fs), got " + timestepFs);
        }
        this.dtFs = timestepFs;
        this.dt = timestepFs * Units.FS;
    }

    @Override
    public double timestepFs() {
        return dtFs;
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
        for (int i = 0; i < n; i++) {
            double a = h / m[i];
            for (int k = 3 * i; k < 3 * i + 3; k++) {
                v[k] += a * f[k];
                x[k] += dt * v[k];
            }
        }
        ff.compute(system, out.requested() | ForceResult.FORCES, out);
        f = out.forces();
        for (int i = 0; i < n; i++) {
            double a = h / m[i];
            for (int k = 3 * i; k < 3 * i + 3; k++) {
                v[k] += a * f[k];
            }
        }
    }

    @Override
    public String toString() {
        return "VelocityVerlet[dt=" + dtFs + " fs]";
    }
}
