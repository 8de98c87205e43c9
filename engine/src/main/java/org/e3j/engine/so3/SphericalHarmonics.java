package org.e3j.engine.so3;

import java.util.Locale;
import org.e3j.engine.irreps.Irreps;
import org.e3j.engine.irreps.IrrepsArray;
import org.e3j.engine.irreps.IrrepsException;
import org.e3j.engine.irreps.MulIrrep;

/**
 * Real spherical harmonics {@code Y^0 .. Y^lmax} of a 3-vector, exactly as e3nn-jax's
 * {@code spherical_harmonics} (component order k = l + m, l = 1 is (x, y, z), y is the polar axis,
 * no Condon–Shortley phase), together with their analytic Jacobian {@code dY/dr}.
 *
 * <p>Algorithm: the "norm" harmonics P^l are homogeneous polynomials built by the one-step recursion
 * {@code P^(l+1)_k = sum_ij C(1,l,l+1)[i,j,k] r_i P^l_j / ||C(1,l,l+1)[1,l,:]||}, which is the
 * recursion whose sign e3nn-jax's {@code test_recurrence_relation} pins down (e3nn-jax itself splits
 * l into powers of two for lmax &lt;= 8 and uses Legendre functions above; all agree to ~1e-15).
 * The normalisations are then {@code norm}: P^l, {@code component}: sqrt(2l+1) P^l,
 * {@code integral}: sqrt((2l+1)/(4 pi)) P^l.
 *
 * <p>The Jacobian uses the identity e3nn-jax's custom JVP is built on,
 * {@code d P^l_j / d r_k = sqrt((2l+1) l (2l-1)) sum_i C(l-1,l,1)[i,j,k] P^(l-1)_i}; with
 * {@code normalize=true} it is chained with {@code d(r/|r|)/dr = (I - u u^T)/|r|}. At r = 0 with
 * normalize the input is divided by 1 (e3nn replaces |r|^2 = 0 by 1), so Y^0 = 1, Y^(l>0) = 0 and the
 * Jacobian is that of the polynomial at 0 (nonzero only for l = 1), matching JAX's derivative.
 *
 * <p>All coefficient tables are sparse and precomputed in the constructor; an instance is
 * immutable and thread-safe, and {@link #compute} allocates nothing.
 */
public final class SphericalHarmonics {

    /** e3nn's {@code normalization} argument. */
    public enum Normalization {
        NORM, COMPONENT, INTEGRAL;

