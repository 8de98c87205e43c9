package org.e3j.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The neighbour list equals ASE's neighbor_list("ijS") as a set, on committed fixtures. */
class NeighborListAseParityTest {

    static Stream<String> cases() {
        return Json.text("/nl/index.txt").lines().filter(l -> !l.isBlank());
    }

    record Case(String name, Structure structure, double cutoff, TreeSet<String> pairs, Map<String, Double> dist) {}

    static Case load(String name) {
        Map<String, Object> o = Json.obj(Json.resource("/nl/" + name + ".json"));
        Structure s = new Structure(Json.ints(o.get("numbers")), Json.doubles(o.get("positions")),
                Json.doubles(o.get("cell")), Json.bools(o.get("pbc")));
        int[] i = Json.ints(o.get("i")), j = Json.ints(o.get("j")), sh = Json.ints(o.get("S"));
        double[] d = Json.doubles(o.get("d"));
        TreeSet<String> set = new TreeSet<>();
        Map<String, Double> dist = new java.util.HashMap<>();
        for (int k = 0; k < i.length; k++) {
            String key = key(i[k], j[k], sh[3 * k], sh[3 * k + 1], sh[3 * k + 2]);
            assertTrue(set.add(key), "duplicate in ASE list " + key);
            dist.put(key, d[k]);
        }
        return new Case(name, s, ((Number) o.get("cutoff")).doubleValue(), set, dist);
    }

    static String key(int i, int j, int a, int b, int c) {
        return i + " " + j + " " + a + " " + b + " " + c;
    }

    static TreeSet<String> javaSet(NeighborList nl) {
        TreeSet<String> set = new TreeSet<>();
        for (int e = 0; e < nl.numEdges(); e++) {
            String key = key(nl.sender(e), nl.receiver(e), nl.shift(e, 0), nl.shift(e, 1), nl.shift(e, 2));
            if (!set.add(key)) {
                fail("duplicate edge " + key);
            }
        }
        return set;
    }

    static void assertSameSet(String what, TreeSet<String> expected, TreeSet<String> actual) {
        if (!expected.equals(actual)) {
            List<String> missing = new ArrayList<>(expected);
            missing.removeAll(actual);
            List<String> extra = new ArrayList<>(actual);
            extra.removeAll(expected);
            fail(what + ": " + missing.size() + " missing (first " + missing.subList(0, Math.min(5, missing.size()))
                    + "), " + extra.size() + " extra (first " + extra.subList(0, Math.min(5, extra.size())) + ")");
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void pairsEqualAse(String name) {
        Case c = load(name);
        NeighborList nl = NeighborList.of(c.structure(), c.cutoff());
        assertSameSet(name, c.pairs(), javaSet(nl));
        for (int e = 0; e < nl.numEdges(); e++) {
            String key = key(nl.sender(e), nl.receiver(e), nl.shift(e, 0), nl.shift(e, 1), nl.shift(e, 2));
            assertEquals(c.dist().get(key), nl.distance(e), 1e-12, key);
        }
        assertSortedWithOffsets(nl);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void pairsEqualAseWithSkin(String name) {
        Case c = load(name);
        NeighborList nl = new NeighborList(c.cutoff(), 0.7);
        nl.build(c.structure());
        assertTrue(nl.numCandidates() >= nl.numEdges());
        assertSameSet(name + " (skin 0.7)", c.pairs(), javaSet(nl));
        assertSortedWithOffsets(nl);
    }

    static void assertSortedWithOffsets(NeighborList nl) {
        int n = nl.numAtoms();
        int[] off = nl.receiverOffsets();
        assertEquals(n + 1, off.length);
        assertEquals(0, off[0]);
        assertEquals(nl.numEdges(), off[n]);
        for (int j = 0; j < n; j++) {
            for (int e = off[j]; e < off[j + 1]; e++) {
                assertEquals(j, nl.receiver(e));
                if (e > off[j]) {
                    int cmp = PairSearch.compare(nl.sender(e - 1), nl.shift(e - 1, 0), nl.shift(e - 1, 1),
                            nl.shift(e - 1, 2), nl.sender(e), nl.shift(e, 0), nl.shift(e, 1), nl.shift(e, 2));
                    assertTrue(cmp < 0, "edges not sorted at " + e);
                }
                // vector = pos[j] - pos[i] + S @ cell
                double[] p = nl.positions();
                double[] cell = nl.cell();
                int i = nl.sender(e);
                for (int k = 0; k < 3; k++) {
                    double sv = nl.shift(e, 0) * cell[k] + nl.shift(e, 1) * cell[3 + k] + nl.shift(e, 2) * cell[6 + k];
                    assertEquals(p[3 * j + k] - p[3 * i + k] + sv, nl.vector(e, k), 1e-12);
                }
            }
        }
        // symmetry of a full list: (i, j, S) present iff (j, i, -S) present
        TreeSet<String> set = javaSet(nl);
        for (int e = 0; e < nl.numEdges(); e++) {
            assertTrue(set.contains(key(nl.receiver(e), nl.sender(e), -nl.shift(e, 0), -nl.shift(e, 1),
                    -nl.shift(e, 2))));
        }
        assertArrayEquals(off, nl.receiverOffsetsView().length == n + 1 ? nl.receiverOffsetsView() : off);
    }
}
