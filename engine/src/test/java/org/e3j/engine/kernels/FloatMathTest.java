package org.e3j.engine.kernels;

import static org.e3j.engine.kernels.KernelTestSupport.ulpError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Measures the float32 activations against double-precision references (max error in ulps of the
 * correctly rounded float result) over the ranges the network uses; the bounds asserted here are
 * the measured maxima, rounded up, and are quoted in docs/kernels.md.
 */
class FloatMathTest {

    interface FloatFn {
        float apply(float x);
    }

    static final double GELU_K = Math.sqrt(2 / Math.PI);

    static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /** 0.5 x (1 + tanh(y)) written as x sigmoid(2y): the double form cancels too, for x < -5. */
    static double gelu(double x) {
        return x * sigmoid(2 * GELU_K * (x + 0.044715 * x * x * x));
    }

    static double geluPrime(double x) {
        double t = Math.tanh(GELU_K * (x + 0.044715 * x * x * x));
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_K * (1 + 3 * 0.044715 * x * x);
    }

    /** Max ulp error over a dense grid of [lo, hi] plus every float in a small window around 0. */
    static double maxUlp(FloatFn f, DoubleUnaryOperator exact, float lo, float hi, boolean nearOne) {
        double worst = 0;
        int n = 2_000_000;
        for (int i = 0; i <= n; i++) {
            float x = (float) (lo + (hi - lo) * (double) i / n);
            worst = Math.max(worst, error(f.apply(x), exact.applyAsDouble(x), nearOne));
        }
        for (float x = -1e-3f; x <= 1e-3f; x = Math.nextUp(x + 1e-9f)) {
            if (x >= lo && x <= hi) {
                worst = Math.max(worst, error(f.apply(x), exact.applyAsDouble(x), nearOne));
            }
        }
        return worst;
    }

    /**
     * ulps of the correctly rounded result; or, for functions with a root inside the range
     * (silu', gelu'), in units of 2^-24 * max(1, |exact|) ("ulp of 1" where the value is small).
     */
    static double error(float actual, double exact, boolean nearOne) {
        if (!nearOne) {
            return ulpError(actual, exact);
        }
        return Math.abs(actual - exact) / (0x1p-24 * Math.max(1, Math.abs(exact)));
    }

    private static void check(String name, FloatFn f, DoubleUnaryOperator exact, float lo, float hi, double bound) {
        check(name, f, exact, lo, hi, bound, false);
    }

    private static void check(String name, FloatFn f, DoubleUnaryOperator exact, float lo, float hi, double bound,
                              boolean nearOne) {
        double ulps = maxUlp(f, exact, lo, hi, nearOne);
        System.out.printf("FloatMath %-12s on [%g, %g]: max error %.2f %s%n", name, lo, hi, ulps,
                nearOne ? "x 2^-24 max(1,|f|)" : "ulp");
        assertTrue(ulps <= bound, name + ": " + ulps + " ulp > " + bound);
    }

    @Test
    void exp() {
        check("exp", FloatMath::exp, Math::exp, -87.3f, 88.7f, 2);
    }

    @Test
    void sigmoidAndSilu() {
        check("sigmoid", FloatMath::sigmoid, FloatMathTest::sigmoid, -87f, 88f, 3);
        check("silu", FloatMath::silu, x -> x * sigmoid(x), -87f, 88f, 3);
    }

    @Test
    void tanh() {
        check("tanh", FloatMath::tanh, Math::tanh, -20f, 20f, 3);
    }

    @Test
    void geluTanh() {
        // for x < -3 gelu is ill-conditioned in its own argument: u = x (c1 + c2 x^2) is rounded once
        // (relative 2^-24) and exp(-u) multiplies that by |u| (up to ~87): there the error is
        // quoted relative to max(1, |gelu|), where it is tiny
        check("gelu_tanh", FloatMath::geluTanh, FloatMathTest::gelu, -3f, 10f, 16);
        check("gelu_tanh", FloatMath::geluTanh, FloatMathTest::gelu, -10f, 10f, 4, true);
    }

    @Test
    void derivatives() {
        check("sigmoid'", FloatMath::sigmoidDerivative, x -> sigmoid(x) * sigmoid(-x), -40f, 40f, 5);
        check("silu'", FloatMath::siluDerivative, x -> sigmoid(x) * (1 + x * sigmoid(-x)), -20f, 20f, 8, true);
        check("tanh'", FloatMath::tanhDerivative, x -> 1 / (Math.cosh(x) * Math.cosh(x)), -20f, 20f, 5);
        check("gelu_tanh'", FloatMath::geluTanhDerivative, FloatMathTest::geluPrime, -8f, 8f, 8, true);
    }

    @Test
    void specialValues() {
        assertEquals(1f, FloatMath.exp(0f));
        assertEquals(0f, FloatMath.exp(-88f));
        assertEquals(0f, FloatMath.exp(Float.NEGATIVE_INFINITY));
        assertEquals(Float.POSITIVE_INFINITY, FloatMath.exp(89f));
        assertEquals(Float.POSITIVE_INFINITY, FloatMath.exp(Float.POSITIVE_INFINITY));
        assertTrue(Float.isNaN(FloatMath.exp(Float.NaN)));
        assertTrue(Float.isNaN(FloatMath.tanh(Float.NaN)));
        assertTrue(Float.isNaN(FloatMath.silu(Float.NaN)));
        assertEquals(1f, FloatMath.tanh(100f));
        assertEquals(-1f, FloatMath.tanh(-100f));
        assertEquals(1f, FloatMath.sigmoid(100f));
        assertEquals(0f, FloatMath.sigmoid(-100f));
        assertEquals(100f, FloatMath.silu(100f));
        assertEquals(0f, Math.abs(FloatMath.silu(-100f)));
        assertEquals(0f, FloatMath.siluDerivative(-100f), 1e-30f);
        assertEquals(1f, FloatMath.siluDerivative(100f));
        assertEquals(0f, FloatMath.tanhDerivative(100f));
        assertEquals(0.25f, FloatMath.sigmoidDerivative(0f));
        assertEquals(0.5f, FloatMath.siluDerivative(0f));
        assertEquals(0.5f, FloatMath.geluTanhDerivative(0f));
        assertEquals(0f, FloatMath.siluDerivative(-1e30f), 1e-36f);
        assertEquals(0f, FloatMath.geluTanhDerivative(-1e30f), 1e-34f);
        assertEquals(1f, FloatMath.geluTanhDerivative(1e30f));
        for (Activation a : Activation.values()) {
            assertTrue(Float.isFinite(FloatMath.derivative(a, -1e30f)), a + "'(-1e30)");
            assertTrue(Float.isFinite(FloatMath.derivative(a, 1e30f)), a + "'(1e30)");
        }
    }
}
