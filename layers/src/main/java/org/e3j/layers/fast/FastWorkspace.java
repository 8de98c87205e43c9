package org.e3j.layers.fast;

import java.util.Arrays;
import org.e3j.engine.Capacity;
import org.e3j.engine.E3jException;
import org.e3j.engine.kernels.FloatMath;
import org.e3j.engine.kernels.Kernels;
import org.e3j.engine.kernels.Prefetch;
import org.e3j.engine.plan.SingleCaller;
import org.e3j.engine.plan.WorkerPool;
import org.e3j.layers.fast.FastModel.Act;
import org.e3j.layers.fast.FastModel.Block;
import org.e3j.layers.fast.FastModel.Gemm;
import org.e3j.layers.fast.FastModel.GateMul;
import org.e3j.layers.fast.FastModel.LayerPlan;
import org.e3j.layers.fast.FastModel.SubPath;
import org.e3j.layers.fast.FastModel.Triple;
import org.e3j.layers.model.ModelInput;

/**
 * The mutable state of the fast engine for one caller: every buffer of a {@link FastModel}'s plan
 * plus a fixed {@link WorkerPool}. Buffers are sized for a capacity (nodes, edges) and grow
 * geometrically in {@link #setInput}, between calls, never inside a step. A forward allocates nothing.
 *
 * <p>Steps of a forward: (1) edge geometry (vector, |r|, spherical harmonics, the per-edge values
 * of every live sparse M = alpha C.Y, times the envelope for the potential, and the radial-MLP
 * input) and the embedding, in parallel over receiver ranges; (2) per layer, the fused tensor
 * product: per tile of receivers, the radial MLP on the tile's edges (register-tiled GEMMs in a
 * per-thread scratch), then per receiver and live path the sparse message accumulated straight into
 * the receiver's aggregate block (no per-edge message array); (3) per layer, over node ranges: the
 * expand Linear as per-irrep GEMMs, the gate in place, the output Linear. Every output row is
 * computed by one thread in a fixed order, so results are bit-identical for any thread count.
 *
 * <p>Not thread-safe: one workspace per calling thread; a second thread calling in while a call is in
 * progress gets an {@link IllegalStateException} (so does any call after {@link #close()}). Close it to
 * stop its worker threads.
 */
public final class FastWorkspace implements AutoCloseable {
    static final int TILE_EDGES = Integer.getInteger("e3j.fast.tileEdges", 64);
    static final int NODE_CHUNK = 16;
    /**
     * Below this many edges + nodes per participating thread a graph runs on the caller alone: the
     * handoff to a worker costs microseconds (more on a loaded machine), a small graph's whole
     * forward less. Results do not depend on it (rows are computed the same way in any partition).
     */
    static final int MIN_WORK_PER_THREAD = Integer.getInteger("e3j.fast.minWorkPerThread", 2048);

    final FastModel model;
    final Kernels kern;
    final WorkerPool pool;
    final int threads;

    int nCap;
    int eCap;
    /** Capacity of the live graph's per-edge buffers (= eCap without the cutoff filter). */
    int liveCap;
    int gCap;
    int tileCap;

    // staged input, edges sorted by receiver (stable): the candidates
    int n;
    int g;
    int[] emb;
    double[] pos;
    int candE;
    int[] candSend;
    int[] candRecv;
    int[] candOffsets;
    double[] shift;
    int[] perm;
    // the live graph every step works on: the candidates, or with the cutoff filter those within the
    // cutoff at this step's positions (compacted at the start of each forward)
    int e;
    int[] send;
    int[] recv;
    int[] offsets;
    /** Live edge -> its staged candidate (the index of its shift), or null when live == staged. */
    int[] candIndex;
    boolean cutoffFilter;
    int[] nNode;
    int[] counts;
    boolean hasShifts;

    float[] node;
    final int[] regionBase = new int[FastModel.REGIONS];
    float[] mvals;
    float[] mlpIn;
    /** Edge lengths, when the radial MLPs are tables (they replace the MLP inputs). */
    double[] dist;
    float[] readout;
    double[] atomEnergy;
    double[] energy;

    // per thread scratch
    float[][] tA;
    float[][] tB;
    float[][] tR;
    /** Per worker: the scratch of {@link EdgeGeometry} (a chunk of edges as rows of doubles). */
    double[][] geoScr;
    double[][] bScr;

