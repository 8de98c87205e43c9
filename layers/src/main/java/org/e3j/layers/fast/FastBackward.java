package org.e3j.layers.fast;

import java.util.Arrays;
import org.e3j.engine.kernels.FloatMath;
import org.e3j.engine.kernels.Kernels;
import org.e3j.engine.kernels.Prefetch;
import org.e3j.engine.plan.WorkerPool;
import org.e3j.layers.fast.FastModel.Act;
import org.e3j.layers.fast.FastModel.Block;
import org.e3j.layers.fast.FastModel.Gemm;
import org.e3j.layers.fast.FastModel.GateMul;
import org.e3j.layers.fast.FastModel.LayerPlan;
import org.e3j.layers.fast.FastModel.SubPath;
import org.e3j.layers.fast.FastModel.Triple;

/**
 * The analytic reverse pass of the potential's fast plan (float32 kernels; geometry, forces and
 * virial in double), allocation-free, with the forward's threading rules: every gradient row is
 * written by one thread in a fixed order.
 *
 * <p>Per layer, last to first: (1) over node ranges: output Linear, gate and expand Linear
 * backwards (GEMMs with pre-transposed weights), giving dAgg and the skip part of dh_in; (2) over
 * receiver ranges: R as the forward left it in {@link #rAll} (radial tables within the budget), or
 * the radial MLP recomputed per edge tile (pre-LayerNorm values and statistics kept), the message
 * backward giving dM (accumulated over layers: M is shared) and dR, then the MLP (or table)
 * backward to d(MLP input) (or dDist); (3) over sender ranges (a CSR by sender, built at
 * setInput): dh_sender += M R dAgg_receiver, for every layer but the first (its input, the species
 * embedding, needs no gradient). Finally over edges: dM and d(MLP input) to dY, the
 * envelope and the Bessel basis, to the edge vector (spherical-harmonic Jacobian, double);
 * forces per node over incoming (receiver CSR) and outgoing (sender CSR) edges; the virial per
 * graph in edge order.
 */
final class FastBackward {
    private final FastWorkspace ws;
    private final FastModel model;
    private final Kernels kern;

    // saved forward state (relative layout of the regions: nCap * cum + node * stride)
    float[][] savedH;
    float[][] savedExp;
    float[] gIn;
    float[] gOut;
    float[] gExp;
    float[] gAgg;
    float[] dM;
    float[] dMlpIn;
    /** d energy / d edge length through the radial tables (summed over layers), when the MLPs are tables. */
    double[] dDist;
    double[] dr;
    double[] forces;
    int[] sendOffsets;
    int[] sendEdges;
    /** Receiver of the edge at sender-order position q: {@code recv[sendEdges[q]]}. */
    int[] recvT;
    /**
     * M in sender order with each triple's entries grouped by input row ({@link Triple#pOfT}):
     * row q holds edge sendEdges[q]. Written once per backward; the sender pass reads it the way the
     * forward reads M. Kept by single-threaded workspaces while it fits in the per-edge budget
     * ({@link #R_STORE_BYTES}, after {@link #rAll}); otherwise null, and each sender tile's rows are
     * written into {@link #mTile} instead (once per layer), so memory per atom stays that of M itself.
     */
    float[] mT;
    /** Per thread: the transposed M rows of one sender tile ([tileCap][mStride]), when {@link #mT} is null. */
    float[][] mTile;
    final int[] sendBounds;
    // per thread
    float[][][] pre;
    float[][][] post;
    float[][][] stats;
    float[][] gA;
    float[][] gB;
    float[][] dRt;
    /** The radial MLP output R of a tile's edges ([tile][rWidth]) when {@link #rAll} is null. */
    float[][] rTile;
    /**
     * R of every live edge in edge order, read in place by the receiver pass and copied per sender
     * tile by the sender pass, while that costs at most {@link #R_STORE_BYTES}. Two sizes:
     * <ul>
     * <li>{@link #rFromForward}: every layer's R ([layer][liveCap][rWidth], layer k at
     *     {@link #rBase}[k]), written by the forward's table lookups, so the backward looks the tables
     *     up only for their slopes (C energy + forces: one of three table passes fewer);
     * <li>otherwise one layer's ([liveCap][maxRWidth]), written by the receiver pass (radial MLP or
     *     table, recomputed per tile) and read again by the sender pass (E+F on case C, before the
     *     tables: 95.1 -> 88.5 ms against recomputing it there).
     * </ul>
     * Null beyond the budget (large systems: memory per atom stays flat, one more MLP per layer).
     */
    float[] rAll;
    /** {@link #rAll} holds every layer's R, written by the forward (tabulated models within the budget). */
    boolean rFromForward;
    /** Per layer: where its block of {@link #rAll} starts (0 for every layer unless {@link #rFromForward}). */
    final int[] rBase;
    /**
     * Per-edge R ({@link #rAll}), then the transposed M ({@link #mT}), are kept up to this many bytes in
     * all (a fixed budget: it does not grow with the system);
     * {@code -De3j.fast.radialStoreBytes=N} changes it when buffers are (re)allocated.
     */
    static final long R_STORE_BYTES = 48L << 20; // 48 MiB: case C's R and mT fit with MD's edge headroom (docs/fast-engine.md)
    /** The MLP inputs of a tile of one sender range's edges, gathered (they are stored by receiver). */
    float[][] gather;
    double[][] dbasis;

