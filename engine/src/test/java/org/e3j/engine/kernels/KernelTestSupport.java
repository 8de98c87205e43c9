package org.e3j.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/** Seeded data and comparisons shared by the kernel tests. */
final class KernelTestSupport {
    private KernelTestSupport() {}

    /** The awkward sizes every kernel is tried on: around 8, 16, 32, 64, 128 lanes. */
    static final int[] SIZES = {1, 3, 7, 8, 15, 16, 17, 31, 33, 63, 65, 127};

    /** A guard value around output regions; any kernel writing outside its range changes it. */
    static final float SENTINEL = -12345.678f;

    static IntStream sizes() {
        return IntStream.of(SIZES);
    }

    /** The vector kernels, or a failed assumption when the module is absent (the test is skipped). */
    static Kernels vectorOrSkip() {
        Optional<Kernels> v;
        try {
            v = KernelProvider.vector();
        } catch (LinkageError e) {
            v = Optional.empty();
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(v.isPresent(), "jdk.incubator.vector not available");
        return v.get();
    }

    static float[] random(SplittableRandom rnd, int n, float lo, float hi) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (lo + (hi - lo) * rnd.nextDouble());
        }
        return a;
    }

    /** Random values in [-1, 1) at [off, off+len), SENTINEL elsewhere; total length off+len+pad. */
    static float[] padded(SplittableRandom rnd, int off, int len, int pad) {
        float[] a = new float[off + len + pad];
        java.util.Arrays.fill(a, SENTINEL);
        for (int i = 0; i < len; i++) {
            a[off + i] = (float) (2 * rnd.nextDouble() - 1);
        }
        return a;
    }

    static void assertBitwise(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(actual[i])) {
                fail(what + ": differs at " + i + ": expected " + expected[i] + " but was " + actual[i]);
            }
        }
    }

    /** |e - a| <= abs + rel * |e| elementwise (and NaN/inf must match exactly). */
    static void assertClose(float[] expected, float[] actual, double abs, double rel, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            assertClose(expected[i], actual[i], abs, rel, what + "[" + i + "]");
        }
    }

    static void assertClose(double expected, double actual, double abs, double rel, String what) {
        if (Double.isNaN(expected) || Double.isInfinite(expected)) {
            assertEquals(expected, actual, 0.0, what);
            return;
        }
        double tol = abs + rel * Math.abs(expected);
        assertTrue(Math.abs(expected - actual) <= tol,
                what + ": expected " + expected + " but was " + actual + " (tol " + tol + ")");
    }

    static float[] copy(float[] a) {
        return a.clone();
    }

    /** Distance in ulps between a float and a double reference (0 when the float is the correctly rounded value). */
    static double ulpError(float actual, double exact) {
        if (Double.isNaN(exact)) {
            return Float.isNaN(actual) ? 0 : Double.POSITIVE_INFINITY;
        }
        if (Double.isInfinite(exact) || Double.isInfinite(actual)) {
            return actual == (float) exact ? 0 : Double.POSITIVE_INFINITY;
        }
        double ulp = Math.ulp((float) exact);
        if ((float) exact == 0f) {
            ulp = Float.MIN_VALUE;
        }
        return Math.abs(actual - exact) / ulp;
    }
}