    final int[] bounds;
    int parts = 1;
    int minWork = MIN_WORK_PER_THREAD;
    boolean exactEdges;
    final int[] nodeBounds;
    final Step step = new Step();
    /** One caller at a time, nothing after close: misuse throws instead of sharing buffers. */
    private final SingleCaller calls = new SingleCaller("FastWorkspace");
    FastBackward backward;
    /** A forward in forces mode has run since the last backward (see {@link #runBackward}). */
    private boolean backwardReady;

    public FastWorkspace(FastModel model, int threads, int maxNodes, int maxEdges) {
        this.model = model;
        this.kern = model.kernels;
        this.threads = WorkerPool.requireThreads(threads);
        this.bounds = new int[threads + 1];
        this.nodeBounds = new int[threads + 1];
        tA = new float[threads][];
        tB = new float[threads][];
        tR = new float[threads][];
        geoScr = new double[threads][];
        bScr = new double[threads][];
        for (int t = 0; t < threads; t++) {
            geoScr[t] = new double[model.geometry.scratchDoubles()];
            bScr[t] = new double[Math.max(1, model.mlpIn)];
        }
        allocate(Math.max(1, maxNodes), Math.max(1, maxEdges), 1);
        ensureTile(TILE_EDGES);
        // the worker threads start last: a constructor that fails (out of memory) leaves none running
        this.pool = new WorkerPool(threads);
    }

    /**
     * Work (edges + nodes) per thread below which fewer threads are used (default 2048, or
     * {@code -De3j.fast.minWorkPerThread}); 1 uses every thread on any graph (tests). Applies from the
     * next {@link #setInput}.
     */
    public void setMinWorkPerThread(int work) {
        minWork = Math.max(1, work);
    }

    /**
     * True: edge buffers grow to exactly the edges of the graph staged, with no headroom (default:
     * {@link Capacity#grow}'s 25 %, which keeps an MD run from reallocating when its pair count
     * wobbles). For single evaluations of large structures, where the headroom is only memory
     * (~25 % of the edge buffers). Applies from the next growth.
     */
    public void setExactEdgeCapacity(boolean exact) {
        exactEdges = exact;
    }

    public FastModel model() {
        return model;
    }

    public int threads() {
        return threads;
    }

    public int numNodes() {
        return n;
    }

    public int numEdges() {
        return e;
    }

    public int numGraphs() {
        return g;
    }

    private void allocate(int nc, int ec, int gc) {
        nCap = nc;
        eCap = ec;
        gCap = gc;
        emb = new int[nc];
        pos = new double[3 * nc];
        candSend = new int[ec];
        candRecv = new int[ec];
        shift = new double[3 * ec];
        perm = new int[ec];
        candOffsets = new int[nc + 1];
        counts = new int[nc + 1];
        nNode = new int[gc];
        int total = 0;
        for (int r = 0; r < FastModel.REGIONS; r++) {
            regionBase[r] = total;
            total += nc * model.maxRegion[r];
        }
        node = new float[total];
        readout = new float[nc];
        atomEnergy = new double[nc];
        energy = new double[gc];
        if (backward != null) {
            backward.allocate();
        }
        offsets = cutoffFilter ? new int[nc + 1] : candOffsets;
        if (!cutoffFilter) {
            allocateLive(ec);
        } else if (liveCap == 0) {
            allocateLive(1);
        }
    }

    /**
     * The per-edge buffers of the message work (M values, MLP inputs, the backward's per-edge
     * gradients) for {@code cap} live edges. Without the cutoff filter the live graph aliases the
     * candidates (cap = their capacity); with it, it has arrays of its own, sized for the pairs
     * within the cutoff (+25 %), not for the candidates: 160 bytes per pair on Cu.
     */
    private void allocateLive(int cap) {
        liveCap = cap;
        if (cutoffFilter) {
            send = new int[cap];
            recv = new int[cap];
            candIndex = new int[cap];
        } else {
            send = candSend;
            recv = candRecv;
            candIndex = null;
        }
        mvals = new float[cap * model.mStride];
        mlpIn = new float[model.radialTabulated() ? 0 : cap * model.mlpIn];
        dist = model.radialTabulated() ? new double[cap] : null;
        if (backward != null) {
            backward.allocateEdges();
        }
    }

    /**
     * Cutoff filter: more pairs came within the cutoff than the live buffers hold (25 % more than
     * at staging: MD rebuilds the list long before that, so this is rare). Keeps the live graph
     * compacted so far; allocates, so it is the one exception to an allocation-free forward.
     */
    private void growLive(int need) {
        int[] s = send;
        int[] r = recv;
        int[] c = candIndex;
        int m = liveCap;
        allocateLive(Capacity.grow(need, liveCap, Integer.MAX_VALUE - 8));
        System.arraycopy(s, 0, send, 0, m);
        System.arraycopy(r, 0, recv, 0, m);
        System.arraycopy(c, 0, candIndex, 0, m);
    }

