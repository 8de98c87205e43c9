package org.e3j.engine.so3;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.e3j.engine.irreps.Irrep;
import org.e3j.engine.irreps.IrrepsException;

/**
 * Real-basis Clebsch–Gordan coefficients of SO(3), exactly e3nn-jax's {@code clebsch_gordan(l1, l2, l3)}
 * (a.k.a. wigner_3j), shape {@code (2l1+1, 2l2+1, 2l3+1)}, Frobenius norm 1, all zero when the
 * triangle rule fails.
 *
 * <p>Recipe (e3nn-jax {@code so3.py} / {@code su2.py}): the complex Condon–Shortley coefficient by
 * Racah's formula divided by {@code sqrt(2l3+1)}, then the change of basis
 * {@code C_real[a,b,c] = Re sum Q1[m1,a] Q2[m2,b] conj(Q3[m3,c]) C_su2[m1,m2,m3]} with e3nn's
 * real-to-complex matrix Q (including its {@code (-i)^l} phase, which makes the result real). Unlike
 * e3nn-jax, which sums the Racah series in floating point, the series is summed here in exact
 * rational arithmetic and the square root is taken once, so each complex coefficient is correctly
 * rounded for any l (e3nn's float series loses digits to cancellation at large l; for l &lt;= 4 both
 * agree to ~1e-16).
 *
 * <p>Instances are immutable, cached (thread-safe) and sparse: only the nonzero entries are stored,
 * in lexicographic {@code (i, j, k)} order, which is what a fast engine compiles its paths from.
 */
public final class ClebschGordan {

    /** Entries below this magnitude are rounding residue of exact cancellations in the basis change. */
    private static final double ZERO_THRESHOLD = 1e-14;

    private static final ConcurrentHashMap<Long, ClebschGordan> CACHE = new ConcurrentHashMap<>();

    private final int l1;
    private final int l2;
    private final int l3;
    private final int[] ii;
    private final int[] jj;
    private final int[] kk;
    private final double[] vals;

    /** One nonzero coefficient {@code C[i][j][k] = value}. */
    public record Entry(int i, int j, int k, double value) {}

    private ClebschGordan(int l1, int l2, int l3, int[] ii, int[] jj, int[] kk, double[] vals) {
        this.l1 = l1;
        this.l2 = l2;
        this.l3 = l3;
        this.ii = ii;
        this.jj = jj;
        this.kk = kk;
        this.vals = vals;
    }

    /** The (cached) real CG tensor for {@code (l1, l2, l3)}; all-zero if the triangle rule fails. */
    public static ClebschGordan of(int l1, int l2, int l3) {
        if (l1 < 0 || l2 < 0 || l3 < 0) {
            throw new IrrepsException("Clebsch-Gordan needs l >= 0, got (" + l1 + ", " + l2 + ", " + l3 + ")");
        }
        long key = ((long) l1 << 42) | ((long) l2 << 21) | l3;
        return CACHE.computeIfAbsent(key, k -> compute(l1, l2, l3));
    }

    public int l1() {
        return l1;
    }

    public int l2() {
        return l2;
    }

    public int l3() {
        return l3;
    }

    /** Number of nonzero entries. */
    public int nnz() {
        return vals.length;
    }

    public int i(int n) {
        return ii[n];
    }

    public int j(int n) {
        return jj[n];
    }

    public int k(int n) {
        return kk[n];
    }

    public double value(int n) {
        return vals[n];
    }

    /** The nonzero entries, in {@code (i, j, k)} lexicographic order. */
    public List<Entry> entries() {
        List<Entry> out = new ArrayList<>(vals.length);
        for (int n = 0; n < vals.length; n++) {
            out.add(new Entry(ii[n], jj[n], kk[n], vals[n]));
        }
        return out;
    }

    /** Dense accessor (linear search in the sparse list; use {@link #dense()} for bulk access). */
    public double get(int i, int j, int k) {
        for (int n = 0; n < vals.length; n++) {
            if (ii[n] == i && jj[n] == j && kk[n] == k) {
                return vals[n];
            }
        }
        return 0.0;
    }

