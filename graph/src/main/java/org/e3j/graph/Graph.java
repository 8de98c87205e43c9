package org.e3j.graph;

import java.util.Arrays;
import java.util.List;

/**
 * A batch of graphs with GraphsTuple semantics: {@code n_node[G]}, {@code n_edge[G]}, edge arrays
 * {@code senders[E]}, {@code receivers[E]} (global node indices), integer periodic shifts
 * {@code shifts[3E]} and Cartesian shifts {@code shiftVectors[3E] = S @ cell} so that the edge vector
 * is {@code pos[receiver] - pos[sender] + shiftVector}.
 *
 * <p>Edges are stored sorted by receiver (stable; ties by sender, then shift) with CSR offsets
 * {@link #receiverOffsets()}; {@link #originalEdgeIndex()} maps each stored edge to its index in the
 * caller's order. Nodes of graph g are [nodeOffset(g), nodeOffset(g+1)); every edge lies within one
 * graph, and since receivers are sorted the edges of each graph stay contiguous, in graph order.
 *
 * <p>Optionally carries node data ({@code numbers}, {@code positions}) and per-graph {@code cells}
 * (9 per graph) and {@code pbc} (3 per graph) when built from structures. Immutable; accessors copy
 * except the {@code *View} methods.
 */
public final class Graph {
    private final int[] nNode;
    private final int[] nEdge;
    private final int[] nodeOffsets;
    private final int[] edgeOffsets;
    private final int[] senders;
    private final int[] receivers;
    private final int[] shifts;
    private final double[] shiftVectors;
    private final int[] receiverOffsets;
    private final int[] original;
    private final int[] numbers;
    private final double[] positions;
    private final double[] cells;
    private final boolean[] pbc;

