package org.e3j.layers.graph;

import java.util.List;
import org.e3j.engine.E3jException;
import org.e3j.layers.model.ModelInput;
import org.e3j.layers.model.ReferenceForces;

/**
 * The reference (double) executor of a {@link ModelGraph}: the forward pass node by node, then one
 * reverse pass from the energy output that reuses each op's vector-Jacobian product. Forces are
 * {@code -dE/dpositions}; the virial and stress come from the strain derivative
 * {@code dE/d eps = sym(sum_i pos_i (x) dE/dpos_i + sum_e shift_e (x) dE/dshift_e)} (a symmetric strain
 * applied to positions and shifts, docs/model-graph.md §2), which is exactly what
 * {@code python/e3j_jax/graph/model_graph.energy_forces_stress} differentiates.
 */
public final class GraphExecutor {

    private static final int[][] VOIGT = {{0, 0}, {1, 1}, {2, 2}, {1, 2}, {0, 2}, {0, 1}};

    private final ModelGraph graph;
    private final int energyNode;
    private final int atomEnergyNode;
    private final boolean float32Constants;

    /** The double executor with float64 semantics (the gates' {@code c_f64} constants). */
    public GraphExecutor(ModelGraph graph) {
        this(graph, false);
    }

    /**
     * @param float32Constants use the gates' recorded {@code c_f32} normalisation constants, i.e. the
     *     float32 model's constants evaluated in double (what e3j's version-1 reference does)
     */
    public GraphExecutor(ModelGraph graph, boolean float32Constants) {
        this.graph = graph;
        this.float32Constants = float32Constants;
        this.energyNode = indexOf(graph.outputs().get("energy"));
        this.atomEnergyNode = indexOf(graph.outputs().get("atom_energies"));
    }

    private int indexOf(String name) {
        List<ModelGraph.Node> nodes = graph.nodes();
        for (int k = 0; k < nodes.size(); k++) {
            if (nodes.get(k).name().equals(name)) {
                return k;
            }
        }
        throw new IllegalStateException(name);
    }

    public ModelGraph graph() {
        return graph;
    }

    /** Every node's value (double[] or int[]) after a forward pass. */
    public Object[] forward(ModelInput in) {
        GraphOp.Run run = run(in);
        List<ModelGraph.Node> nodes = graph.nodes();
        Object[] values = new Object[nodes.size()];
        for (int k = 0; k < nodes.size(); k++) {
            ModelGraph.Node n = nodes.get(k);
            Object[] args = new Object[n.inputIndex().length];
            for (int a = 0; a < args.length; a++) {
                args[a] = values[n.inputIndex()[a]];
            }
            values[k] = n.compiled().forward(run, args);
        }
        return values;
    }

    private GraphOp.Run run(ModelInput in) {
        GraphOp.Run run = new GraphOp.Run(in.numNodes(), in.numEdges(), in.nNode());
        run.float32Constants = float32Constants;
        run.given.put("positions", in.positions());
        run.given.put("atomic_numbers", in.numbers());
        run.given.put("senders", in.senders());
        run.given.put("receivers", in.receivers());
        run.given.put("n_node", in.nNode());
        double[] shifts = in.shifts() == null ? new double[3 * in.numEdges()] : in.shifts();
        if (!graph.takesShifts()) {
            for (double s : shifts) {
                if (s != 0.0) {
                    throw new E3jException(graph.source() + ": this model graph takes no periodic shifts, but an edge"
                            + " crosses the cell boundary (a periodic neighbour list cannot be honoured)");
                }
            }
        }
        run.given.put("shifts", shifts);
        int[] species = graph.species();
        if (species != null) {
            int[] idx = new int[in.numNodes()];
            for (int a = 0; a < idx.length; a++) {
                idx[a] = -1;
                for (int s = 0; s < species.length; s++) {
                    if (species[s] == in.numbers()[a]) {
                        idx[a] = s;
                    }
                }
            }
            run.given.put("species", idx);
        }
        return run;
    }

    /** Energy per graph only (no reverse pass). */
    public double[] energy(ModelInput in) {
        return (double[]) forward(in)[energyNode];
    }

