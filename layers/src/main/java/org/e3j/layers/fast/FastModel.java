package org.e3j.layers.fast;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.e3j.engine.E3jException;
import org.e3j.engine.irreps.Irrep;
import org.e3j.engine.irreps.Irreps;
import org.e3j.engine.irreps.MulIrrep;
import org.e3j.engine.kernels.Activation;
import org.e3j.engine.kernels.KernelProvider;
import org.e3j.engine.kernels.Kernels;
import org.e3j.engine.ops.Gate;
import org.e3j.engine.ops.Linear;
import org.e3j.engine.ops.TensorProduct;
import org.e3j.engine.so3.ClebschGordan;
import org.e3j.layers.flax.Mlp;
import org.e3j.layers.model.ModelConfig;
import org.e3j.layers.model.ReferenceModel;

/**
 * The fast float32 plan of a loaded {@link ReferenceModel}: immutable, shared by threads. It holds
 * the compiled steps (live tensor-product paths as sparse M patterns, compacted radial-MLP weights,
 * per-irrep GEMM descriptors for the Linear layers, gate ops) and the layout of node buffers in
 * ir_mul blocks. Buffers live in a {@link FastWorkspace} (one per caller), which runs the plan.
 *
 * <p>Layout: a node tensor is a list of blocks, one per irrep chunk, each {@code [N][2l+1][mulP]}
 * ({@code mulP} = mul padded to the kernel's lane count, padding zero); a block is addressed by its
 * region and its {@code cum} (the sum of {@code (2l+1)*mulP} of the blocks before it), so its base is
 * {@code regionBase + nodeCapacity * cum}.
 *
 * <p>Liveness: walking back from the requested outputs (every node feature for the seed, only what
 * reaches the 0e readout for the potential), dead tensor-product paths, radial-MLP columns, Linear
 * output chunks (and columns) and gates are dropped at compile time.
 */
public final class FastModel {
    static final int H_A = 0;
    static final int H_B = 1;
    static final int AGG = 2;
    static final int EXP = 3;
    static final int REGIONS = 4;

    /** A block of a node tensor. */
    record Block(int l, int mul, int mulP, int cum) {
        int dk() {
            return 2 * l + 1;
        }

        int nodeStride() {
            return (2 * l + 1) * mulP;
        }
    }

    /** The sparse per-edge matrix M = alpha * sum_i C[i,j,k] Y_i of one (l1, l2, lOut), CSR by k. */
    static final class Triple {
        final int l1;
        final int l2;
        final int lOut;
        final int[] kPtr;
        final int[] jIdx;
        /** Entry p is sum over q in cPtr[p]..cPtr[p+1] of cVal[q] * Y[cY[q]] (Y = all SH of the edge). */
        final int[] cPtr;
        final int[] cY;
        final double[] cVal;
        /** dM/dY in the backward: same coefficients. */
        int mOff;
        /**
         * The same entries grouped by input row j (then k): row j's entries are q in
         * jPtrT[j]..jPtrT[j+1], entry q is p = pOfT[q] (output row kIdxT[q]). The sender pass of the
         * backward, dh_sender[j] += sum over edges R (sum_q M[pOfT[q]] dOut[kIdxT[q]]), is then the
         * forward's segment contraction with rows and columns swapped.
         */
        final int[] jPtrT;
        final int[] kIdxT;
        final int[] pOfT;

        Triple(int l1, int l2, int lOut, double alpha, int[] shColumns, int shOffset1) {
            this.l1 = l1;
            this.l2 = l2;
            this.lOut = lOut;
            ClebschGordan cg = ClebschGordan.of(l1, l2, lOut);
            int dj = 2 * l2 + 1;
            int dk = 2 * lOut + 1;
            // group CG entries by (k, j)
            List<List<double[]>> cells = new ArrayList<>();
            for (int c = 0; c < dk * dj; c++) {
                cells.add(new ArrayList<>());
            }
            for (int t = 0; t < cg.nnz(); t++) {
                cells.get(cg.k(t) * dj + cg.j(t)).add(new double[] {shColumns[shOffset1 + cg.i(t)], alpha * cg.value(t)});
            }
            int[] kp = new int[dk + 1];
            List<Integer> js = new ArrayList<>();
            List<Integer> cp = new ArrayList<>();
            List<Integer> cy = new ArrayList<>();
            List<Double> cv = new ArrayList<>();
            for (int k = 0; k < dk; k++) {
                for (int j = 0; j < dj; j++) {
                    List<double[]> cell = cells.get(k * dj + j);
                    if (cell.isEmpty()) {
                        continue;
                    }
                    js.add(j);
                    cp.add(cy.size());
                    for (double[] e : cell) {
                        cy.add((int) e[0]);
                        cv.add(e[1]);
                    }
                }
                kp[k + 1] = js.size();
            }
            cp.add(cy.size());
            kPtr = kp;
            jIdx = js.stream().mapToInt(Integer::intValue).toArray();
            cPtr = cp.stream().mapToInt(Integer::intValue).toArray();
            cY = cy.stream().mapToInt(Integer::intValue).toArray();
            cVal = cv.stream().mapToDouble(Double::doubleValue).toArray();
            int nnz = jIdx.length;
            jPtrT = new int[dj + 1];
            kIdxT = new int[nnz];
            pOfT = new int[nnz];
            for (int p = 0; p < nnz; p++) {
                jPtrT[jIdx[p] + 1]++;
            }
            for (int j = 0; j < dj; j++) {
                jPtrT[j + 1] += jPtrT[j];
            }
            int[] next = Arrays.copyOf(jPtrT, dj);
            for (int k = 0; k < dk; k++) { // p runs in k order, so each row j lists its k ascending
                for (int p = kPtr[k]; p < kPtr[k + 1]; p++) {
                    int q = next[jIdx[p]]++;
                    kIdxT[q] = k;
                    pOfT[q] = p;
                }
            }
        }

