package org.e3j.plan;

import java.util.Arrays;
import org.e3j.engine.E3jException;
import org.e3j.engine.plan.SingleCaller;
import org.e3j.engine.plan.WorkerPool;
import org.e3j.layers.graph.ValueType;

/**
 * Runs a {@link GraphPlan}: owns the buffers of one caller (grown when a structure is larger than any
 * before, otherwise reused: an evaluation allocates nothing), a {@link WorkerPool}, and the results of
 * the last evaluation (energy per graph in double, atom energies, forces, virial).
 *
 * <p>Each step is one parallel phase over the rows of its domain, split evenly between the workers;
 * steps are row-local (see {@link Step}), so every bit of the results is the same for any thread
 * count. The reverse pass seeds {@code dE/d energy = 1} and runs the differentiable steps back to front.
 *
 * <p>The virial is {@code -sym(sum_e r_e (x) dE/dr_e)} over the edge vectors of the graph's
 * {@code relative_vectors} nodes (positions and shifts enter only through them in every family we
 * export; this is the strain derivative of docs/model-graph.md §2 and does not depend on where the
 * atoms sit in space). A graph that uses positions otherwise gets
 * {@code -sym(sum_i pos_i (x) dE/dpos_i + sum_e shift_e (x) dE/dshift_e)}.
 */
public final class PlanWorkspace implements AutoCloseable {
    /** Below this many rows per worker a step runs on the calling thread alone. */
    private static final int MIN_ROWS_PER_WORKER = Integer.getInteger("e3j.plan.minRowsPerWorker", 16);

    private final GraphPlan plan;
    private final PlanBuffers b;
    private final WorkerPool pool;
    private final float[][] scratch;
    private final int[] zToSpecies;
    private final SingleCaller calls = new SingleCaller("graph plan workspace");
    private final Phase phase = new Phase();
    /** The reverse steps' phase domains, asked once (a step may build the array on each call). */
    private final Step.Domain[][] phases;

    private int nodeCap = -1;
    private int edgeCap = -1;
    private int graphCap = -1;
    private double[] energy = new double[0];
    private double[] virial = new double[0];
    private boolean haveGradients;

    public PlanWorkspace(GraphPlan plan, int threads) {
        this.plan = plan;
        this.b = new PlanBuffers(plan.types.length);
        this.scratch = new float[WorkerPool.requireThreads(threads)][plan.scratchFloats];
        this.b.positionsSlot = plan.positions;
        this.b.shiftsSlot = plan.shifts;
        this.phases = new Step.Domain[plan.reverse.length][];
        for (int t = 0; t < phases.length; t++) {
            phases[t] = plan.reverse[t].backwardPhases().clone();
        }
        int[] species = plan.graph.species();
        int maxZ = 0;
        if (species != null) {
            for (int z : species) {
                maxZ = Math.max(maxZ, z);
            }
        }
        zToSpecies = new int[maxZ + 1];
        Arrays.fill(zToSpecies, -1);
        if (species != null) {
            for (int s = 0; s < species.length; s++) {
                zToSpecies[species[s]] = s;
            }
        }
        // the worker threads start last: a constructor that fails leaves none running
        this.pool = new WorkerPool(threads);
    }

    public GraphPlan plan() {
        return plan;
    }

    public int threads() {
        return pool.threads();
    }

