package org.e3j.plan.steps;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.e3j.engine.kernels.KernelProvider;
import org.e3j.engine.kernels.Kernels;

/**
 * The products of a {@link MessageBlockStep}, organised around a receiver rather than an edge: the
 * receiver's output is accumulated channel-innermost ({@code [dOut][mulP]} per path and copy, whole
 * vectors) over all its edges and transposed into e3nn-jax's layout once, and in the reverse pass the
 * receiver's gradient is transposed once and reused by its edges (edges come grouped by receiver).
 * Each edge transposes its first input once per input chunk (not once per path). Same arithmetic as
 * per path and copy v, {@code M = sum_j C x2[v, j]}, {@code t = M^T x1} (a small GEMM),
 * {@code acc += w[., v] * t}. The unfused product steps use it with one "edge" per row.
 */
final class ReceiverPaths {
    private final Kernels k = KernelProvider.get();
    private final ChannelPaths.Path[] paths;
    private final int mulP;
    /** Per path: its input chunk (distinct col1 sets share a transposed copy). */
    private final int[] chunkOf;
    private final int[][] chunkCols;
    private final int[] chunkD1;
    private final int[] chunkOff;
    /** Per path, per copy v (one block when summed over v): the accumulator / gradient block. */
    private final int[][] blockOff;
    // scratch layout
    private final int mOff;
    private final int mtOff;
    private final int tmpOff;
    private final int gtwOff;
    private final int wvOff;
    private final int dwOff;
    private final int gmOff;
    private final int gxOff;
    /** Where the first chunk starts (the chunks are contiguous from here). */
    private final int chunkBase;
    private final int accOff;
    private final int scratch;

    ReceiverPaths(ChannelPaths.Path[] paths) {
        this.paths = paths;
        int lanes = Math.max(1, k.vectorLanes());
        int mul = 1;
        int d1 = 1;
        int dOut = 1;
        for (ChannelPaths.Path p : paths) {
            mul = Math.max(mul, p.mul1());
            d1 = Math.max(d1, p.d1());
            dOut = Math.max(dOut, p.dOut());
        }
        mulP = Kernels.padTo(mul, lanes);
        chunkOf = new int[paths.length];
        List<int[]> cols = new ArrayList<>();
        List<Integer> dims = new ArrayList<>();
        for (int t = 0; t < paths.length; t++) {
            int found = -1;
            for (int c = 0; c < cols.size(); c++) {
                if (Arrays.equals(cols.get(c), paths[t].col1()) && dims.get(c) == paths[t].d1()) {
                    found = c;
                }
            }
            if (found < 0) {
                found = cols.size();
                cols.add(paths[t].col1());
                dims.add(paths[t].d1());
            }
            chunkOf[t] = found;
        }
        chunkCols = cols.toArray(new int[0][]);
        chunkD1 = dims.stream().mapToInt(Integer::intValue).toArray();
        int off = 0;
        mOff = off;
        off += d1 * dOut;
        mtOff = off;
        off += d1 * dOut;
        tmpOff = off;
        off += dOut * mulP;
        gtwOff = off;
        off += dOut * mulP;
        wvOff = off;
        off += mulP;
        dwOff = off;
        off += mulP;
        gmOff = off;
        off += d1 * dOut;
        chunkOff = new int[chunkCols.length];
        for (int c = 0; c < chunkCols.length; c++) {
            chunkOff[c] = off;
            off += chunkD1[c] * mulP;
        }
        chunkBase = chunkOff.length == 0 ? off : chunkOff[0];
        gxOff = off; // the chunks' gradients, same relative layout as the chunks
        off += totalChunks();
        accOff = off;
        blockOff = new int[paths.length][];
        for (int t = 0; t < paths.length; t++) {
            ChannelPaths.Path p = paths[t];
            int blocks = p.sumOverV() ? 1 : p.mul2();
            blockOff[t] = new int[blocks];
            for (int v = 0; v < blocks; v++) {
                blockOff[t][v] = off;
                off += p.dOut() * mulP;
            }
        }
        scratch = off;
    }

    private int totalChunks() {
        int n = 0;
        for (int c = 0; c < chunkD1.length; c++) {
            n += chunkD1[c] * mulP;
        }
        return n;
    }

