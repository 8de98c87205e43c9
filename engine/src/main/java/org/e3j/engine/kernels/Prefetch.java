package org.e3j.engine.kernels;

/**
 * Brings a range of an array into the cache with one sequential sweep (one load per 64-byte line),
 * ahead of a pass that visits it in an order the hardware prefetchers do not follow. Java has no
 * prefetch instruction; a sequential read is the next best thing: the stream prefetchers see it and
 * keep many lines in flight, where the pass itself would wait for each line it touches first.
 *
 * <p>Where e3j uses it: the per-edge M and dM rows of a tile before the message passes, which read a
 * few scattered floats of every row once per path (docs/fast-engine.md, "Prefetch"). The values read
 * are folded into an int that is kept only if it takes one particular value, so the JIT must perform
 * the loads but nothing else depends on them (no shared write per call).
 */
public final class Prefetch {
    private Prefetch() {}

    /** Floats per 64-byte cache line. */
    private static final int LINE = 16;

    /** Written only when the fold hits one value in 2^32: keeps the loads live without a shared write per call. */
    @SuppressWarnings("unused")
    private static volatile int sink;

    /** Reads one float per cache line of {@code a[from, to)} (clamped to the array). */
    public static void lines(float[] a, int from, int to) {
        int end = Math.min(to, a.length);
        int x = 0;
        for (int i = Math.max(0, from); i < end; i += LINE) {
            x ^= Float.floatToRawIntBits(a[i]); // an integer chain: one cycle per line, not an fp add's four
        }
        if (x == 0x7f7f7f7f) {
            sink = x;
        }
    }
}