    int phase;
    int layer;
    static final int NODE = 0;
    static final int EDGE = 1;
    static final int SENDER = 2;
    static final int GEOMETRY = 3;
    static final int FORCES = 4;
    static final int TRANSPOSE_M = 5;

    FastBackward(FastWorkspace ws) {
        this.ws = ws;
        this.model = ws.model;
        this.kern = model.kernels;
        this.sendBounds = new int[ws.threads + 1];
        this.rBase = new int[model.layers.length];
        int t = ws.threads;
        pre = new float[t][][];
        post = new float[t][][];
        stats = new float[t][][];
        gA = new float[t][];
        gB = new float[t][];
        dRt = new float[t][];
        rTile = new float[t][];
        gather = new float[t][];
        mTile = new float[t][];
        dbasis = new double[t][];
        for (int w = 0; w < t; w++) {
            dbasis[w] = new double[Math.max(1, model.mlpIn)];
        }
        allocate();
        allocateEdges();
        allocateTile();
    }

    int hSize() {
        return ws.nCap * model.maxRegion[FastModel.H_A];
    }

    void allocate() {
        int nl = model.layers.length;
        savedH = new float[nl][hSize()];
        savedExp = new float[nl][ws.nCap * model.maxRegion[FastModel.EXP]];
        gIn = new float[hSize()];
        gOut = new float[hSize()];
        gExp = new float[ws.nCap * model.maxRegion[FastModel.EXP]];
        gAgg = new float[ws.nCap * model.maxRegion[FastModel.AGG]];
        forces = new double[3 * ws.nCap];
        sendOffsets = new int[ws.nCap + 1];
    }

    /** The per-edge buffers, for the workspace's live edges. */
    void allocateEdges() {
        dM = new float[ws.liveCap * model.mStride];
        dMlpIn = new float[model.radialTabulated() ? 0 : ws.liveCap * model.mlpIn];
        dDist = model.radialTabulated() ? new double[ws.liveCap] : null;
        dr = new double[3 * ws.liveCap];
        sendEdges = new int[ws.liveCap];
        recvT = new int[ws.liveCap];
        long widths = 0;
        for (LayerPlan lp : model.layers) {
            widths += lp.rWidth;
        }
        long allBytes = 4L * ws.liveCap * widths;
        long oneBytes = 4L * ws.liveCap * Math.max(1, model.maxRWidth);
        long mBytes = 4L * ws.liveCap * model.mStride;
        long budget = Long.getLong("e3j.fast.radialStoreBytes", R_STORE_BYTES); // 0: always recompute
        rFromForward = model.radialTabulated() && allBytes <= budget;
        long rBytes = rFromForward ? allBytes : oneBytes <= budget ? oneBytes : 0;
        rAll = rBytes > 0 ? new float[(int) (rBytes / 4)] : null;
        int base = 0;
        for (int k = 0; k < model.layers.length; k++) {
            rBase[k] = base;
            if (rFromForward) {
                base += ws.liveCap * model.layers[k].rWidth;
            }
        }
        // one thread: one permutation of M per backward (its own phase) beats one per sender tile and
        // layer; two threads: the tiles' permutations overlap the gather of M rows with the other
        // thread's compute, and the phase of its own was slower (PairedAB on C, session 10: 1 thread
        // 0.966 and 1/1.032 per pair with mT, 2 threads 1.023 and 1/0.971)
        boolean wantMT = ws.threads == 1;
        mT = wantMT && mBytes <= budget - rBytes ? new float[(int) (mBytes / 4)] : null;
    }

