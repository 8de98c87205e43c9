package org.e3j.engine.kernels;

import static org.e3j.engine.kernels.VectorKernels.L;
import static org.e3j.engine.kernels.VectorKernels.S;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The tensor-product message of one edge and one path, channels innermost, for
 * {@link VectorKernels}: see {@link Kernels#edgeMessage} and {@link Kernels#edgeMessageBackward}.
 * Channel chunks of L lanes are the outer loop so that r and the output row stay in registers.
 */
final class VectorEdge {
    private VectorEdge() {}

    static void message(int dk, int[] kPtr, int[] jIdx, float[] m, int mOff,
                        float[] r, int rOff, float[] h, int hOff, int ldh,
                        float[] out, int outOff, int ldo, int mul) {
        int u = 0;
        for (int bound = S.loopBound(mul); u < bound; u += L) {
            FloatVector rv = FloatVector.fromArray(S, r, rOff + u);
            for (int k = 0; k < dk; k++) {
                int p0 = kPtr[k];
                int p1 = kPtr[k + 1];
                if (p0 == p1) {
                    continue;
                }
                FloatVector acc = FloatVector.zero(S);
                for (int p = p0; p < p1; p++) {
                    acc = FloatVector.fromArray(S, h, hOff + jIdx[p] * ldh + u).fma(FloatVector.broadcast(S, m[mOff + p]), acc);
                }
                int o = outOff + k * ldo + u;
                acc.fma(rv, FloatVector.fromArray(S, out, o)).intoArray(out, o);
            }
        }
        for (; u < mul; u++) {
            float ru = r[rOff + u];
            for (int k = 0; k < dk; k++) {
                int p0 = kPtr[k];
                int p1 = kPtr[k + 1];
                if (p0 == p1) {
                    continue;
                }
                float acc = 0f;
                for (int p = p0; p < p1; p++) {
                    acc = Math.fma(h[hOff + jIdx[p] * ldh + u], m[mOff + p], acc);
                }
                int o = outOff + k * ldo + u;
                out[o] = Math.fma(acc, ru, out[o]);
            }
        }
    }

    /**
     * {@link #message} for every edge e0..e1 of one receiver, with each output row chunk kept in a
     * register across the edges (loaded and stored once per receiver instead of once per edge). The
     * fma chain of every output element is the same as edge by edge (edges in order), so the
     * result is bitwise equal to calling {@link #message} per edge.
     */
    static void segment(int e0, int e1, int[] senders, int dk, int[] kPtr, int[] jIdx,
                        float[] m, int mOff, int mStride, float[] r, int rOff, int rStride,
                        float[] h, int hOff, int hStride, int ldh,
                        float[] out, int outOff, int ldo, int mul) {
        int bound = S.loopBound(mul);
        if (bound < mul) {
            for (int e = e0; e < e1; e++) {
                message(dk, kPtr, jIdx, m, mOff + e * mStride, r, rOff + e * rStride,
                        h, hOff + senders[e] * hStride, ldh, out, outOff, ldo, mul);
            }
            return;
        }
        // Output rows two at a time and channel chunks two at a time: four independent fma chains
        // across the edges instead of one, so the loop runs at the load and fma throughput rather
        // than at the latency of one accumulator (each element's chain is unchanged: same bits)
        int k = nextRow(kPtr, 0, dk);
        while (k < dk) {
            int k2 = nextRow(kPtr, k + 1, dk);
            if (k2 < dk && sameEntries(kPtr, jIdx, k, k2)) {
                segmentRows2Shared(e0, e1, senders, k, k2, kPtr, jIdx, m, mOff, mStride, r, rOff, rStride, h, hOff,
                        hStride, ldh, out, outOff, ldo, bound);
                k = nextRow(kPtr, k2 + 1, dk);
            } else if (k2 < dk) {
                segmentRows2(e0, e1, senders, k, k2, kPtr, jIdx, m, mOff, mStride, r, rOff, rStride, h, hOff, hStride,
                        ldh, out, outOff, ldo, bound);
                k = nextRow(kPtr, k2 + 1, dk);
            } else {
                segmentRow1(e0, e1, senders, k, kPtr, jIdx, m, mOff, mStride, r, rOff, rStride, h, hOff, hStride,
                        ldh, out, outOff, ldo, bound);
                k = k2;
            }
        }
    }

    /** Whether rows ka and kb list the same input rows in the same order. */
    private static boolean sameEntries(int[] kPtr, int[] jIdx, int ka, int kb) {
        int n = kPtr[ka + 1] - kPtr[ka];
        if (n != kPtr[kb + 1] - kPtr[kb]) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (jIdx[kPtr[ka] + i] != jIdx[kPtr[kb] + i]) {
                return false;
            }
        }
        return true;
    }

    /** The first row at or after k with entries, or dk. */
    private static int nextRow(int[] kPtr, int k, int dk) {
        while (k < dk && kPtr[k] == kPtr[k + 1]) {
            k++;
        }
        return k;
    }

    /**
     * {@link #segment} of output rows ka and kb (both with entries), channel chunks two at a time and
     * edges two at a time: the entry loops of a row run four independent fma chains (two
     * edges x two chunks) instead of two, and the edges are added into the rows in their order, so
     * every element's chain is the one of the edge-by-edge code (same bits).
     */
    private static void segmentRows2(int e0, int e1, int[] senders, int ka, int kb, int[] kPtr, int[] jIdx,
                                     float[] m, int mOff, int mStride, float[] r, int rOff, int rStride,
                                     float[] h, int hOff, int hStride, int ldh,
                                     float[] out, int outOff, int ldo, int bound) {
        int pa0 = kPtr[ka];
        int pa1 = kPtr[ka + 1];
        int pb0 = kPtr[kb];
        int pb1 = kPtr[kb + 1];
        int u = 0;
        for (; u + 2 * L <= bound; u += 2 * L) {
            int oa = outOff + ka * ldo + u;
            int ob = outOff + kb * ldo + u;
            FloatVector a0 = FloatVector.fromArray(S, out, oa);
            FloatVector a1 = FloatVector.fromArray(S, out, oa + L);
            FloatVector b0 = FloatVector.fromArray(S, out, ob);
            FloatVector b1 = FloatVector.fromArray(S, out, ob + L);
            int e = e0;
            for (; e + 1 < e1; e += 2) {
                int hb = hOff + senders[e] * hStride + u;
                int hc = hOff + senders[e + 1] * hStride + u;
                int mb = mOff + e * mStride;
                int mc = mb + mStride;
                int rb = rOff + e * rStride + u;
                int rc = rb + rStride;
                FloatVector x0 = FloatVector.zero(S);
                FloatVector x1 = x0;
                FloatVector z0 = x0;
                FloatVector z1 = x0;
                for (int p = pa0; p < pa1; p++) {
                    FloatVector mv = FloatVector.broadcast(S, m[mb + p]);
                    FloatVector mw = FloatVector.broadcast(S, m[mc + p]);
                    int j = jIdx[p] * ldh;
                    x0 = FloatVector.fromArray(S, h, hb + j).fma(mv, x0);
                    x1 = FloatVector.fromArray(S, h, hb + j + L).fma(mv, x1);
                    z0 = FloatVector.fromArray(S, h, hc + j).fma(mw, z0);
                    z1 = FloatVector.fromArray(S, h, hc + j + L).fma(mw, z1);
                }
                FloatVector y0 = FloatVector.zero(S);
                FloatVector y1 = y0;
                FloatVector w0 = y0;
                FloatVector w1 = y0;
                for (int p = pb0; p < pb1; p++) {
                    FloatVector mv = FloatVector.broadcast(S, m[mb + p]);
                    FloatVector mw = FloatVector.broadcast(S, m[mc + p]);
                    int j = jIdx[p] * ldh;
                    y0 = FloatVector.fromArray(S, h, hb + j).fma(mv, y0);
                    y1 = FloatVector.fromArray(S, h, hb + j + L).fma(mv, y1);
                    w0 = FloatVector.fromArray(S, h, hc + j).fma(mw, w0);
                    w1 = FloatVector.fromArray(S, h, hc + j + L).fma(mw, w1);
                }
                FloatVector r0 = FloatVector.fromArray(S, r, rb);
                FloatVector r1 = FloatVector.fromArray(S, r, rb + L);
                FloatVector s0 = FloatVector.fromArray(S, r, rc);
                FloatVector s1 = FloatVector.fromArray(S, r, rc + L);
                a0 = z0.fma(s0, x0.fma(r0, a0));
                a1 = z1.fma(s1, x1.fma(r1, a1));
                b0 = w0.fma(s0, y0.fma(r0, b0));
                b1 = w1.fma(s1, y1.fma(r1, b1));
            }
            if (e < e1) {
                int hb = hOff + senders[e] * hStride + u;
                int mb = mOff + e * mStride;
                int rb = rOff + e * rStride + u;
                FloatVector x0 = FloatVector.zero(S);
                FloatVector x1 = x0;
                for (int p = pa0; p < pa1; p++) {
                    FloatVector mv = FloatVector.broadcast(S, m[mb + p]);
                    int j = hb + jIdx[p] * ldh;
                    x0 = FloatVector.fromArray(S, h, j).fma(mv, x0);
                    x1 = FloatVector.fromArray(S, h, j + L).fma(mv, x1);
                }
                FloatVector y0 = FloatVector.zero(S);
                FloatVector y1 = y0;
                for (int p = pb0; p < pb1; p++) {
                    FloatVector mv = FloatVector.broadcast(S, m[mb + p]);
                    int j = hb + jIdx[p] * ldh;
                    y0 = FloatVector.fromArray(S, h, j).fma(mv, y0);
                    y1 = FloatVector.fromArray(S, h, j + L).fma(mv, y1);
                }
                FloatVector r0 = FloatVector.fromArray(S, r, rb);
                FloatVector r1 = FloatVector.fromArray(S, r, rb + L);
                a0 = x0.fma(r0, a0);
                a1 = x1.fma(r1, a1);
                b0 = y0.fma(r0, b0);
                b1 = y1.fma(r1, b1);
            }
            a0.intoArray(out, oa);
            a1.intoArray(out, oa + L);
            b0.intoArray(out, ob);
            b1.intoArray(out, ob + L);
        }
        if (u < bound) {
            segmentRows2OneChunk(u, e0, e1, senders, ka, kb, kPtr, jIdx, m, mOff, mStride, r, rOff, rStride, h, hOff,
                    hStride, ldh, out, outOff, ldo, bound);
        }
    }

    /**
     * {@link #segmentRows2} when rows ka and kb have the same input rows j in the same order (common:
     * a dense CG block, or one input row): each loaded h row feeds both output rows, so an entry costs
     * four h loads for eight fmas instead of eight (the loop was bound by loads). Every element's fma
     * chain is unchanged (same bits).
     */
    private static void segmentRows2Shared(int e0, int e1, int[] senders, int ka, int kb, int[] kPtr, int[] jIdx,
                                     float[] m, int mOff, int mStride, float[] r, int rOff, int rStride,
                                     float[] h, int hOff, int hStride, int ldh,
                                     float[] out, int outOff, int ldo, int bound) {
        int pa0 = kPtr[ka];
        int pa1 = kPtr[ka + 1];
        int shift = kPtr[kb] - pa0; // entry p of row ka and p + shift of row kb read the same input row
        int u = 0;
        for (; u + 2 * L <= bound; u += 2 * L) {
            int oa = outOff + ka * ldo + u;
            int ob = outOff + kb * ldo + u;
            FloatVector a0 = FloatVector.fromArray(S, out, oa);
            FloatVector a1 = FloatVector.fromArray(S, out, oa + L);
            FloatVector b0 = FloatVector.fromArray(S, out, ob);
            FloatVector b1 = FloatVector.fromArray(S, out, ob + L);
            int e = e0;
            for (; e + 1 < e1; e += 2) {
                int hb = hOff + senders[e] * hStride + u;
                int hc = hOff + senders[e + 1] * hStride + u;
                int mb = mOff + e * mStride;
                int mc = mb + mStride;
                int rb = rOff + e * rStride + u;
                int rc = rb + rStride;
                FloatVector x0 = FloatVector.zero(S);
                FloatVector x1 = x0;
                FloatVector z0 = x0;
                FloatVector z1 = x0;
                FloatVector y0 = x0;
                FloatVector y1 = x0;
                FloatVector w0 = x0;
                FloatVector w1 = x0;
                for (int p = pa0; p < pa1; p++) {
                    int q = p + shift;
                    int j = jIdx[p] * ldh;
                    FloatVector h0 = FloatVector.fromArray(S, h, hb + j);
                    FloatVector h1 = FloatVector.fromArray(S, h, hb + j + L);
                    FloatVector g0 = FloatVector.fromArray(S, h, hc + j);
                    FloatVector g1 = FloatVector.fromArray(S, h, hc + j + L);
                    FloatVector mv = FloatVector.broadcast(S, m[mb + p]);
                    FloatVector mw = FloatVector.broadcast(S, m[mc + p]);
                    FloatVector nv = FloatVector.broadcast(S, m[mb + q]);
                    FloatVector nw = FloatVector.broadcast(S, m[mc + q]);
                    x0 = h0.fma(mv, x0);
                    x1 = h1.fma(mv, x1);
                    z0 = g0.fma(mw, z0);
                    z1 = g1.fma(mw, z1);
                    y0 = h0.fma(nv, y0);
                    y1 = h1.fma(nv, y1);
                    w0 = g0.fma(nw, w0);
                    w1 = g1.fma(nw, w1);
                }
                FloatVector r0 = FloatVector.fromArray(S, r, rb);
                FloatVector r1 = FloatVector.fromArray(S, r, rb + L);
                FloatVector s0 = FloatVector.fromArray(S, r, rc);
                FloatVector s1 = FloatVector.fromArray(S, r, rc + L);
                a0 = z0.fma(s0, x0.fma(r0, a0));
                a1 = z1.fma(s1, x1.fma(r1, a1));
                b0 = w0.fma(s0, y0.fma(r0, b0));
                b1 = w1.fma(s1, y1.fma(r1, b1));
            }
            if (e < e1) {
                int hb = hOff + senders[e] * hStride + u;
                int mb = mOff + e * mStride;
                int rb = rOff + e * rStride + u;
                FloatVector x0 = FloatVector.zero(S);
                FloatVector x1 = x0;
                FloatVector y0 = x0;
                FloatVector y1 = x0;
                for (int p = pa0; p < pa1; p++) {
                    int j = hb + jIdx[p] * ldh;
                    FloatVector h0 = FloatVector.fromArray(S, h, j);
                    FloatVector h1 = FloatVector.fromArray(S, h, j + L);
                    FloatVector mv = FloatVector.broadcast(S, m[mb + p]);
                    FloatVector nv = FloatVector.broadcast(S, m[mb + p + shift]);
                    x0 = h0.fma(mv, x0);
                    x1 = h1.fma(mv, x1);
                    y0 = h0.fma(nv, y0);
                    y1 = h1.fma(nv, y1);
                }
                FloatVector r0 = FloatVector.fromArray(S, r, rb);
                FloatVector r1 = FloatVector.fromArray(S, r, rb + L);
                a0 = x0.fma(r0, a0);
                a1 = x1.fma(r1, a1);
                b0 = y0.fma(r0, b0);
                b1 = y1.fma(r1, b1);
            }
            a0.intoArray(out, oa);
            a1.intoArray(out, oa + L);
            b0.intoArray(out, ob);
            b1.intoArray(out, ob + L);
        }
        if (u < bound) {
            segmentRows2OneChunk(u, e0, e1, senders, ka, kb, kPtr, jIdx, m, mOff, mStride, r, rOff, rStride, h, hOff,
                    hStride, ldh, out, outOff, ldo, bound);
        }
    }

    /**
     * The channel chunks u0..bound of {@link #segmentRows2} one vector at a time (what is left after the
     * two-vector chunks: mul a multiple of L but not of 2L). Shared by both pair kernels.
     */
    private static void segmentRows2OneChunk(int u0, int e0, int e1, int[] senders, int ka, int kb, int[] kPtr,
                                             int[] jIdx, float[] m, int mOff, int mStride, float[] r, int rOff,
                                             int rStride, float[] h, int hOff, int hStride, int ldh,
                                             float[] out, int outOff, int ldo, int bound) {
        int pa0 = kPtr[ka];
        int pa1 = kPtr[ka + 1];
        int pb0 = kPtr[kb];
        int pb1 = kPtr[kb + 1];
        int u = u0;
        for (; u < bound; u += L) {
            int oa = outOff + ka * ldo + u;
            int ob = outOff + kb * ldo + u;
            FloatVector a0 = FloatVector.fromArray(S, out, oa);
            FloatVector b0 = FloatVector.fromArray(S, out, ob);
            for (int e = e0; e < e1; e++) {
                int hb = hOff + senders[e] * hStride + u;
                int mb = mOff + e * mStride;
                FloatVector x0 = FloatVector.zero(S);
                for (int p = pa0; p < pa1; p++) {
                    x0 = FloatVector.fromArray(S, h, hb + jIdx[p] * ldh).fma(FloatVector.broadcast(S, m[mb + p]), x0);
                }
                FloatVector y0 = FloatVector.zero(S);
                for (int p = pb0; p < pb1; p++) {
                    y0 = FloatVector.fromArray(S, h, hb + jIdx[p] * ldh).fma(FloatVector.broadcast(S, m[mb + p]), y0);
                }
                FloatVector r0 = FloatVector.fromArray(S, r, rOff + e * rStride + u);
                a0 = x0.fma(r0, a0);
                b0 = y0.fma(r0, b0);
            }
            a0.intoArray(out, oa);
            b0.intoArray(out, ob);
        }
    }

    /** {@link #segment} of one output row k (with entries), channel chunks and edges two at a time. */
    private static void segmentRow1(int e0, int e1, int[] senders, int k, int[] kPtr, int[] jIdx,
                                    float[] m, int mOff, int mStride, float[] r, int rOff, int rStride,
                                    float[] h, int hOff, int hStride, int ldh,
                                    float[] out, int outOff, int ldo, int bound) {
        int p0 = kPtr[k];
        int p1 = kPtr[k + 1];
        int u = 0;
        for (; u + 2 * L <= bound; u += 2 * L) {
            int o = outOff + k * ldo + u;
            FloatVector a0 = FloatVector.fromArray(S, out, o);
            FloatVector a1 = FloatVector.fromArray(S, out, o + L);
            int e = e0;
            for (; e + 1 < e1; e += 2) { // two edges: four fma chains in the entry loop, added in edge order
                int hb = hOff + senders[e] * hStride + u;
                int hc = hOff + senders[e + 1] * hStride + u;
                int mb = mOff + e * mStride;
                int mc = mb + mStride;
                int rb = rOff + e * rStride + u;
                int rc = rb + rStride;
                FloatVector x0 = FloatVector.zero(S);
                FloatVector x1 = x0;
                FloatVector z0 = x0;
                FloatVector z1 = x0;
                for (int p = p0; p < p1; p++) {
                    FloatVector mv = FloatVector.broadcast(S, m[mb + p]);
                    FloatVector mw = FloatVector.broadcast(S, m[mc + p]);
                    int j = jIdx[p] * ldh;
                    x0 = FloatVector.fromArray(S, h, hb + j).fma(mv, x0);
                    x1 = FloatVector.fromArray(S, h, hb + j + L).fma(mv, x1);
                    z0 = FloatVector.fromArray(S, h, hc + j).fma(mw, z0);
                    z1 = FloatVector.fromArray(S, h, hc + j + L).fma(mw, z1);
                }
                a0 = z0.fma(FloatVector.fromArray(S, r, rc), x0.fma(FloatVector.fromArray(S, r, rb), a0));
                a1 = z1.fma(FloatVector.fromArray(S, r, rc + L), x1.fma(FloatVector.fromArray(S, r, rb + L), a1));
            }
            if (e < e1) {
                int hb = hOff + senders[e] * hStride + u;
                int mb = mOff + e * mStride;
                int rb = rOff + e * rStride + u;
                FloatVector x0 = FloatVector.zero(S);
                FloatVector x1 = x0;
                for (int p = p0; p < p1; p++) {
                    FloatVector mv = FloatVector.broadcast(S, m[mb + p]);
                    int j = hb + jIdx[p] * ldh;
                    x0 = FloatVector.fromArray(S, h, j).fma(mv, x0);
                    x1 = FloatVector.fromArray(S, h, j + L).fma(mv, x1);
                }
                a0 = x0.fma(FloatVector.fromArray(S, r, rb), a0);
                a1 = x1.fma(FloatVector.fromArray(S, r, rb + L), a1);
            }
            a0.intoArray(out, o);
            a1.intoArray(out, o + L);
        }
        for (; u < bound; u += L) {
            int o = outOff + k * ldo + u;
            FloatVector ov = FloatVector.fromArray(S, out, o);
            for (int e = e0; e < e1; e++) {
                int hb = hOff + senders[e] * hStride + u;
                int mb = mOff + e * mStride;
                FloatVector acc = FloatVector.zero(S);
                for (int p = p0; p < p1; p++) {
                    acc = FloatVector.fromArray(S, h, hb + jIdx[p] * ldh).fma(FloatVector.broadcast(S, m[mb + p]), acc);
                }
                ov = acc.fma(FloatVector.fromArray(S, r, rOff + e * rStride + u), ov);
            }
            ov.intoArray(out, o);
        }
    }

    /** Lane i of this shuffle is lane {@code i ^ x}: the butterfly steps of the reductions below. */
    private static VectorShuffle<Float> xor(int x) {
        return x < L ? VectorShuffle.fromOp(S, i -> i ^ x) : null;
    }

    private static final VectorShuffle<Float> XOR1 = xor(1);
    private static final VectorShuffle<Float> XOR2 = xor(2);
    /** Batches of four dot products are reduced together (needs four lanes). */
    private static final boolean BATCH4 = L >= 4;
    private static final VectorShuffle<Float> SWAP_HALF = BATCH4 ? xor(L / 2) : null;
    private static final VectorShuffle<Float> SWAP_QUARTER = BATCH4 ? xor(L / 4) : null;
    private static final VectorMask<Float> UPPER_HALF = BATCH4 ? laneBit(L / 2) : null;
    private static final VectorMask<Float> ODD_QUARTER = BATCH4 ? laneBit(L / 4) : null;
    /** Lanes 0..3 take the first lane of quarters 0..3. */
    private static final VectorShuffle<Float> QUARTER_FIRSTS = BATCH4 ? VectorShuffle.fromOp(S, i -> i < 4 ? i * (L / 4) : i) : null;

    /*
     * The four sums of a batch go into dM lane by lane (v.lane(0..3), scalar adds), on the one
     * species S: a 128-bit vector there would make the JDK's shared FloatVector methods see two
     * classes in their profile, and C2 then boxes the vectors of every kernel (docs/kernels.md, "One
     * float species"). A masked S load/add/store of lanes 0..3 was tried too: C energy + forces
     * about 10 % slower than the four scalar adds.
     */

    private static VectorMask<Float> laneBit(int bit) {
        boolean[] b = new boolean[L];
        for (int i = 0; i < L; i++) {
            b[i] = (i & bit) != 0;
        }
        return VectorMask.fromArray(S, b, 0);
    }

    /**
     * dM[p] += sum_u g r[u] and dR[u] = fma(g, m_p, dR[u]) for every entry p in order, with
     * g = h[j_p][u] dOut[k_p][u] (either target may be null): one edge of {@link #backwardMRSegment}.
     */
    static void backwardMR(int dk, int[] kPtr, int[] jIdx, float[] m, int mOff,
                           float[] r, int rOff, float[] h, int hOff, int ldh,
                           float[] dOut, int dOutOff, int lddo, int mul,
                           float[] dM, int dMOff, float[] dR, int dROff) {
        backwardMRSegment(0, 1, null, dk, kPtr, jIdx, m, mOff, 0, r, rOff, 0, h, hOff, 0, ldh, dOut, dOutOff, lddo, mul,
                dM, dMOff, 0, dR, dROff, 0);
    }

    /**
     * {@link #backwardMR} for the edges e0..e1 of one receiver (one dOut block): edge e reads m at
     * {@code mOff + e*mStride}, r at {@code rOff + e*rStride}, h at {@code hOff + senders[e]*hStride}
     * (hOff alone when senders is null) and writes dM at {@code dMOff + e*dMStride}, dR at
     * {@code dROff + e*dRStride}. Entries are taken four at a time across rows, so that their four
     * dot products are reduced together (about six shuffles for four sums instead of L - 1
     * dependent adds each); the batch's rows and offsets are found once for all edges. Each edge
     * sees its entries in order, so the result is bitwise the same as edge by edge. The reductions
     * are written inline: C2 does not inline a helper called once per batch, and a vector passed
     * to a call is boxed.
     */
    static void backwardMRSegment(int e0, int e1, int[] senders, int dk, int[] kPtr, int[] jIdx,
                                  float[] m, int mOff, int mStride, float[] r, int rOff, int rStride,
                                  float[] h, int hOff, int hStride, int ldh,
                                  float[] dOut, int dOutOff, int lddo, int mul,
                                  float[] dM, int dMOff, int dMStride, float[] dR, int dROff, int dRStride) {
        int bound = S.loopBound(mul);
        int pEnd = kPtr[dk];
        if (!BATCH4) {
            for (int e = e0; e < e1; e++) {
                backwardMROneByOne(dk, kPtr, jIdx, m, mOff + e * mStride, r, rOff + e * rStride,
                        h, hOff + (senders == null ? 0 : senders[e] * hStride), ldh, dOut, dOutOff, lddo, mul,
                        dM, dMOff + e * dMStride, dR, dROff + e * dRStride);
            }
            return;
        }
        if (mul == 2 * L && dM != null && dR != null) {
            backwardMRSegmentTwoChunks(e0, e1, senders, dk, kPtr, jIdx, m, mOff, mStride, r, rOff, rStride, h, hOff,
                    hStride, ldh, dOut, dOutOff, lddo, dM, dMOff, dMStride, dR, dROff, dRStride);
            return;
        }
        int k = 0;
        for (int p = kPtr[0]; p < pEnd; p += 4) {
            // entries p..p+n-1; a short batch repeats its last entry in the unused slots
            // (loaded and reduced, never stored)
            int n = Math.min(4, pEnd - p);
            int p1 = p + Math.min(1, n - 1);
            int p2 = p + Math.min(2, n - 1);
            int p3 = p + n - 1;
            while (kPtr[k + 1] <= p) {
                k++;
            }
            int d0 = dOutOff + k * lddo;
            while (kPtr[k + 1] <= p1) {
                k++;
            }
            int d1 = dOutOff + k * lddo;
            while (kPtr[k + 1] <= p2) {
                k++;
            }
            int d2 = dOutOff + k * lddo;
            while (kPtr[k + 1] <= p3) {
                k++;
            }
            int d3 = dOutOff + k * lddo;
            int j0 = jIdx[p] * ldh;
            int j1 = jIdx[p1] * ldh;
            int j2 = jIdx[p2] * ldh;
            int j3 = jIdx[p3] * ldh;
            for (int e = e0; e < e1; e++) {
                int hb = hOff + (senders == null ? 0 : senders[e] * hStride);
                int h0 = hb + j0;
                int h1 = hb + j1;
                int h2 = hb + j2;
                int h3 = hb + j3;
                int mb = mOff + e * mStride;
                int rb = rOff + e * rStride;
                int dRb = dROff + e * dRStride;
                float m0 = m[mb + p];
                float m1 = m[mb + p1];
                float m2 = m[mb + p2];
                float m3 = m[mb + p3];
                FloatVector vm0 = FloatVector.broadcast(S, m0);
                FloatVector vm1 = FloatVector.broadcast(S, m1);
                FloatVector vm2 = FloatVector.broadcast(S, m2);
                FloatVector vm3 = FloatVector.broadcast(S, m3);
                FloatVector a0 = FloatVector.zero(S);
                FloatVector a1 = a0;
                FloatVector a2 = a0;
                FloatVector a3 = a0;
                for (int u = 0; u < bound; u += L) {
                    FloatVector rv = FloatVector.fromArray(S, r, rb + u);
                    FloatVector g0 = FloatVector.fromArray(S, h, h0 + u).mul(FloatVector.fromArray(S, dOut, d0 + u));
                    FloatVector g1 = FloatVector.fromArray(S, h, h1 + u).mul(FloatVector.fromArray(S, dOut, d1 + u));
                    FloatVector g2 = FloatVector.fromArray(S, h, h2 + u).mul(FloatVector.fromArray(S, dOut, d2 + u));
                    FloatVector g3 = FloatVector.fromArray(S, h, h3 + u).mul(FloatVector.fromArray(S, dOut, d3 + u));
                    a0 = g0.fma(rv, a0);
                    a1 = g1.fma(rv, a1);
                    a2 = g2.fma(rv, a2);
                    a3 = g3.fma(rv, a3);
                    if (dR != null) {
                        int o = dRb + u;
                        FloatVector dr = g0.fma(vm0, FloatVector.fromArray(S, dR, o));
                        if (n > 1) {
                            dr = g1.fma(vm1, dr);
                        }
                        if (n > 2) {
                            dr = g2.fma(vm2, dr);
                        }
                        if (n > 3) {
                            dr = g3.fma(vm3, dr);
                        }
                        dr.intoArray(dR, o);
                    }
                }
                int dMb = dMOff + e * dMStride;
                if (dM != null) {
                    // the four lane sums share their shuffles (a transpose-add, exact lane
                    // arithmetic in a fixed order): lower half partials of a0 (a1), upper half of a2 (a3)
                    FloatVector c02 = a0.blend(a2, UPPER_HALF).add(a2.blend(a0, UPPER_HALF).rearrange(SWAP_HALF));
                    FloatVector c13 = a1.blend(a3, UPPER_HALF).add(a3.blend(a1, UPPER_HALF).rearrange(SWAP_HALF));
                    // quarter q: partials of a_q; then butterflies inside the quarters
                    FloatVector v = c02.blend(c13, ODD_QUARTER).add(c13.blend(c02, ODD_QUARTER).rearrange(SWAP_QUARTER));
                    if (L >= 16) {
                        v = v.add(v.rearrange(XOR2));
                    }
                    if (L >= 8) {
                        v = v.add(v.rearrange(XOR1));
                        v = v.rearrange(QUARTER_FIRSTS);
                    }
                    int o = dMb + p;
                    dM[o] += v.lane(0);
                    if (n > 1) {
                        dM[o + 1] += v.lane(1);
                    }
                    if (n > 2) {
                        dM[o + 2] += v.lane(2);
                    }
                    if (n > 3) {
                        dM[o + 3] += v.lane(3);
                    }
                }
                if (bound < mul) {
                    tail(bound, mul, d0, h0, m0, r, rb, h, dOut, dM, dMb + p, dR, dRb);
                    if (n > 1) {
                        tail(bound, mul, d1, h1, m1, r, rb, h, dOut, dM, dMb + p1, dR, dRb);
                    }
                    if (n > 2) {
                        tail(bound, mul, d2, h2, m2, r, rb, h, dOut, dM, dMb + p2, dR, dRb);
                    }
                    if (n > 3) {
                        tail(bound, mul, d3, h3, m3, r, rb, h, dOut, dM, dMb + p3, dR, dRb);
                    }
                }
            }
        }
    }

    /**
     * {@link #backwardMRSegment} when the channels are exactly two vectors (32 channels at 512 bits,
     * 16 at 256: the common case) and both dM and dR are wanted: the receiver's four dOut rows of a
     * batch stay in eight registers across its edges instead of being reloaded per edge, and the
     * channel loop is unrolled. Per element the same operations in the same order: bitwise equal to
     * the general loop (the reduction below is its copy).
     */
    private static void backwardMRSegmentTwoChunks(int e0, int e1, int[] senders, int dk, int[] kPtr, int[] jIdx,
                                                   float[] m, int mOff, int mStride, float[] r, int rOff, int rStride,
                                                   float[] h, int hOff, int hStride, int ldh,
                                                   float[] dOut, int dOutOff, int lddo,
                                                   float[] dM, int dMOff, int dMStride, float[] dR, int dROff, int dRStride) {
        int pEnd = kPtr[dk];
        int k = 0;
        for (int p = kPtr[0]; p < pEnd; p += 4) {
            int n = Math.min(4, pEnd - p);
            int p1 = p + Math.min(1, n - 1);
            int p2 = p + Math.min(2, n - 1);
            int p3 = p + n - 1;
            while (kPtr[k + 1] <= p) {
                k++;
            }
            int d0 = dOutOff + k * lddo;
            while (kPtr[k + 1] <= p1) {
                k++;
            }
            int d1 = dOutOff + k * lddo;
            while (kPtr[k + 1] <= p2) {
                k++;
            }
            int d2 = dOutOff + k * lddo;
            while (kPtr[k + 1] <= p3) {
                k++;
            }
            int d3 = dOutOff + k * lddo;
            FloatVector o0 = FloatVector.fromArray(S, dOut, d0);
            FloatVector o0b = FloatVector.fromArray(S, dOut, d0 + L);
            FloatVector o1 = FloatVector.fromArray(S, dOut, d1);
            FloatVector o1b = FloatVector.fromArray(S, dOut, d1 + L);
            FloatVector o2 = FloatVector.fromArray(S, dOut, d2);
            FloatVector o2b = FloatVector.fromArray(S, dOut, d2 + L);
            FloatVector o3 = FloatVector.fromArray(S, dOut, d3);
            FloatVector o3b = FloatVector.fromArray(S, dOut, d3 + L);
            int j0 = jIdx[p] * ldh;
            int j1 = jIdx[p1] * ldh;
            int j2 = jIdx[p2] * ldh;
            int j3 = jIdx[p3] * ldh;
            for (int e = e0; e < e1; e++) {
                int hb = hOff + (senders == null ? 0 : senders[e] * hStride);
                int mb = mOff + e * mStride;
                int rb = rOff + e * rStride;
                int dRb = dROff + e * dRStride;
                FloatVector r0 = FloatVector.fromArray(S, r, rb);
                FloatVector r1 = FloatVector.fromArray(S, r, rb + L);
                FloatVector g0 = FloatVector.fromArray(S, h, hb + j0).mul(o0);
                FloatVector g1 = FloatVector.fromArray(S, h, hb + j1).mul(o1);
                FloatVector g2 = FloatVector.fromArray(S, h, hb + j2).mul(o2);
                FloatVector g3 = FloatVector.fromArray(S, h, hb + j3).mul(o3);
                FloatVector g0b = FloatVector.fromArray(S, h, hb + j0 + L).mul(o0b);
                FloatVector g1b = FloatVector.fromArray(S, h, hb + j1 + L).mul(o1b);
                FloatVector g2b = FloatVector.fromArray(S, h, hb + j2 + L).mul(o2b);
                FloatVector g3b = FloatVector.fromArray(S, h, hb + j3 + L).mul(o3b);
                FloatVector zero = FloatVector.zero(S);
                FloatVector a0 = g0b.fma(r1, g0.fma(r0, zero));
                FloatVector a1 = g1b.fma(r1, g1.fma(r0, zero));
                FloatVector a2 = g2b.fma(r1, g2.fma(r0, zero));
                FloatVector a3 = g3b.fma(r1, g3.fma(r0, zero));
                FloatVector vm0 = FloatVector.broadcast(S, m[mb + p]);
                FloatVector dr = g0.fma(vm0, FloatVector.fromArray(S, dR, dRb));
                FloatVector drb = g0b.fma(vm0, FloatVector.fromArray(S, dR, dRb + L));
                if (n > 1) {
                    FloatVector vm1 = FloatVector.broadcast(S, m[mb + p1]);
                    dr = g1.fma(vm1, dr);
                    drb = g1b.fma(vm1, drb);
                }
                if (n > 2) {
                    FloatVector vm2 = FloatVector.broadcast(S, m[mb + p2]);
                    dr = g2.fma(vm2, dr);
                    drb = g2b.fma(vm2, drb);
                }
                if (n > 3) {
                    FloatVector vm3 = FloatVector.broadcast(S, m[mb + p3]);
                    dr = g3.fma(vm3, dr);
                    drb = g3b.fma(vm3, drb);
                }
                dr.intoArray(dR, dRb);
                drb.intoArray(dR, dRb + L);
                // the four lane sums: the transpose-add of backwardMRSegment, unchanged
                FloatVector c02 = a0.blend(a2, UPPER_HALF).add(a2.blend(a0, UPPER_HALF).rearrange(SWAP_HALF));
                FloatVector c13 = a1.blend(a3, UPPER_HALF).add(a3.blend(a1, UPPER_HALF).rearrange(SWAP_HALF));
                FloatVector v = c02.blend(c13, ODD_QUARTER).add(c13.blend(c02, ODD_QUARTER).rearrange(SWAP_QUARTER));
                if (L >= 16) {
                    v = v.add(v.rearrange(XOR2));
                }
                if (L >= 8) {
                    v = v.add(v.rearrange(XOR1));
                    v = v.rearrange(QUARTER_FIRSTS);
                }
                int o = dMOff + e * dMStride + p;
                dM[o] += v.lane(0);
                if (n > 1) {
                    dM[o + 1] += v.lane(1);
                }
                if (n > 2) {
                    dM[o + 2] += v.lane(2);
                }
                if (n > 3) {
                    dM[o + 3] += v.lane(3);
                }
            }
        }
    }

    /** {@link #backwardMR} one entry at a time, for species of fewer than four lanes. */
    private static void backwardMROneByOne(int dk, int[] kPtr, int[] jIdx, float[] m, int mOff,
                                           float[] r, int rOff, float[] h, int hOff, int ldh,
                                           float[] dOut, int dOutOff, int lddo, int mul,
                                           float[] dM, int dMOff, float[] dR, int dROff) {
        int bound = S.loopBound(mul);
        int k = 0;
        for (int p = kPtr[0]; p < kPtr[dk]; p++) {
            while (kPtr[k + 1] <= p) {
                k++;
            }
            int d0 = dOutOff + k * lddo;
            int h0 = hOff + jIdx[p] * ldh;
            float m0 = m[mOff + p];
            FloatVector vm = FloatVector.broadcast(S, m0);
            FloatVector a0 = FloatVector.zero(S);
            for (int u = 0; u < bound; u += L) {
                FloatVector g0 = FloatVector.fromArray(S, h, h0 + u).mul(FloatVector.fromArray(S, dOut, d0 + u));
                a0 = g0.fma(FloatVector.fromArray(S, r, rOff + u), a0);
                if (dR != null) {
                    int o = dROff + u;
                    g0.fma(vm, FloatVector.fromArray(S, dR, o)).intoArray(dR, o);
                }
            }
            if (dM != null) {
                dM[dMOff + p] += VectorMath.sumLanes(a0);
            }
            if (bound < mul) {
                tail(bound, mul, d0, h0, m0, r, rOff, h, dOut, dM, dMOff + p, dR, dROff);
            }
        }
    }

    /** The channels u0..mul of one entry of {@link #backwardMR}, scalar. */
    private static void tail(int u0, int mul, int d0, int h0, float m0, float[] r, int rOff, float[] h, float[] dOut,
                             float[] dM, int dMAt, float[] dR, int dROff) {
        float acc = 0f;
        for (int u = u0; u < mul; u++) {
            float g = h[h0 + u] * dOut[d0 + u];
            acc = Math.fma(g, r[rOff + u], acc);
            if (dR != null) {
                dR[dROff + u] = Math.fma(g, m0, dR[dROff + u]);
            }
        }
        if (dM != null) {
            dM[dMAt] += acc;
        }
    }

    /** dH[j_p][u] = fma(r[u] dOut[k_p][u], m_p, dH[j_p][u]) for every entry p in order. */
    static void backwardH(int dk, int[] kPtr, int[] jIdx, float[] m, int mOff,
                          float[] r, int rOff, float[] dOut, int dOutOff, int lddo, int mul,
                          float[] dH, int dHOff, int lddh) {
        int u = 0;
        for (int bound = S.loopBound(mul); u < bound; u += L) {
            FloatVector rv = FloatVector.fromArray(S, r, rOff + u);
            for (int k = 0; k < dk; k++) {
                int p0 = kPtr[k];
                int p1 = kPtr[k + 1];
                if (p0 == p1) {
                    continue;
                }
                FloatVector rd = rv.mul(FloatVector.fromArray(S, dOut, dOutOff + k * lddo + u));
                for (int p = p0; p < p1; p++) {
                    int idx = dHOff + jIdx[p] * lddh + u;
                    rd.fma(FloatVector.broadcast(S, m[mOff + p]), FloatVector.fromArray(S, dH, idx)).intoArray(dH, idx);
                }
            }
        }
        for (; u < mul; u++) {
            float ru = r[rOff + u];
            for (int k = 0; k < dk; k++) {
                float rd = ru * dOut[dOutOff + k * lddo + u];
                for (int p = kPtr[k]; p < kPtr[k + 1]; p++) {
                    int idx = dHOff + jIdx[p] * lddh + u;
                    dH[idx] = Math.fma(rd, m[mOff + p], dH[idx]);
                }
            }
        }
    }
}