    int scratchFloats() {
        return scratch;
    }

    /** The blocks' columns in the output row: block (t, v) row kk, channel u. */
    private int outColumn(ChannelPaths.Path p, int u, int v) {
        return p.outOff() + (p.sumOverV() ? u : u * p.mul2() + v) * p.dOut();
    }

    private void transposeChunks(float[] x1, int row1, float[] s, int base) {
        for (int c = 0; c < chunkCols.length; c++) {
            int[] col = chunkCols[c];
            int d1 = chunkD1[c];
            int t = base + chunkOff[c];
            for (int i = 0; i < d1; i++) {
                int dst = t + i * mulP;
                for (int u = 0; u < col.length; u++) {
                    s[dst + u] = x1[row1 + col[u] + i];
                }
                Arrays.fill(s, dst + col.length, dst + mulP, 0f);
            }
        }
    }

    private void contract(ChannelPaths.Path p, float[] x2, int b0, float[] s, int base) {
        int m = base + mOff;
        int mt = base + mtOff;
        int d1 = p.d1();
        int dOut = p.dOut();
        Arrays.fill(s, m, m + d1 * dOut, 0f);
        int[] ci = p.ci();
        int[] cj = p.cj();
        int[] ck = p.ck();
        float[] coef = p.coef();
        for (int t = 0; t < coef.length; t++) {
            int at = m + ci[t] * dOut + ck[t];
            s[at] = Math.fma(coef[t], x2[b0 + cj[t]], s[at]);
        }
        for (int i = 0; i < d1; i++) {
            for (int kk = 0; kk < dOut; kk++) {
                s[mt + kk * d1 + i] = s[m + i * dOut + kk];
            }
        }
    }

    /** wv[u] = w[u, v] (1 without weights), zero padded. */
    private void weights(ChannelPaths.Path p, int v, float[] w, int rowW, float[] s, int base) {
        int wv = base + wvOff;
        int mul = p.mul1();
        for (int u = 0; u < mul; u++) {
            s[wv + u] = p.weighted() ? w[rowW + p.wOff() + u * p.mul2() + v] : 1f;
        }
        Arrays.fill(s, wv + mul, wv + mulP, 0f);
    }

    /** Zeroes the receiver's accumulators. */
    void beginReceiver(float[] s, int base) {
        Arrays.fill(s, base + accOff, base + scratch, 0f);
    }

    /** Adds one edge's products into the receiver's accumulators. */
    void addEdge(float[] x1, int row1, float[] x2, int row2, float[] w, int rowW, float[] s, int base) {
        transposeChunks(x1, row1, s, base);
        int tmp = base + tmpOff;
        int wv = base + wvOff;
        for (int t = 0; t < paths.length; t++) {
            ChannelPaths.Path p = paths[t];
            int x1t = base + chunkOff[chunkOf[t]];
            for (int v = 0; v < p.mul2(); v++) {
                contract(p, x2, row2 + p.col2()[v], s, base);
                k.gemm(p.dOut(), mulP, p.d1(), s, base + mtOff, p.d1(), s, x1t, mulP, s, tmp, mulP, false);
                weights(p, v, w, rowW, s, base);
                int acc = base + blockOff[t][p.sumOverV() ? 0 : v];
                for (int kk = 0; kk < p.dOut(); kk++) {
                    k.mulAcc(s, acc + kk * mulP, s, tmp + kk * mulP, s, wv, 1f, mulP);
                }
            }
        }
    }

    /**
     * Adds the receiver's accumulators into its output row (paths may share output columns: several
     * uvu instructions can write one output irrep), which the caller has zeroed.
     */
    void endReceiver(float[] out, int rowOut, float[] s, int base) {
        for (int t = 0; t < paths.length; t++) {
            ChannelPaths.Path p = paths[t];
            for (int v = 0; v < blockOff[t].length; v++) {
                int acc = base + blockOff[t][v];
                for (int u = 0; u < p.mul1(); u++) {
                    int o = rowOut + outColumn(p, u, v);
                    for (int kk = 0; kk < p.dOut(); kk++) {
                        out[o + kk] += s[acc + kk * mulP + u];
                    }
                }
            }
        }
    }