    void allocateTile() {
        int hp = model.pad(model.maxHidden);
        int nh = 0;
        for (LayerPlan lp : model.layers) {
            nh = Math.max(nh, lp.numHidden);
        }
        for (int w = 0; w < ws.threads; w++) {
            pre[w] = new float[nh][ws.tileCap * hp];
            post[w] = new float[nh][ws.tileCap * hp];
            stats[w] = new float[nh][2 * ws.tileCap];
            gA[w] = new float[ws.tileCap * hp];
            gB[w] = new float[ws.tileCap * hp];
            dRt[w] = new float[ws.tileCap * Math.max(1, model.maxRWidth)];
            rTile[w] = new float[ws.tileCap * Math.max(1, model.maxRWidth)];
            gather[w] = new float[ws.tileCap * Math.max(1, model.mlpIn)];
            mTile[w] = new float[ws.tileCap * Math.max(1, model.mStride)];
        }
    }

    /** After setInput: the edge list grouped by sender (stable: sorted-edge order within a sender). */
    void stageSenders() {
        int n = ws.n;
        int e = ws.e;
        int[] cnt = ws.counts;
        Arrays.fill(cnt, 0, n + 1, 0);
        for (int k = 0; k < e; k++) {
            cnt[ws.send[k] + 1]++;
        }
        sendOffsets[0] = 0;
        for (int i = 0; i < n; i++) {
            sendOffsets[i + 1] = sendOffsets[i] + cnt[i + 1];
            cnt[i] = sendOffsets[i];
        }
        for (int k = 0; k < e; k++) {
            sendEdges[cnt[ws.send[k]]++] = k;
        }
        for (int q = 0; q < e; q++) {
            recvT[q] = ws.recv[sendEdges[q]];
        }
        WorkerPool.splitBalanced(sendOffsets, n, ws.parts, sendBounds);
    }

    /** Called by the forward (forces mode) before layer k's TP: keep h_in. */
    void saveH(int k, int region) {
        System.arraycopy(ws.node, ws.regionBase[region], savedH[k], 0, hSize());
    }

    /** Called by the forward's node step (forces mode) after the expand GEMMs of nodes [a, a+cnt). */
    void saveExp(LayerPlan lp, int k, int a, int cnt) {
        for (Block b : lp.expBlocks) {
            if (b != null) {
                int rel = ws.nCap * b.cum() + a * b.nodeStride();
                System.arraycopy(ws.node, ws.regionBase[FastModel.EXP] + rel, savedExp[k], rel, cnt * b.nodeStride());
            }
        }
    }

    int rel(Block b) {
        return ws.nCap * b.cum();
    }

    void run(int w, int workers) {
        if (w >= ws.parts) {
            return;
        }
        switch (phase) {
            case NODE -> nodeBackward(model.layers[layer], layer, ws.nodeBounds[w], ws.nodeBounds[w + 1]);
            case EDGE -> edgeBackward(w, model.layers[layer], layer, ws.bounds[w], ws.bounds[w + 1]);
            case SENDER -> senderBackward(w, model.layers[layer], layer, sendBounds[w], sendBounds[w + 1]);
            case GEOMETRY -> geometryBackward(w, ws.bounds[w], ws.bounds[w + 1]);
            case TRANSPOSE_M -> transposeM(sendBounds[w], sendBounds[w + 1]);
            default -> forcesPerNode(ws.nodeBounds[w], ws.nodeBounds[w + 1]);
        }
    }

