package org.e3j.engine;

/**
 * The one growth policy of e3j's reusable buffers (workspace edges and tiles, neighbour lists):
 * never shrink; when {@code need} exceeds the current capacity, grow geometrically (1.5x) and to at
 * least {@code need} plus 25 % headroom. The headroom is for MD: a pair count wobbles around its
 * first value from rebuild to rebuild, and growing to exactly that value reallocated every edge
 * buffer at the first rebuild that found one pair more (2 MB in one step of a 32-atom Cu run).
 */
public final class Capacity {
    private Capacity() {}

    /** The new capacity for {@code need} elements (call only when {@code need > current}), at most {@code limit} but never below {@code need}. */
    public static int grow(int need, int current, int limit) {
        long wanted = Math.max(need + need / 4L + 16, current + current / 2L);
        return (int) Math.max(need, Math.min(limit, wanted));
    }
}
