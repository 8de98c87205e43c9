package org.e3j.engine.ops;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleUnaryOperator;

/**
 * e3nn-jax's activation normalisation ({@code normalize_function}) and parity detection
 * ({@code parity_function}), computed in double.
 *
 * <p>e3nn-jax divides an activation by {@code c = sqrt(mean_i phi(x_i)^2)} over the deterministic
 * grid {@code x_i = sqrt(2) erfinv(t_i)}, t the interior points of {@code linspace(-1, 1, N+2)},
 * N = 1 000 001 ({@code normalspace}); it keeps phi unchanged when {@code allclose(c, 1)}. This is a
 * quantile grid, not an exact Gaussian moment (for gelu they differ by 1.5e-5 relative). Computed
 * here in double; the reference model runs in float32, whose constant differs by ~1e-7, so
 * {@link Gate} takes the constants as inputs and callers should pass the exported float32 values
 * when matching a float32 run.
 */
public final class Activations {

    /** Grid size of e3nn-jax's {@code normalize_function}. */
    public static final int GRID = 1_000_001;

    private static final ConcurrentHashMap<Activation, Double> CACHE = new ConcurrentHashMap<>();

    private Activations() {}

    /**
     * The divisor e3nn-jax's {@code normalize_function(phi)} uses (1.0 when c is allclose to 1),
     * in double precision. Cached for the built-in activations.
     */
    public static double normalizeConstant(Activation phi) {
        return CACHE.computeIfAbsent(phi, a -> normalizeConstant((DoubleUnaryOperator) a));
    }

    /** Same for an arbitrary function (not cached; ~1M evaluations). */
    public static double normalizeConstant(DoubleUnaryOperator phi) {
        double c = secondMomentRoot(phi);
        // jnp.allclose(c, 1.0): |c - 1| <= atol + rtol * 1 with rtol 1e-5, atol 1e-8
        return Math.abs(c - 1.0) <= 1e-8 + 1e-5 ? 1.0 : c;
    }

    /** {@code sqrt(mean phi(normalspace(GRID))^2)}, without the allclose shortcut. */
    public static double secondMomentRoot(DoubleUnaryOperator phi) {
        int n = GRID;
        // linspace(-1, 1, n + 2): jax computes start + i * step in the dtype; interior points 1..n
        double step = 2.0 / (n + 1);
        double sum = 0;
        double comp = 0; // Kahan: the order of XLA's reduction is unknowable; make ours accurate instead
        for (int i = 1; i <= n; i++) {
            double t = -1.0 + i * step;
            double x = Math.sqrt(2) * erfinv(t);
            double y = phi.applyAsDouble(x);
            double term = y * y - comp;
            double s = sum + term;
            comp = (s - sum) - term;
            sum = s;
        }
        return Math.sqrt(sum / n);
    }

    /** e3nn's {@code normalspace(n)} in double. */
    public static double[] normalspace(int n) {
        double[] out = new double[n];
        double step = 2.0 / (n + 1);
        for (int i = 1; i <= n; i++) {
            out[i - 1] = Math.sqrt(2) * erfinv(-1.0 + i * step);
        }
        return out;
    }

    /**
     * e3nn-jax's {@code parity_function}: +1 if phi is even, -1 if odd, 0 otherwise, tested on
     * {@code linspace(0, 10, 256)} with tolerance 1e-5.
     */
    public static int parity(DoubleUnaryOperator phi) {
        double even = 0;
        double odd = 0;
        for (int i = 0; i < 256; i++) {
            double x = 10.0 * i / 255;
            double a = phi.applyAsDouble(x);
            double b = phi.applyAsDouble(-x);
            even = Math.max(even, Math.abs(a - b));
            odd = Math.max(odd, Math.abs(a + b));
        }
        if (even < 1e-5) {
            return 1;
        }
        if (odd < 1e-5) {
            return -1;
        }
        return 0;
    }

    // ------------------------------------------------------------------ special functions

    /**
     * Inverse error function in double, via the standard-normal quantile (Wichura's AS241, relative
     * error ~1e-16): {@code erfinv(t) = ndtri((1+t)/2) / sqrt(2)}. The quantile argument is passed as
     * {@code q = t/2} in the central region and as the tail mass {@code (1-|t|)/2} outside it, both
     * exact, so no precision is lost near 0 or near +-1.
     */
    public static double erfinv(double t) {
        if (t <= -1) {
            return t == -1 ? Double.NEGATIVE_INFINITY : Double.NaN;
        }
        if (t >= 1) {
            return t == 1 ? Double.POSITIVE_INFINITY : Double.NaN;
        }
        double a = Math.abs(t);
        double z;
        if (a / 2 <= 0.425) {
            z = central(a / 2);
        } else {
            z = tail((1 - a) / 2);
        }
        z /= Math.sqrt(2);
        return t < 0 ? -z : z;
    }

    /** AS241 central region: the quantile of {@code p = 0.5 + q}, |q| <= 0.425. */
    static double central(double q) {
        double r = 0.180625 - q * q;
        return q * (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r + 67265.770927008700853) * r
                + 45921.953931549871457) * r + 13731.693765509461125) * r + 1971.5909503065514427) * r
                + 133.14166789178437745) * r + 3.387132872796366608)
                / (((((((r * 5226.495278852545925 + 28729.085735721942674) * r + 39307.89580009271061) * r
                + 21213.794301586595867) * r + 5394.1960214247511077) * r + 687.1870074920579083) * r
                + 42.313330701600911252) * r + 1.0);
    }

    /** AS241 tails: the (positive) quantile of {@code 1 - m} for a tail mass m &lt; 0.075. */
    static double tail(double m) {
        double r;
        double val;
        r = Math.sqrt(-Math.log(m));
        if (r <= 5) {
            r -= 1.6;
            val = (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r + 0.24178072517745061177) * r
                    + 1.27045825245236838258) * r + 3.64784832476320460504) * r + 5.7694972214606914055) * r
                    + 4.6303378461565452959) * r + 1.42343711074968357734)
                    / (((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r + 0.0151986665636164571966)
                    * r + 0.14810397642748007459) * r + 0.68976733498510000455) * r + 1.6763848301838038494) * r
                    + 2.05319162663775882187) * r + 1.0);
        } else {
            r -= 5;
            val = (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r
                    + 0.0012426609473880784386) * r + 0.026532189526576123093) * r + 0.29656057182850489123) * r
                    + 1.7848265399172913358) * r + 5.4637849111641143699) * r + 6.6579046435011037772)
                    / (((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r
                    + 1.8463183175100546818e-5) * r + 7.868691311456132591e-4) * r + 0.0148753612908506148525) * r
                    + 0.13692988092273580531) * r + 0.59983220655588793769) * r + 1.0);
        }
        return val;
    }
}
