package org.e3j.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The edge sort: same order as the JDK's stable object sort, ties kept in input order. */
class IndexSortTest {

    @Test
    void sortsLikeTheJdksStableSortWithManyTies() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int len : new int[] {0, 1, 2, 3, 15, 16, 17, 31, 33, 100, 1000, 4099}) {
            for (int range : new int[] {1, 3, len + 1}) {
                int[] key = new int[len];
                for (int i = 0; i < len; i++) {
                    key[i] = rnd.nextInt(range);
                }
                int[] perm = new int[len];
                Integer[] boxed = new Integer[len];
                for (int i = 0; i < len; i++) {
                    perm[i] = i;
                    boxed[i] = i;
                }
                IndexSort.mergeSort(perm, (p, q) -> Integer.compare(key[p], key[q]));
                Arrays.sort(boxed, Comparator.comparingInt(p -> key[p])); // stable (TimSort)
                assertArrayEquals(Arrays.stream(boxed).mapToInt(Integer::intValue).toArray(), perm,
                        "len " + len + ", keys < " + range);
            }
        }
    }

    /** fastutil (24 MB) was on the class path for this one sort; it must stay out. */
    @Test
    void fastutilIsNotADependency() {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("it.unimi.dsi.fastutil.ints.IntArrays"));
    }
}