    /**
     * Potential only: every forward first drops the staged pairs that are beyond the cutoff at the
     * current positions, so they cost nothing (MD stages the candidates of a Verlet skin once per
     * rebuild: ~78 pairs per atom on Cu and on case C where ~54 and ~42 are within the cutoff). Exact:
     * the envelope and its derivative are exactly zero there ({@code d / cutoff >= 1}, the same test
     * as {@code RadialBasis.envelope}), so such a pair adds only (signed) zeros to every sum, and the
     * kept pairs are summed in the same order. Call before {@link #setInput}; costs 32 bytes per
     * staged edge (the live graph's own arrays).
     */
    public void setCutoffFilter(boolean on) {
        calls.enter();
        try {
            if (on && (!model.potential || model.radial == null)) {
                throw new IllegalStateException("the cutoff filter needs a Potential model with an envelope");
            }
            if (on != cutoffFilter) {
                cutoffFilter = on;
                offsets = on ? new int[nCap + 1] : candOffsets;
                liveCap = 0;
                allocateLive(on ? 1 : eCap);
                n = 0;
                e = 0;
                candE = 0;
            }
        } finally {
            calls.exit();
        }
    }

    /**
     * Cutoff filter: the live graph = the staged candidates within the cutoff at the staged
     * positions, still sorted by receiver; then the splits and the backward's sender CSR. Serial,
     * O(candidates), allocation-free. The distance is computed as in {@link #geometry} (same
     * expression), so a pair is dropped exactly when its envelope is zero there.
     */
    /** Staged candidates within the cutoff at the staged positions (as {@link #compactToCutoff}). */
    private int countWithinCutoff() {
        double rc = model.radial.cutoff;
        int m = 0;
        for (int i = 0; i < n; i++) {
            for (int k = candOffsets[i]; k < candOffsets[i + 1]; k++) {
                int s = candSend[k];
                double vx = pos[3 * i] - pos[3 * s] + shift[3 * k];
                double vy = pos[3 * i + 1] - pos[3 * s + 1] + shift[3 * k + 1];
                double vz = pos[3 * i + 2] - pos[3 * s + 2] + shift[3 * k + 2];
                if (Math.sqrt(vx * vx + vy * vy + vz * vz) / rc < 1.0) {
                    m++;
                }
            }
        }
        return m;
    }

    private void compactToCutoff() {
        double rc = model.radial.cutoff;
        int m = 0;
        for (int i = 0; i < n; i++) {
            offsets[i] = m;
            double px = pos[3 * i];
            double py = pos[3 * i + 1];
            double pz = pos[3 * i + 2];
            for (int k = candOffsets[i]; k < candOffsets[i + 1]; k++) {
                int s = candSend[k];
                double vx = px - pos[3 * s] + shift[3 * k];
                double vy = py - pos[3 * s + 1] + shift[3 * k + 1];
                double vz = pz - pos[3 * s + 2] + shift[3 * k + 2];
                double d = Math.sqrt(vx * vx + vy * vy + vz * vz);
                if (d / rc < 1.0) {
                    if (m == liveCap) {
                        growLive(m + 1);
                    }
                    send[m] = s;
                    recv[m] = i;
                    candIndex[m] = k;
                    m++;
                }
            }
        }
        offsets[n] = m;
        e = m;
        WorkerPool.splitBalanced(offsets, n, parts, bounds);
        if (backward != null) {
            backward.stageSenders();
        }
    }

    private void ensureTile(int need) {
        if (need <= tileCap) {
            return;
        }
        tileCap = Capacity.grow(need, tileCap, Integer.MAX_VALUE - 8);
        int hp = model.pad(model.maxHidden);
        for (int t = 0; t < threads; t++) {
            tA[t] = new float[tileCap * hp];
            tB[t] = new float[tileCap * hp];
            tR[t] = new float[tileCap * Math.max(1, model.maxRWidth)];
        }
        if (backward != null) {
            backward.allocateTile();
        }
    }

    /** Grows (geometrically) so that a graph of this size fits; never shrinks; edges as {@link Capacity}. */
    public void ensureCapacity(int nodes, int edges, int graphs) {
        calls.enter();
        try {
            grow(nodes, edges, graphs);
        } finally {
            calls.exit();
        }
    }

