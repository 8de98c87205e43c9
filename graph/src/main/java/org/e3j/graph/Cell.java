package org.e3j.graph;

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
        java.util.Arrays.fill(m, 0.0);
        if (cell == null || !anyPbc(pbc)) {
            m[0] = m[4] = m[8] = 1.0;
        } else {
            System.arraycopy(cell, 0, m, 0, 9);
            complete(m, pbc);
        }
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
        if (norm(m, 0) != 0.0 && norm(m, 1) != 0.0 && norm(m, 2) != 0.0) {
            return; // the common case, without allocating (every neighbour-list rebuild comes here)
        }
        int missing = 0;
        boolean[] zero = new boolean[3];
        for (int c = 0; c < 3; c++) {
            zero[c] = norm(m, c) == 0.0;
            if (zero[c]) {
                missing++;
            }
        }
        if (missing == 3) {
            m[0] = m[4] = m[8] = 1.0;
            return;
        }
        if (missing == 2) {
            int k = zero[0] ? (zero[1] ? 2 : 1) : 0;
            double x = m[3 * k], y = m[3 * k + 1], z = m[3 * k + 2];
            double n = Math.sqrt(x * x + y * y + z * z);
            double[] u = {x / n, y / n, z / n};
            // a helper axis least aligned with u
            double[] h = Math.abs(u[0]) < 0.9 ? new double[] {1, 0, 0} : new double[] {0, 1, 0};
            double[] v = unit(cross(u, h));
            double[] w = cross(u, v);
            int a = (k + 1) % 3, b = (k + 2) % 3;
            // cyclic (k, a, b) with (u, v, w) right-handed
            set(m, a, v);
            set(m, b, w);
            return;
        }
        int k = zero[0] ? 0 : zero[1] ? 1 : 2;
        int a = (k + 1) % 3, b = (k + 2) % 3;
        double[] va = {m[3 * a], m[3 * a + 1], m[3 * a + 2]};
        double[] vb = {m[3 * b], m[3 * b + 1], m[3 * b + 2]};
        double[] w = cross(va, vb);
        double n = Math.sqrt(w[0] * w[0] + w[1] * w[1] + w[2] * w[2]);
        if (n == 0) {
            throw new StructureException("lattice vectors " + "abc".charAt(a) + " and " + "abc".charAt(b)
                    + " are parallel: the cell is singular");
        }
        set(m, k, new double[] {w[0] / n, w[1] / n, w[2] / n});
    }

    private static void set(double[] m, int row, double[] v) {
        m[3 * row] = v[0];
        m[3 * row + 1] = v[1];
        m[3 * row + 2] = v[2];
    }

    private static double[] cross(double[] a, double[] b) {
        return new double[] {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
    }

    private static double[] unit(double[] a) {
        double n = Math.sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
        return new double[] {a[0] / n, a[1] / n, a[2] / n};
    }
}
