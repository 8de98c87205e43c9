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
