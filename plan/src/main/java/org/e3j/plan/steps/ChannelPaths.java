package org.e3j.plan.steps;

import java.util.Arrays;
import org.e3j.engine.kernels.KernelProvider;
import org.e3j.engine.kernels.Kernels;

/**
 * The tensor-product paths of one row, computed channel-parallel: the work that dominates a message
 * (e3nn {@code tensor_product} and the uvu {@code FunctionalTensorProduct}). For a path
 * {@code (l1 x l2 -> lOut)} and a copy v of the second input, the Clebsch-Gordan contraction with
 * {@code x2[v]} is done once, {@code M[i][k] = sum_j coef(i,j,k) x2[v, j]}, and every channel u of the
 * first input then needs {@code out[u, k] = w[u, v] sum_i M[i][k] x1[u, i]}. Channels are made
 * contiguous by transposing the copy's {@code [mul][2l1+1]} block into {@code [2l1+1][mulP]} scratch
 * ({@code mulP} = mul rounded up to the kernels' lane count, padding zero), so each {@code (i, k)} is one
 * vector multiply-add over all channels (one small GEMM per path and
 * copy, {@link Kernels#gemm}); the reverse pass is built the same way.
 * Every row is computed alone, so the bits do not depend on how rows are split between workers.
 */
final class ChannelPaths {

    /**
     * One path. Copy u of the first input starts at column {@code col1[u]} of its row, copy v of the second
     * at {@code col2[v]}; output column of {@code (u, v, k)} is {@code outOff + (sumOverV ? u : u * mul2 + v) * dOut + k}.
     * With weights, {@code (u, v)} reads weight column {@code wOff + u * mul2 + v} of the weights input.
     */
    record Path(int[] col1, int[] col2, int d1, int d2, int dOut, int outOff, boolean sumOverV, boolean weighted,
            int wOff, int[] ci, int[] cj, int[] ck, float[] coef) {

        int mul1() {
            return col1.length;
        }

        int mul2() {
            return col2.length;
        }

        int outColumn(int u, int v) {
            return outOff + (sumOverV ? u : u * col2.length + v) * dOut;
        }
    }

    private final Kernels k = KernelProvider.get();
    private final Path[] paths;
    private final int mulP;
    // scratch layout (floats)
    private final int x1tOff;
    private final int mOff;
    /** M transposed, {@code [dOut][d1]}: the left operand of the forward GEMM. */
    private final int mtOff;
    private final int accOff;
    private final int wOff;
    private final int gtOff;
    private final int gx1tOff;
    private final int gmOff;
    private final int scratch;

    ChannelPaths(Path[] paths) {
        this.paths = paths;
        int lanes = Math.max(1, k.vectorLanes());
        int mul = 1;
        int d1 = 1;
        int dOut = 1;
        for (Path p : paths) {
            mul = Math.max(mul, p.mul1());
            d1 = Math.max(d1, p.d1);
            dOut = Math.max(dOut, p.dOut);
        }
        mulP = Kernels.padTo(mul, lanes);
        x1tOff = 0;
        mOff = x1tOff + d1 * mulP;
        mtOff = mOff + d1 * dOut;
        accOff = mtOff + d1 * dOut;
        wOff = accOff + dOut * mulP;
        gtOff = wOff + mulP;
        gx1tOff = gtOff + dOut * mulP;
        gmOff = gx1tOff + d1 * mulP;
        scratch = gmOff + d1 * dOut;
    }

    /**
     * The same paths writing into another column layout: output column c goes to {@code columnOf[c]}
     * (e.g. the inverse of {@code simplify}'s gather). Null when a path's block would not stay
     * contiguous there (then the caller does not fuse).
     */
    ChannelPaths remapOutput(int[] columnOf) {
        Path[] out = new Path[paths.length];
        for (int t = 0; t < paths.length; t++) {
            Path p = paths[t];
            int width = (p.sumOverV ? p.mul1() : p.mul1() * p.mul2()) * p.dOut;
            int start = columnOf[p.outOff];
            for (int c = 0; c < width; c++) {
                if (start < 0 || columnOf[p.outOff + c] != start + c) {
                    return null;
                }
            }
            out[t] = new Path(p.col1, p.col2, p.d1, p.d2, p.dOut, start, p.sumOverV, p.weighted, p.wOff, p.ci, p.cj,
                    p.ck, p.coef);
        }
        return new ChannelPaths(out);
    }

    Path[] paths() {
        return paths;
    }

    /** Floats of scratch the calls below need (after the caller's own {@code base}). */
    int scratchFloats() {
        return scratch;
    }

    /** Multiply-adds per row of the forward (for flop estimates). */
    double forwardFlops() {
        double f = 0;
        for (Path p : paths) {
            f += 2.0 * p.mul2() * (p.coef.length + (double) p.mul1() * p.d1 * p.dOut);
        }
        return f;
    }

    private void contract(Path p, float[] x2, int b0, float[] s, int base) {
        int m = base + mOff;
        int mt = base + mtOff;
        Arrays.fill(s, m, m + p.d1 * p.dOut, 0f);
        for (int t = 0; t < p.coef.length; t++) {
            int at = m + p.ci[t] * p.dOut + p.ck[t];
            s[at] = Math.fma(p.coef[t], x2[b0 + p.cj[t]], s[at]);
        }
        for (int i = 0; i < p.d1; i++) {
            for (int kk = 0; kk < p.dOut; kk++) {
                s[mt + kk * p.d1 + i] = s[m + i * p.dOut + kk];
            }
        }
    }

