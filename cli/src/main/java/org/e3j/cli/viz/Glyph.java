package org.e3j.cli.viz;

import java.util.List;
import org.e3j.engine.so3.SphericalHarmonics;

/**
 * The spherical signal {@code f(n) = sum_lm f_lm Y_lm(n)} of an atom's higher-l channels (e3nn's
 * real spherical harmonics, component normalisation), drawn as the polar surface {@code |f(n)| n}:
 * positive lobes and negative lobes separately.
 *
 * <p>Under a rotation R the coefficients become {@code D(R) f} and the signal {@code f(R^T n)}, so
 * the surface turns with the molecule; {@link #value} lets a test check exactly that.
 */
public final class Glyph {
    /** Directions on the unit sphere (Fibonacci lattice), row-major [K][3]. */
    static final double[] DIRECTIONS = fibonacci(3000);
    /** Samples of the polar angle along each screen direction of an outline. */
    private static final int OUTLINE_STEPS = 90;

    private final int[] ls;
    private final double[][] coeffs;
    private final SphericalHarmonics sh;
    private final int lmax;

    /** One entry per channel: its l and its 2l+1 coefficients. */
    public Glyph(int[] ls, double[][] coeffs) {
        this.ls = ls.clone();
        this.coeffs = new double[coeffs.length][];
        int lm = 0;
        for (int c = 0; c < ls.length; c++) {
            if (coeffs[c].length != 2 * ls[c] + 1) {
                throw new IllegalArgumentException("l = " + ls[c] + " needs " + (2 * ls[c] + 1) + " coefficients");
            }
            this.coeffs[c] = coeffs[c].clone();
            lm = Math.max(lm, ls[c]);
        }
        this.lmax = lm;
        this.sh = new SphericalHarmonics(lmax, SphericalHarmonics.Normalization.COMPONENT, true);
    }

    public boolean isEmpty() {
        return ls.length == 0;
    }

    public List<double[]> coefficients() {
        return List.of(coeffs);
    }

    /** f(n) for a direction n (need not be normalised). */
    public double value(double x, double y, double z) {
        double[] y0 = new double[sh.dim()];
        return value(x, y, z, y0);
    }

    private double value(double x, double y, double z, double[] buf) {
        if (ls.length == 0) {
            return 0;
        }
        sh.compute(x, y, z, buf, 0);
        double s = 0;
        for (int c = 0; c < ls.length; c++) {
            int l = ls[c];
            int off = l * l;
            for (int m = 0; m < 2 * l + 1; m++) {
                s += coeffs[c][m] * buf[off + m];
            }
        }
        return s;
    }

    /** f at every direction of {@link #DIRECTIONS}. */
    public double[] sample() {
        int k = DIRECTIONS.length / 3;
        double[] out = new double[k];
        double[] buf = new double[sh.dim()];
        for (int i = 0; i < k; i++) {
            out[i] = value(DIRECTIONS[3 * i], DIRECTIONS[3 * i + 1], DIRECTIONS[3 * i + 2], buf);
        }
        return out;
    }

    /** max |f| over the sampled directions. */
    public double maxAbs() {
        double m = 0;
        for (double v : sample()) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    /**
     * The outline, seen by the camera, of the lobes of one sign of the surface {@code scale |f(n)| n}.
     * A direction {@code n = cos t (cos psi right + sin psi up) + sin t toward} projects onto the screen
     * direction psi at distance {@code scale |f(n)| cos t}, so the outline along psi is the maximum of
     * that over t in (-pi/2, pi/2): exact up to the sampling of psi ({@code bins}) and t. Returns
     * {u[], v[]} relative to the atom, closed (last point = first), or null if f has no lobe of that
     * sign.
     */
    public double[][] outline(Camera cam, boolean positive, int bins, double scale) {
        double[] buf = new double[sh.dim()];
        double[] r = new double[bins];
        boolean any = false;
        double[] a = cam.right();
        double[] b = cam.up();
        double[] c = cam.toward();
        for (int k = 0; k < bins; k++) {
            double psi = 2 * Math.PI * k / bins;
            double cp = Math.cos(psi);
            double sp = Math.sin(psi);
            double best = 0;
            for (int j = 0; j < OUTLINE_STEPS; j++) {
                double t = Math.PI * ((j + 0.5) / OUTLINE_STEPS - 0.5);
                double ct = Math.cos(t);
                double st = Math.sin(t);
                double x = ct * (cp * a[0] + sp * b[0]) + st * c[0];
                double y = ct * (cp * a[1] + sp * b[1]) + st * c[1];
                double z = ct * (cp * a[2] + sp * b[2]) + st * c[2];
                double val = value(x, y, z, buf);
                double d = (positive ? val : -val) * ct;
                if (d > best) {
                    best = d;
                }
            }
            r[k] = best * scale;
            any |= best > 0;
        }
        if (!any) {
            return null;
        }
        double[] us = new double[bins + 1];
        double[] vs = new double[bins + 1];
        for (int k = 0; k <= bins; k++) {
            double psi = 2 * Math.PI * (k % bins) / bins;
            us[k] = r[k % bins] * Math.cos(psi);
            vs[k] = r[k % bins] * Math.sin(psi);
        }
        return new double[][] {us, vs};
    }

    private static double[] fibonacci(int k) {
        double[] d = new double[3 * k];
        double golden = Math.PI * (3 - Math.sqrt(5));
        for (int i = 0; i < k; i++) {
            double z = 1 - 2 * (i + 0.5) / k;
            double r = Math.sqrt(1 - z * z);
            double phi = i * golden;
            d[3 * i] = r * Math.cos(phi);
            d[3 * i + 1] = r * Math.sin(phi);
            d[3 * i + 2] = z;
        }
        return d;
    }
}
