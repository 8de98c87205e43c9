package org.e3j.md;

/** A force field whose forces are those of another, times a factor (energy untouched): a deliberately inconsistent potential. */
final class ScaledForces implements ForceField {
    private final ForceField inner;

    ForceField inner() {
        return inner;
    }
    private final double factor;

    ScaledForces(ForceField inner, double factor) {
        this.inner = inner;
        this.factor = factor;
    }

    @Override
    public double cutoff() {
        return inner.cutoff();
    }

    @Override
    public void compute(AtomsSystem system, ForceResult out) {
        inner.compute(system, out);
        if (out.has(ForceResult.FORCES)) {
            double[] f = out.forces();
            for (int k = 0, m = 3 * system.numAtoms(); k < m; k++) {
                f[k] *= factor;
            }
        }
    }
}