    /**
     * Evaluates the model on a batch of structures (atoms of a structure consecutive).
     *
     * @param nodes        atoms
     * @param edges        edges (only the first {@code edges} entries of the index arrays are read)
     * @param positions    {@code [3 nodes]} Cartesian Å
     * @param numbers      atomic number of each atom
     * @param senders      sender atom of each edge
     * @param receivers    receiver atom of each edge
     * @param shiftVectors {@code [3 edges]} Cartesian periodic shifts {@code S @ cell}, or null for none
     * @param nNode        atoms per structure, or null for one structure
     * @param gradients    also run the reverse pass (forces, virial)
     */
    public void evaluate(int nodes, int edges, double[] positions, int[] numbers, int[] senders, int[] receivers,
            double[] shiftVectors, int[] nNode, boolean gradients) {
        calls.enter();
        try {
            haveGradients = false;
            int graphs = nNode == null ? 1 : nNode.length;
            ensureCapacity(nodes, edges, graphs);
            stage(nodes, edges, positions, numbers, senders, receivers, shiftVectors, nNode, graphs);
            for (Step s : plan.steps) {
                run(s, -1, Step.rows(b, s.domain()));
            }
            float[] ae = b.value[plan.atomEnergies];
            for (int g = 0; g < graphs; g++) {
                double sum = 0;
                for (int a = b.graphStart[g]; a < b.graphStart[g + 1]; a++) {
                    sum += ae[a];
                }
                energy[g] = sum;
            }
            if (gradients) {
                reverse();
                haveGradients = true;
            }
        } finally {
            calls.exit();
        }
    }

    private void stage(int nodes, int edges, double[] positions, int[] numbers, int[] senders, int[] receivers,
            double[] shiftVectors, int[] nNode, int graphs) {
        b.nodes = nodes;
        b.edges = edges;
        b.graphs = graphs;
        int a = 0;
        for (int g = 0; g < graphs; g++) {
            b.graphStart[g] = a;
            int count = nNode == null ? nodes : nNode[g];
            for (int t = 0; t < count; t++) {
                b.nodeGraph[a++] = g;
            }
        }
        b.graphStart[graphs] = a;
        if (a != nodes) {
            throw new E3jException("n_node sums to " + a + " atoms, but " + nodes + " were given");
        }
        for (int e = 0; e < edges; e++) {
            int s = senders[e];
            int r = receivers[e];
            if (s < 0 || s >= nodes || r < 0 || r >= nodes) {
                throw new E3jException("edge " + e + " joins atoms " + s + " and " + r + ", outside 0.." + (nodes - 1));
            }
        }
        System.arraycopy(senders, 0, b.senders, 0, edges);
        System.arraycopy(receivers, 0, b.receivers, 0, edges);
        PlanBuffers.groupEdges(b.receivers, edges, nodes, b.receiverStart, b.byReceiver);
        PlanBuffers.groupEdges(b.senders, edges, nodes, b.senderStart, b.bySender);
        System.arraycopy(positions, 0, b.positions64, 0, 3 * nodes);
        if (shiftVectors != null) {
            System.arraycopy(shiftVectors, 0, b.shifts64, 0, 3 * edges);
        } else {
            Arrays.fill(b.shifts64, 0, 3 * edges, 0.0);
        }
        if (plan.shifts < 0 && shiftVectors != null) {
            for (int t = 0; t < 3 * edges; t++) {
                if (shiftVectors[t] != 0.0) {
                    throw new E3jException(plan.graph.source() + ": this model graph takes no periodic shifts, but an"
                            + " edge crosses the cell boundary (a periodic neighbour list cannot be honoured)");
                }
            }
        }
        if (plan.positions >= 0) {
            float[] p = b.value[plan.positions];
            for (int t = 0; t < 3 * nodes; t++) {
                p[t] = (float) positions[t];
            }
        }
        if (plan.shifts >= 0) {
            float[] s = b.value[plan.shifts];
            for (int t = 0; t < 3 * edges; t++) {
                s[t] = (float) b.shifts64[t];
            }
        }
        if (plan.atomicNumbers >= 0) {
            System.arraycopy(numbers, 0, b.index[plan.atomicNumbers], 0, nodes);
        }
        if (plan.species >= 0) {
            int[] sp = b.index[plan.species];
            for (int i = 0; i < nodes; i++) {
                int z = numbers[i];
                int s = z >= 0 && z < zToSpecies.length ? zToSpecies[z] : -1;
                if (s < 0) {
                    throw new E3jException("atom " + i + " has atomic number " + z + ", which is not an element of the"
                            + " model (atomic numbers " + Arrays.toString(plan.graph.species()) + ")");
                }
                sp[i] = s;
            }
        }
        if (plan.nNode >= 0) {
            int[] nn = b.index[plan.nNode];
            for (int g = 0; g < graphs; g++) {
                nn[g] = b.graphStart[g + 1] - b.graphStart[g];
            }
        }
    }

