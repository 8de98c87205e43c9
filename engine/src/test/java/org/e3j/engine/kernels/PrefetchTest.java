package org.e3j.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;

import org.junit.jupiter.api.Test;

class PrefetchTest {
    /** Callers pass row ranges of buffers sized with headroom: a range is clamped to the array, never out of it. */
    @Test
    void rangesAreClampedToTheArrayAndNothingIsWritten() {
        float[] a = new float[40];
        for (int i = 0; i < a.length; i++) {
            a[i] = i * 0.5f;
        }
        float[] before = a.clone();
        assertDoesNotThrow(() -> Prefetch.lines(a, 0, a.length));
        assertDoesNotThrow(() -> Prefetch.lines(a, -20, 1000));
        assertDoesNotThrow(() -> Prefetch.lines(a, 35, 20));
        assertDoesNotThrow(() -> Prefetch.lines(a, 100, 200));
        assertDoesNotThrow(() -> Prefetch.lines(new float[0], 0, 16));
        assertArrayEquals(before, a);
    }
}
