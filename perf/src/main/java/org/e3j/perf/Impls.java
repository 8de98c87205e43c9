package org.e3j.perf;

import org.e3j.engine.kernels.KernelProvider;
import org.e3j.engine.kernels.Kernels;

/**
 * Maps the benchmarks' {@code impl} parameter to kernels. {@code vector256} / {@code vector512} set
 * {@code -De3j.kernels.bits} before the vector class initialises; JMH runs every parameter
 * combination in its own fork, so each fork sees the width it asked for. A width the CPU lacks (or
 * a fork that already initialised another width, e.g. with {@code -f 0}) fails the setup loudly
 * instead of measuring the wrong thing.
 */
final class Impls {
    private Impls() {}

    static final String BITS_PROPERTY = "e3j.kernels.bits";

    static Kernels select(String impl) {
        switch (impl) {
            case "scalar":
                return KernelProvider.scalar();
            case "vector":
                return KernelProvider.vector().orElseThrow(() -> new IllegalStateException(
                        "jdk.incubator.vector missing: the fork needs --add-modules jdk.incubator.vector"));
            case "vector128":
            case "vector256":
            case "vector512": {
                int bits = Integer.parseInt(impl.substring("vector".length()));
                System.setProperty(BITS_PROPERTY, Integer.toString(bits));
                Kernels k = select("vector");
                if (32 * k.vectorLanes() != bits) {
                    throw new IllegalStateException("asked for " + bits + "-bit vectors but got " + k.name()
                            + " (CPU maximum or a species already fixed in this JVM); run with -p impl=...");
                }
                return k;
            }
            default:
                throw new IllegalArgumentException("impl must be scalar, vector, vector128, vector256 or vector512: " + impl);
        }
    }

    static float[] random(java.util.SplittableRandom rnd, int n, float lo, float hi) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (lo + (hi - lo) * rnd.nextDouble());
        }
        return a;
    }
}
