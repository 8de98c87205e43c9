package org.e3j.engine.interval;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Every enclosure contains the true Taylor coefficient at points of the interval: closed forms of
 * the coefficients (exp, 1/x, x^-1/2, sin, cos, sinc, products) at sampled points, on random
 * intervals, order 4.
 */
class IntervalJetTest {
    static final int K = 4;
    final Random rnd = new Random(42);

    static double fact(int k) {
        double f = 1;
        for (int i = 2; i <= k; i++) {
            f *= i;
        }
        return f;
    }

    /** Asserts coefficient k of jet contains truth.applyAsDouble(x) for samples x of [lo, hi]. */
    static void contains(String what, double[] jet, int k, double lo, double hi, DoubleUnaryOperator truth) {
        for (int s = 0; s <= 20; s++) {
            double x = lo + (hi - lo) * s / 20;
            double v = truth.applyAsDouble(x);
            double slack = 1e-12 * Math.max(1, Math.abs(v)); // the closed forms' own rounding
            assertTrue(jet[2 * k] - slack <= v && v <= jet[2 * k + 1] + slack,
                    what + " c" + k + " at " + x + ": " + v + " not in [" + jet[2 * k] + ", " + jet[2 * k + 1] + "]");
        }
    }

    @Test
    void elementaryFunctionsAreEnclosed() {
        for (int trial = 0; trial < 200; trial++) {
            double lo = 0.1 + 3 * rnd.nextDouble();
            double hi = lo + (trial % 2 == 0 ? 1e-3 : 0.3) * rnd.nextDouble();
            double a = -2 + 4 * rnd.nextDouble();
            double[] x = IntervalJet.variable(K, lo, hi);
            double[] ax = IntervalJet.zero(K);
            IntervalJet.scale(x, a, a, ax);
            double[] e = IntervalJet.zero(K);
            IntervalJet.exp(ax, e);
            double[] r = IntervalJet.zero(K);
            IntervalJet.reciprocal(x, r);
            double[] q = IntervalJet.zero(K);
            IntervalJet.power(x, -0.5, q);
            double[] sn = IntervalJet.zero(K);
            double[] cs = IntervalJet.zero(K);
            IntervalJet.sinCos(ax, sn, cs);
            double[] prod = IntervalJet.zero(K);
            IntervalJet.mul(e, r, prod); // exp(a x) / x
            double[] sq = IntervalJet.zero(K);
            IntervalJet.square(sn, sq); // sin^2(a x) = (1 - cos(2 a x)) / 2
            for (int k = 0; k <= K; k++) {
                final int kk = k;
                double kf = fact(k);
                contains("exp", e, k, lo, hi, t -> Math.pow(a, kk) * Math.exp(a * t) / kf);
                contains("1/x", r, k, lo, hi, t -> (kk % 2 == 0 ? 1 : -1) * Math.pow(t, -kk - 1));
                contains("x^-1/2", q, k, lo, hi, t -> binom(-0.5, kk) * Math.pow(t, -0.5 - kk));
                contains("sin", sn, k, lo, hi, t -> Math.pow(a, kk) * sinDerivative(kk, a * t) / kf);
                contains("cos", cs, k, lo, hi, t -> Math.pow(a, kk) * sinDerivative(kk + 1, a * t) / kf);
                contains("exp/x", prod, k, lo, hi, t -> {
                    double s = 0; // Leibniz
                    for (int j = 0; j <= kk; j++) {
                        s += Math.pow(a, j) * Math.exp(a * t) / fact(j) * ((kk - j) % 2 == 0 ? 1 : -1)
                                * Math.pow(t, -(kk - j) - 1);
                    }
                    return s;
                });
                contains("sin^2", sq, k, lo, hi, t -> kk == 0 ? Math.pow(Math.sin(a * t), 2)
                        : -0.5 * Math.pow(2 * a, kk) * sinDerivative(kk + 1, 2 * a * t) / kf);
            }
        }
    }

    @Test
    void sincNearZeroIsEnclosed() {
        for (int trial = 0; trial < 200; trial++) {
            double f = 0.5 + 6 * rnd.nextDouble();
            double hi = 1.99 / f * rnd.nextDouble();
            double lo = trial % 3 == 0 ? 0 : hi - (trial % 2 == 0 ? 1e-3 : 0.1) * rnd.nextDouble() * hi;
            double[] s = IntervalJet.zero(K);
            IntervalJet.sincNearZero(f, lo, hi, K, s);
            for (int k = 0; k <= K; k++) {
                final int kk = k;
                // d^k/dx^k sinc(f x) = f^k int_0^1 t^k cos^(k)(t f x) dt, by Simpson on a fine grid
                contains("sinc", s, k, lo, hi, x -> Math.pow(f, kk) / fact(kk) * simpson(t -> Math.pow(t, kk)
                        * sinDerivative(kk + 1, t * f * x), 2000));
            }
        }
    }

    @Test
    void denseCoefficientEnclosesTheDotProduct() {
        int n = 37;
        int cols = 5;
        double[] w = new double[n * cols];
        for (int i = 0; i < w.length; i++) {
            w[i] = rnd.nextGaussian();
        }
        double[] bias = {0.5, -1, 0, 2, 3};
        double[][] in = new double[n][2 * (K + 1)];
        double[] pick = new double[n];
        for (int i = 0; i < n; i++) {
            double c = rnd.nextGaussian();
            double r = rnd.nextDouble() * 1e-3;
            in[i][0] = c - r;
            in[i][1] = c + r;
            pick[i] = c - r + 2 * r * rnd.nextDouble();
        }
        double[][] out = new double[cols][2 * (K + 1)];
        IntervalJet.denseCoefficient(in, 0, w, cols, cols, bias, out);
        for (int c = 0; c < cols; c++) {
            java.math.BigDecimal exact = new java.math.BigDecimal(bias[c]);
            for (int i = 0; i < n; i++) {
                exact = exact.add(new java.math.BigDecimal(w[i * cols + c]).multiply(new java.math.BigDecimal(pick[i])));
            }
            double v = exact.doubleValue();
            assertTrue(out[c][0] <= v && v <= out[c][1], "column " + c);
        }
    }

    /** d^k/dy^k of sin at y: sin, cos, -sin, -cos (k mod 4). So sinDerivative(k + 1, y) is cos^(k)(y). */
    static double sinDerivative(int k, double y) {
        return switch (k % 4) {
            case 0 -> Math.sin(y);
            case 1 -> Math.cos(y);
            case 2 -> -Math.sin(y);
            default -> -Math.cos(y);
        };
    }

    static double binom(double a, int k) {
        double b = 1;
        for (int i = 0; i < k; i++) {
            b *= (a - i) / (i + 1);
        }
        return b;
    }

    static double simpson(DoubleUnaryOperator g, int n) {
        double h = 1.0 / n;
        double s = g.applyAsDouble(0) + g.applyAsDouble(1);
        for (int i = 1; i < n; i++) {
            s += (i % 2 == 1 ? 4 : 2) * g.applyAsDouble(i * h);
        }
        return s * h / 3;
    }
}
