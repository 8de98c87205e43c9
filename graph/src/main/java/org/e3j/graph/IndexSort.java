package org.e3j.graph;

/**
 * Stable sort of an index permutation by a comparator over the indices: the one sort graph
 * construction needs (edges by receiver, sender, shift). Our own merge sort replaced fastutil's
 * {@code IntArrays.mergeSort}, the only use of a 24 MB dependency (docs/design-notes.md).
 */
final class IndexSort {
    private IndexSort() {}

    /** Compares two indices. */
    @FunctionalInterface
    interface IndexComparator {
        int compare(int p, int q);
    }

    /** Below this length a run is sorted by insertion (fewer moves than merging tiny runs). */
    private static final int INSERTION_MAX = 16;

    /** Sorts {@code a} in place, stably: equal elements keep their order. */
    static void mergeSort(int[] a, IndexComparator cmp) {
        if (a.length < 2) {
            return;
        }
        int[] buf = a.clone();
        sort(buf, a, 0, a.length, cmp);
    }

    /** Sorts {@code dst[from, to)}, using {@code src} (equal to dst on that range on entry) as scratch. */
    private static void sort(int[] src, int[] dst, int from, int to, IndexComparator cmp) {
        int len = to - from;
        if (len <= INSERTION_MAX) {
            for (int i = from + 1; i < to; i++) {
                int v = dst[i];
                int j = i - 1;
                while (j >= from && cmp.compare(dst[j], v) > 0) {
                    dst[j + 1] = dst[j];
                    j--;
                }
                dst[j + 1] = v;
            }
            return;
        }
        int mid = (from + to) >>> 1;
        // Sort the halves into src (roles swap at each level), then merge them back into dst.
        sort(dst, src, from, mid, cmp);
        sort(dst, src, mid, to, cmp);
        if (cmp.compare(src[mid - 1], src[mid]) <= 0) {
            System.arraycopy(src, from, dst, from, len);
            return;
        }
        for (int i = from, p = from, q = mid; i < to; i++) {
            if (q >= to || (p < mid && cmp.compare(src[p], src[q]) <= 0)) {
                dst[i] = src[p++];
            } else {
                dst[i] = src[q++];
            }
        }
    }
}