    /** The whole reverse pass after a forward in forces mode. */
    void backward() {
        int nl = model.layers.length;
        // seed: dE/d readout = energy scale of the species, into the last layer's 0e blocks
        LayerPlan last = model.layers[nl - 1];
        double[] scale = model.reference.energyScale;
        for (int b = 0; b < model.readoutBlocks.length; b++) {
            Block rb = model.readoutBlocks[b];
            float[] rw = model.readoutW[b];
            int base = rel(rb);
            for (int i = 0; i < ws.n; i++) {
                float s = (float) scale[ws.emb[i]];
                int o = base + i * rb.nodeStride();
                for (int u = 0; u < rb.mulP(); u++) {
                    gOut[o + u] = s * rw[u];
                }
            }
        }
        ws.step.phase = FastWorkspace.Step.BACKWARD;
        // dM and (with tables) dDist were zeroed per edge by the forward's geometry pass, in parallel;
        // FastWorkspace allows one backward per forward
        if (dDist == null) {
            Arrays.fill(dMlpIn, 0, ws.e * model.mlpIn, 0f);
        }
        if (mT != null) {
            phase = TRANSPOSE_M;
            ws.runStep();
        }
        for (int k = nl - 1; k >= 0; k--) {
            layer = k;
            phase = NODE;
            ws.runStep();
            phase = EDGE;
            ws.runStep();
            if (k > 0) { // the first layer's input is the species embedding: no gradient needed (see nodeBackward)
                phase = SENDER;
                ws.runStep();
            }
            float[] t = gOut;
            gOut = gIn;
            gIn = t;
        }
        phase = GEOMETRY;
        ws.runStep();
        phase = FORCES;
        ws.runStep();
    }

    // ------------------------------------------------------------------ node ranges

    void gemmBack(Gemm g, float[] wt, float[] dDst, int dstRel, float[] dSrc, int srcRel, int a, int cnt) {
        Block sb = g.src();
        Block db = g.dst();
        kern.gemm(cnt * sb.dk(), g.k(), g.n(), dDst, dstRel + a * db.nodeStride() + g.dstCol(), db.mulP(), wt, 0, g.k(),
                dSrc, srcRel + a * sb.nodeStride() + g.srcCol(), sb.mulP(), true);
    }

    static void zero(float[] x, int rel, Block b, int a, int cnt) {
        int o = rel + a * b.nodeStride();
        Arrays.fill(x, o, o + cnt * b.nodeStride(), 0f);
    }

