package org.e3j.layers.fast;

import java.nio.file.Path;
import org.e3j.engine.E3jException;
import org.e3j.engine.plan.SingleCaller;
import org.e3j.graph.Graph;
import org.e3j.layers.model.ReferenceModel;

/**
 * Energy, forces, stress and per-atom energies of a Potential model file with the fast float32
 * engine, for one structure at a time (what an MD force field needs). Stage the neighbour graph
 * with {@link #setGraph} whenever the neighbour list is rebuilt, then call {@link #compute} every
 * step: it allocates nothing. Not thread-safe (one instance per calling thread; the model may be
 * shared via {@link #FastPotential(FastModel, int)}): a second thread calling in while a call is in
 * progress, or any call after {@link #close()}, gets an {@link IllegalStateException}. Close it to stop
 * its worker threads.
 *
 * <pre>
 * try (FastPotential p = FastPotential.load(Path.of("model.safetensors"), 2)) {
 *     p.setGraph(graph, numbers, positions);
 *     double e = p.compute(positions, null, cell, forces, stress, null);
 * }
 * </pre>
 */
public final class FastPotential implements AutoCloseable {
    private final FastWorkspace ws;
    private final double[] virial = new double[6];
    private final int[] oneGraph = new int[1];
    private final SingleCaller calls = new SingleCaller("FastPotential");
    /** Whether a graph is staged (compute before setGraph is an error, not an energy of 0). */
    private boolean staged;

    public FastPotential(FastModel model, int threads) {
        if (!model.isPotential()) {
            throw new E3jException("FastPotential needs a Potential model file, not " + model.config.architecture);
        }
        ws = new FastWorkspace(model, threads, 1, 1);
        try {
            ws.enableForces();
        } catch (RuntimeException | Error e) {
            ws.close(); // stops its worker threads
            throw e;
        }
    }

    public static FastPotential load(Path modelFile, int threads) {
        return new FastPotential(FastModel.compile(ReferenceModel.load(modelFile)), threads);
    }

    /**
     * Drops, each step, the staged pairs beyond the cutoff before any message work (for graphs staged
     * with a Verlet skin); results are unchanged. See {@link FastWorkspace#setCutoffFilter}. Call
     * before {@link #setGraph}.
     */
    public FastPotential cutoffFilter(boolean on) {
        calls.enter();
        try {
            ws.setCutoffFilter(on);
        } finally {
            calls.exit();
        }
        return this;
    }

    public FastWorkspace workspace() {
        return ws;
    }

    /**
     * Stages a structure's graph: {@code n} atoms, {@code e} edges (senders, receivers, Cartesian
     * shifts [e][3] with {@code r = pos[receiver] - pos[sender] + shift}, any edge order). Only the
     * first n / e entries are read. Grows the workspace if needed (between calls).
     */
    public void setGraph(int n, int[] numbers, double[] positions, int e, int[] senders, int[] receivers,
            double[] shifts) {
        calls.enter();
        try {
            oneGraph[0] = n;
            ws.setInput(n, numbers, positions, e, senders, receivers, shifts, 1, oneGraph);
            staged = true;
        } finally {
            calls.exit();
        }
    }

    /**
     * As {@link #setGraph(int, int[], double[], int, int[], int[], double[])} with integer cell shifts
     * [e][3] ({@code r = pos[receiver] - pos[sender] + S @ cell}) and the cell (9 values): no [e][3]
     * Cartesian shift array is needed.
     */
    public void setGraph(int n, int[] numbers, double[] positions, int e, int[] senders, int[] receivers,
            int[] cellShifts, double[] cell) {
        calls.enter();
        try {
            oneGraph[0] = n;
            ws.setInput(n, numbers, positions, e, senders, receivers, cellShifts, cell, 1, oneGraph);
            staged = true;
        } finally {
            calls.exit();
        }
    }

    /** Stages an {@link org.e3j.graph.Graph} of one structure (its stored edge order and shift vectors). */
    public void setGraph(Graph g, int[] numbers, double[] positions) {
        if (g.numGraphs() != 1) {
            throw new E3jException("FastPotential computes one structure at a time, got " + g.numGraphs() + " graphs");
        }
        setGraph(g.numNodes(), numbers, positions, g.numEdges(), g.sendersView(), g.receiversView(),
                g.shiftVectorsView());
    }

    /**
     * Energy (eV) of the staged graph at {@code positions} [n][3]; writes forces [n][3] (eV/Å),
     * stress (Voigt xx, yy, zz, yz, xz, xy, eV/Å^3, ASE's sign: (1/V) dE/d strain) when
     * {@code stressOut} and {@code cell} (9 values, rows are lattice vectors) are given, and per-atom
     * energies when {@code atomEnergiesOut} is non-null. {@code shifts}, if non-null, replaces the
     * staged Cartesian shifts (caller's edge order), e.g. after a cell change.
     */
    public double compute(double[] positions, double[] shifts, double[] cell, double[] forcesOut, double[] stressOut,
            double[] atomEnergiesOut) {
        calls.enter();
        try {
            return computeStaged(positions, shifts, cell, forcesOut, stressOut, atomEnergiesOut);
        } finally {
            calls.exit();
        }
    }

    private double computeStaged(double[] positions, double[] shifts, double[] cell, double[] forcesOut,
            double[] stressOut, double[] atomEnergiesOut) {
        if (!staged) {
            throw new IllegalStateException("no graph staged: call setGraph first");
        }
        // every argument is checked before the work and before anything staged changes
        int n = ws.numNodes();
        if (forcesOut != null && forcesOut.length < 3L * n || atomEnergiesOut != null && atomEnergiesOut.length < n
                || stressOut != null && stressOut.length < 6) {
            throw new E3jException("output arrays too short for " + n + " atoms: forces "
                    + (forcesOut == null ? "none" : forcesOut.length) + " (need 3n), stress "
                    + (stressOut == null ? "none" : stressOut.length) + " (need 6), atom energies "
                    + (atomEnergiesOut == null ? "none" : atomEnergiesOut.length) + " (need n)");
        }
        double vol = Double.NaN;
        if (stressOut != null) {
            if (cell == null) {
                throw new E3jException("a stress needs the cell (its volume): stressOut given without a cell");
            }
            FastWorkspace.requireFinite(cell, 9, "the cell");
            if (cell.length != 9) {
                throw new E3jException("the cell: " + cell.length + " values, need 9 (rows are lattice vectors)");
            }
            vol = Math.abs(cell[0] * (cell[4] * cell[8] - cell[5] * cell[7])
                    - cell[1] * (cell[3] * cell[8] - cell[5] * cell[6]) + cell[2] * (cell[3] * cell[7] - cell[4] * cell[6]));
            if (!(vol > 0) || !Double.isFinite(vol)) {
                throw new E3jException("the cell's volume is " + vol + " A^3: no stress for it");
            }
        }
        ws.setPositionsAndShifts(positions, shifts);
        ws.forward();
        ws.backward();
        if (forcesOut != null) {
            ws.forces(forcesOut);
        }
        if (stressOut != null) { // with a cell: checked above
            ws.virial(0, virial);
            for (int c = 0; c < 6; c++) {
                stressOut[c] = virial[c] / vol;
            }
        }
        if (atomEnergiesOut != null) {
            ws.atomEnergies(atomEnergiesOut);
        }
        return ws.energy(0);
    }

    @Override
    public void close() {
        calls.close();
        ws.close();
    }
}