    private void grow(int nodes, int edges, int graphs) {
        if (nodes > nCap || edges > eCap || graphs > gCap) {
            allocate(nodes > nCap ? Math.max(nodes, nCap * 3 / 2) : nCap,
                    edges > eCap ? (exactEdges ? edges : Capacity.grow(edges, eCap, Integer.MAX_VALUE - 8)) : eCap,
                    graphs > gCap ? Math.max(graphs, gCap * 3 / 2) : gCap);
        }
    }

    public void setInput(ModelInput in) {
        setInput(in.numNodes(), in.numbers(), in.positions(), in.numEdges(), in.senders(), in.receivers(),
                in.shifts(), in.numGraphs(), in.nNode());
    }

    /**
     * Stages a batch: {@code n} atoms (atomic numbers, positions [n][3] in Å), {@code e} edges in any
     * order (sender, receiver, optional Cartesian shifts [e][3] so that
     * {@code r = pos[receiver] - pos[sender] + shift}), {@code g} graphs with n_node. Only the first
     * n / e / g entries of the arrays are read. Edges are stably sorted by receiver internally.
     */
    public void setInput(int n, int[] numbers, double[] positions, int e, int[] senders, int[] receivers,
            double[] shifts, int g, int[] nNodes) {
        calls.enter();
        try {
            stage(n, numbers, positions, e, senders, receivers, shifts, g, nNodes);
        } finally {
            calls.exit();
        }
    }

    /**
     * As {@link #setInput(int, int[], double[], int, int[], int[], double[], int, int[])} with
     * integer cell shifts [e][3] and the cell (9 values, rows are lattice vectors): the Cartesian
     * shift {@code S @ cell} of each edge is computed here, so the caller needs no [e][3] double
     * array of its own (24 bytes per edge).
     */
    public void setInput(int n, int[] numbers, double[] positions, int e, int[] senders, int[] receivers,
            int[] cellShifts, double[] cell, int g, int[] nNodes) {
        if (cellShifts == null || cell == null) {
            throw new E3jException("cell shifts and the cell are required (null given)");
        }
        if (cellShifts.length < 3L * e || cell.length != 9) {
            throw new E3jException("inconsistent input sizes: " + e + " edges for cell shifts of length "
                    + cellShifts.length + " and a cell of " + cell.length + " values");
        }
        requireFinite(cell, 9, "the cell");
        calls.enter();
        try {
            stage(n, numbers, positions, e, senders, receivers, null, cellShifts, cell, g, nNodes);
        } finally {
            calls.exit();
        }
    }

    private void stage(int n, int[] numbers, double[] positions, int e, int[] senders, int[] receivers,
            double[] shifts, int g, int[] nNodes) {
        stage(n, numbers, positions, e, senders, receivers, shifts, null, null, g, nNodes);
    }

    private void stage(int n, int[] numbers, double[] positions, int e, int[] senders, int[] receivers,
            double[] shifts, int[] cellShifts, double[] cell, int g, int[] nNodes) {
        // everything is checked before anything changes: a refused input leaves the staged one intact
        checkInput(n, numbers, positions, e, senders, receivers, shifts, g, nNodes);
        grow(n, e, g);
        this.n = n;
        this.candE = e;
        this.e = e;
        this.g = g;
        System.arraycopy(nNodes, 0, nNode, 0, g);
        for (int i = 0; i < n; i++) {
            emb[i] = model.config.speciesIndex(numbers[i]);
        }
        System.arraycopy(positions, 0, pos, 0, 3 * n);
        Arrays.fill(counts, 0, n + 1, 0);
        int maxOut = 0; // the backward's sender tiles hold one sender's edges at least
        for (int k = 0; k < e; k++) {
            maxOut = Math.max(maxOut, ++counts[senders[k]]);
        }
        Arrays.fill(counts, 0, n + 1, 0);
        for (int k = 0; k < e; k++) {
            counts[receivers[k] + 1]++;
        }
        candOffsets[0] = 0;
        int maxDeg = 0;
        for (int i = 0; i < n; i++) {
            candOffsets[i + 1] = candOffsets[i] + counts[i + 1];
            maxDeg = Math.max(maxDeg, counts[i + 1]);
            counts[i] = candOffsets[i];
        }
        hasShifts = shifts != null || cellShifts != null;
        for (int k = 0; k < e; k++) {
            int at = counts[receivers[k]]++;
            perm[at] = k;
            candSend[at] = senders[k];
            candRecv[at] = receivers[k];
            if (cellShifts != null) {
                int s0 = cellShifts[3 * k], s1 = cellShifts[3 * k + 1], s2 = cellShifts[3 * k + 2];
                for (int c = 0; c < 3; c++) {
                    shift[3 * at + c] = s0 * cell[c] + s1 * cell[3 + c] + s2 * cell[6 + c];
                }
            } else {
                for (int c = 0; c < 3; c++) {
                    shift[3 * at + c] = shifts == null ? 0.0 : shifts[3 * k + c];
                }
            }
        }
        ensureTile(Math.max(maxDeg, maxOut));
        parts = (int) Math.max(1, Math.min(threads, ((long) e + n) / minWork));
        WorkerPool.splitBalanced(candOffsets, n, parts, bounds);
        WorkerPool.splitEven(n, parts, nodeBounds);
        if (cutoffFilter) {
            e = 0; // the live graph is compacted by the next forward
            int live = countWithinCutoff();
            if (live > liveCap) {
                allocateLive(Capacity.grow(live, liveCap, Integer.MAX_VALUE - 8));
            }
        } else if (backward != null) {
            backward.stageSenders();
        }
    }