        /** Parses e3nn's spelling: {@code "norm"}, {@code "component"}, {@code "integral"}. */
        public static Normalization parse(String s) {
            return switch (s) {
                case "norm" -> NORM;
                case "component" -> COMPONENT;
                case "integral" -> INTEGRAL;
                default -> throw new IrrepsException("unknown spherical harmonics normalization \"" + s
                        + "\" (expected norm, component or integral)");
            };
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final int lmax;
    private final Normalization normalization;
    private final boolean normalize;
    /** Per l (index l, for l >= 2): recursion P^l from r (index i) and P^(l-1) (index j). */
    private final int[][] recI;
    private final int[][] recJ;
    private final int[][] recK;
    private final double[][] recC;
    /** Per l (l >= 1): dP^l_j/dr_k += coef * P^(l-1)_i. */
    private final int[][] jacI;
    private final int[][] jacJ;
    private final int[][] jacK;
    private final double[][] jacC;
    /** Per l: the factor turning the "norm" polynomial into the requested normalisation. */
    private final double[] scale;

    public SphericalHarmonics(int lmax, Normalization normalization, boolean normalize) {
        if (lmax < 0) {
            throw new IrrepsException("spherical harmonics need lmax >= 0, got " + lmax);
        }
        this.lmax = lmax;
        this.normalization = normalization;
        this.normalize = normalize;
        recI = new int[lmax + 1][];
        recJ = new int[lmax + 1][];
        recK = new int[lmax + 1][];
        recC = new double[lmax + 1][];
        jacI = new int[lmax + 1][];
        jacJ = new int[lmax + 1][];
        jacK = new int[lmax + 1][];
        jacC = new double[lmax + 1][];
        scale = new double[lmax + 1];
        for (int l = 2; l <= lmax; l++) {
            ClebschGordan c = ClebschGordan.of(1, l - 1, l);
            double n2 = 0;
            for (int t = 0; t < c.nnz(); t++) {
                if (c.i(t) == 1 && c.j(t) == l - 1) {
                    n2 += c.value(t) * c.value(t);
                }
            }
            double inv = 1 / Math.sqrt(n2);
            int n = c.nnz();
            recI[l] = new int[n];
            recJ[l] = new int[n];
            recK[l] = new int[n];
            recC[l] = new double[n];
            for (int t = 0; t < n; t++) {
                recI[l][t] = c.i(t);
                recJ[l][t] = c.j(t);
                recK[l][t] = c.k(t);
                recC[l][t] = c.value(t) * inv;
            }
        }
        for (int l = 1; l <= lmax; l++) {
            ClebschGordan c = ClebschGordan.of(l - 1, l, 1);
            double w = Math.sqrt((2.0 * l + 1) * l * (2.0 * l - 1));
            int n = c.nnz();
            jacI[l] = new int[n];
            jacJ[l] = new int[n];
            jacK[l] = new int[n];
            jacC[l] = new double[n];
            for (int t = 0; t < n; t++) {
                jacI[l][t] = c.i(t);
                jacJ[l][t] = c.j(t);
                jacK[l][t] = c.k(t);
                jacC[l][t] = c.value(t) * w;
            }
        }
        for (int l = 0; l <= lmax; l++) {
            scale[l] = switch (normalization) {
                case NORM -> 1.0;
                case COMPONENT -> Math.sqrt(2.0 * l + 1);
                case INTEGRAL -> Math.sqrt((2.0 * l + 1) / (4 * Math.PI));
            };
        }
    }

    public int lmax() {
        return lmax;
    }

    public Normalization normalization() {
        return normalization;
    }

    public boolean normalize() {
        return normalize;
    }

    /**
     * Sparse coefficients {@code (i, j, k, c)} in the order this class applies them; arrays are copies.
     * See {@link #recursion} and {@link #jacobian}.
     */
    public record Sparse(int[] i, int[] j, int[] k, double[] c) {}

    /**
     * The recursion of the "norm" polynomial P^l, l in [2, lmax]: starting from zero,
     * {@code P^l_k += (c * r_i) * P^(l-1)_j} for each entry in order, r = (x, y, z) (normalised when
     * {@link #normalize()}); P^0 = 1 and P^1 = r. This is what {@link #compute} runs, term for term.
     */
    public Sparse recursion(int l) {
        if (l < 2 || l > lmax) {
            throw new IllegalArgumentException("the recursion is defined for l in [2, " + lmax + "], not " + l);
        }
        return new Sparse(recI[l].clone(), recJ[l].clone(), recK[l].clone(), recC[l].clone());
    }

    /**
     * The derivative of P^l, l in [1, lmax], in r: {@code dP^l_j / dr_k += c * P^(l-1)_i} for each
     * entry (before the chain through the normalisation and before {@link #scale}).
     */
    public Sparse jacobian(int l) {
        if (l < 1 || l > lmax) {
            throw new IllegalArgumentException("the Jacobian is defined for l in [1, " + lmax + "], not " + l);
        }
        return new Sparse(jacI[l].clone(), jacJ[l].clone(), jacK[l].clone(), jacC[l].clone());
    }

    /** The factor {@link #compute} multiplies P^l by for the normalisation (1 for {@code norm}). */
    public double scale(int l) {
        return scale[l];
    }

    /** Number of outputs, {@code (lmax+1)^2}: Y^0 .. Y^lmax concatenated. */
    public int dim() {
        return (lmax + 1) * (lmax + 1);
    }

    /** Writes Y^0..Y^lmax of {@code (x, y, z)} into {@code out[off .. off+dim())}. */
    public void compute(double x, double y, double z, double[] out, int off) {
        if (normalize) {
            double r2 = x * x + y * y + z * z;
            if (r2 == 0.0) {
                r2 = 1.0;
            }
            double r = Math.sqrt(r2);
            x = x / r;
            y = y / r;
            z = z / r;
        }
        polynomials(x, y, z, out, off);
        for (int l = 0; l <= lmax; l++) {
            double s = scale[l];
            if (s != 1.0) {
                for (int k = l * l; k < (l + 1) * (l + 1); k++) {
                    out[off + k] *= s;
                }
            }
        }
    }

    /**
     * Like {@link #compute} and also writes the Jacobian {@code jac[joff + 3*c + a] = dY_c / dr_a}
     * (row-major {@code [dim()][3]}).
     */
    public void computeWithJacobian(double x, double y, double z, double[] out, int off, double[] jac, int joff) {
        double invR = 1.0;
        if (normalize) {
            double r2 = x * x + y * y + z * z;
            if (r2 == 0.0) {
                r2 = 1.0;
            }
            double r = Math.sqrt(r2);
            x = x / r;
            y = y / r;
            z = z / r;
            invR = 1.0 / r;
        }
        polynomials(x, y, z, out, off);
        int d = dim();
        java.util.Arrays.fill(jac, joff, joff + 3 * d, 0.0);
        for (int l = 1; l <= lmax; l++) {
            int prev = off + (l - 1) * (l - 1);
            int base = joff + 3 * l * l;
            int[] ji = jacI[l];
            int[] jj = jacJ[l];
            int[] jk = jacK[l];
            double[] jc = jacC[l];
            for (int t = 0; t < jc.length; t++) {
                jac[base + 3 * jj[t] + jk[t]] += jc[t] * out[prev + ji[t]];
            }
        }
        boolean zero = x == 0.0 && y == 0.0 && z == 0.0;
        if (normalize && !zero) {
            // chain rule through u = r/|r|: J_r = J_u (I - u u^T) / |r|
            for (int c = 0; c < d; c++) {
                int b = joff + 3 * c;
                double g0 = jac[b];
                double g1 = jac[b + 1];
                double g2 = jac[b + 2];
                double dot = g0 * x + g1 * y + g2 * z;
                jac[b] = (g0 - dot * x) * invR;
                jac[b + 1] = (g1 - dot * y) * invR;
                jac[b + 2] = (g2 - dot * z) * invR;
            }
        }
        for (int l = 0; l <= lmax; l++) {
            double s = scale[l];
            if (s != 1.0) {
                for (int k = l * l; k < (l + 1) * (l + 1); k++) {
                    out[off + k] *= s;
                    jac[joff + 3 * k] *= s;
                    jac[joff + 3 * k + 1] *= s;
                    jac[joff + 3 * k + 2] *= s;
                }
            }
        }
    }

    /** The "norm" polynomials P^0..P^lmax at (x, y, z) (no normalisation of the input). */
    private void polynomials(double x, double y, double z, double[] out, int off) {
        out[off] = 1.0;
        if (lmax == 0) {
            return;
        }
        out[off + 1] = x;
        out[off + 2] = y;
        out[off + 3] = z;
        for (int l = 2; l <= lmax; l++) {
            int prev = off + (l - 1) * (l - 1);
            int cur = off + l * l;
            java.util.Arrays.fill(out, cur, cur + 2 * l + 1, 0.0);
            int[] ri = recI[l];
            int[] rj = recJ[l];
            int[] rk = recK[l];
            double[] rc = recC[l];
            for (int t = 0; t < rc.length; t++) {
                double v = ri[t] == 0 ? x : (ri[t] == 1 ? y : z);
                out[cur + rk[t]] += rc[t] * v * out[prev + rj[t]];
            }
        }
    }

    // ------------------------------------------------------------------ e3nn-style array API

    /**
     * e3nn-jax's {@code spherical_harmonics(irreps_out, vectors, normalize, normalization)} on a
     * plain {@code [n, 3]} array: returns exactly {@code irreps} (an entry with mul &gt; 1 repeats Y^l).
     *
     * @throws IrrepsException if an even l has odd parity, odd l's disagree in parity, or the vector
     *     array does not have shape [n, 3]
     */
    public static IrrepsArray compute(Irreps irreps, double[] vectors, int n, boolean normalize,
            Normalization normalization) {
        checkIrreps(irreps);
        if (vectors.length != 3 * n) {
            throw new IrrepsException("spherical harmonics input of length " + vectors.length
                    + " does not have shape [" + n + ", 3]");
        }
        int lmax = irreps.isEmpty() || irreps.numIrreps() == 0 ? 0 : irreps.lmax();
        SphericalHarmonics sh = new SphericalHarmonics(lmax, normalization, normalize);
        double[] y = new double[sh.dim()];
        int d = irreps.dim();
        double[] out = new double[n * d];
        for (int e = 0; e < n; e++) {
            sh.compute(vectors[3 * e], vectors[3 * e + 1], vectors[3 * e + 2], y, 0);
            int col = e * d;
            for (MulIrrep m : irreps) {
                int l = m.l();
                for (int u = 0; u < m.mul(); u++) {
                    System.arraycopy(y, l * l, out, col, 2 * l + 1);
                    col += 2 * l + 1;
                }
            }
        }
        return new IrrepsArray(irreps, n, out);
    }

    /** e3nn's checks: even l must be parity +1, and all odd l share one parity. */
    static void checkIrreps(Irreps irreps) {
        int oddParity = 0;
        for (MulIrrep m : irreps) {
            if (m.l() % 2 == 0 && m.p() != 1) {
                throw new IrrepsException("spherical harmonics irreps " + irreps + ": " + m
                        + " has even l but odd parity");
            }
            if (m.l() % 2 == 1) {
                if (oddParity != 0 && oddParity != m.p()) {
                    throw new IrrepsException("spherical harmonics irreps " + irreps
                            + ": odd l entries must share one parity");
                }
                oddParity = m.p();
            }
        }
    }

    @Override
    public String toString() {
        return "SphericalHarmonics(lmax=" + lmax + ", " + normalization + ", normalize=" + normalize + ")";
    }
}
