package org.e3j.plan;

/**
 * The mutable state of one evaluation of a {@link GraphPlan}: a float array per float value slot
 * (row-major {@code [rows][dim]}, e3nn-jax's layout, chunk by chunk {@code mul x (2l+1)}), an int array
 * per index slot, a gradient array per slot that needs one, and the edge CSRs the reductions use.
 * Arrays are sized for a capacity and reused: growing is the only allocation, and only when a
 * structure is larger than any before.
 */
public final class PlanBuffers {
    /** Rows of the current evaluation. */
    public int nodes;
    public int edges;
    public int graphs;

    /** Float value of each slot (null for int slots and pruned ones). */
    public final float[][] value;
    /** Int value of each slot (null for float slots). */
    public final int[][] index;
    /** Gradient of each float slot that needs one in the reverse pass, else null. */
    public final float[][] grad;

    /** Graph of each node, and the first node of each graph ({@code graphs + 1} entries). */
    public int[] nodeGraph = new int[0];
    public int[] graphStart = new int[1];

    /** Edges grouped by receiver: edges of atom i are {@code byReceiver[receiverStart[i] .. receiverStart[i+1])}, ascending. */
    public int[] receiverStart = new int[1];
    public int[] byReceiver = new int[0];
    /** Edges grouped by sender, likewise. */
    public int[] senderStart = new int[1];
    public int[] bySender = new int[0];
    /**
     * The positions and periodic shift vectors in double ({@code [3 nodes]}, {@code [3 edges]}), as given:
     * edge vectors are formed in double and rounded once, so float32 positions of a large box do not
     * cost precision (the float32 {@code positions}/{@code shifts} slots hold the rounded copies).
     */
    public double[] positions64 = new double[0];
    public double[] shifts64 = new double[0];
    /** The slots of the positions and shifts inputs whose double copies these are (-1: none). */
    public int positionsSlot = -1;
    public int shiftsSlot = -1;

    /** The senders and receivers of the current edges (also in their index slots). */
    public int[] senders = new int[0];
    public int[] receivers = new int[0];

    public PlanBuffers(int slots) {
        value = new float[slots][];
        index = new int[slots][];
        grad = new float[slots][];
    }

    /**
     * Groups edges by an atom index (a counting sort, stable: ascending edge order within an atom).
     * {@code start} needs {@code nodes + 1} entries, {@code order} {@code edges}; both are overwritten.
     */
    public static void groupEdges(int[] atomOfEdge, int edges, int nodes, int[] start, int[] order) {
        java.util.Arrays.fill(start, 0, nodes + 1, 0);
        for (int e = 0; e < edges; e++) {
            start[atomOfEdge[e] + 1]++;
        }
        for (int i = 0; i < nodes; i++) {
            start[i + 1] += start[i];
        }
        for (int e = 0; e < edges; e++) {
            order[start[atomOfEdge[e]]++] = e;
        }
        for (int i = nodes; i > 0; i--) {
            start[i] = start[i - 1];
        }
        start[0] = 0;
    }
}
