package org.e3j.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class GraphTest {

    static String fail(Graph.Builder b) {
        return assertThrows(GraphException.class, b::build).getMessage();
    }

    @Test
    void sortsByReceiverThenSenderThenShiftAndKeepsPermutation() {
        // caller order
        int[] snd = {2, 0, 1, 0, 2, 1, 0};
        int[] rcv = {0, 1, 0, 2, 1, 2, 1};
        int[] sh = {0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, 0, 0};
        Graph g = Graph.builder().nNode(3).nEdge(7).senders(snd).receivers(rcv).shifts(sh)
                .cells(new double[] {2, 0, 0, 0, 2, 0, 0, 0, 2}).build();
        assertArrayEquals(new int[] {1, 2, 0, 0, 2, 0, 1}, g.senders());
        assertArrayEquals(new int[] {0, 0, 1, 1, 1, 2, 2}, g.receivers());
        assertArrayEquals(new int[] {0, 2, 5, 7}, g.receiverOffsets());
        // receiver 1 has senders 0 (shift -1), 0 (shift 0), 2
        assertEquals(-1, g.shift(2, 0));
        assertEquals(0, g.shift(3, 0));
        assertEquals(-2.0, g.shiftVector(2, 0));
        int[] orig = g.originalEdgeIndex();
        assertArrayEquals(new int[] {2, 0, 6, 1, 4, 3, 5}, orig);
        int[] sorted = g.sortedEdgeIndex();
        for (int e = 0; e < 7; e++) {
            assertEquals(snd[e], g.sender(sorted[e]));
            assertEquals(rcv[e], g.receiver(sorted[e]));
            assertEquals(sh[3 * e], g.shift(sorted[e], 0));
        }
        assertFalse(g.hasNodeData());
    }

    @Test
    void stableForDuplicateEdgesAndCartesianShiftKeys() {
        Graph g = Graph.builder().nNode(2).nEdge(3).senders(new int[] {0, 0, 0}).receivers(new int[] {1, 1, 1})
                .shiftVectors(new double[] {1, 0, 0, 0, 0, 0, 1, 0, 0}).build();
        assertArrayEquals(new int[] {1, 0, 2}, g.originalEdgeIndex());
        assertArrayEquals(new double[] {0, 0, 0, 1, 0, 0, 1, 0, 0}, g.shiftVectors());
    }

    @Test
    void validationErrors() {
        String m = fail(Graph.builder().nNode(3).nEdge(2).senders(new int[] {0, 3}).receivers(new int[] {1, 1}));
        assertTrue(m.contains("senders[1] = 3 is past the node count 3"), m);
        m = fail(Graph.builder().nNode(3).nEdge(2).senders(new int[] {0, 1}).receivers(new int[] {-1, 1}));
        assertTrue(m.contains("receivers[0] = -1 is negative"), m);
        m = fail(Graph.builder().nNode(3).nEdge(3).senders(new int[] {0, 1}).receivers(new int[] {1, 1}));
        assertTrue(m.contains("n_edge sums to 3 but there are 2 edges"), m);
        m = fail(Graph.builder().nNode(3).nEdge(2).senders(new int[] {0, 1, 2}).receivers(new int[] {1, 1}));
        assertTrue(m.contains("senders has 3 entries but receivers has 2"), m);
        m = fail(Graph.builder().nNode(2, 2).nEdge(1, 1).senders(new int[] {0, 1}).receivers(new int[] {1, 2}));
        assertTrue(m.contains("edge 1 (sender 1, receiver 2) belongs to graph 1") && m.contains("cross"), m);
        m = fail(Graph.builder().nNode(2, 2).nEdge(2, 0).senders(new int[] {0, 2}).receivers(new int[] {1, 3}));
        assertTrue(m.contains("edge 1") && m.contains("graph 0"), m);
        m = fail(Graph.builder().nNode(2, -1).nEdge(0, 0).senders(new int[0]).receivers(new int[0]));
        assertTrue(m.contains("n_node[1] = -1 is negative"), m);
        m = fail(Graph.builder().nNode(2, 2).nEdge(0).senders(new int[0]).receivers(new int[0]));
        assertTrue(m.contains("n_edge has 1"), m);
        m = fail(Graph.builder().nNode(2).nEdge(1).senders(new int[] {0}).receivers(new int[] {1}).shifts(new int[] {1, 0, 0}));
        assertTrue(m.contains("non-zero integer shift but no cells"), m);
        m = fail(Graph.builder().nNode(2).nEdge(1).senders(new int[] {0}).receivers(new int[] {1}).shifts(new int[2]));
        assertTrue(m.contains("shifts has 2 values"), m);
        m = fail(Graph.builder().nNode(2).nEdge(1).senders(new int[] {0}).receivers(new int[] {1})
                .shifts(new int[] {1, 0, 0}).cells(new double[] {2, 0, 0, 0, 2, 0, 0, 0, 2})
                .shiftVectors(new double[] {3, 0, 0}));
        assertTrue(m.contains("disagrees"), m);
        m = fail(Graph.builder().nNode(2).nEdge(1).senders(new int[] {0}).receivers(new int[] {1})
                .positions(new double[5]));
        assertTrue(m.contains("positions has 5 values"), m);
        m = fail(Graph.builder().nNode(2).nEdge(1).senders(new int[] {0}).receivers(new int[] {1})
                .shiftVectors(new double[] {Double.NaN, 0, 0}));
        assertTrue(m.contains("not finite"), m);
        m = fail(Graph.builder().nNode().nEdge().senders(new int[0]).receivers(new int[0]));
        assertTrue(m.contains("at least one graph"), m);
        // empty graphs are allowed inside a batch
        Graph g = Graph.builder().nNode(0, 2, 0).nEdge(0, 1, 0).senders(new int[] {1}).receivers(new int[] {0}).build();
        assertEquals(1, g.graphOfNode(0));
        assertEquals(1, g.graphOfNode(1));
    }

    @Test
    void fromNeighborListAndBatch() {
        Random r = new Random(8);
        Structure a = new Structure(new int[] {8, 1, 1}, new double[] {0, 0, 0.12, 0, 0.76, -0.48, 0, -0.76, -0.48});
        Structure b = NeighborListTest.cu108(r);
        Structure c = new Structure(new int[] {11, 17}, new double[] {0, 0, 0, 1.4, 1.5, 1.3},
                new double[] {2.8, 0, 0, 1.2, 2.5, 0, 0.7, 0.9, 2.4}, new boolean[] {true, true, true});
        double cutoff = 3.0;
        Graph batch = Graph.batch(List.of(a, b, c), cutoff);
        assertEquals(3, batch.numGraphs());
        assertArrayEquals(new int[] {3, 108, 2}, batch.nNode());
        assertEquals(113, batch.numNodes());
        assertTrue(batch.hasNodeData());
        int[] off = batch.receiverOffsets();
        for (int e = 1; e < batch.numEdges(); e++) {
            assertTrue(batch.receiver(e - 1) <= batch.receiver(e));
        }
        int eo = 0, no = 0;
        for (Structure s : List.of(a, b, c)) {
            int gi = batch.graphOfNode(no);
            NeighborList nl = NeighborList.of(s, cutoff);
            assertEquals(nl.numEdges(), batch.nEdge()[gi]);
            assertEquals(eo, batch.edgeOffset(gi));
            for (int e = 0; e < nl.numEdges(); e++) {
                assertEquals(nl.sender(e) + no, batch.sender(eo + e));
                assertEquals(nl.receiver(e) + no, batch.receiver(eo + e));
                for (int k = 0; k < 3; k++) {
                    assertEquals(nl.shift(e, k), batch.shift(eo + e, k));
                }
            }
            for (int j = 0; j <= s.size(); j++) {
                assertEquals(nl.receiverOffsets()[j] + eo, off[j + no]);
            }
            eo += nl.numEdges();
            no += s.size();
        }
        // edge vectors from node positions + shift vectors equal the neighbour list's
        double[] v = batch.edgeVectors(batch.positions());
        NeighborList nlc = NeighborList.of(c, cutoff);
        int base = batch.edgeOffset(2);
        for (int e = 0; e < nlc.numEdges(); e++) {
            for (int k = 0; k < 3; k++) {
                assertEquals(nlc.vector(e, k), v[3 * (base + e) + k], 1e-12);
            }
        }
        assertEquals(27, batch.cells().length);
        // rebuilding the same batch from raw arrays (shuffled) gives the same sorted graph
        int e = batch.numEdges();
        int[] perm = new int[e];
        for (int k = 0; k < e; k++) {
            perm[k] = k;
        }
        // shuffle within each graph so edges stay in their graph's n_edge range
        for (int g = 0; g < 3; g++) {
            int lo = batch.edgeOffset(g), hi = batch.edgeOffset(g + 1);
            for (int k = hi - 1; k > lo; k--) {
                int j = lo + r.nextInt(k - lo + 1);
                int t = perm[k];
                perm[k] = perm[j];
                perm[j] = t;
            }
        }
        int[] s2 = new int[e], r2 = new int[e], sh2 = new int[3 * e];
        for (int k = 0; k < e; k++) {
            s2[k] = batch.sender(perm[k]);
            r2[k] = batch.receiver(perm[k]);
            for (int d = 0; d < 3; d++) {
                sh2[3 * k + d] = batch.shift(perm[k], d);
            }
        }
        Graph raw = Graph.builder().nNode(batch.nNode()).nEdge(batch.nEdge()).senders(s2).receivers(r2).shifts(sh2)
                .cells(batch.cells()).numbers(batch.numbers()).positions(batch.positions()).build();
        assertArrayEquals(batch.senders(), raw.senders());
        assertArrayEquals(batch.receivers(), raw.receivers());
        assertArrayEquals(batch.shifts(), raw.shifts());
        assertArrayEquals(batch.shiftVectors(), raw.shiftVectors(), 1e-12);
        assertArrayEquals(batch.receiverOffsets(), raw.receiverOffsets());
        int[] orig = raw.originalEdgeIndex();
        for (int k = 0; k < e; k++) {
            assertEquals(k, perm[orig[k]]);
        }
        Graph single = Graph.of(NeighborList.of(c, cutoff));
        assertNull(single.numbers());
        assertEquals(1, single.numGraphs());
    }
}