    /** A fresh dense copy, flattened {@code [2l1+1][2l2+1][2l3+1]}. */
    public double[] dense() {
        int d2 = 2 * l2 + 1;
        int d3 = 2 * l3 + 1;
        double[] out = new double[(2 * l1 + 1) * d2 * d3];
        for (int n = 0; n < vals.length; n++) {
            out[(ii[n] * d2 + jj[n]) * d3 + kk[n]] = vals[n];
        }
        return out;
    }

    @Override
    public String toString() {
        return "ClebschGordan(" + l1 + ", " + l2 + ", " + l3 + "; nnz=" + vals.length + ")";
    }

    // ------------------------------------------------------------------ construction

    private static ClebschGordan compute(int l1, int l2, int l3) {
        List<Entry> list = new ArrayList<>();
        if (Irrep.triangle(l1, l2, l3)) {
            int d1 = 2 * l1 + 1;
            int d2 = 2 * l2 + 1;
            int d3 = 2 * l3 + 1;
            // complex CG already divided by sqrt(2 l3 + 1), indexed [l1+m1][l2+m2]; m3 = m1 + m2
            double[][] su2 = new double[d1][d2];
            for (int m1 = -l1; m1 <= l1; m1++) {
                for (int m2 = -l2; m2 <= l2; m2++) {
                    if (Math.abs(m1 + m2) <= l3) {
                        su2[l1 + m1][l2 + m2] = su2Normalized(l1, m1, l2, m2, l3, m1 + m2);
                    }
                }
            }
            for (int a = 0; a < d1; a++) {
                for (int b = 0; b < d2; b++) {
                    for (int c = 0; c < d3; c++) {
                        double v = realEntry(l1, l2, l3, a, b, c, su2);
                        if (Math.abs(v) > ZERO_THRESHOLD) {
                            list.add(new Entry(a, b, c, v));
                        }
                    }
                }
            }
        }
        int n = list.size();
        int[] ii = new int[n];
        int[] jj = new int[n];
        int[] kk = new int[n];
        double[] vals = new double[n];
        for (int t = 0; t < n; t++) {
            Entry e = list.get(t);
            ii[t] = e.i();
            jj[t] = e.j();
            kk[t] = e.k();
            vals[t] = e.value();
        }
        return new ClebschGordan(l1, l2, l3, ii, jj, kk, vals);
    }

    /**
     * {@code Re sum_{m1,m2,m3} Q1[m1,a] Q2[m2,b] conj(Q3[m3,c]) C[m1,m2,m3]}. Q^(l) column a has nonzeros
     * only at rows m = +-(a - l), so at most 8 terms contribute.
     */
    private static double realEntry(int l1, int l2, int l3, int a, int b, int c, double[][] su2) {
        int[] ms1 = candidates(l1, a);
        int[] ms2 = candidates(l2, b);
        int[] ms3 = candidates(l3, c);
        double re = 0;
        double im = 0;
        for (int m1 : ms1) {
            double[] q1 = q(l1, m1, a);
            for (int m2 : ms2) {
                double[] q2 = q(l2, m2, b);
                for (int m3 : ms3) {
                    if (m3 != m1 + m2) {
                        continue;
                    }
                    double s = su2[l1 + m1][l2 + m2];
                    if (s == 0) {
                        continue;
                    }
                    double[] q3 = q(l3, m3, c);
                    // (q1 * q2) * conj(q3) * s
                    double r12 = q1[0] * q2[0] - q1[1] * q2[1];
                    double i12 = q1[0] * q2[1] + q1[1] * q2[0];
                    double r = r12 * q3[0] + i12 * q3[1];
                    double i = i12 * q3[0] - r12 * q3[1];
                    re += r * s;
                    im += i * s;
                }
            }
        }
        if (Math.abs(im) > 1e-5) {
            throw new IllegalStateException("imaginary Clebsch-Gordan entry " + im + " for (" + l1 + "," + l2 + ","
                    + l3 + ")[" + a + "," + b + "," + c + "]");
        }
        return re;
    }

    /** The complex m rows that have a nonzero in column a of Q^(l): m = a - l and (if nonzero) -(a - l). */
    private static int[] candidates(int l, int a) {
        int m = a - l;
        return m == 0 ? new int[] {0} : new int[] {m, -m};
    }