    /**
     * dE/d(output) of nodes n0..n1 back through the output Linear, gate and expand Linear: dAgg, and
     * the skip part of dh_in. The first layer (k = 0) skips dh_in: its input is the species
     * embedding, which does not depend on the positions, so nothing reads that gradient (nor the
     * sender pass that would add to it; C energy + forces: 0.916x per call, docs/fast-engine.md).
     */
    void nodeBackward(LayerPlan lp, int k, int n0, int n1) {
        float[] exp = savedExp[k];
        boolean wantIn = k > 0;
        for (int a = n0; a < n1; a += FastWorkspace.NODE_CHUNK) {
            int cnt = Math.min(FastWorkspace.NODE_CHUNK, n1 - a);
            for (Block b : lp.expBlocks) {
                if (b != null) {
                    zero(gExp, rel(b), b, a, cnt);
                }
            }
            for (Block b : lp.inBlocks) {
                if (b != null && wantIn) {
                    zero(gIn, rel(b), b, a, cnt);
                }
            }
            for (SubPath s : lp.subPaths) {
                zero(gAgg, rel(s.out()), s.out(), a, cnt);
            }
            for (int i = 0; i < lp.output.length; i++) {
                Gemm g = lp.output[i];
                if (g.srcRegion() != FastModel.EXP && !wantIn) {
                    continue; // a skip connection from the input: dh_in only
                }
                float[] dSrc = g.srcRegion() == FastModel.EXP ? gExp : gIn;
                gemmBack(g, lp.outputWT[i], gOut, rel(g.dst()), dSrc, rel(g.src()), a, cnt);
            }
            // gate: d(vector) = act(gate) * d(out); d(act(gate)) = sum_m vector * d(out)
            for (GateMul gm : lp.gateMuls) {
                Block vb = gm.vec();
                Block gb = gm.gate();
                Act ga = gateAct(lp, gm);
                for (int i = a; i < a + cnt; i++) {
                    int go = rel(gb) + i * gb.nodeStride() + gm.gCol();
                    for (int u = 0; u < gm.n(); u++) {
                        float x = exp[go + u];
                        float gv = ga.factor() * actValue(ga, x);
                        float dg = 0f;
                        for (int m = 0; m < vb.dk(); m++) {
                            int vo = rel(vb) + i * vb.nodeStride() + m * vb.mulP() + gm.vCol() + u;
                            dg = Math.fma(exp[vo], gExp[vo], dg);
                            gExp[vo] = gv * gExp[vo];
                        }
                        gExp[go + u] += dg;
                    }
                }
            }
            for (Act ac : lp.acts) {
                Block b = ac.block();
                for (int i = a; i < a + cnt; i++) {
                    int o = rel(b) + i * b.nodeStride() + ac.col();
                    if (ac.softOdd()) {
                        for (int u = 0; u < ac.n(); u++) {
                            float x = exp[o + u];
                            float ex = FloatMath.exp(-(x * x));
                            gExp[o + u] *= ac.factor() * (1f - ex + 2f * x * x * ex);
                        }
                    } else {
                        kern.activationBackward(ac.act(), exp, o, gExp, o, ac.n(), ac.factor());
                    }
                }
            }
            for (int i = 0; i < lp.expand.length; i++) {
                Gemm g = lp.expand[i];
                gemmBack(g, lp.expandWT[i], gExp, rel(g.dst()), gAgg, rel(g.src()), a, cnt);
            }
        }
    }

    static Act gateAct(LayerPlan lp, GateMul gm) {
        for (Act ac : lp.acts) {
            if (ac.block() == gm.gate() && ac.col() <= gm.gCol() && gm.gCol() < ac.col() + ac.n()) {
                return ac;
            }
        }
        throw new IllegalStateException("no activation for a gate");
    }

    static float actValue(Act ac, float x) {
        return ac.softOdd() ? (1f - FloatMath.exp(-(x * x))) * x : FloatMath.apply(ac.act(), x);
    }

    // ------------------------------------------------------------------ receiver ranges