    private void checkInput(int n, int[] numbers, double[] positions, int e, int[] senders, int[] receivers,
            double[] shifts, int g, int[] nNodes) {
        if (numbers == null || positions == null || senders == null || receivers == null || nNodes == null) {
            throw new E3jException("numbers, positions, senders, receivers and n_node are required (null given)");
        }
        if (n < 0 || e < 0 || g < 0 || numbers.length < n || positions.length < 3L * n || senders.length < e
                || receivers.length < e || (shifts != null && shifts.length < 3L * e) || nNodes.length < g) {
            throw new E3jException("inconsistent input sizes: " + n + " atoms, " + e + " edges, " + g
                    + " graphs for arrays of length numbers " + numbers.length + ", positions " + positions.length
                    + ", senders " + senders.length + ", receivers " + receivers.length + ", shifts "
                    + (shifts == null ? "none" : shifts.length) + ", n_node " + nNodes.length);
        }
        long total = 0;
        for (int i = 0; i < g; i++) {
            total += nNodes[i];
        }
        if (total != n) {
            throw new E3jException("n_node sums to " + total + " but there are " + n + " atoms");
        }
        for (int i = 0; i < n; i++) {
            model.config.embeddingIndex(i, numbers[i]);
        }
        checkFinite(positions, n);
        if (shifts != null) {
            requireFinite(shifts, 3 * e, "the shifts");
        }
        for (int k = 0; k < e; k++) {
            int r = receivers[k];
            int s = senders[k];
            if (r < 0 || r >= n || s < 0 || s >= n) {
                throw new E3jException("edge " + k + " (" + s + " -> " + r + ") indexes past the " + n + " nodes");
            }
        }
    }

    /** New positions for the staged graph (same atoms and edges), e.g. inside an MD step. */
    public void setPositions(double[] positions) {
        calls.enter();
        try {
            stagePositions(positions);
        } finally {
            calls.exit();
        }
    }

    private void stagePositions(double[] positions) {
        checkFinite(positions, n);
        System.arraycopy(positions, 0, pos, 0, 3 * n);
    }

    private static void checkFinite(double[] positions, int n) {
        if (positions == null || positions.length < 3L * n) {
            throw new E3jException("positions: " + (positions == null ? "null" : positions.length + " values")
                    + " for " + n + " atoms (3 per atom needed)");
        }
        for (int i = 0; i < 3 * n; i++) {
            if (!Double.isFinite(positions[i])) {
                throw new E3jException("atom " + i / 3 + ": coordinate " + "xyz".charAt(i % 3) + " is " + positions[i]);
            }
        }
    }

    /** New Cartesian shifts for the staged edges, in the caller's original edge order. */
    public void setShifts(double[] shifts) {
        calls.enter();
        try {
            stageShifts(shifts);
        } finally {
            calls.exit();
        }
    }

    /** Every one of the first {@code count} values finite, else one message naming the first that is not. */
    static void requireFinite(double[] values, int count, String what) {
        if (values == null || values.length < count) {
            throw new E3jException(what + ": " + (values == null ? "null" : values.length + " values") + ", need "
                    + count);
        }
        for (int i = 0; i < count; i++) {
            if (!Double.isFinite(values[i])) {
                throw new E3jException(what + ": value " + i + " is " + values[i]);
            }
        }
    }

    /**
     * {@link #setPositions} and, when {@code shifts} is non-null, {@link #setShifts}, both checked
     * before either changes (a refused call leaves the staged input intact).
     */
    void setPositionsAndShifts(double[] positions, double[] shifts) {
        calls.enter();
        try {
            checkFinite(positions, n);
            if (shifts != null) {
                requireFinite(shifts, 3 * candE, "the shifts");
            }
            System.arraycopy(positions, 0, pos, 0, 3 * n);
            if (shifts != null) {
                copyShifts(shifts);
            }
        } finally {
            calls.exit();
        }
    }