    /**
     * e3nn-jax's {@code change_basis_real_to_complex(l)[l+m, a]} as {re, im}, including the global
     * {@code (-i)^l} factor.
     */
    static double[] q(int l, int m, int a) {
        final double s = 1 / Math.sqrt(2);
        double re = 0;
        double im = 0;
        if (m < 0) {
            if (a == l - m) {
                re = s;
            } else if (a == l + m) {
                im = -s;
            }
        } else if (m == 0) {
            if (a == l) {
                re = 1;
            }
        } else {
            double sign = (m % 2 == 0) ? 1 : -1;
            if (a == l + m) {
                re = sign * s;
            } else if (a == l - m) {
                im = sign * s;
            }
        }
        // multiply by (-i)^l: cycles 1, -i, -1, i
        switch (l % 4) {
            case 0:
                return new double[] {re, im};
            case 1:
                return new double[] {im, -re};
            case 2:
                return new double[] {-re, -im};
            default:
                return new double[] {-im, re};
        }
    }

    // ------------------------------------------------------------------ complex CG (Racah)

    /**
     * The Condon–Shortley coefficient {@code <l1 m1 l2 m2 | l3 m3>} divided by {@code sqrt(2 l3 + 1)},
     * i.e. e3nn-jax's {@code su2_clebsch_gordan} entry, correctly rounded: its square is a rational
     * computed exactly.
     */
    public static double su2Normalized(int j1, int m1, int j2, int m2, int j3, int m3) {
        if (m3 != m1 + m2 || !Irrep.triangle(j1, j2, j3) || Math.abs(m1) > j1 || Math.abs(m2) > j2
                || Math.abs(m3) > j3) {
            return 0.0;
        }
        int vmin = Math.max(Math.max(-j1 + j2 + m3, -j1 + m1), 0);
        int vmax = Math.min(Math.min(j2 + j3 + m1, j3 - j1 + j2), j3 + m3);
        // prefactor F (without the (2 j3 + 1), which the division by sqrt(2 j3 + 1) cancels)
        BigInteger fNum = fact(j3 + j1 - j2).multiply(fact(j3 - j1 + j2)).multiply(fact(j1 + j2 - j3))
                .multiply(fact(j3 + m3)).multiply(fact(j3 - m3));
        BigInteger fDen = fact(j1 + j2 + j3 + 1).multiply(fact(j1 - m1)).multiply(fact(j1 + m1))
                .multiply(fact(j2 - m2)).multiply(fact(j2 + m2));
        // S = sum_v (-1)^(v + j2 + m2) (j2+j3+m1-v)! (j1-m1+v)! / (v! (j3-j1+j2-v)! (j3+m3-v)! (v+j1-j2-m3)!)
        BigInteger sNum = BigInteger.ZERO;
        BigInteger sDen = BigInteger.ONE;
        for (int v = vmin; v <= vmax; v++) {
            BigInteger tn = fact(j2 + j3 + m1 - v).multiply(fact(j1 - m1 + v));
            BigInteger td = fact(v).multiply(fact(j3 - j1 + j2 - v)).multiply(fact(j3 + m3 - v))
                    .multiply(fact(v + j1 - j2 - m3));
            if (((v + j2 + m2) & 1) != 0) {
                tn = tn.negate();
            }
            // sNum/sDen + tn/td
            sNum = sNum.multiply(td).add(tn.multiply(sDen));
            sDen = sDen.multiply(td);
            BigInteger g = sNum.gcd(sDen);
            if (g.signum() != 0 && !g.equals(BigInteger.ONE)) {
                sNum = sNum.divide(g);
                sDen = sDen.divide(g);
            }
        }
        if (sNum.signum() == 0) {
            return 0.0;
        }
        // value^2 = F * S^2
        BigInteger num = fNum.multiply(sNum).multiply(sNum);
        BigInteger den = fDen.multiply(sDen).multiply(sDen);
        double sq = new BigDecimal(num).divide(new BigDecimal(den), MathContext.DECIMAL128).doubleValue();
        return sNum.signum() * Math.sqrt(sq);
    }

    private static final ConcurrentHashMap<Integer, BigInteger> FACT = new ConcurrentHashMap<>();

    private static BigInteger fact(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("factorial of " + n);
        }
        if (n < 2) {
            return BigInteger.ONE;
        }
        BigInteger cached = FACT.get(n);
        if (cached != null) {
            return cached;
        }
        BigInteger r = fact(n - 1).multiply(BigInteger.valueOf(n));
        FACT.putIfAbsent(n, r);
        return r;
    }
}
