package org.e3j.graph;

import java.util.Arrays;

/**
 * Package-private geometry of a (possibly partially periodic) cell: the cell completed to a
 * non-singular, right-handed basis along non-periodic directions, its inverse and the perpendicular
 * heights. Rows of the 3x3 row-major arrays are lattice vectors; fractional coordinates are
 * {@code f = p @ inv}.
 */
final class Cell {
    /** The completed cell (row-major, rows = lattice vectors). */
    final double[] m = new double[9];
    /** Its inverse (row-major): column c is the reciprocal vector b_c (without 2 pi). */
    final double[] inv = new double[9];
    /** Perpendicular heights 1/|b_c|. */
    final double[] height = new double[3];
    /**
     * Row-major integer change of basis from the cell given to {@link #set} (completed) to {@link #m}:
     * {@code m = unimodular @ given}. The identity unless {@link #setReduced} reduced the lattice. A
     * shift {@code S'} in the basis {@code m} is the shift {@code S' @ unimodular} in the given cell.
     */
    final long[] unimodular = new long[9];
    private final double[] given = new double[9];

    /** Reduction gives up (a refusal) beyond this many basis changes; a valid cell needs a handful. */
    static final int MAX_REDUCTION_STEPS = 10_000;
    /** Entries of the change of basis are bounded so that shifts stay {@code int}s. */
    static final long MAX_BASIS_ENTRY = 1L << 30;

    Cell() {}

    static boolean anyPbc(boolean[] pbc) {
        return pbc[0] || pbc[1] || pbc[2];
    }

    static double det(double[] c) {
        return c[0] * (c[4] * c[8] - c[5] * c[7])
                - c[1] * (c[3] * c[8] - c[5] * c[6])
                + c[2] * (c[3] * c[7] - c[4] * c[6]);
    }

    static double norm(double[] c, int row) {
        double x = c[3 * row], y = c[3 * row + 1], z = c[3 * row + 2];
        return Math.sqrt(x * x + y * y + z * z);
    }

    /**
     * Builds the geometry. With no periodic direction the identity is used (Cartesian binning).
     * Zero lattice vectors along non-periodic directions are replaced by unit vectors orthogonal to
     * the others (like ASE's complete_cell), oriented to keep the cell right-handed.
     * The caller has validated periodic directions (non-zero vectors, non-singular).
     */
    static Cell of(double[] cell, boolean[] pbc) {
        Cell g = new Cell();
        g.set(cell, pbc);
        return g;
    }

    /** Recomputes this geometry in place for {@code cell} and {@code pbc} (see {@link #of}); reused by searches. */
    void set(double[] cell, boolean[] pbc) {
        Arrays.fill(m, 0.0);
        Arrays.fill(unimodular, 0L);
        unimodular[0] = unimodular[4] = unimodular[8] = 1L;
        if (cell == null || !anyPbc(pbc)) {
            m[0] = m[4] = m[8] = 1.0;
        } else {
            System.arraycopy(cell, 0, m, 0, 9);
            complete(m, pbc);
        }
        invert();
    }