    void edgeBackward(int w, LayerPlan lp, int k, int r0, int r1) {
        int rw = lp.rWidth;
        int ms = model.mStride;
        float[] h = savedH[k];
        int in = r0;
        while (in < r1) {
            int t0 = in;
            int eStart = ws.offsets[t0];
            int t1 = t0 + 1;
            while (t1 < r1 && ws.offsets[t1 + 1] - eStart <= FastWorkspace.TILE_EDGES) {
                t1++;
            }
            int eEnd = ws.offsets[t1];
            int m = eEnd - eStart;
            if (m > 0) {
                // R rows of the tile: edge e at rOff0 + e * rw of r (rows are independent: an edge's R
                // has the same bits wherever it is computed)
                float[] r = rAll != null ? rAll : rTile[w];
                int rOff0 = rAll != null ? rBase[k] : -eStart * rw;
                if (!rFromForward) {
                    if (lp.table != null) {
                        tableForward(lp, null, eStart, m, r, rOff0 + eStart * rw);
                    } else {
                        mlpForward(w, lp, ws.mlpIn, eStart * model.mlpIn, m, r, rOff0 + eStart * rw);
                    }
                }
                float[] d = dRt[w];
                Arrays.fill(d, 0, m * rw, 0f);
                // the passes below read a few floats of every row of the tile per path, in an order
                // the hardware prefetchers do not follow: stream the rows in first (docs/fast-engine.md)
                if (rFromForward) { // otherwise R was just written above
                    Prefetch.lines(r, rOff0 + eStart * rw, rOff0 + eEnd * rw);
                }
                Prefetch.lines(ws.mvals, eStart * ms, eEnd * ms);
                Prefetch.lines(dM, eStart * ms, eEnd * ms);
                // per receiver and path, all its edges in one call (rows of the batch found once);
                // each edge still sees the paths in order, so every dM / dR element sums in the same order
                for (int i = t0; i < t1; i++) {
                    int e0 = ws.offsets[i];
                    int e1 = ws.offsets[i + 1];
                    if (e0 == e1) {
                        continue;
                    }
                    for (SubPath sp : lp.subPaths) {
                        Block ob = sp.out();
                        Block ib = sp.in();
                        Triple t = sp.triple();
                        int dOff = sp.rCol() - eStart * rw; // dR tile row of edge e: e - eStart
                        kern.edgeMessageBackwardSegment(e0, e1, ws.send, ob.dk(), t.kPtr, t.jIdx, ws.mvals, t.mOff, ms,
                                r, rOff0 + sp.rCol(), rw, h, rel(ib), ib.nodeStride(), ib.mulP(), gAgg,
                                rel(ob) + i * ob.nodeStride(), ob.mulP(), ob.mulP(), dM, t.mOff, ms, d, dOff, rw);
                    }
                }
                mlpBackward(w, lp, eStart, m);
            }
            in = t1;
        }
    }

    /**
     * The radial MLP of m edges whose inputs are rows {@code in[inOff ..]} ([m][mlpIn]), keeping what
     * its backward needs (pre-LayerNorm values, statistics); R into {@code out} rows 0..m from {@code outOff}. Rows
     * are independent (fixed fma chain per element), so R of an edge has the same bits in the receiver
     * tile and in the sender tile that recompute it.
     */
    void mlpForward(int w, LayerPlan lp, float[] in, int inOff, int m, float[] out, int outOff) {
        int kIn = model.mlpIn;
        float[] src = in;
        int srcOff = inOff;
        int ld = kIn;
        int width = kIn;
        int hp = model.pad(lp.hidden);
        for (int i = 0; i < lp.numHidden; i++) {
            float[] x = pre[w][i];
            kern.gemmBias(m, lp.hidden, width, src, srcOff, ld, lp.denseW[i], 0, lp.hidden, lp.denseB[i], 0, x, 0, hp);
            kern.layerNormSilu(m, lp.hidden, x, 0, hp, lp.lnScale[i], 0, lp.lnBias[i], 0, post[w][i], 0, hp,
                    stats[w][i], 0);
            src = post[w][i];
            srcOff = 0;
            ld = hp;
            width = lp.hidden;
        }
        kern.gemmBias(m, lp.rWidth, width, src, srcOff, ld, lp.lastW, 0, lp.rWidth, lp.lastB, 0, out, outOff,
                lp.rWidth);
    }

    /** R of m edges from the layer's table into {@code out} rows 0..m from {@code outOff}: e0 + i, or edges[e0 + i] when given. */
    void tableForward(LayerPlan lp, int[] edges, int e0, int m, float[] out, int outOff) {
        lp.table.eval(kern, m, ws.dist, edges, e0, out, outOff, lp.rWidth);
    }