        int nnz() {
            return jIdx.length;
        }

        boolean same(int a, int b, int c) {
            return l1 == a && l2 == b && lOut == c;
        }
    }

    /** One live (path, input piece) of a layer's tensor product. */
    record SubPath(Triple triple, Block in, Block out, int rCol, int tpChunk, int tpCopy) {}

    /**
     * C[rows of a node range] (+)= A B over node blocks: A = block {@code src} of region srcRegion
     * (columns srcCol.., k of them), B = weights (k x n, ld ldb), C = block dst of region dstRegion,
     * columns dstCol..dstCol+n.
     */
    record Gemm(int srcRegion, Block src, int srcCol, int k, float[] w, int ldb, int dstRegion, Block dst,
            int dstCol, int n, boolean accumulate) {
        /** W^T as [n][k], for the backward dA = dC W^T. */
        float[] wt() {
            return transpose(w, k, n);
        }
    }

    static float[] transpose(float[] w, int rows, int cols) {
        float[] t = new float[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = w[i * cols + j];
            }
        }
        return t;
    }

    /** In place on a 0e/0o block of EXP: x = factor * act(x) on columns [col, col+n). */
    record Act(Block block, int col, int n, Activation act, boolean softOdd, float factor) {}

    /** In place: vector block columns [vCol, vCol+n) *= gate block columns [gCol, gCol+n). */
    record GateMul(Block vec, int vCol, Block gate, int gCol, int n) {}

    static final class LayerPlan {
        int inRegion;
        int outRegion;
        Block[] inBlocks;
        Block[] outBlocks; // null entries: dead chunks
        SubPath[] subPaths;
        // radial MLP
        int numHidden;
        int hidden;
        float[][] denseW;
        float[][] denseB;
        float[][] lnScale;
        float[][] lnBias;
        int rWidth;
        /** The radial MLP as a proven table (null: evaluate the MLP). */
        RadialTable table;
        float[] lastW; // [widthIn][rWidth]
        float[] lastB;
        float[][] denseWT; // [hidden][widthIn]
        float[] lastWT; // [rWidth][widthIn]
        float[][] expandWT;
        float[][] outputWT;
        int aggStride; // per-node floats of AGG
        int expStride;
        Block[] expBlocks;
        Gemm[] expand;
        Act[] acts;
        GateMul[] gateMuls;
        Gemm[] output;
        int outStride;
    }

    final ReferenceModel reference;
    final ModelConfig config;
    final Kernels kernels;
    final int lanes;
    final boolean potential;
    final int shLmax;
    final int shDim;
    final int mlpIn;
    final Triple[] triples;
    final int mStride;
    /** Entry x of an edge's transposed M row is entry mRowT[x] of its M row (every triple's {@link Triple#pOfT}). */
    final int[] mRowT;
    final LayerPlan[] layers;
    final Block embedBlock;
    final float[] embedTable;
    final int embedDims;
    final int maxRegion[];
    final int maxRWidth;
    final int maxHidden;
    /** Potential: readout weight per copy of each live 0e block of the last layer (already path-weighted). */
    final Block[] readoutBlocks;
    final float[][] readoutW;
    final Irreps outputIrreps;
    final int outputDim;
    final org.e3j.engine.so3.SphericalHarmonics sh;
    final org.e3j.layers.model.RadialBasis radial;
    /** The per-edge geometry (harmonics, envelope, CG sums) and its reverse, as term programs. */
    final EdgeGeometry geometry;
    /**
     * Per layer, the tabulated radial MLP (docs/radial-table.md), or null for the whole model: not a
     * Potential, {@code -De3j.fast.radialTable=false}, or a layer whose bound could not be proven
     * within the table size limit ({@link #radialTableNote} says why).
     */
    final RadialTable[] radialTables;
    String radialTableNote;

    private FastModel(ReferenceModel ref, Kernels kernels, boolean tabulate) {
        this.reference = ref;
        this.config = ref.config;
        this.kernels = kernels;
        this.lanes = kernels.vectorLanes();
        this.potential = config.isPotential();
        this.shLmax = config.shLmax;
        this.shDim = (shLmax + 1) * (shLmax + 1);
        this.mlpIn = potential ? config.numBasis : 1;
        this.sh = new org.e3j.engine.so3.SphericalHarmonics(shLmax,
                org.e3j.engine.so3.SphericalHarmonics.Normalization.parse(config.shNormalization), true);
        this.radial = potential ? new org.e3j.layers.model.RadialBasis(config.cutoff, config.numBasis, config.envelopeP)
                : null;
        int nl = ref.layers.size();
        this.outputIrreps = ref.layers.get(nl - 1).output.irrepsOut();
        this.outputDim = outputIrreps.dim();

        // ---------------- liveness, back to front: live chunk flags of each layer's output
        boolean[][] liveOut = new boolean[nl][];
        boolean[][] liveIn = new boolean[nl][];
        LiveLayer[] live = new LiveLayer[nl];
        Irreps last = ref.layers.get(nl - 1).output.internalIrrepsOut();
        boolean[] want = new boolean[last.size()];
        for (int c = 0; c < want.length; c++) {
            want[c] = !potential || last.get(c).ir().equals(Irrep.SCALAR_EVEN);
        }
        for (int k = nl - 1; k >= 0; k--) {
            liveOut[k] = want;
            live[k] = new LiveLayer(ref.layers.get(k), want);
            liveIn[k] = live[k].liveIn;
            want = liveIn[k];
        }

        // ---------------- triples (shared across layers), in first-use order
        List<Triple> ts = new ArrayList<>();
        int off = 0;
        for (int k = 0; k < nl; k++) {
            TensorProduct tp = ref.layers.get(k).tp;
            int[] cols1 = tp.regroupColumns1();
            for (TensorProduct.Path p : tp.paths()) {
                if (!live[k].livePath(p)) {
                    continue;
                }
                Triple found = null;
                for (Triple t : ts) {
                    if (t.same(p.ir1().l(), p.ir2().l(), p.irOut().l())) {
                        found = t;
                    }
                }
                if (found == null) {
                    found = new Triple(p.ir1().l(), p.ir2().l(), p.irOut().l(), p.alpha(), cols1, p.offset1());
                    found.mOff = off;
                    off += found.nnz();
                    ts.add(found);
                }
            }
        }
        this.triples = ts.toArray(new Triple[0]);
        this.mStride = off;
        this.mRowT = new int[off];
        for (Triple t : triples) {
            for (int q = 0; q < t.nnz(); q++) {
                mRowT[t.mOff + q] = t.mOff + t.pOfT[q];
            }
        }
        this.geometry = new EdgeGeometry(kernels, sh, radial, triples, mStride, mlpIn);

        // ---------------- layers
        embedDims = config.initEmbedDims;
        embedBlock = new Block(0, embedDims, pad(embedDims), 0);
        embedTable = toFloat(ref.embed.table);
        layers = new LayerPlan[nl];
        int[] maxReg = new int[REGIONS];
        maxReg[H_A] = embedBlock.nodeStride();
        Block[] hBlocks = {embedBlock};
        int maxR = 0;
        int maxH = 0;
        for (int k = 0; k < nl; k++) {
            LayerPlan lp = compileLayer(ref.layers.get(k), live[k], hBlocks, k);
            layers[k] = lp;
            maxReg[lp.outRegion] = Math.max(maxReg[lp.outRegion], lp.outStride);
            maxReg[AGG] = Math.max(maxReg[AGG], lp.aggStride);
            maxReg[EXP] = Math.max(maxReg[EXP], lp.expStride);
            maxR = Math.max(maxR, lp.rWidth);
            maxH = Math.max(maxH, Math.max(lp.hidden, mlpIn));
            hBlocks = lp.outBlocks;
        }
        maxReg[H_A] = Math.max(maxReg[H_A], maxReg[H_B]);
        maxReg[H_B] = maxReg[H_A];
        this.maxRegion = maxReg;
        this.maxRWidth = maxR;
        this.maxHidden = maxH;
        this.radialTables = buildRadialTables(tabulate);

        if (potential) {
            Linear ro = ref.readout;
            List<Block> rb = new ArrayList<>();
            List<float[]> rw = new ArrayList<>();
            for (Linear.Instruction ins : ro.instructions()) {
                double[] w = ref.readoutWeights.get(ins.name());
                // the readout's input is the last h: regrouped chunk iIn covers original pieces
                int[][] map = regroupMap(ro.irrepsIn());
                for (int c = 0; c < map.length; c++) {
                    if (map[c][0] != ins.iIn()) {
                        continue;
                    }
                    Block b = hBlocks[c];
                    float[] f = new float[b.mulP()];
                    for (int u = 0; u < b.mul(); u++) {
                        f[u] = (float) (ins.pathWeight() * w[(map[c][1] + u) * ins.mulOut()]);
                    }
                    rb.add(b);
                    rw.add(f);
                }
            }
            readoutBlocks = rb.toArray(new Block[0]);
            readoutW = rw.toArray(new float[0][]);
        } else {
            readoutBlocks = null;
            readoutW = null;
        }
    }

    /** System property: {@code false} evaluates the radial MLP per edge instead of its proven table. */
    public static final String RADIAL_TABLE_PROPERTY = "e3j.fast.radialTable";

    private RadialTable[] buildRadialTables(boolean tabulate) {
        if (!potential) {
            radialTableNote = "not a Potential (the radial input is not a bounded distance)";
            return null;
        }
        if (!tabulate || !Boolean.parseBoolean(System.getProperty(RADIAL_TABLE_PROPERTY, "true"))) {
            radialTableNote = "off (" + (tabulate ? "-D" + RADIAL_TABLE_PROPERTY + "=false" : "not requested")
                    + "): the MLP is evaluated per edge";
            return null;
        }
        RadialTable[] t = new RadialTable[layers.length];
        for (int k = 0; k < layers.length; k++) {
            RadialTable.Built b = RadialTable.build(layers[k], radial);
            if (b.table() == null) {
                radialTableNote = "layer " + k + ": " + b.refusal() + "; the MLP is evaluated per edge";
                return null;
            }
            t[k] = b.table();
        }
        for (int k = 0; k < layers.length; k++) {
            layers[k].table = t[k];
        }
        radialTableNote = "tabulated";
        return t;
    }

    /**
     * How the fast engine evaluates the radial MLPs: one line for the model ("tabulated", or why not),
     * then, when tabulated, one per layer with its table size and proven bounds.
     */
    public java.util.List<String> radialSummary() {
        java.util.List<String> lines = new ArrayList<>();
        lines.add(radialTableNote);
        if (radialTables != null) {
            for (int k = 0; k < radialTables.length; k++) {
                lines.add("layer " + k + ": " + radialTables[k].describe());
            }
        }
        return lines;
    }

    /** Whether the radial MLPs run as proven tables. */
    public boolean radialTabulated() {
        return radialTables != null;
    }

    /** Compiles for the kernels {@link KernelProvider#get()} chose. */
    public static FastModel compile(ReferenceModel ref) {
        return new FastModel(ref, KernelProvider.get(), true);
    }

    public static FastModel compile(ReferenceModel ref, Kernels kernels) {
        return new FastModel(ref, kernels, true);
    }

    /**
     * With {@code tabulate} false the radial MLPs are evaluated per edge even when their tables could
     * be proven (tests of both paths; the A/B of perf/README).
     */
    public static FastModel compile(ReferenceModel ref, Kernels kernels, boolean tabulate) {
        return new FastModel(ref, kernels, tabulate);
    }

    public ReferenceModel reference() {
        return reference;
    }

    public Kernels kernels() {
        return kernels;
    }

    public boolean isPotential() {
        return potential;
    }

    /** Irreps of the node features output (e3nn mul_ir layout). */
    public Irreps outputIrreps() {
        return outputIrreps;
    }

    int pad(int n) {
        return Kernels.padTo(n, lanes);
    }

    static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    /**
     * For each original chunk of {@code irreps}: {regrouped chunk index, copy offset in it}, or
     * {-1, 0} for empty chunks (e3nn's regroup: stable sort then merge of adjacent equal irreps).
     */
    static int[][] regroupMap(Irreps irreps) {
        Irreps.Sorted s = irreps.sort();
        int[][] map = new int[irreps.size()][];
        int r = -1;
        Irrep prev = null;
        int copy = 0;
        for (int k = 0; k < s.inv().length; k++) {
            int e = s.inv()[k];
            MulIrrep m = irreps.get(e);
            if (m.mul() == 0) {
                map[e] = new int[] {-1, 0};
                continue;
            }
            if (prev == null || !m.ir().equals(prev)) {
                r++;
                copy = 0;
                prev = m.ir();
            }
            map[e] = new int[] {r, copy};
            copy += m.mul();
        }
        Irreps reg = irreps.regroup();
        if (reg.size() != r + 1) {
            throw new IllegalStateException("regroup map of " + irreps + " disagrees with " + reg);
        }
        return map;
    }

    /** Chunk index and copy offset of a column of simplified irreps. */
    static int[] chunkOfColumn(Irreps irreps, int col) {
        for (int c = 0; c < irreps.size(); c++) {
            int o = irreps.offset(c);
            int d = irreps.get(c).dim();
            if (col >= o && col < o + d) {
                return new int[] {c, (col - o) / irreps.get(c).ir().dim()};
            }
        }
        throw new IllegalStateException("column " + col + " outside " + irreps);
    }

    /** Gate bookkeeping on the expanded irreps: extra pieces, gate pieces, and their alignment. */
    static final class GateMap {
        final List<int[]> extra = new ArrayList<>(); // {expChunk, col, n}
        final List<int[]> gates = new ArrayList<>(); // {expChunk, col, n}
        final List<int[]> gated = new ArrayList<>(); // {vecChunk, vCol, gateChunk, gCol, n}

        GateMap(Irreps exp) {
            int ns = 0;
            int nv = 0;
            for (MulIrrep m : exp) {
                if (m.ir().l() == 0) {
                    ns += m.mul();
                } else {
                    nv += m.mul();
                }
            }
            int split = nv == 0 ? ns : ns - nv;
            int s = 0;
            for (int c = 0; c < exp.size(); c++) {
                MulIrrep m = exp.get(c);
                if (m.ir().l() != 0 || m.mul() == 0) {
                    continue;
                }
                int a = s;
                int b = s + m.mul();
                if (a < split) {
                    extra.add(new int[] {c, 0, Math.min(b, split) - a});
                }
                if (b > split) {
                    int from = Math.max(a, split);
                    gates.add(new int[] {c, from - a, b - from});
                }
                s = b;
            }
            if (nv == 0) {
                return;
            }
            // align gate pieces with vector chunks
            int gi = 0;
            int gUsed = 0;
            for (int c = 0; c < exp.size(); c++) {
                MulIrrep m = exp.get(c);
                if (m.ir().l() == 0 || m.mul() == 0) {
                    continue;
                }
                int vUsed = 0;
                while (vUsed < m.mul()) {
                    int[] g = gates.get(gi);
                    int n = Math.min(m.mul() - vUsed, g[2] - gUsed);
                    gated.add(new int[] {c, vUsed, g[0], g[1] + gUsed, n});
                    vUsed += n;
                    gUsed += n;
                    if (gUsed == g[2]) {
                        gi++;
                        gUsed = 0;
                    }
                }
            }
        }
    }

    /** Liveness of one layer, given which output chunks are wanted. */
    static final class LiveLayer {
        final ReferenceModel.Layer layer;
        final boolean[] liveOut;
        final boolean[] liveIn; // chunks of the layer input h
        final boolean[] livePiece; // original chunks of the output Linear's input
        final boolean[][] liveExpCopy; // per expanded chunk, per copy
        final boolean[] liveTpChunk;
        final GateMap gm;

        LiveLayer(ReferenceModel.Layer layer, boolean[] liveOut) {
            this.layer = layer;
            this.liveOut = liveOut;
            Linear out = layer.output;
            int[][] outMap = regroupMap(out.irrepsIn());
            boolean[] liveReg = new boolean[out.regroupedIn().size()];
            for (Linear.Instruction ins : out.instructions()) {
                if (!ins.isBias() && liveOut[ins.iOut()]) {
                    liveReg[ins.iIn()] = true;
                }
            }
            livePiece = new boolean[outMap.length];
            for (int c = 0; c < outMap.length; c++) {
                livePiece[c] = outMap[c][0] >= 0 && liveReg[outMap[c][0]];
            }
            Irreps exp = layer.expand.internalIrrepsOut();
            gm = new GateMap(exp);
            liveExpCopy = new boolean[exp.size()][];
            for (int c = 0; c < exp.size(); c++) {
                liveExpCopy[c] = new boolean[exp.get(c).mul()];
            }
            int piece = 0;
            for (int[] x : gm.extra) {
                if (livePiece[piece++]) {
                    Arrays.fill(liveExpCopy[x[0]], x[1], x[1] + x[2], true);
                }
            }
            for (int[] g : gm.gated) {
                if (livePiece[piece++]) {
                    Arrays.fill(liveExpCopy[g[0]], g[1], g[1] + g[4], true);
                    Arrays.fill(liveExpCopy[g[2]], g[3], g[3] + g[4], true);
                }
            }
            int nIn = layer.input.size();
            liveIn = new boolean[nIn];
            for (int c = 0; c < nIn; c++) {
                liveIn[c] = livePiece[piece + c];
            }
            Linear expand = layer.expand;
            liveTpChunk = new boolean[expand.regroupedIn().size()];
            for (Linear.Instruction ins : expand.instructions()) {
                if (!ins.isBias() && any(liveExpCopy[ins.iOut()])) {
                    liveTpChunk[ins.iIn()] = true;
                }
            }
            int[][] inMap = regroupMap(layer.input);
            for (TensorProduct.Path p : layer.tp.paths()) {
                if (livePath(p)) {
                    for (int c = 0; c < nIn; c++) {
                        if (inMap[c][0] == p.entry2()) {
                            liveIn[c] = true;
                        }
                    }
                }
            }
        }

        boolean livePath(TensorProduct.Path p) {
            // tp output is sorted and simplified, so it is its own regroup
            return liveTpChunk[chunkOfColumn(layer.tp.irrepsOut(), p.outOffset())[0]];
        }

        static boolean any(boolean[] b) {
            for (boolean x : b) {
                if (x) {
                    return true;
                }
            }
            return false;
        }
    }

    private LayerPlan compileLayer(ReferenceModel.Layer layer, LiveLayer live, Block[] hBlocks, int k) {
        LayerPlan lp = new LayerPlan();
        lp.inRegion = k % 2 == 0 ? H_A : H_B;
        lp.outRegion = k % 2 == 0 ? H_B : H_A;
        lp.inBlocks = hBlocks;
        TensorProduct tp = layer.tp;
        Irreps tpOut = tp.irrepsOut();
        int[][] inMap = regroupMap(layer.input);
        // copy index base of each tp output chunk (radial column = base + copy)
        int[] copyBase = new int[tpOut.size() + 1];
        for (int c = 0; c < tpOut.size(); c++) {
            copyBase[c + 1] = copyBase[c] + tpOut.get(c).mul();
        }
        // ---- sub-paths
        List<SubPath> subs = new ArrayList<>();
        List<Integer> srcCols = new ArrayList<>(); // original MLP column of each R column (-1 pad)
        int agg = 0;
        for (TensorProduct.Path p : tp.paths()) {
            if (!live.livePath(p)) {
                continue;
            }
            if (p.mul1() != 1) {
                throw new E3jException("fast engine: tensor product x1 multiplicity " + p.mul1() + " != 1");
            }
            Triple t = null;
            for (Triple x : triples) {
                if (x.same(p.ir1().l(), p.ir2().l(), p.irOut().l())) {
                    t = x;
                }
            }
            int[] co = chunkOfColumn(tpOut, p.outOffset());
            for (int c = 0; c < inMap.length; c++) {
                if (inMap[c][0] != p.entry2()) {
                    continue;
                }
                Block in = hBlocks[c];
                if (in == null) {
                    throw new IllegalStateException("live path reads dead chunk " + c);
                }
                Block out = new Block(p.irOut().l(), in.mul(), in.mulP(), agg);
                agg += out.nodeStride();
                int copy = co[1] + inMap[c][1];
                int rCol = srcCols.size();
                for (int u = 0; u < in.mulP(); u++) {
                    srcCols.add(u < in.mul() ? copyBase[co[0]] + copy + u : -1);
                }
                subs.add(new SubPath(t, in, out, rCol, co[0], copy));
            }
        }
        lp.subPaths = subs.toArray(new SubPath[0]);
        lp.aggStride = agg;
        // ---- radial MLP: hidden layers verbatim, last Dense compacted to the live columns
        Mlp mlp = layer.radialMlp;
        lp.numHidden = mlp.norms.length;
        lp.hidden = config.mlpHiddenDims;
        lp.denseW = new float[lp.numHidden][];
        lp.denseB = new float[lp.numHidden][];
        lp.lnScale = new float[lp.numHidden][];
        lp.lnBias = new float[lp.numHidden][];
        for (int i = 0; i < lp.numHidden; i++) {
            lp.denseW[i] = toFloat(mlp.dense[i].kernel);
            lp.denseB[i] = toFloat(mlp.dense[i].bias);
            lp.lnScale[i] = toFloat(mlp.norms[i].scale);
            lp.lnBias[i] = toFloat(mlp.norms[i].bias);
        }
        var lastDense = mlp.dense[mlp.dense.length - 1];
        int width = lastDense.in;
        lp.rWidth = srcCols.size();
        lp.lastW = new float[width * lp.rWidth];
        lp.lastB = new float[lp.rWidth];
        for (int c = 0; c < lp.rWidth; c++) {
            int src = srcCols.get(c);
            if (src < 0) {
                continue;
            }
            for (int i = 0; i < width; i++) {
                lp.lastW[i * lp.rWidth + c] = (float) lastDense.kernel[i * lastDense.out + src];
            }
            lp.lastB[c] = (float) lastDense.bias[src];
        }
        // ---- expand Linear into EXP blocks (live column ranges only)
        Linear expand = layer.expand;
        Irreps exp = expand.internalIrrepsOut();
        lp.expBlocks = new Block[exp.size()];
        int[] c0 = new int[exp.size()];
        int[] c1 = new int[exp.size()];
        int cum = 0;
        for (int c = 0; c < exp.size(); c++) {
            boolean[] lc = live.liveExpCopy[c];
            int a = -1;
            int b = -1;
            for (int u = 0; u < lc.length; u++) {
                if (lc[u]) {
                    if (a < 0) {
                        a = u;
                    }
                    b = u + 1;
                }
            }
            if (a < 0) {
                continue;
            }
            MulIrrep m = exp.get(c);
            lp.expBlocks[c] = new Block(m.ir().l(), m.mul(), pad(m.mul()), cum);
            cum += lp.expBlocks[c].nodeStride();
            c0[c] = a;
            c1[c] = b;
        }
        lp.expStride = cum;
        double aggScale = potential ? 1.0 / config.avgNumNeighbors : 1.0;
        List<Gemm> eg = new ArrayList<>();
        boolean[] started = new boolean[exp.size()];
        for (Linear.Instruction ins : expand.instructions()) {
            Block dst = lp.expBlocks[ins.iOut()];
            if (ins.isBias() || dst == null) {
                continue;
            }
            double[] w = layer.expandWeights.get(ins.name());
            for (SubPath s : lp.subPaths) {
                if (s.tpChunk() != ins.iIn()) { // tp output is its own regroup
                    continue;
                }
                int a = c0[ins.iOut()];
                int n = (c1[ins.iOut()] == dst.mul() ? dst.mulP() : c1[ins.iOut()]) - a;
                float[] wf = new float[s.in().mul() * n];
                for (int u = 0; u < s.in().mul(); u++) {
                    for (int v = 0; v < n; v++) {
                        if (a + v < ins.mulOut()) {
                            wf[u * n + v] = (float) (aggScale * ins.pathWeight() * w[(s.tpCopy() + u) * ins.mulOut() + a + v]);
                        }
                    }
                }
                eg.add(new Gemm(AGG, s.out(), 0, s.in().mul(), wf, n, EXP, dst, a, n, started[ins.iOut()]));
                started[ins.iOut()] = true;
            }
        }
        lp.expand = eg.toArray(new Gemm[0]);
        // ---- gate, in place on EXP
        GateMap gm = live.gm;
        Gate gate = layer.gate;
        List<Act> acts = new ArrayList<>();
        List<GateMul> muls = new ArrayList<>();
        int piece = 0;
        List<Object[]> outPieces = new ArrayList<>(); // {region, block, col}
        for (int[] x : gm.extra) {
            boolean lv = live.livePiece[piece++];
            Block b = lp.expBlocks[x[0]];
            if (lv) {
                boolean even = exp.get(x[0]).ir().p() == 1;
                acts.add(act(b, x[1], x[2], even ? gate.evenAct() : gate.oddAct()));
            }
            outPieces.add(lv ? new Object[] {EXP, b, x[1]} : null);
        }
        for (int[] g : gm.gated) {
            boolean lv = live.livePiece[piece++];
            if (lv) {
                boolean even = exp.get(g[2]).ir().p() == 1;
                acts.add(act(lp.expBlocks[g[2]], g[3], g[4], even ? gate.evenGateAct() : gate.oddGateAct()));
                muls.add(new GateMul(lp.expBlocks[g[0]], g[1], lp.expBlocks[g[2]], g[3], g[4]));
            }
            outPieces.add(lv ? new Object[] {EXP, lp.expBlocks[g[0]], g[1]} : null);
        }
        for (int c = 0; c < hBlocks.length; c++) {
            boolean lv = live.livePiece[piece++];
            outPieces.add(lv ? new Object[] {lp.inRegion, hBlocks[c], 0} : null);
        }
        lp.acts = acts.toArray(new Act[0]);
        lp.gateMuls = muls.toArray(new GateMul[0]);
        // ---- output Linear
        Linear out = layer.output;
        Irreps outIr = out.internalIrrepsOut();
        if (outPieces.size() != out.irrepsIn().size()) {
            throw new IllegalStateException("gate bookkeeping: " + outPieces.size() + " pieces for " + out.irrepsIn());
        }
        int[][] outMap = regroupMap(out.irrepsIn());
        lp.outBlocks = new Block[outIr.size()];
        cum = 0;
        for (int c = 0; c < outIr.size(); c++) {
            if (live.liveOut[c]) {
                MulIrrep m = outIr.get(c);
                lp.outBlocks[c] = new Block(m.ir().l(), m.mul(), pad(m.mul()), cum);
                cum += lp.outBlocks[c].nodeStride();
            }
        }
        lp.outStride = cum;
        List<Gemm> og = new ArrayList<>();
        boolean[] ostarted = new boolean[outIr.size()];
        for (Linear.Instruction ins : out.instructions()) {
            Block dst = lp.outBlocks[ins.iOut()];
            if (ins.isBias() || dst == null) {
                continue;
            }
            double[] w = layer.outputWeights.get(ins.name());
            for (int c = 0; c < outPieces.size(); c++) {
                if (outMap[c][0] != ins.iIn()) {
                    continue;
                }
                Object[] pc = outPieces.get(c);
                int kIn = out.irrepsIn().get(c).mul();
                int n = dst.mulP();
                float[] wf = new float[kIn * n];
                for (int u = 0; u < kIn; u++) {
                    for (int v = 0; v < ins.mulOut(); v++) {
                        wf[u * n + v] = (float) (ins.pathWeight() * w[(outMap[c][1] + u) * ins.mulOut() + v]);
                    }
                }
                og.add(new Gemm((Integer) pc[0], (Block) pc[1], (Integer) pc[2], kIn, wf, n, lp.outRegion, dst, 0, n,
                        ostarted[ins.iOut()]));
                ostarted[ins.iOut()] = true;
            }
        }
        for (int c = 0; c < outIr.size(); c++) {
            if (lp.outBlocks[c] != null && !ostarted[c]) {
                throw new IllegalStateException("live output chunk " + c + " has no input");
            }
        }
        lp.output = og.toArray(new Gemm[0]);
        lp.denseWT = new float[lp.numHidden][];
        int w0 = mlpIn;
        for (int i = 0; i < lp.numHidden; i++) {
            lp.denseWT[i] = transpose(lp.denseW[i], w0, lp.hidden);
            w0 = lp.hidden;
        }
        lp.lastWT = transpose(lp.lastW, width, lp.rWidth);
        lp.expandWT = new float[lp.expand.length][];
        for (int i = 0; i < lp.expand.length; i++) {
            lp.expandWT[i] = lp.expand[i].wt();
        }
        lp.outputWT = new float[lp.output.length][];
        for (int i = 0; i < lp.output.length; i++) {
            lp.outputWT[i] = lp.output[i].wt();
        }
        return lp;
    }

    private static Act act(Block b, int col, int n, Gate.ScalarAct a) {
        float factor = (float) (1.0 / a.constant());
        return switch (a.fn()) {
            case SILU -> new Act(b, col, n, Activation.SILU, false, factor);
            case SIGMOID -> new Act(b, col, n, Activation.SIGMOID, false, factor);
            case TANH -> new Act(b, col, n, Activation.TANH, false, factor);
            case GELU -> new Act(b, col, n, Activation.GELU_TANH, false, factor);
            case IDENTITY -> new Act(b, col, n, Activation.IDENTITY, false, factor);
            case SOFT_ODD -> new Act(b, col, n, Activation.IDENTITY, true, factor);
        };
    }

    /** A summary of the plan: live paths, MLP widths, flops per edge and node. */
    public Map<String, Object> describe() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("kernels", kernels.name());
        d.put("triples", triples.length);
        d.put("mStride", mStride);
        d.put("radial MLP", radialTableNote);
        for (int k = 0; k < layers.length; k++) {
            LayerPlan lp = layers[k];
            d.put("layer" + k, lp.subPaths.length + " sub-paths, R width " + lp.rWidth + ", agg " + lp.aggStride
                    + ", exp " + lp.expStride + ", out " + lp.outStride
                    + (radialTables == null ? "" : "; radial table " + radialTables[k].describe()));
        }
        return d;
    }

    /**
     * Useful float32 flops of one forward on a graph with {@code nodes} and {@code edges}: the sparse
     * CG contraction (2 per M entry per channel per edge), the radial MLP GEMMs (tabulated: 3 FMAs per
     * live column per edge instead) and the Linear GEMMs (2 per multiply-add), as executed by the plan
     * (live parts only, unpadded widths).
     */
    public double flops(int nodes, int edges) {
        return flops(nodes, edges, false);
    }

    /**
     * The flops of one forward of the model as it is defined (the radial MLP evaluated per edge, as
     * e3nn-jax and NequIP do), whether or not this plan tabulates it; like {@link #flops(int, int)} it
     * counts the live paths and columns only (what feeds the energy): the work per second a user gets,
     * the measure of {@code %peak (model)} in perf/README.md beside the executed one of {@link #flops}.
     */
    public double modelFlops(int nodes, int edges) {
        return flops(nodes, edges, true);
    }

    private double flops(int nodes, int edges, boolean asDefined) {
        double f = 0;
        for (LayerPlan lp : layers) {
            int in = mlpIn;
            boolean mlp = asDefined || lp.table == null;
            if (mlp) {
                for (int i = 0; i < lp.numHidden; i++) {
                    f += 2.0 * edges * in * lp.hidden;
                    in = lp.hidden;
                }
            }
            int live = 0;
            for (SubPath s : lp.subPaths) {
                live += s.in().mul();
                f += 2.0 * edges * s.triple().nnz() * s.in().mul() + 2.0 * edges * s.out().dk() * s.in().mul();
            }
            // the radial MLP's last Dense, or, tabulated, its 3 FMAs per live column
            f += mlp ? 2.0 * edges * in * live : 6.0 * edges * live;
            for (Gemm g : lp.expand) {
                f += 2.0 * nodes * g.src().dk() * g.k() * Math.min(g.n(), g.dst().mul());
            }
            for (Gemm g : lp.output) {
                f += 2.0 * nodes * g.src().dk() * g.k() * g.dst().mul();
            }
        }
        return f;
    }
}