    /** Loads the receiver's output gradient (over {@code divisor}) into the blocks, channel-innermost. */
    void loadGradient(float[] g, int rowG, float divisor, float[] s, int base) {
        for (int t = 0; t < paths.length; t++) {
            ChannelPaths.Path p = paths[t];
            for (int v = 0; v < blockOff[t].length; v++) {
                int blk = base + blockOff[t][v];
                int mul = p.mul1();
                for (int kk = 0; kk < p.dOut(); kk++) {
                    int dst = blk + kk * mulP;
                    for (int u = 0; u < mul; u++) {
                        s[dst + u] = g[rowG + outColumn(p, u, v) + kk] / divisor;
                    }
                    Arrays.fill(s, dst + mul, dst + mulP, 0f);
                }
            }
        }
    }

    /**
     * One edge's reverse pass from the loaded receiver gradient: adds into the row accumulators
     * {@code g1} (x1's row layout), {@code g2}, {@code gw} (each may be null).
     */
    void backwardEdge(float[] x1, int row1, float[] x2, int row2, float[] w, int rowW, float[] g1, int g1Off,
            float[] g2, int g2Off, float[] gw, int gwOff, float[] s, int base) {
        transposeChunks(x1, row1, s, base);
        int gx = base + gxOff;
        if (g1 != null) {
            Arrays.fill(s, gx, gx + totalChunks(), 0f);
        }
        int tmp = base + tmpOff;
        int gtw = base + gtwOff;
        int wv = base + wvOff;
        int dw = base + dwOff;
        int gm = base + gmOff;
        for (int t = 0; t < paths.length; t++) {
            ChannelPaths.Path p = paths[t];
            int c = chunkOf[t];
            int x1t = base + chunkOff[c];
            int gx1t = gx + (chunkOff[c] - chunkBase);
            int dOut = p.dOut();
            for (int v = 0; v < p.mul2(); v++) {
                int gt = base + blockOff[t][p.sumOverV() ? 0 : v];
                contract(p, x2, row2 + p.col2()[v], s, base);
                weights(p, v, w, rowW, s, base);
                if (p.weighted() && gw != null) {
                    // dw[u, v] = sum_k gT[k][u] t[k][u], t = M^T x1
                    k.gemm(dOut, mulP, p.d1(), s, base + mtOff, p.d1(), s, x1t, mulP, s, tmp, mulP, false);
                    Arrays.fill(s, dw, dw + mulP, 0f);
                    for (int kk = 0; kk < dOut; kk++) {
                        k.mulAcc(s, dw, s, gt + kk * mulP, s, tmp + kk * mulP, 1f, mulP);
                    }
                    for (int u = 0; u < p.mul1(); u++) {
                        gw[gwOff + p.wOff() + u * p.mul2() + v] += s[dw + u];
                    }
                }
                // gTw = gT * w (per channel)
                for (int kk = 0; kk < dOut; kk++) {
                    k.mul(s, gtw + kk * mulP, s, gt + kk * mulP, s, wv, mulP);
                }
                if (g1 != null) {
                    k.gemm(p.d1(), mulP, dOut, s, base + mOff, dOut, s, gtw, mulP, s, gx1t, mulP, true);
                }
                if (g2 != null) {
                    k.gemmBt(p.d1(), dOut, mulP, s, x1t, mulP, s, gtw, mulP, s, gm, dOut, false);
                    int b0 = g2Off + p.col2()[v];
                    int[] ci = p.ci();
                    int[] cj = p.cj();
                    int[] ck = p.ck();
                    float[] coef = p.coef();
                    for (int q = 0; q < coef.length; q++) {
                        g2[b0 + cj[q]] = Math.fma(coef[q], s[gm + ci[q] * dOut + ck[q]], g2[b0 + cj[q]]);
                    }
                }
            }
        }
        if (g1 != null) {
            for (int c = 0; c < chunkCols.length; c++) {
                int[] col = chunkCols[c];
                int src0 = gx + (chunkOff[c] - chunkBase);
                for (int i = 0; i < chunkD1[c]; i++) {
                    int src = src0 + i * mulP;
                    for (int u = 0; u < col.length; u++) {
                        g1[g1Off + col[u] + i] += s[src + u];
                    }
                }
            }
        }
    }
}