    /**
     * Energy, atom energies, forces, virial and stress, as {@link ReferenceForces#compute} returns them.
     *
     * @param cells [G][3][3] row-major (rows are lattice vectors, Å), or null for no stress
     * @param pbc [G][3], or null meaning periodic wherever a cell is given
     */
    public ReferenceForces.Result compute(ModelInput in, double[] cells, boolean[] pbc) {
        int g = in.numGraphs();
        if (cells != null && cells.length != 9 * g) {
            throw new E3jException("cells have " + cells.length + " values for " + g + " graphs (need 9 per graph)");
        }
        if (pbc != null && pbc.length != 3 * g) {
            throw new E3jException("pbc has " + pbc.length + " values for " + g + " graphs (need 3 per graph)");
        }
        Trace trace = trace(in);
        Object[] values = trace.values();
        double[][] grads = trace.grads();
        int posNode = trace.positionsNode();
        int shiftNode = trace.shiftsNode();
        GraphOp.Run run = trace.run();
        int nAtoms = in.numNodes();
        double[] gPos = posNode >= 0 && grads[posNode] != null ? grads[posNode] : new double[3 * nAtoms];
        double[] gShift = shiftNode >= 0 && grads[shiftNode] != null ? grads[shiftNode] : new double[3 * in.numEdges()];
        double[] forces = new double[3 * nAtoms];
        for (int t = 0; t < forces.length; t++) {
            forces[t] = -gPos[t];
        }
        double[] virial = virial(in, (double[]) run.given.get("shifts"), gPos, gShift);
        double[] stress = new double[6 * g];
        boolean[] valid = new boolean[g];
        for (int k = 0; cells != null && k < g; k++) {
            boolean periodic = pbc == null || (pbc[3 * k] && pbc[3 * k + 1] && pbc[3 * k + 2]);
            double volume = Math.abs(det3(cells, 9 * k));
            if (!periodic || !(volume > 0) || !graph.takesShifts()) {
                continue;
            }
            valid[k] = true;
            for (int v = 0; v < 6; v++) {
                stress[6 * k + v] = -virial[9 * k + 3 * VOIGT[v][0] + VOIGT[v][1]] / volume;
            }
        }
        double[] energy = ((double[]) values[energyNode]).clone();
        double[] atomEnergies = ((double[]) values[atomEnergyNode]).clone();
        for (double e : energy) {
            if (!Double.isFinite(e)) {
                throw new E3jException(graph.source() + ": the energy is not finite");
            }
        }
        for (double f : forces) {
            if (!Double.isFinite(f)) {
                throw new E3jException(graph.source() + ": a force is not finite");
            }
        }
        return new ReferenceForces.Result(energy, atomEnergies, forces, virial, stress, valid, gShift);
    }

    /**
     * The value and the energy gradient of every node (null where the energy does not depend on it),
     * from one forward and one reverse pass: what the compute methods use, public so that other
     * executors (the fast planner's tests) can compare node by node.
     */
    public record Trace(Object[] values, double[][] grads, int positionsNode, int shiftsNode, GraphOp.Run run) {}

    /** Forward and reverse pass; see {@link Trace}. */
    public Trace trace(ModelInput in) {
        int g = in.numGraphs();
        GraphOp.Run run = run(in);
        List<ModelGraph.Node> nodes = graph.nodes();
        Object[] values = new Object[nodes.size()];
        for (int k = 0; k < nodes.size(); k++) {
            ModelGraph.Node n = nodes.get(k);
            Object[] args = new Object[n.inputIndex().length];
            for (int a = 0; a < args.length; a++) {
                args[a] = values[n.inputIndex()[a]];
            }
            values[k] = n.compiled().forward(run, args);
        }
        double[][] grads = new double[nodes.size()][];
        double[] seed = new double[g];
        java.util.Arrays.fill(seed, 1.0);
        grads[energyNode] = seed;
        int posNode = -1;
        int shiftNode = -1;
        for (int k = nodes.size() - 1; k >= 0; k--) {
            ModelGraph.Node n = nodes.get(k);
            if (n.compiled() instanceof ScalarOps.Input input) {
                if (input.kind.equals("positions")) {
                    posNode = k;
                } else if (input.kind.equals("shifts")) {
                    shiftNode = k;
                }
                continue;
            }
            if (grads[k] == null) {
                continue;
            }
            int[] ii = n.inputIndex();
            double[][] gIn = new double[ii.length][];
            Object[] args = new Object[ii.length];
            boolean any = false;
            for (int a = 0; a < ii.length; a++) {
                args[a] = values[ii[a]];
                if (values[ii[a]] instanceof double[] v) {
                    if (grads[ii[a]] == null) {
                        grads[ii[a]] = new double[v.length];
                    }
                    gIn[a] = grads[ii[a]];
                    any = true;
                }
            }
            if (any) {
                n.compiled().backward(run, args, values[k], grads[k], gIn);
            }
        }
        return new Trace(values, grads, posNode, shiftNode, run);
    }

    /** {@code -sym(dE/d eps)} per graph: atoms by n_node, edges by their receiver's graph. */
    private static double[] virial(ModelInput in, double[] shifts, double[] gPos, double[] gShift) {
        int g = in.numGraphs();
        int[] graphOf = new int[in.numNodes()];
        int node = 0;
        for (int k = 0; k < g; k++) {
            for (int t = 0; t < in.nNode()[k]; t++) {
                graphOf[node++] = k;
            }
        }
        double[] w = new double[9 * g];
        double[] pos = in.positions();
        for (int i = 0; i < in.numNodes(); i++) {
            addSym(w, 9 * graphOf[i], pos, gPos, 3 * i);
        }
        for (int e = 0; e < in.numEdges(); e++) {
            addSym(w, 9 * graphOf[in.receivers()[e]], shifts, gShift, 3 * e);
        }
        return w;
    }

    private static void addSym(double[] w, int o, double[] x, double[] gx, int i) {
        for (int a = 0; a < 3; a++) {
            for (int b = 0; b < 3; b++) {
                w[o + 3 * a + b] -= 0.5 * (x[i + a] * gx[i + b] + x[i + b] * gx[i + a]);
            }
        }
    }

    static double det3(double[] m, int o) {
        return m[o] * (m[o + 4] * m[o + 8] - m[o + 5] * m[o + 7]) - m[o + 1] * (m[o + 3] * m[o + 8] - m[o + 5] * m[o + 6])
                + m[o + 2] * (m[o + 3] * m[o + 7] - m[o + 4] * m[o + 6]);
    }
}