    private void stageShifts(double[] shifts) {
        // checked before anything changes: a refused array leaves the staged shifts intact
        requireFinite(shifts, 3 * candE, "the shifts");
        copyShifts(shifts);
    }

    private void copyShifts(double[] shifts) {
        for (int k = 0; k < candE; k++) {
            int o = perm[k];
            for (int c = 0; c < 3; c++) {
                shift[3 * k + c] = shifts[3 * o + c];
            }
        }
    }

    /** Runs the forward on the staged input. Allocation-free. */
    public void forward() {
        calls.enter();
        try {
            runForward();
        } finally {
            calls.exit();
        }
    }

    private void runForward() {
        backwardReady = false; // until this forward has finished
        if (cutoffFilter) {
            compactToCutoff();
        }
        step.phase = Step.GEOMETRY;
        runStep();
        for (int k = 0; k < model.layers.length; k++) {
            step.layer = k;
            if (backward != null) {
                backward.saveH(k, model.layers[k].inRegion);
            }
            step.phase = Step.TP;
            runStep();
            step.phase = Step.NODE;
            runStep();
        }
        if (model.potential) {
            double[] scale = model.reference.energyScale;
            double[] shiftE = model.reference.energyShift;
            int i = 0;
            for (int gi = 0; gi < g; gi++) {
                double sum = 0;
                for (int end = i + nNode[gi]; i < end; i++) {
                    double a = scale[emb[i]] * readout[i] + shiftE[emb[i]];
                    atomEnergy[i] = a;
                    sum += a;
                }
                energy[gi] = sum;
            }
        }
        backwardReady = backward != null;
    }

    void runStep() {
        if (parts == 1) {
            step.run(0, 1);
        } else {
            pool.run(step);
        }
    }

    /**
     * Switches this workspace to forces mode (potential only): the forward keeps what the reverse
     * pass needs, and {@link #backward()} computes forces and the virial. Allocates its buffers now.
     */
    public void enableForces() {
        if (!model.potential) {
            throw new IllegalStateException("forces need a Potential model");
        }
        if (backward == null) {
            backward = new FastBackward(this);
            if (n > 0) {
                backward.stageSenders();
            }
        }
    }

    /** After {@link #forward()} in forces mode: the reverse pass (forces, virial). Allocation-free. */
    public void backward() {
        calls.enter();
        try {
            runBackward();
        } finally {
            calls.exit();
        }
    }

    private void runBackward() {
        if (backward == null) {
            throw new IllegalStateException("backward() needs enableForces() first");
        }
        if (!backwardReady) {
            // the forward's geometry pass zeroes the per-edge gradients the reverse pass sums into: a
            // second backward on the same forward (or one before any) would add to stale sums
            throw new IllegalStateException("backward() needs a forward() in forces mode before it, one backward per forward");
        }
        backwardReady = false;
        backward.backward();
    }

    /** Forces (eV/Å, -dE/dpos) after {@link #backward()}, [n][3]. */
    public void forces(double[] out) {
        System.arraycopy(backward.forces, 0, out, 0, 3 * n);
    }

    /**
     * Virial {@code dE/d(strain)} of graph gi after {@link #backward()}, Voigt (xx, yy, zz, yz, xz, xy)
     * in eV; the stress is this divided by the cell volume.
     */
    public void virial(int gi, double[] out) {
        int node0 = 0;
        for (int i = 0; i < gi; i++) {
            node0 += nNode[i];
        }
        backward.virial(gi, node0, node0 + nNode[gi], out);
    }

    /** Potential: total energy of graph gi (eV) after {@link #forward()}. */
    public double energy(int gi) {
        return energy[gi];
    }

    /** Potential: per-atom energies into out[0..n). */
    public void atomEnergies(double[] out) {
        System.arraycopy(atomEnergy, 0, out, 0, n);
    }

    /** Node features of the last layer in e3nn's mul_ir layout, [n][outputDim] (every chunk must be live). */
    public void nodeFeatures(double[] out) {
        LayerPlan last = model.layers[model.layers.length - 1];
        int d = model.outputDim;
        var irreps = model.outputIrreps;
        for (int c = 0; c < irreps.size(); c++) {
            Block b = last.outBlocks[c];
            if (b == null) {
                throw new IllegalStateException("output chunk " + c + " was dropped by liveness");
            }
            int col = irreps.offset(c);
            int dk = b.dk();
            int base = blockBase(last.outRegion, b);
            for (int i = 0; i < n; i++) {
                int nb = base + i * b.nodeStride();
                for (int u = 0; u < b.mul(); u++) {
                    for (int m = 0; m < dk; m++) {
                        out[i * d + col + u * dk + m] = node[nb + m * b.mulP() + u];
                    }
                }
            }
        }
    }