    private void reverse() {
        for (int k = 0; k < plan.types.length; k++) {
            if (plan.needsGrad[k]) {
                Arrays.fill(b.grad[k], 0, rows(plan.types[k]) * plan.types[k].dim(), 0f);
            }
        }
        float[] seed = b.grad[plan.energy];
        if (seed == null) {
            return; // the energy does not depend on the geometry: zero forces
        }
        Arrays.fill(seed, 0, b.graphs, 1f);
        for (int t = 0; t < plan.reverse.length; t++) {
            Step.Domain[] ph = phases[t];
            for (int p = 0; p < ph.length; p++) {
                run(plan.reverse[t], p, Step.rows(b, ph[p]));
            }
        }
        Arrays.fill(virial, 0, 9 * b.graphs, 0.0);
        if (plan.relativeVectors != null) {
            for (int slot : plan.relativeVectors) {
                float[] r = b.value[slot];
                float[] g = b.grad[slot];
                if (g == null) {
                    continue;
                }
                for (int e = 0; e < b.edges; e++) {
                    addSym(virial, 9 * b.nodeGraph[b.receivers[e]], r, g, 3 * e);
                }
            }
        } else {
            if (plan.positions >= 0 && b.grad[plan.positions] != null) {
                float[] gp = b.grad[plan.positions];
                for (int i = 0; i < b.nodes; i++) {
                    addSym(virial, 9 * b.nodeGraph[i], b.positions64, gp, 3 * i);
                }
            }
            if (plan.shifts >= 0 && b.grad[plan.shifts] != null) {
                float[] gs = b.grad[plan.shifts];
                for (int e = 0; e < b.edges; e++) {
                    addSym(virial, 9 * b.nodeGraph[b.receivers[e]], b.shifts64, gs, 3 * e);
                }
            }
        }
    }

    private static void addSym(double[] w, int o, float[] x, float[] gx, int i) {
        for (int a = 0; a < 3; a++) {
            for (int c = 0; c < 3; c++) {
                w[o + 3 * a + c] -= 0.5 * ((double) x[i + a] * gx[i + c] + (double) x[i + c] * gx[i + a]);
            }
        }
    }

    private static void addSym(double[] w, int o, double[] x, float[] gx, int i) {
        for (int a = 0; a < 3; a++) {
            for (int c = 0; c < 3; c++) {
                w[o + 3 * a + c] -= 0.5 * (x[i + a] * gx[i + c] + x[i + c] * gx[i + a]);
            }
        }
    }

    private void run(Step s, int p, int rows) {
        if (rows == 0) {
            return;
        }
        int workers = Math.max(1, Math.min(pool.threads(), rows / MIN_ROWS_PER_WORKER));
        if (workers == 1) {
            if (p < 0) {
                s.forward(b, 0, rows, scratch[0]);
            } else {
                s.backward(p, b, 0, rows, scratch[0]);
            }
            return;
        }
        phase.step = s;
        phase.phase = p;
        phase.rows = rows;
        phase.active = workers;
        pool.run(phase);
        phase.step = null;
    }

    /** The reusable task of one parallel phase: worker w takes rows [rows*w/active, rows*(w+1)/active). */
    private final class Phase implements WorkerPool.Task {
        Step step;
        int phase;
        int rows;
        int active;

        @Override
        public void run(int worker, int workers) {
            if (worker >= active) {
                return;
            }
            int lo = (int) ((long) rows * worker / active);
            int hi = (int) ((long) rows * (worker + 1) / active);
            if (lo >= hi) {
                return;
            }
            if (phase < 0) {
                step.forward(b, lo, hi, scratch[worker]);
            } else {
                step.backward(phase, b, lo, hi, scratch[worker]);
            }
        }
    }