    void mlpBackward(int w, LayerPlan lp, int e0, int m) {
        if (lp.table != null) {
            RadialTable t = lp.table;
            t.backward(kern, m, ws.dist, e0, dRt[w], 0, lp.rWidth, dDist);
            return;
        }
        int kIn = model.mlpIn;
        int hp = model.pad(lp.hidden);
        int nh = lp.numHidden;
        float[] d = dRt[w];
        if (nh == 0) {
            kern.gemm(m, kIn, lp.rWidth, d, 0, lp.rWidth, lp.lastWT, 0, kIn, dMlpIn, e0 * kIn, kIn, true);
            return;
        }
        float[] a = gA[w];
        float[] b = gB[w];
        kern.gemm(m, lp.hidden, lp.rWidth, d, 0, lp.rWidth, lp.lastWT, 0, lp.hidden, a, 0, hp, false);
        for (int i = nh - 1; i >= 0; i--) {
            kern.layerNormSiluBackward(m, lp.hidden, pre[w][i], 0, hp, stats[w][i], 0, lp.lnScale[i], 0, lp.lnBias[i], 0,
                    a, 0, hp, b, 0, hp);
            if (i > 0) {
                kern.gemm(m, lp.hidden, lp.hidden, b, 0, hp, lp.denseWT[i], 0, lp.hidden, a, 0, hp, false);
            } else {
                kern.gemm(m, kIn, lp.hidden, b, 0, hp, lp.denseWT[0], 0, kIn, dMlpIn, e0 * kIn, kIn, true);
            }
        }
    }

    // ------------------------------------------------------------------ sender ranges

    /** {@link #mT} rows of the sender range's edges (positions sendOffsets[s0]..sendOffsets[s1]). */
    void transposeM(int s0, int s1) {
        transposeM(sendOffsets[s0], sendOffsets[s1], mT, 0);
    }

    /** Transposed M rows of sender-order positions q0..q1 into {@code dst} rows q - base. */
    private void transposeM(int q0, int q1, float[] dst, int base) {
        int ms = model.mStride;
        int[] perm = model.mRowT;
        float[] m = ws.mvals;
        for (int q = q0; q < q1; q++) {
            int src = sendEdges[q] * ms;
            int o = (q - base) * ms;
            for (int x = 0; x < ms; x++) {
                dst[o + x] = m[src + perm[x]];
            }
        }
    }

    /**
     * dh_sender += M R dAgg_receiver over sender ranges, per sender and path one segment contraction
     * over its edges, per tile of senders: R rows copied from {@link #rAll} (whole rows, where it is
     * stored: reading them in place in sender order made the sender pass slower than the copy, one
     * random 128-byte chunk per edge and path) or recomputed from the table or the MLP (4 * rWidth
     * bytes per edge, 192 on the copper model, the largest per-edge buffer, saved for one more
     * radial evaluation per layer) into {@code rTile[w]}; the transposed M read from {@link #mT}
     * where it is stored, else written into {@code mTile[w]}.
     */
    void senderBackward(int w, LayerPlan lp, int k, int s0, int s1) {
        int rw = lp.rWidth;
        int kIn = model.mlpIn;
        float[] g = gather[w];
        float[] r = rTile[w];
        int cap = ws.tileCap;
        int next = s0;
        while (next < s1) {
            int t0 = next;
            int q0 = sendOffsets[t0];
            int t1 = t0 + 1;
            while (t1 < s1 && sendOffsets[t1 + 1] - q0 <= cap) {
                t1++;
            }
            int q1 = sendOffsets[t1];
            if (q1 > q0) {
                if (rAll != null) {
                    for (int q = q0; q < q1; q++) {
                        System.arraycopy(rAll, rBase[k] + sendEdges[q] * rw, r, (q - q0) * rw, rw);
                    }
                } else if (lp.table != null) {
                    tableForward(lp, sendEdges, q0, q1 - q0, r, 0);
                } else {
                    for (int q = q0; q < q1; q++) {
                        System.arraycopy(ws.mlpIn, sendEdges[q] * kIn, g, (q - q0) * kIn, kIn);
                    }
                    mlpForward(w, lp, g, 0, q1 - q0, r, 0);
                }
                if (mT == null) {
                    transposeM(q0, q1, mTile[w], q0);
                } else {
                    Prefetch.lines(mT, q0 * model.mStride, q1 * model.mStride); // as in edgeBackward
                }
                senderMessages(lp, k, t0, t1, r, q0, mT != null ? mT : mTile[w], mT != null ? 0 : q0);
            }
            next = t1;
        }
    }