    /** Seed: mean of the node features over each graph's nodes, [g][outputDim]. */
    public void globalFeatures(double[] nodeFeatures, double[] out) {
        int d = model.outputDim;
        int i = 0;
        for (int gi = 0; gi < g; gi++) {
            for (int c = 0; c < d; c++) {
                out[gi * d + c] = 0;
            }
            int cnt = nNode[gi];
            for (int end = i + cnt; i < end; i++) {
                for (int c = 0; c < d; c++) {
                    out[gi * d + c] += nodeFeatures[i * d + c];
                }
            }
            for (int c = 0; c < d; c++) {
                out[gi * d + c] /= Math.max(1, cnt);
            }
        }
    }

    int blockBase(int region, Block b) {
        return regionBase[region] + nCap * b.cum();
    }

    @Override
    public void close() {
        calls.close();
        pool.close();
    }

    // ------------------------------------------------------------------ steps

    final class Step implements WorkerPool.Task {
        static final int GEOMETRY = 0;
        static final int TP = 1;
        static final int NODE = 2;
        static final int BACKWARD = 3;
        int phase;
        int layer;

        @Override
        public void run(int w, int workers) {
            if (w >= parts) {
                return;
            }
            switch (phase) {
                case GEOMETRY -> geometry(w, bounds[w], bounds[w + 1]);
                case TP -> tensorProduct(w, model.layers[layer], layer, bounds[w], bounds[w + 1]);
                case NODE -> nodeStep(model.layers[layer], layer, nodeBounds[w], nodeBounds[w + 1]);
                default -> backward.run(w, workers);
            }
        }
    }

    void geometry(int w, int r0, int r1) {
        Block eb = model.embedBlock;
        int base = blockBase(FastModel.H_A, eb);
        float[] table = model.embedTable;
        int dims = model.embedDims;
        for (int i = r0; i < r1; i++) {
            int o = base + i * eb.nodeStride();
            System.arraycopy(table, emb[i] * dims, node, o, dims);
            Arrays.fill(node, o + dims, o + eb.mulP(), 0f);
        }
        model.geometry.forward(this, geoScr[w], bScr[w], offsets[r0], offsets[r1]);
    }

    /**
     * Radial MLP (or its table) of edges [e0, e0+m) of layer lp into {@code out} rows 0..m from
     * {@code outOff} ([m][rWidth]); returns the last hidden buffer.
     */
    float[] radialMlp(int w, LayerPlan lp, int e0, int m, float[] out, int outOff) {
        if (lp.table != null) {
            lp.table.eval(kern, m, dist, null, e0, out, outOff, lp.rWidth);
            return null;
        }
        int kIn = model.mlpIn;
        float[] src = mlpIn;
        int srcOff = e0 * kIn;
        int ld = kIn;
        int width = kIn;
        int hp = model.pad(lp.hidden);
        float[] a = tA[w];
        float[] b = tB[w];
        for (int i = 0; i < lp.numHidden; i++) {
            float[] dst = (i & 1) == 0 ? a : b;
            kern.gemmBias(m, lp.hidden, width, src, srcOff, ld, lp.denseW[i], 0, lp.hidden, lp.denseB[i], 0,
                    dst, 0, hp);
            kern.layerNormSilu(m, lp.hidden, dst, 0, hp, lp.lnScale[i], 0, lp.lnBias[i], 0, dst, 0, hp, null, 0);
            src = dst;
            srcOff = 0;
            ld = hp;
            width = lp.hidden;
        }
        kern.gemmBias(m, lp.rWidth, width, src, srcOff, ld, lp.lastW, 0, lp.rWidth, lp.lastB, 0, out, outOff,
                lp.rWidth);
        return src;
    }