    private Graph(int[] nNode, int[] nEdge, int[] senders, int[] receivers, int[] shifts, double[] shiftVectors,
                  int[] original, int[] numbers, double[] positions, double[] cells, boolean[] pbc) {
        this.nNode = nNode;
        this.nEdge = nEdge;
        this.senders = senders;
        this.receivers = receivers;
        this.shifts = shifts;
        this.shiftVectors = shiftVectors;
        this.original = original;
        this.numbers = numbers;
        this.positions = positions;
        this.cells = cells;
        this.pbc = pbc;
        int g = nNode.length;
        nodeOffsets = new int[g + 1];
        edgeOffsets = new int[g + 1];
        for (int k = 0; k < g; k++) {
            nodeOffsets[k + 1] = nodeOffsets[k] + nNode[k];
            edgeOffsets[k + 1] = edgeOffsets[k] + nEdge[k];
        }
        int n = nodeOffsets[g];
        receiverOffsets = new int[n + 1];
        for (int r : receivers) {
            receiverOffsets[r + 1]++;
        }
        for (int i = 0; i < n; i++) {
            receiverOffsets[i + 1] += receiverOffsets[i];
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The edges of a neighbour list as a single graph (no node data). */
    public static Graph of(NeighborList nl) {
        int n = nl.numAtoms();
        int e = nl.numEdges();
        int[] perm = new int[e];
        for (int k = 0; k < e; k++) {
            perm[k] = k;
        }
        return new Graph(new int[] {n}, new int[] {e}, nl.senders(), nl.receivers(), nl.shifts(), nl.shiftVectors(),
                perm, null, null, nl.cell(), nl.pbc());
    }

    /** A structure and its edges within {@code cutoff}, as a single graph with node data. */
    public static Graph of(Structure s, double cutoff) {
        NeighborList nl = NeighborList.of(s, cutoff);
        return new Graph(new int[] {s.size()}, new int[] {nl.numEdges()}, nl.senders(), nl.receivers(), nl.shifts(),
                nl.shiftVectors(), identity(nl.numEdges()), s.numbers(), s.positions(), s.cell(), s.pbc());
    }

    /** Several structures batched into one graph (node indices offset per structure). */
    public static Graph batch(List<Structure> structures, double cutoff) {
        Graph[] gs = new Graph[structures.size()];
        for (int k = 0; k < gs.length; k++) {
            gs[k] = of(structures.get(k), cutoff);
        }
        return batch(gs);
    }

    /**
     * Concatenates graphs into one batch: node indices are offset, edge order kept (so the result
     * is sorted by receiver too) and original edge indices offset by the preceding edge counts.
     * Node data and cells are kept only if every part has them.
     */
    public static Graph batch(Graph... parts) {
        if (parts.length == 0) {
            throw new GraphException("cannot batch zero graphs");
        }
        int g = 0;
        long n = 0;
        long e = 0;
        boolean nodes = true;
        boolean hasCells = true;
        for (Graph p : parts) {
            g += p.nNode.length;
            n += p.numNodes();
            e += p.numEdges();
            nodes &= p.numbers != null && p.positions != null;
            hasCells &= p.cells != null && p.pbc != null;
        }
        if (n > Integer.MAX_VALUE - 8 || 3 * e > Integer.MAX_VALUE - 8) {
            throw new GraphException("batch too large: " + n + " nodes, " + e + " edges");
        }
        int[] nNode = new int[g], nEdge = new int[g];
        int[] snd = new int[(int) e], rcv = new int[(int) e], sh = new int[3 * (int) e], orig = new int[(int) e];
        double[] sv = new double[3 * (int) e];
        int[] num = nodes ? new int[(int) n] : null;
        double[] pos = nodes ? new double[3 * (int) n] : null;
        double[] cl = hasCells ? new double[9 * g] : null;
        boolean[] pb = hasCells ? new boolean[3 * g] : null;
        int gk = 0, no = 0, eo = 0;
        for (Graph p : parts) {
            int pg = p.nNode.length, pn = p.numNodes(), pe = p.numEdges();
            System.arraycopy(p.nNode, 0, nNode, gk, pg);
            System.arraycopy(p.nEdge, 0, nEdge, gk, pg);
            for (int k = 0; k < pe; k++) {
                snd[eo + k] = p.senders[k] + no;
                rcv[eo + k] = p.receivers[k] + no;
                orig[eo + k] = p.original[k] + eo;
            }
            System.arraycopy(p.shifts, 0, sh, 3 * eo, 3 * pe);
            System.arraycopy(p.shiftVectors, 0, sv, 3 * eo, 3 * pe);
            if (nodes) {
                System.arraycopy(p.numbers, 0, num, no, pn);
                System.arraycopy(p.positions, 0, pos, 3 * no, 3 * pn);
            }
            if (hasCells) {
                System.arraycopy(p.cells, 0, cl, 9 * gk, 9 * pg);
                System.arraycopy(p.pbc, 0, pb, 3 * gk, 3 * pg);
            }
            gk += pg;
            no += pn;
            eo += pe;
        }
        return new Graph(nNode, nEdge, snd, rcv, sh, sv, orig, num, pos, cl, pb);
    }

    private static int[] identity(int e) {
        int[] p = new int[e];
        for (int k = 0; k < e; k++) {
            p[k] = k;
        }
        return p;
    }

    /** Builder from raw arrays, as a user with their own graph would give them; validated on build(). */
    public static final class Builder {
        private int[] nNode, nEdge, senders, receivers, shifts, numbers;
        private double[] shiftVectors, cells, positions;
        private boolean[] pbc;

        private Builder() {}

        public Builder nNode(int... v) {
            nNode = v;
            return this;
        }

        public Builder nEdge(int... v) {
            nEdge = v;
            return this;
        }

        public Builder senders(int[] v) {
            senders = v;
            return this;
        }

        public Builder receivers(int[] v) {
            receivers = v;
            return this;
        }

        /** Integer shifts S, 3E (optional; zero if absent). */
        public Builder shifts(int[] v) {
            shifts = v;
            return this;
        }

        /** Cartesian shifts, 3E (optional; computed from integer shifts and cells if absent). */
        public Builder shiftVectors(double[] v) {
            shiftVectors = v;
            return this;
        }

        /** Cells, 9 per graph, rows are lattice vectors (optional). */
        public Builder cells(double[] v) {
            cells = v;
            return this;
        }

        /** Periodic flags, 3 per graph (optional). */
        public Builder pbc(boolean[] v) {
            pbc = v;
            return this;
        }

        /** Atomic numbers, N (optional). */
        public Builder numbers(int[] v) {
            numbers = v;
            return this;
        }

        /** Positions, 3N (optional). */
        public Builder positions(double[] v) {
            positions = v;
            return this;
        }

        /** Validates, sorts edges by (receiver, sender, shift), stable, and builds. */
        public Graph build() {
            if (nNode == null || nEdge == null) {
                throw new GraphException("n_node and n_edge are required");
            }
            if (senders == null || receivers == null) {
                throw new GraphException("senders and receivers are required");
            }
            int g = nNode.length;
            if (g == 0) {
                throw new GraphException("n_node is empty: a batch needs at least one graph");
            }
            if (nEdge.length != g) {
                throw new GraphException("n_node has " + g + " graphs but n_edge has " + nEdge.length);
            }
            long nSum = 0, eSum = 0;
            for (int k = 0; k < g; k++) {
                if (nNode[k] < 0) {
                    throw new GraphException("n_node[" + k + "] = " + nNode[k] + " is negative");
                }
                if (nEdge[k] < 0) {
                    throw new GraphException("n_edge[" + k + "] = " + nEdge[k] + " is negative");
                }
                nSum += nNode[k];
                eSum += nEdge[k];
            }
            if (nSum > Integer.MAX_VALUE - 8 || 3 * eSum > Integer.MAX_VALUE - 8) {
                throw new GraphException("graph too large: " + nSum + " nodes, " + eSum + " edges");
            }
            int n = (int) nSum, e = (int) eSum;
            if (senders.length != receivers.length) {
                throw new GraphException("senders has " + senders.length + " entries but receivers has "
                        + receivers.length);
            }
            if (senders.length != e) {
                throw new GraphException("n_edge sums to " + e + " but there are " + senders.length + " edges");
            }
            if (numbers != null && numbers.length != n) {
                throw new GraphException("n_node sums to " + n + " but numbers has " + numbers.length + " entries");
            }
            if (positions != null && positions.length != 3L * n) {
                throw new GraphException("n_node sums to " + n + " but positions has " + positions.length
                        + " values (expected " + 3L * n + ")");
            }
            if (positions != null) {
                for (int k = 0; k < positions.length; k++) {
                    if (!Double.isFinite(positions[k])) {
                        throw new GraphException("node " + k / 3 + " has a non-finite coordinate " + positions[k]);
                    }
                }
            }
            if (shifts != null && shifts.length != 3L * e) {
                throw new GraphException("shifts has " + shifts.length + " values, expected 3 x " + e + " edges");
            }
            if (shiftVectors != null && shiftVectors.length != 3L * e) {
                throw new GraphException("shiftVectors has " + shiftVectors.length + " values, expected 3 x " + e
                        + " edges");
            }
            if (cells != null && cells.length != 9L * g) {
                throw new GraphException("cells has " + cells.length + " values, expected 9 x " + g + " graphs");
            }
            if (pbc != null && pbc.length != 3L * g) {
                throw new GraphException("pbc has " + pbc.length + " flags, expected 3 x " + g + " graphs");
            }
            // indices and graph membership
            int graph = 0, nodeLo = 0, nodeHi = g > 0 ? nNode[0] : 0, edgeHi = nEdge[0];
            for (int k = 0; k < e; k++) {
                while (k >= edgeHi) {
                    graph++;
                    nodeLo = nodeHi;
                    nodeHi += nNode[graph];
                    edgeHi += nEdge[graph];
                }
                checkIndex("senders", k, senders[k], n);
                checkIndex("receivers", k, receivers[k], n);
                if (senders[k] < nodeLo || senders[k] >= nodeHi || receivers[k] < nodeLo || receivers[k] >= nodeHi) {
                    throw new GraphException("edge " + k + " (sender " + senders[k] + ", receiver " + receivers[k]
                            + ") belongs to graph " + graph + " by n_edge, whose nodes are [" + nodeLo + ", " + nodeHi
                            + "): edges must not cross graphs");
                }
            }
            int[] sh = shifts != null ? shifts.clone() : new int[3 * e];
            double[] sv;
            if (shiftVectors != null) {
                sv = shiftVectors.clone();
                for (int k = 0; k < sv.length; k++) {
                    if (!Double.isFinite(sv[k])) {
                        throw new GraphException("shiftVectors of edge " + k / 3 + " is not finite: " + sv[k]);
                    }
                }
                if (shifts != null && cells != null) {
                    double[] expect = cartesian(sh, cells, e);
                    for (int k = 0; k < sv.length; k++) {
                        double tol = 1e-9 * (1 + Math.abs(expect[k]));
                        if (!(Math.abs(expect[k] - sv[k]) <= tol)) {
                            throw new GraphException("shiftVectors of edge " + k / 3 + " (" + sv[k]
                                    + ") disagrees with shifts @ cell (" + expect[k] + ")");
                        }
                    }
                }
            } else if (shifts != null && cells != null) {
                sv = cartesian(sh, cells, e);
            } else {
                for (int k = 0; k < sh.length; k++) {
                    if (sh[k] != 0) {
                        throw new GraphException("edge " + k / 3 + " has a non-zero integer shift but no cells "
                                + "or shiftVectors were given");
                    }
                }
                sv = new double[3 * e];
            }
            // stable sort by (receiver, sender, shift)
            final int[] r = receivers, s = senders;
            final boolean intKey = shifts != null;
            final double[] svk = sv;
            int[] perm = identity(e);
            IndexSort.mergeSort(perm, (p, q) -> {
                int c = Integer.compare(r[p], r[q]);
                if (c != 0) {
                    return c;
                }
                c = Integer.compare(s[p], s[q]);
                if (c != 0) {
                    return c;
                }
                for (int d = 0; d < 3 && c == 0; d++) {
                    c = intKey ? Integer.compare(sh[3 * p + d], sh[3 * q + d]) : Double.compare(svk[3 * p + d],
                            svk[3 * q + d]);
                }
                return c;
            });
            int[] snd = new int[e], rcv = new int[e], sh2 = new int[3 * e];
            double[] sv2 = new double[3 * e];
            for (int k = 0; k < e; k++) {
                int p = perm[k];
                snd[k] = s[p];
                rcv[k] = r[p];
                System.arraycopy(sh, 3 * p, sh2, 3 * k, 3);
                System.arraycopy(sv, 3 * p, sv2, 3 * k, 3);
            }
            return new Graph(nNode.clone(), nEdge.clone(), snd, rcv, sh2, sv2, perm,
                    numbers == null ? null : numbers.clone(), positions == null ? null : positions.clone(),
                    cells == null ? null : cells.clone(), pbc == null ? null : pbc.clone());
        }

        private static void checkIndex(String what, int k, int v, int n) {
            if (v < 0) {
                throw new GraphException(what + "[" + k + "] = " + v + " is negative");
            }
            if (v >= n) {
                throw new GraphException(what + "[" + k + "] = " + v + " is past the node count " + n);
            }
        }

        private double[] cartesian(int[] sh, double[] cl, int e) {
            double[] sv = new double[3 * e];
            int graph = 0, edgeHi = nEdge[0];
            for (int k = 0; k < e; k++) {
                while (k >= edgeHi) {
                    graph++;
                    edgeHi += nEdge[graph];
                }
                int o = 9 * graph;
                for (int d = 0; d < 3; d++) {
                    sv[3 * k + d] = sh[3 * k] * cl[o + d] + sh[3 * k + 1] * cl[o + 3 + d] + sh[3 * k + 2] * cl[o + 6 + d];
                }
            }
            return sv;
        }
    }

    /** Number of graphs G. */
    public int numGraphs() {
        return nNode.length;
    }

    /** Total number of nodes N. */
    public int numNodes() {
        return nodeOffsets[nodeOffsets.length - 1];
    }

    /** Total number of edges E. */
    public int numEdges() {
        return senders.length;
    }

    public int[] nNode() {
        return nNode.clone();
    }

    public int[] nEdge() {
        return nEdge.clone();
    }

    /** First node of graph g (g in 0..G). */
    public int nodeOffset(int g) {
        return nodeOffsets[g];
    }

    /** First (sorted) edge of graph g (g in 0..G). */
    public int edgeOffset(int g) {
        return edgeOffsets[g];
    }

    public int sender(int e) {
        return senders[e];
    }

    public int receiver(int e) {
        return receivers[e];
    }

    public int shift(int e, int c) {
        return shifts[3 * e + c];
    }

    public double shiftVector(int e, int c) {
        return shiftVectors[3 * e + c];
    }

    public int[] senders() {
        return senders.clone();
    }

    public int[] receivers() {
        return receivers.clone();
    }

    public int[] shifts() {
        return shifts.clone();
    }

    public double[] shiftVectors() {
        return shiftVectors.clone();
    }

    /** CSR offsets by receiver, length N+1. */
    public int[] receiverOffsets() {
        return receiverOffsets.clone();
    }

    /** For each stored (sorted) edge, its index in the order the caller gave. */
    public int[] originalEdgeIndex() {
        return original.clone();
    }

    /** The inverse: for each edge in the caller's order, where it is stored. */
    public int[] sortedEdgeIndex() {
        int[] inv = new int[original.length];
        for (int k = 0; k < original.length; k++) {
            inv[original[k]] = k;
        }
        return inv;
    }

    /** Zero-copy views; do not modify. */
    public int[] sendersView() {
        return senders;
    }

    public int[] receiversView() {
        return receivers;
    }

    public double[] shiftVectorsView() {
        return shiftVectors;
    }

    public int[] receiverOffsetsView() {
        return receiverOffsets;
    }

    public boolean hasNodeData() {
        return numbers != null && positions != null;
    }

    /** Atomic numbers (copy) or null. */
    public int[] numbers() {
        return numbers == null ? null : numbers.clone();
    }

    /** Positions (copy) or null. */
    public double[] positions() {
        return positions == null ? null : positions.clone();
    }

    /** Cells, 9 per graph (copy) or null. */
    public double[] cells() {
        return cells == null ? null : cells.clone();
    }

    /** Periodic flags, 3 per graph (copy) or null. */
    public boolean[] pbc() {
        return pbc == null ? null : pbc.clone();
    }

    /** Index of the graph that node i belongs to. */
    public int graphOfNode(int i) {
        if (i < 0 || i >= numNodes()) {
            throw new IndexOutOfBoundsException("node " + i + " of " + numNodes());
        }
        int k = Arrays.binarySearch(nodeOffsets, i);
        if (k >= 0) {
            while (k + 1 < nodeOffsets.length && nodeOffsets[k + 1] == i) {
                k++; // skip empty graphs
            }
            return k;
        }
        return -k - 2;
    }

    /**
     * Edge vectors {@code pos[receiver] - pos[sender] + shiftVector} (3E) for the given positions (3N).
     */
    public double[] edgeVectors(double[] pos) {
        if (pos.length != 3L * numNodes()) {
            throw new GraphException("positions has " + pos.length + " values, expected " + 3L * numNodes());
        }
        double[] v = new double[3 * senders.length];
        for (int k = 0; k < senders.length; k++) {
            int s = senders[k], r = receivers[k];
            for (int d = 0; d < 3; d++) {
                v[3 * k + d] = (pos[3 * r + d] - pos[3 * s + d]) + shiftVectors[3 * k + d];
            }
        }
        return v;
    }

    @Override
    public String toString() {
        return "Graph[" + numGraphs() + " graphs, " + numNodes() + " nodes, " + numEdges() + " edges]";
    }
}