    /**
     * As {@link #set}, then reduces the lattice spanned by the periodic vectors (the others are left
     * alone: they are not translations) to a basis of short, nearly orthogonal vectors: pairwise
     * Gauss (Lagrange) reduction, and with three periodic vectors also the {@code b_i +- b_j +- b_k}
     * moves of greedy (Minkowski-type) reduction in 3D, each move only taken when it shortens a vector.
     * The lattice and the handedness are unchanged (integer row operations of determinant 1, recorded
     * in {@link #unimodular}); only the heights grow, so a valid but skewed cell (b' = b + 2000 a)
     * needs the same image search as its reduced cell.
     */
    void setReduced(double[] cell, boolean[] pbc) {
        set(cell, pbc);
        int periodic = (pbc[0] ? 1 : 0) + (pbc[1] ? 1 : 0) + (pbc[2] ? 1 : 0);
        if (cell == null || periodic < 2) {
            return;
        }
        System.arraycopy(m, 0, given, 0, 9);
        boolean changed = true;
        int steps = 0;
        while (changed) {
            changed = false;
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) {
                    if (i == j || !pbc[i] || !pbc[j]) {
                        continue;
                    }
                    double bb = dot(j, j);
                    double mu = Math.rint(dot(i, j) / bb);
                    if (mu != 0 && tryMove(i, j, -mu, -1, 0)) {
                        changed = true;
                        steps++;
                    }
                }
            }
            if (periodic == 3) {
                for (int i = 0; i < 3; i++) {
                    int j = (i + 1) % 3, k = (i + 2) % 3;
                    for (int sj = -1; sj <= 1; sj += 2) {
                        for (int sk = -1; sk <= 1; sk += 2) {
                            if (tryMove(i, j, sj, k, sk)) {
                                changed = true;
                                steps++;
                            }
                        }
                    }
                }
            }
            if (steps > MAX_REDUCTION_STEPS) {
                throw new StructureException("cell could not be reduced in " + MAX_REDUCTION_STEPS
                        + " steps: lattice " + Arrays.toString(cell));
            }
        }
        invert();
    }

    private double dot(int i, int j) {
        return m[3 * i] * m[3 * j] + m[3 * i + 1] * m[3 * j + 1] + m[3 * i + 2] * m[3 * j + 2];
    }

    /**
     * Replaces row i by {@code row_i + a row_j (+ c row_k)} if that is strictly shorter (rows are
     * recomputed exactly from the integer basis change, so rounding never accumulates).
     */
    private boolean tryMove(int i, int j, double a, int k, int c) {
        long[] u = unimodular;
        long ai = (long) a;
        long u0 = u[3 * i] + ai * u[3 * j] + (k >= 0 ? c * u[3 * k] : 0);
        long u1 = u[3 * i + 1] + ai * u[3 * j + 1] + (k >= 0 ? c * u[3 * k + 1] : 0);
        long u2 = u[3 * i + 2] + ai * u[3 * j + 2] + (k >= 0 ? c * u[3 * k + 2] : 0);
        if (Math.abs(a) >= MAX_BASIS_ENTRY || Math.abs(u0) > MAX_BASIS_ENTRY || Math.abs(u1) > MAX_BASIS_ENTRY
                || Math.abs(u2) > MAX_BASIS_ENTRY) {
            throw new StructureException("cell is too skewed to reduce (a basis change beyond 2^30)");
        }
        double x = u0 * given[0] + u1 * given[3] + u2 * given[6];
        double y = u0 * given[1] + u1 * given[4] + u2 * given[7];
        double z = u0 * given[2] + u1 * given[5] + u2 * given[8];
        double before = dot(i, i);
        if (!(x * x + y * y + z * z < before * (1 - 1e-12))) {
            return false;
        }
        u[3 * i] = u0;
        u[3 * i + 1] = u1;
        u[3 * i + 2] = u2;
        set(m, i, x, y, z);
        return true;
    }

    /** Whether {@link #m} differs from the given (completed) cell, i.e. shifts need {@link #unimodular}. */
    boolean basisChanged() {
        return unimodular[0] != 1 || unimodular[4] != 1 || unimodular[8] != 1 || unimodular[1] != 0
                || unimodular[2] != 0 || unimodular[3] != 0 || unimodular[5] != 0 || unimodular[6] != 0
                || unimodular[7] != 0;
    }

    private void invert() {
        double d = det(m);
        if (!(Math.abs(d) > 0) || !Double.isFinite(d)) {
            throw new StructureException("cell is singular (determinant " + d + ")");
        }
        double[] a = m;
        double[] r = inv;
        r[0] = (a[4] * a[8] - a[5] * a[7]) / d;
        r[1] = (a[2] * a[7] - a[1] * a[8]) / d;
        r[2] = (a[1] * a[5] - a[2] * a[4]) / d;
        r[3] = (a[5] * a[6] - a[3] * a[8]) / d;
        r[4] = (a[0] * a[8] - a[2] * a[6]) / d;
        r[5] = (a[2] * a[3] - a[0] * a[5]) / d;
        r[6] = (a[3] * a[7] - a[4] * a[6]) / d;
        r[7] = (a[1] * a[6] - a[0] * a[7]) / d;
        r[8] = (a[0] * a[4] - a[1] * a[3]) / d;
        for (int c = 0; c < 3; c++) {
            double bx = r[c], by = r[3 + c], bz = r[6 + c];
            height[c] = 1.0 / Math.sqrt(bx * bx + by * by + bz * bz);
        }
    }

    private static void complete(double[] m, boolean[] pbc) {
        // scalars only: every neighbour-list rebuild of a slab or a wire comes here
        boolean z0 = norm(m, 0) == 0.0, z1 = norm(m, 1) == 0.0, z2 = norm(m, 2) == 0.0;
        int missing = (z0 ? 1 : 0) + (z1 ? 1 : 0) + (z2 ? 1 : 0);
        if (missing == 0) {
            return;
        }
        if (missing == 3) {
            m[0] = m[4] = m[8] = 1.0;
            return;
        }
        if (missing == 2) {
            int k = z0 ? (z1 ? 2 : 1) : 0;
            double n = norm(m, k);
            double ux = m[3 * k] / n, uy = m[3 * k + 1] / n, uz = m[3 * k + 2] / n;
            // a helper axis least aligned with u
            double hx = Math.abs(ux) < 0.9 ? 1 : 0, hy = 1 - hx;
            // v = unit(u x h), w = u x v
            double vx = uy * 0 - uz * hy, vy = uz * hx - ux * 0, vz = ux * hy - uy * hx;
            double vn = Math.sqrt(vx * vx + vy * vy + vz * vz);
            vx /= vn;
            vy /= vn;
            vz /= vn;
            int a = (k + 1) % 3, b = (k + 2) % 3;
            // cyclic (k, a, b) with (u, v, w) right-handed
            set(m, a, vx, vy, vz);
            set(m, b, uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx);
            return;
        }
        int k = z0 ? 0 : z1 ? 1 : 2;
        int a = (k + 1) % 3, b = (k + 2) % 3;
        double ax = m[3 * a], ay = m[3 * a + 1], az = m[3 * a + 2];
        double bx = m[3 * b], by = m[3 * b + 1], bz = m[3 * b + 2];
        double wx = ay * bz - az * by, wy = az * bx - ax * bz, wz = ax * by - ay * bx;
        double n = Math.sqrt(wx * wx + wy * wy + wz * wz);
        if (n == 0) {
            throw new StructureException("lattice vectors " + "abc".charAt(a) + " and " + "abc".charAt(b)
                    + " are parallel: the cell is singular");
        }
        set(m, k, wx / n, wy / n, wz / n);
    }

    private static void set(double[] m, int row, double x, double y, double z) {
        m[3 * row] = x;
        m[3 * row + 1] = y;
        m[3 * row + 2] = z;
    }
}