    private int rows(ValueType t) {
        return Step.rows(b, Step.Domain.of(t.domain()));
    }

    private void ensureCapacity(int nodes, int edges, int graphs) {
        if (nodes <= nodeCap && edges <= edgeCap && graphs <= graphCap) {
            return;
        }
        nodeCap = Math.max(nodes, nodeCap);
        edgeCap = Math.max(edges, edgeCap);
        graphCap = Math.max(graphs, graphCap);
        // headroom for the edge count, which changes from step to step in MD
        if (edges > 0 && edgeCap == edges) {
            edgeCap = edges + edges / 8 + 16;
        }
        for (int k = 0; k < plan.types.length; k++) {
            ValueType t = plan.types[k];
            if (t == null) {
                continue;
            }
            int rows = switch (t.domain()) {
                case "node" -> nodeCap;
                case "edge" -> edgeCap;
                default -> graphCap;
            };
            if (t.isFloat()) {
                b.value[k] = new float[rows * t.dim()];
                if (plan.needsGrad[k]) {
                    b.grad[k] = new float[rows * t.dim()];
                }
            } else {
                b.index[k] = new int[rows];
            }
        }
        b.nodeGraph = new int[nodeCap];
        b.graphStart = new int[graphCap + 1];
        b.receiverStart = new int[nodeCap + 1];
        b.senderStart = new int[nodeCap + 1];
        b.byReceiver = new int[edgeCap];
        b.bySender = new int[edgeCap];
        b.positions64 = new double[3 * nodeCap];
        b.shifts64 = new double[3 * edgeCap];
        if (plan.senders >= 0) {
            b.index[plan.senders] = new int[edgeCap];
            b.senders = b.index[plan.senders];
        } else {
            b.senders = new int[edgeCap];
        }
        if (plan.receivers >= 0) {
            b.index[plan.receivers] = new int[edgeCap];
            b.receivers = b.index[plan.receivers];
        } else {
            b.receivers = new int[edgeCap];
        }
        energy = new double[graphCap];
        virial = new double[9 * graphCap];
    }

    // ------------------------------------------------------------------ results of the last evaluation

    /** Structures in the last evaluation. */
    public int graphs() {
        return b.graphs;
    }

    /** Energy of structure g (eV), summed in double over the atom energies. */
    public double energy(int g) {
        return energy[g];
    }

    /** Energy of atom i (eV). */
    public double atomEnergy(int i) {
        return b.value[plan.atomEnergies][i];
    }

    /** Copies the forces {@code -dE/dpos} ({@code [3 nodes]}) into {@code out}. */
    public void forces(double[] out) {
        requireGradients();
        float[] g = plan.positions >= 0 ? b.grad[plan.positions] : null;
        for (int t = 0; t < 3 * b.nodes; t++) {
            out[t] = g == null ? 0.0 : -g[t];
        }
    }

    /** The virial {@code -sym(dE/d eps)} of structure g, row-major 3x3 (eV), into {@code out[off..off+9)}. */
    public void virial(int g, double[] out, int off) {
        requireGradients();
        System.arraycopy(virial, 9 * g, out, off, 9);
    }

    private void requireGradients() {
        if (!haveGradients) {
            throw new IllegalStateException("the last evaluation computed no gradients");
        }
    }

    /** The float value of a node after the last evaluation (for tests), or null if pruned or int. */
    public float[] valueOf(String node) {
        return slotArray(node, b.value);
    }

    /** The gradient of the energy with respect to a node's value (for tests), or null if none. */
    public float[] gradientOf(String node) {
        return slotArray(node, b.grad);
    }

    private float[] slotArray(String node, float[][] arrays) {
        var nodes = plan.graph.nodes();
        for (int k = 0; k < nodes.size(); k++) {
            if (nodes.get(k).name().equals(node)) {
                return arrays[k];
            }
        }
        throw new IllegalArgumentException("no node \"" + node + "\"");
    }

    @Override
    public void close() {
        calls.close();
        pool.close();
    }
}
