package org.e3j.layers.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.function.Function;
import org.e3j.layers.flax.Dense;
import org.e3j.layers.flax.LayerNorm;
import org.e3j.layers.flax.Mlp;
import org.junit.jupiter.api.Test;

/**
 * Reverse passes of the Flax-level modules (Dense, LayerNorm, silu, MLP) and the radial basis
 * derivatives, against central finite differences in double.
 */
class BackwardTest {
    static final double H = 1e-5;
    static final double TOL = 1e-8;

    private static double[] random(Random rnd, int n, double s) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = s * rnd.nextGaussian();
        }
        return a;
    }

    private static double dot(double[] a, double[] b) {
        assertEquals(a.length, b.length);
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    static void checkFd(String what, Function<double[], double[]> f, double[] x, double[] g, double[] analytic) {
        checkFd(what, f, x, g, analytic, H, TOL);
    }

    static void checkFd(String what, Function<double[], double[]> f, double[] x, double[] g, double[] analytic,
            double h, double tol) {
        assertEquals(x.length, analytic.length, what + ": gradient size");
        double scale = 1;
        for (double v : analytic) {
            scale = Math.max(scale, Math.abs(v));
        }
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            double[] xp = x.clone();
            double[] xm = x.clone();
            xp[i] += h;
            xm[i] -= h;
            double fd = (dot(g, f.apply(xp)) - dot(g, f.apply(xm))) / (2 * h);
            double err = Math.abs(fd - analytic[i]) / scale;
            worst = Math.max(worst, err);
            final int k = i;
            assertTrue(err <= tol, () -> what + ": component " + k + " analytic " + analytic[k] + " vs fd " + fd);
        }
        System.out.printf("backward %-30s %4d inputs  worst rel. error %.1e%n", what, x.length, worst);
    }

    private static Dense dense(Random rnd, int in, int out) {
        return new Dense(in, out, random(rnd, in * out, 1 / Math.sqrt(in)), random(rnd, out, 0.1));
    }

    private static LayerNorm norm(Random rnd, int n) {
        double[] scale = random(rnd, n, 0.3);
        for (int i = 0; i < n; i++) {
            scale[i] += 1;
        }
        return new LayerNorm(n, scale, random(rnd, n, 0.1));
    }

    @Test
    void dense() {
        Random rnd = new Random(21);
        Dense d = dense(rnd, 5, 7);
        int rows = 3;
        double[] x = random(rnd, rows * 5, 1);
        double[] g = random(rnd, rows * 7, 1);
        checkFd("Dense 5->7", v -> d.apply(v, rows), x, g, d.backward(g, rows));
    }

    @Test
    void layerNorm() {
        Random rnd = new Random(22);
        LayerNorm ln = norm(rnd, 6);
        int rows = 4;
        double[] x = random(rnd, rows * 6, 2);
        double[] g = random(rnd, rows * 6, 1);
        checkFd("LayerNorm 6", v -> ln.apply(v, rows), x, g, ln.backward(x, g, rows));
        // a row with a small spread: the variance is comparable to eps (curvature on a 1e-3 scale, so a finer step)
        double[] flat = {0.5, 0.5 + 1e-3, 0.5 - 1e-3, 0.5, 0.5 + 2e-3, 0.5};
        double[] gf = random(rnd, 6, 1);
        checkFd("LayerNorm near-constant row", v -> ln.apply(v, 1), flat, gf, ln.backward(flat, gf, 1), 1e-7, 1e-6);
    }

    @Test
    void layerNormClippedVarianceBlocksTheVarianceGradient() {
        // A constant row: E[x^2] - E[x]^2 rounds to exactly 0 or below, so the variance path is cut
        // (jnp.maximum) and only the mean path remains: dy_j/dx_i = inv * scale_j * (delta_ij - 1/n).
        LayerNorm ln = new LayerNorm(3, new double[] {1, 2, 3}, new double[3]);
        double[] x = {0.1, 0.1, 0.1};
        double[] g = {1, 0, 0};
        double[] back = ln.backward(x, g, 1);
        double meanSq = (3 * 0.1 * 0.1) / 3;
        double mean = (0.1 + 0.1 + 0.1) / 3;
        double diff = meanSq - mean * mean;
        double inv = 1 / Math.sqrt(Math.max(0, diff) + LayerNorm.EPSILON);
        if (diff <= 0) {
            assertEquals(inv * (1 - 1.0 / 3), back[0], 1e-9);
            assertEquals(-inv / 3, back[1], 1e-9);
        }
        assertTrue(Double.isFinite(back[0]));
    }

    @Test
    void siluDerivative() {
        Random rnd = new Random(23);
        for (int t = 0; t < 100; t++) {
            double x = 4 * rnd.nextGaussian();
            double fd = (Mlp.silu(x + H) - Mlp.silu(x - H)) / (2 * H);
            assertEquals(fd, Mlp.siluDerivative(x), 1e-9 * Math.max(1, Math.abs(fd)));
        }
    }

    @Test
    void mlp() {
        Random rnd = new Random(24);
        for (int layers = 1; layers <= 3; layers++) {
            int in = 4;
            int hidden = 6;
            int out = 5;
            Dense[] ds = new Dense[layers];
            LayerNorm[] ns = new LayerNorm[layers - 1];
            int w = in;
            for (int k = 0; k < layers - 1; k++) {
                ds[k] = dense(rnd, w, hidden);
                ns[k] = norm(rnd, hidden);
                w = hidden;
            }
            ds[layers - 1] = dense(rnd, w, out);
            Mlp mlp = new Mlp(ds, ns);
            int rows = 3;
            double[] x = random(rnd, rows * in, 1);
            double[] g = random(rnd, rows * out, 1);
            checkFd("MLP " + layers + " layers", v -> mlp.apply(v, rows), x, g, mlp.backward(x, g, rows));
        }
    }

    @Test
    void radialBasisDerivatives() {
        RadialBasis rb = new RadialBasis(4.0, 8, 6);
        double[] b0 = new double[8];
        double[] b1 = new double[8];
        double[] db = new double[8];
        for (double d = 0.3; d < 4.0; d += 0.37) {
            double fdEnv = (rb.envelope(d + H) - rb.envelope(d - H)) / (2 * H);
            assertEquals(fdEnv, rb.envelopeDerivative(d), 1e-9, "envelope' at " + d);
            rb.basis(d + H, b1, 0);
            rb.basis(d - H, b0, 0);
            rb.basisDerivative(d, db, 0);
            for (int n = 0; n < 8; n++) {
                assertEquals((b1[n] - b0[n]) / (2 * H), db[n], 1e-8, "B_" + (n + 1) + "' at " + d);
            }
        }
        // smooth at the cutoff: u, u' -> 0
        assertEquals(0.0, rb.envelope(4.0), 0);
        assertEquals(0.0, rb.envelopeDerivative(4.0), 0);
        assertEquals(0.0, rb.envelopeDerivative(4.0 - 1e-9), 1e-12);
    }
}