    private void transposeFirst(Path p, float[] x1, int row1, float[] s, int base) {
        int t = base + x1tOff;
        int mul = p.mul1();
        for (int i = 0; i < p.d1; i++) {
            int dst = t + i * mulP;
            for (int u = 0; u < mul; u++) {
                s[dst + u] = x1[row1 + p.col1[u] + i];
            }
            Arrays.fill(s, dst + mul, dst + mulP, 0f);
        }
    }

    /** acc[k][u] = sum_i M[i][k] x1t[i][u]: one small GEMM (M^T [dOut x d1] times x1t [d1 x mulP]). */
    private void contractFirst(Path p, float[] s, int base) {
        k.gemm(p.dOut, mulP, p.d1, s, base + mtOff, p.d1, s, base + x1tOff, mulP, s, base + accOff, mulP, false);
    }

    /**
     * Adds the paths' output for one row into {@code out} (from column {@code rowOut}).
     *
     * @param w    the weights input (null without weights), row starting at {@code rowW}
     * @param base where this object's scratch starts in {@code s}
     */
    void forward(float[] x1, int row1, float[] x2, int row2, float[] w, int rowW, float[] out, int rowOut, float[] s,
            int base) {
        for (Path p : paths) {
            transposeFirst(p, x1, row1, s, base);
            for (int v = 0; v < p.mul2(); v++) {
                contract(p, x2, row2 + p.col2[v], s, base);
                contractFirst(p, s, base);
                int acc = base + accOff;
                for (int u = 0; u < p.mul1(); u++) {
                    int o = rowOut + p.outColumn(u, v);
                    float wu = p.weighted ? w[rowW + p.wOff + u * p.mul2() + v] : 1f;
                    for (int kk = 0; kk < p.dOut; kk++) {
                        out[o + kk] = Math.fma(wu, s[acc + kk * mulP + u], out[o + kk]);
                    }
                }
            }
        }
    }

    /**
     * The reverse pass of one row: adds {@code d out / d x1}, {@code d x2} and {@code d w} (given the
     * output gradient {@code g}) into the row accumulators {@code g1}, {@code g2}, {@code gw} (each may be
     * null), indexed like the inputs' rows.
     */
    void backward(float[] x1, int row1, float[] x2, int row2, float[] w, int rowW, float[] g, int rowOut,
            float[] g1, int g1Off, float[] g2, int g2Off, float[] gw, int gwOff, float[] s, int base) {
        int gt = base + gtOff;
        int wv = base + wOff;
        int gx1t = base + gx1tOff;
        int gm = base + gmOff;
        for (Path p : paths) {
            int mul = p.mul1();
            transposeFirst(p, x1, row1, s, base);
            if (g1 != null) {
                Arrays.fill(s, gx1t, gx1t + p.d1 * mulP, 0f);
            }
            for (int v = 0; v < p.mul2(); v++) {
                contract(p, x2, row2 + p.col2[v], s, base);
                // gT[k][u] = g[out(u, v) + k]; w[u]
                for (int kk = 0; kk < p.dOut; kk++) {
                    int dst = gt + kk * mulP;
                    for (int u = 0; u < mul; u++) {
                        s[dst + u] = g[rowOut + p.outColumn(u, v) + kk];
                    }
                    Arrays.fill(s, dst + mul, dst + mulP, 0f);
                }
                for (int u = 0; u < mul; u++) {
                    s[wv + u] = p.weighted ? w[rowW + p.wOff + u * p.mul2() + v] : 1f;
                }
                Arrays.fill(s, wv + mul, wv + mulP, 0f);
                if (p.weighted && gw != null) {
                    // dw[u, v] = sum_k g[u, k] acc[k][u]
                    contractFirst(p, s, base);
                    int acc = base + accOff;
                    for (int u = 0; u < mul; u++) {
                        float d = 0f;
                        for (int kk = 0; kk < p.dOut; kk++) {
                            d = Math.fma(s[gt + kk * mulP + u], s[acc + kk * mulP + u], d);
                        }
                        gw[gwOff + p.wOff + u * p.mul2() + v] += d;
                    }
                }
                // gT *= w (per channel)
                for (int kk = 0; kk < p.dOut; kk++) {
                    k.mul(s, gt + kk * mulP, s, gt + kk * mulP, s, wv, mulP);
                }
                // dx1t (+)= M [d1 x dOut] gT [dOut x mulP]; dM = x1t [d1 x mulP] gT^T
                if (g1 != null) {
                    k.gemm(p.d1, mulP, p.dOut, s, base + mOff, p.dOut, s, gt, mulP, s, gx1t, mulP, true);
                }
                if (g2 != null) {
                    k.gemmBt(p.d1, p.dOut, mulP, s, base + x1tOff, mulP, s, gt, mulP, s, gm, p.dOut, false);
                }
                if (g2 != null) {
                    int b0 = g2Off + p.col2[v];
                    for (int t = 0; t < p.coef.length; t++) {
                        g2[b0 + p.cj[t]] = Math.fma(p.coef[t], s[gm + p.ci[t] * p.dOut + p.ck[t]], g2[b0 + p.cj[t]]);
                    }
                }
            }
            if (g1 != null) {
                for (int i = 0; i < p.d1; i++) {
                    int src = gx1t + i * mulP;
                    for (int u = 0; u < mul; u++) {
                        g1[g1Off + p.col1[u] + i] += s[src + u];
                    }
                }
            }
        }
    }
}