    void tensorProduct(int w, LayerPlan lp, int k, int r0, int r1) {
        int in = r0;
        // in forces mode with the tables, R goes where the backward reads it (FastBackward.rAll, edge
        // order) instead of into the tile buffer: the backward then needs no lookup of R itself
        boolean keep = backward != null && backward.rFromForward;
        float[] r = keep ? backward.rAll : tR[w];
        int rw = lp.rWidth;
        int ms = model.mStride;
        boolean mean = !model.potential;
        while (in < r1) {
            int t0 = in;
            int eStart = offsets[t0];
            int t1 = t0 + 1;
            while (t1 < r1 && offsets[t1 + 1] - eStart <= TILE_EDGES) {
                t1++;
            }
            int eEnd = offsets[t1];
            int rOff0 = keep ? backward.rBase[k] : -eStart * rw; // R of edge e at rOff0 + e * rw
            if (eEnd > eStart) {
                radialMlp(w, lp, eStart, eEnd - eStart, r, rOff0 + eStart * rw);
                // the segment kernels read a few floats of every M row per path: stream the tile's rows in
                Prefetch.lines(mvals, eStart * ms, eEnd * ms);
            }
            for (int i = t0; i < t1; i++) {
                int e0 = offsets[i];
                int e1 = offsets[i + 1];
                for (SubPath s : lp.subPaths) {
                    Block ob = s.out();
                    Block ib = s.in();
                    int o = blockBase(FastModel.AGG, ob) + i * ob.nodeStride();
                    Arrays.fill(node, o, o + ob.nodeStride(), 0f);
                    if (e1 == e0) {
                        continue;
                    }
                    Triple t = s.triple();
                    kern.edgeMessageSegment(e0, e1, send, ob.dk(), t.kPtr, t.jIdx, mvals, t.mOff, ms,
                            r, rOff0 + s.rCol(), rw, node, blockBase(lp.inRegion, ib), ib.nodeStride(),
                            ib.mulP(), node, o, ob.mulP(), ob.mulP());
                    if (mean && e1 - e0 > 1) {
                        kern.scale(node, o, 1f / (e1 - e0), ob.nodeStride());
                    }
                }
            }
            in = t1;
        }
    }

    void gemm(Gemm gm, int a, int cnt) {
        Block sb = gm.src();
        Block db = gm.dst();
        kern.gemm(cnt * sb.dk(), gm.n(), gm.k(), node, blockBase(gm.srcRegion(), sb) + a * sb.nodeStride() + gm.srcCol(),
                sb.mulP(), gm.w(), 0, gm.ldb(), node, blockBase(gm.dstRegion(), db) + a * db.nodeStride() + gm.dstCol(),
                db.mulP(), gm.accumulate());
    }

    void nodeStep(LayerPlan lp, int k, int n0, int n1) {
        boolean last = k == model.layers.length - 1;
        for (int a = n0; a < n1; a += NODE_CHUNK) {
            int cnt = Math.min(NODE_CHUNK, n1 - a);
            for (Gemm gm : lp.expand) {
                gemm(gm, a, cnt);
            }
            if (backward != null) {
                backward.saveExp(lp, k, a, cnt);
            }
            for (Act ac : lp.acts) {
                Block b = ac.block();
                int base = blockBase(FastModel.EXP, b) + ac.col();
                for (int i = a; i < a + cnt; i++) {
                    int o = base + i * b.nodeStride();
                    if (ac.softOdd()) {
                        for (int u = 0; u < ac.n(); u++) {
                            float x = node[o + u];
                            node[o + u] = ac.factor() * ((1f - FloatMath.exp(-(x * x))) * x);
                        }
                    } else {
                        kern.activate(ac.act(), node, o, ac.n(), ac.factor());
                    }
                }
            }
            for (GateMul gmul : lp.gateMuls) {
                Block vb = gmul.vec();
                Block gb = gmul.gate();
                int vBase = blockBase(FastModel.EXP, vb) + gmul.vCol();
                int gBase = blockBase(FastModel.EXP, gb) + gmul.gCol();
                for (int i = a; i < a + cnt; i++) {
                    int go = gBase + i * gb.nodeStride();
                    for (int m = 0; m < vb.dk(); m++) {
                        int vo = vBase + i * vb.nodeStride() + m * vb.mulP();
                        kern.mul(node, vo, node, vo, node, go, gmul.n());
                    }
                }
            }
            for (Gemm gm : lp.output) {
                gemm(gm, a, cnt);
            }
            if (last && model.potential) {
                for (int i = a; i < a + cnt; i++) {
                    float ro = 0f;
                    for (int b = 0; b < model.readoutBlocks.length; b++) {
                        Block rb = model.readoutBlocks[b];
                        float[] rw = model.readoutW[b];
                        int o = blockBase(lp.outRegion, rb) + i * rb.nodeStride();
                        for (int u = 0; u < rb.mul(); u++) {
                            ro = Math.fma(rw[u], node[o + u], ro);
                        }
                    }
                    readout[i] = ro;
                }
            }
        }
    }
}
