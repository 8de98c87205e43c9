package org.e3j.layers.model;

/**
 * The Potential's radial features (NequIP): the Bessel basis
 * {@code B_n(d) = sqrt(2/rc) sin(n pi d / rc) / d}, n = 1..numBasis, and the polynomial envelope
 * {@code u(x) = 1 - (p+1)(p+2)/2 x^p + p(p+2) x^(p+1) - p(p+1)/2 x^(p+2)}, x = d/rc, zero beyond the
 * cutoff; with their derivatives in d for forces. Double precision.
 */
public final class RadialBasis {
    public final double cutoff;
    public final int numBasis;
    public final int p;
    private final double prefactor;
    private final double a;
    private final double b;
    private final double c;

    public RadialBasis(double cutoff, int numBasis, int p) {
        this.cutoff = cutoff;
        this.numBasis = numBasis;
        this.p = p;
        this.prefactor = Math.sqrt(2.0 / cutoff);
        this.a = (p + 1.0) * (p + 2.0) / 2.0;
        this.b = p * (p + 2.0);
        this.c = p * (p + 1.0) / 2.0;
    }

    public double envelope(double d) {
        double x = d / cutoff;
        if (x >= 1.0) {
            return 0.0;
        }
        double xp = Math.pow(x, p);
        return 1.0 - a * xp + b * xp * x - c * xp * x * x;
    }

    /** du/dd = -p(p+1)(p+2)/2 x^(p-1) (1-x)^2 / rc. */
    public double envelopeDerivative(double d) {
        double x = d / cutoff;
        if (x >= 1.0) {
            return 0.0;
        }
        double xp1 = Math.pow(x, p - 1);
        return (-a * p * xp1 + b * (p + 1) * xp1 * x - c * (p + 2) * xp1 * x * x) / cutoff;
    }

    /** Writes B_1..B_numBasis at d into out[off..]; d = 0 uses the limit prefactor * freq_n. */
    public void basis(double d, double[] out, int off) {
        for (int n = 1; n <= numBasis; n++) {
            double f = n * Math.PI / cutoff;
            out[off + n - 1] = d > 0 ? prefactor * Math.sin(f * d) / d : prefactor * f;
        }
    }

    /** Writes dB_n/dd into out[off..] (d > 0). */
    public void basisDerivative(double d, double[] out, int off) {
        for (int n = 1; n <= numBasis; n++) {
            double f = n * Math.PI / cutoff;
            out[off + n - 1] = prefactor * (f * Math.cos(f * d) / d - Math.sin(f * d) / (d * d));
        }
    }

    /**
     * {@link #basis} and, when {@code dOut} is not null, {@link #basisDerivative} (d &gt; 0) with one
     * sin and one cos per call instead of one per function: sin(n t) and cos(n t) by the Chebyshev
     * recurrence {@code s_(n+1) = 2 cos(t) s_n - s_(n-1)} (the fast engine's geometry pass, where the
     * per-function sines were a fifth of a small model's energy + forces). Its rounding grows like
     * n^2 ulps: ~1e-14 relative at n = 8, far below the float32 the values are rounded to.
     */
    public void basisRecurrence(double d, double[] out, int off, double[] dOut, int dOff) {
        double t = Math.PI * d / cutoff;
        double s1 = Math.sin(t);
        double c1 = Math.cos(t);
        double twoC = 2 * c1;
        double sPrev = 0;
        double cPrev = 1;
        double s = s1;
        double c = c1;
        double inv = d > 0 ? 1.0 / d : 0;
        for (int n = 1; n <= numBasis; n++) {
            double f = n * Math.PI / cutoff;
            out[off + n - 1] = d > 0 ? prefactor * s * inv : prefactor * f;
            if (dOut != null) {
                dOut[dOff + n - 1] = prefactor * (f * c - s * inv) * inv;
            }
            double sNext = twoC * s - sPrev;
            double cNext = twoC * c - cPrev;
            sPrev = s;
            cPrev = c;
            s = sNext;
            c = cNext;
        }
    }
}
