package org.e3j.engine.kernels;

import static org.e3j.engine.kernels.VectorKernels.L;
import static org.e3j.engine.kernels.VectorKernels.S;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Register-tiled row-major GEMM for {@link VectorKernels}. The micro-kernel keeps a
 * 6 x 2-vector tile of C in 12 registers (AVX2 has 16, AVX-512 32) and streams one row of B and
 * 6 broadcasts of A per step of the k loop; each element follows the contract's fma chain
 * ({@code c = accumulate ? C : 0; c = fma(A[i][p], B[p][j], c)}, then {@code + bias[j]}), so it
 * equals {@link ScalarKernels#gemm} bitwise. Column tails use masked loads and stores, row tails a
 * three-row kernel while three rows remain, then a one-row kernel. The micro-kernels are generated-looking on purpose: straight-line code with named
 * accumulators is what C2 keeps in registers.
 */
final class VectorGemm {
    private VectorGemm() {}

    static final int MR = 6;

    /*
     * Profile priming. Whether a GEMM has a row tail (m % MR != 0), and with which accumulate/bias
     * flags, changes with the graph. C2 compiles a branch whose profile saw one side only as a trap;
     * when a later graph takes the other side, the method deoptimises and runs unoptimised, boxing
     * every vector until C2 recompiles it (measured in a 32-atom Cu MD run: 54 MB in the step after
     * such a neighbour-list rebuild, 90 MB over the 7 steps until recompiled; JVM log: "unstable_if"
     * traps in micro1x2 and micro1x1 on `bias != null`). Running every tail variant on tiny inputs
     * when the class loads gives each of these branches a non-zero count, so C2 compiles both sides.
     * Cost: ~145 ms once per JVM (measured; 30 instead of 100 rounds: ~100 ms, less margin).
     */
    static {
        primeProfiles();
    }

    private static void primeProfiles() {
        int k = 2;
        int[] widths = {1, L + 1, 2 * L, 3 * L + 1}; // column tail; 1-vector block; 2-vector blocks; both
        int nMax = 3 * L + 1;
        float[] a = new float[(MR + 1) * k];
        float[] b = new float[k * nMax];
        float[] bias = new float[nMax];
        float[] c = new float[(MR + 1) * nMax];
        for (int rep = 0; rep < 100; rep++) { // ~3 000 calls of each tail kernel: past tier-3 profiling
            for (int m = 1; m <= MR + 1; m++) {
                for (int n : widths) {
                    gemm(m, n, k, a, 0, k, b, 0, n, (rep & 1) == 0 ? bias : null, 0, c, 0, n, (rep & 2) == 0);
                }
            }
        }
    }

    static void gemm(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float[] bias, int biasOff, float[] c, int cOff, int ldc, boolean acc) {
        int i = 0;
        for (; i + MR <= m; i += MR) {
            int a0 = aOff + i * lda;
            int c0 = cOff + i * ldc;
            int j = 0;
            for (; j + 2 * L <= n; j += 2 * L) {
                micro6x2(k, a, a0, lda, b, bOff + j, ldb, bias, biasOff + j, c, c0 + j, ldc, acc);
            }
            for (; j + L <= n; j += L) {
                micro6x1u(k, a, a0, lda, b, bOff + j, ldb, bias, biasOff + j, c, c0 + j, ldc, acc);
            }
            if (j < n) {
                for (int r = 0; r < MR; r++) {
                    micro1x1(k, a, a0 + r * lda, lda, b, bOff + j, ldb, bias, biasOff + j, c, c0 + r * ldc + j, ldc,
                            acc, j, n);
                }
            }
        }
        for (; i + 3 <= m; i += 3) { // small GEMMs (3 or 9 rows: a node's l = 1 block): one B load per 3 rows
            int a0 = aOff + i * lda;
            int c0 = cOff + i * ldc;
            for (int j = 0; j < n; j += L) {
                micro3x1(k, a, a0, lda, b, bOff + j, ldb, bias, biasOff + j, c, c0 + j, ldc, acc, j, n);
            }
        }
        for (; i < m; i++) {
            int a0 = aOff + i * lda;
            int c0 = cOff + i * ldc;
            int j = 0;
            for (; j + 2 * L <= n; j += 2 * L) {
                micro1x2(k, a, a0, lda, b, bOff + j, ldb, bias, biasOff + j, c, c0 + j, ldc, acc);
            }
            for (; j < n; j += L) {
                micro1x1(k, a, a0, lda, b, bOff + j, ldb, bias, biasOff + j, c, c0 + j, ldc, acc, j, n);
            }
        }
    }

    /** C rows i..i+5, 2 vector column(s) at j. */
    private static void micro6x2(int k, float[] a, int a0, int lda, float[] b, int b0, int ldb,
                                float[] bias, int bj, float[] c, int c0, int ldc, boolean acc) {
        FloatVector c00 = acc ? FloatVector.fromArray(S, c, c0) : FloatVector.zero(S);
        FloatVector c01 = acc ? FloatVector.fromArray(S, c, c0 + L) : FloatVector.zero(S);
        FloatVector c10 = acc ? FloatVector.fromArray(S, c, c0 + 1 * ldc) : FloatVector.zero(S);
        FloatVector c11 = acc ? FloatVector.fromArray(S, c, c0 + 1 * ldc + L) : FloatVector.zero(S);
        FloatVector c20 = acc ? FloatVector.fromArray(S, c, c0 + 2 * ldc) : FloatVector.zero(S);
        FloatVector c21 = acc ? FloatVector.fromArray(S, c, c0 + 2 * ldc + L) : FloatVector.zero(S);
        FloatVector c30 = acc ? FloatVector.fromArray(S, c, c0 + 3 * ldc) : FloatVector.zero(S);
        FloatVector c31 = acc ? FloatVector.fromArray(S, c, c0 + 3 * ldc + L) : FloatVector.zero(S);
        FloatVector c40 = acc ? FloatVector.fromArray(S, c, c0 + 4 * ldc) : FloatVector.zero(S);
        FloatVector c41 = acc ? FloatVector.fromArray(S, c, c0 + 4 * ldc + L) : FloatVector.zero(S);
        FloatVector c50 = acc ? FloatVector.fromArray(S, c, c0 + 5 * ldc) : FloatVector.zero(S);
        FloatVector c51 = acc ? FloatVector.fromArray(S, c, c0 + 5 * ldc + L) : FloatVector.zero(S);
        for (int p = 0; p < k; p++) {
            int bp = b0 + p * ldb;
            FloatVector vb0 = FloatVector.fromArray(S, b, bp);
            FloatVector vb1 = FloatVector.fromArray(S, b, bp + L);
            FloatVector va0 = FloatVector.broadcast(S, a[a0 + p]);
            c00 = va0.fma(vb0, c00);
            c01 = va0.fma(vb1, c01);
            FloatVector va1 = FloatVector.broadcast(S, a[a0 + 1 * lda + p]);
            c10 = va1.fma(vb0, c10);
            c11 = va1.fma(vb1, c11);
            FloatVector va2 = FloatVector.broadcast(S, a[a0 + 2 * lda + p]);
            c20 = va2.fma(vb0, c20);
            c21 = va2.fma(vb1, c21);
            FloatVector va3 = FloatVector.broadcast(S, a[a0 + 3 * lda + p]);
            c30 = va3.fma(vb0, c30);
            c31 = va3.fma(vb1, c31);
            FloatVector va4 = FloatVector.broadcast(S, a[a0 + 4 * lda + p]);
            c40 = va4.fma(vb0, c40);
            c41 = va4.fma(vb1, c41);
            FloatVector va5 = FloatVector.broadcast(S, a[a0 + 5 * lda + p]);
            c50 = va5.fma(vb0, c50);
            c51 = va5.fma(vb1, c51);
        }
        if (bias != null) {
            FloatVector v0 = FloatVector.fromArray(S, bias, bj);
            FloatVector v1 = FloatVector.fromArray(S, bias, bj + L);
            c00 = c00.add(v0);
            c01 = c01.add(v1);
            c10 = c10.add(v0);
            c11 = c11.add(v1);
            c20 = c20.add(v0);
            c21 = c21.add(v1);
            c30 = c30.add(v0);
            c31 = c31.add(v1);
            c40 = c40.add(v0);
            c41 = c41.add(v1);
            c50 = c50.add(v0);
            c51 = c51.add(v1);
        }
        c00.intoArray(c, c0);
        c01.intoArray(c, c0 + L);
        c10.intoArray(c, c0 + 1 * ldc);
        c11.intoArray(c, c0 + 1 * ldc + L);
        c20.intoArray(c, c0 + 2 * ldc);
        c21.intoArray(c, c0 + 2 * ldc + L);
        c30.intoArray(c, c0 + 3 * ldc);
        c31.intoArray(c, c0 + 3 * ldc + L);
        c40.intoArray(c, c0 + 4 * ldc);
        c41.intoArray(c, c0 + 4 * ldc + L);
        c50.intoArray(c, c0 + 5 * ldc);
        c51.intoArray(c, c0 + 5 * ldc + L);
    }

    /**
     * C rows i..i+5, 1 full vector column at j, unmasked: C1 runs out of virtual registers on the
     * masked 6-row kernel, leaving it interpreted (and allocating) for a long time, so masked column
     * tails of 6-row blocks go through {@link #micro1x1} row by row instead (same fma chain).
     */
    private static void micro6x1u(int k, float[] a, int a0, int lda, float[] b, int b0, int ldb,
                                float[] bias, int bj, float[] c, int c0, int ldc, boolean acc) {
        FloatVector c00 = acc ? FloatVector.fromArray(S, c, c0) : FloatVector.zero(S);
        FloatVector c10 = acc ? FloatVector.fromArray(S, c, c0 + 1 * ldc) : FloatVector.zero(S);
        FloatVector c20 = acc ? FloatVector.fromArray(S, c, c0 + 2 * ldc) : FloatVector.zero(S);
        FloatVector c30 = acc ? FloatVector.fromArray(S, c, c0 + 3 * ldc) : FloatVector.zero(S);
        FloatVector c40 = acc ? FloatVector.fromArray(S, c, c0 + 4 * ldc) : FloatVector.zero(S);
        FloatVector c50 = acc ? FloatVector.fromArray(S, c, c0 + 5 * ldc) : FloatVector.zero(S);
        for (int p = 0; p < k; p++) {
            int bp = b0 + p * ldb;
            FloatVector vb0 = FloatVector.fromArray(S, b, bp);
            FloatVector va0 = FloatVector.broadcast(S, a[a0 + p]);
            c00 = va0.fma(vb0, c00);
            FloatVector va1 = FloatVector.broadcast(S, a[a0 + 1 * lda + p]);
            c10 = va1.fma(vb0, c10);
            FloatVector va2 = FloatVector.broadcast(S, a[a0 + 2 * lda + p]);
            c20 = va2.fma(vb0, c20);
            FloatVector va3 = FloatVector.broadcast(S, a[a0 + 3 * lda + p]);
            c30 = va3.fma(vb0, c30);
            FloatVector va4 = FloatVector.broadcast(S, a[a0 + 4 * lda + p]);
            c40 = va4.fma(vb0, c40);
            FloatVector va5 = FloatVector.broadcast(S, a[a0 + 5 * lda + p]);
            c50 = va5.fma(vb0, c50);
        }
        if (bias != null) {
            FloatVector v0 = FloatVector.fromArray(S, bias, bj);
            c00 = c00.add(v0);
            c10 = c10.add(v0);
            c20 = c20.add(v0);
            c30 = c30.add(v0);
            c40 = c40.add(v0);
            c50 = c50.add(v0);
        }
        c00.intoArray(c, c0);
        c10.intoArray(c, c0 + 1 * ldc);
        c20.intoArray(c, c0 + 2 * ldc);
        c30.intoArray(c, c0 + 3 * ldc);
        c40.intoArray(c, c0 + 4 * ldc);
        c50.intoArray(c, c0 + 5 * ldc);
    }

    /** C rows i..i+0, 2 vector column(s) at j. */
    private static void micro1x2(int k, float[] a, int a0, int lda, float[] b, int b0, int ldb,
                                float[] bias, int bj, float[] c, int c0, int ldc, boolean acc) {
        FloatVector c00 = acc ? FloatVector.fromArray(S, c, c0) : FloatVector.zero(S);
        FloatVector c01 = acc ? FloatVector.fromArray(S, c, c0 + L) : FloatVector.zero(S);
        for (int p = 0; p < k; p++) {
            int bp = b0 + p * ldb;
            FloatVector vb0 = FloatVector.fromArray(S, b, bp);
            FloatVector vb1 = FloatVector.fromArray(S, b, bp + L);
            FloatVector va0 = FloatVector.broadcast(S, a[a0 + p]);
            c00 = va0.fma(vb0, c00);
            c01 = va0.fma(vb1, c01);
        }
        if (bias != null) {
            FloatVector v0 = FloatVector.fromArray(S, bias, bj);
            FloatVector v1 = FloatVector.fromArray(S, bias, bj + L);
            c00 = c00.add(v0);
            c01 = c01.add(v1);
        }
        c00.intoArray(c, c0);
        c01.intoArray(c, c0 + L);
    }

    /** C rows i..i+2, 1 vector column at j (masked to n): each element the same fma chain as {@link #micro1x1}. */
    private static void micro3x1(int k, float[] a, int a0, int lda, float[] b, int b0, int ldb,
                                 float[] bias, int bj, float[] c, int c0, int ldc, boolean acc, int j, int n) {
        VectorMask<Float> mk = S.indexInRange(j, n);
        FloatVector c00 = acc ? FloatVector.fromArray(S, c, c0, mk) : FloatVector.zero(S);
        FloatVector c10 = acc ? FloatVector.fromArray(S, c, c0 + ldc, mk) : FloatVector.zero(S);
        FloatVector c20 = acc ? FloatVector.fromArray(S, c, c0 + 2 * ldc, mk) : FloatVector.zero(S);
        for (int p = 0; p < k; p++) {
            FloatVector vb0 = FloatVector.fromArray(S, b, b0 + p * ldb, mk);
            c00 = FloatVector.broadcast(S, a[a0 + p]).fma(vb0, c00);
            c10 = FloatVector.broadcast(S, a[a0 + lda + p]).fma(vb0, c10);
            c20 = FloatVector.broadcast(S, a[a0 + 2 * lda + p]).fma(vb0, c20);
        }
        if (bias != null) {
            FloatVector v0 = FloatVector.fromArray(S, bias, bj, mk);
            c00 = c00.add(v0);
            c10 = c10.add(v0);
            c20 = c20.add(v0);
        }
        c00.intoArray(c, c0, mk);
        c10.intoArray(c, c0 + ldc, mk);
        c20.intoArray(c, c0 + 2 * ldc, mk);
    }

    /** C rows i..i+0, 1 vector column(s) at j (masked to n). */
    private static void micro1x1(int k, float[] a, int a0, int lda, float[] b, int b0, int ldb,
                                float[] bias, int bj, float[] c, int c0, int ldc, boolean acc, int j, int n) {
        VectorMask<Float> mk = S.indexInRange(j, n);
        FloatVector c00 = acc ? FloatVector.fromArray(S, c, c0, mk) : FloatVector.zero(S);
        for (int p = 0; p < k; p++) {
            int bp = b0 + p * ldb;
            FloatVector vb0 = FloatVector.fromArray(S, b, bp, mk);
            FloatVector va0 = FloatVector.broadcast(S, a[a0 + p]);
            c00 = va0.fma(vb0, c00);
        }
        if (bias != null) {
            FloatVector v0 = FloatVector.fromArray(S, bias, bj, mk);
            c00 = c00.add(v0);
        }
        c00.intoArray(c, c0, mk);
    }

    /**
     * Four dot products of A's row (at ai) with B rows j..j+3 (at b0, stride ldb), each of length k,
     * written to c[ci..ci+3] (added when acc). For {@link VectorKernels#gemmBt}.
     */
    static void dot4(int k, float[] a, int ai, float[] b, int b0, int ldb, float[] c, int ci, boolean acc) {
        FloatVector s0 = FloatVector.zero(S);
        FloatVector s1 = FloatVector.zero(S);
        FloatVector s2 = FloatVector.zero(S);
        FloatVector s3 = FloatVector.zero(S);
        int p = 0;
        for (int bound = S.loopBound(k); p < bound; p += L) {
            FloatVector va = FloatVector.fromArray(S, a, ai + p);
            s0 = va.fma(FloatVector.fromArray(S, b, b0 + p), s0);
            s1 = va.fma(FloatVector.fromArray(S, b, b0 + ldb + p), s1);
            s2 = va.fma(FloatVector.fromArray(S, b, b0 + 2 * ldb + p), s2);
            s3 = va.fma(FloatVector.fromArray(S, b, b0 + 3 * ldb + p), s3);
        }
        float d0 = VectorMath.sumLanes(s0);
        float d1 = VectorMath.sumLanes(s1);
        float d2 = VectorMath.sumLanes(s2);
        float d3 = VectorMath.sumLanes(s3);
        for (; p < k; p++) {
            float ap = a[ai + p];
            d0 = Math.fma(ap, b[b0 + p], d0);
            d1 = Math.fma(ap, b[b0 + ldb + p], d1);
            d2 = Math.fma(ap, b[b0 + 2 * ldb + p], d2);
            d3 = Math.fma(ap, b[b0 + 3 * ldb + p], d3);
        }
        if (acc) {
            c[ci] += d0;
            c[ci + 1] += d1;
            c[ci + 2] += d2;
            c[ci + 3] += d3;
        } else {
            c[ci] = d0;
            c[ci + 1] = d1;
            c[ci + 2] = d2;
            c[ci + 3] = d3;
        }
    }
}