    /**
     * The message backward of senders s0..s1, whose edges' R rows are {@code r} rows q - q0 and
     * transposed M rows {@code m} rows q - mBase: per
     * sender and path, dh[j] += sum over its edges (in sender order) of R * (sum over row j's entries
     * of M dAgg_receiver[k]), the forward's segment kernel on the transposed triple; each dh row is
     * written by its sender's thread only, in a fixed order.
     */
    private void senderMessages(LayerPlan lp, int k, int s0, int s1, float[] r, int q0, float[] m, int mBase) {
        int rw = lp.rWidth;
        int ms = model.mStride;
        for (int s = s0; s < s1; s++) {
            int qa = sendOffsets[s];
            int qb = sendOffsets[s + 1];
            if (qa == qb) {
                continue;
            }
            for (SubPath sp : lp.subPaths) {
                Block ob = sp.out();
                Block ib = sp.in();
                Triple t = sp.triple();
                kern.edgeMessageSegment(qa, qb, recvT, ib.dk(), t.jPtrT, t.kIdxT, m, t.mOff - mBase * ms, ms,
                        r, sp.rCol() - q0 * rw, rw, gAgg, rel(ob), ob.nodeStride(), ob.mulP(),
                        gIn, rel(ib) + s * ib.nodeStride(), ib.mulP(), ib.mulP());
            }
        }
    }

    // ------------------------------------------------------------------ geometry

    void geometryBackward(int w, int r0, int r1) {
        model.geometry.backward(ws, this, ws.geoScr[w], ws.bScr[w], dbasis[w], ws.offsets[r0], ws.offsets[r1]);
    }

    void forcesPerNode(int n0, int n1) {
        for (int i = n0; i < n1; i++) {
            double fx = 0;
            double fy = 0;
            double fz = 0;
            for (int e = ws.offsets[i]; e < ws.offsets[i + 1]; e++) { // r = pos[i] - ...: dE/dpos_i += dE/dr
                fx -= dr[3 * e];
                fy -= dr[3 * e + 1];
                fz -= dr[3 * e + 2];
            }
            for (int q = sendOffsets[i]; q < sendOffsets[i + 1]; q++) {
                int e = sendEdges[q];
                fx += dr[3 * e];
                fy += dr[3 * e + 1];
                fz += dr[3 * e + 2];
            }
            forces[3 * i] = fx;
            forces[3 * i + 1] = fy;
            forces[3 * i + 2] = fz;
        }
    }

    /** Virial sum_e r_e (x) dE/dr_e of graph g, symmetrised, as Voigt (xx, yy, zz, yz, xz, xy). */
    void virial(int g, int node0, int node1, double[] out) {
        double xx = 0;
        double yy = 0;
        double zz = 0;
        double yz = 0;
        double xz = 0;
        double xy = 0;
        int[] ci = ws.candIndex;
        for (int e = ws.offsets[node0]; e < ws.offsets[node1]; e++) {
            int s = ws.send[e];
            int r = ws.recv[e];
            int se = 3 * (ci == null ? e : ci[e]);
            double rx = ws.pos[3 * r] - ws.pos[3 * s] + ws.shift[se];
            double ry = ws.pos[3 * r + 1] - ws.pos[3 * s + 1] + ws.shift[se + 1];
            double rz = ws.pos[3 * r + 2] - ws.pos[3 * s + 2] + ws.shift[se + 2];
            double gx = dr[3 * e];
            double gy = dr[3 * e + 1];
            double gz = dr[3 * e + 2];
            xx += rx * gx;
            yy += ry * gy;
            zz += rz * gz;
            yz += 0.5 * (ry * gz + rz * gy);
            xz += 0.5 * (rx * gz + rz * gx);
            xy += 0.5 * (rx * gy + ry * gx);
        }
        out[0] = xx;
        out[1] = yy;
        out[2] = zz;
        out[3] = yz;
        out[4] = xz;
        out[5] = xy;
    }
}
