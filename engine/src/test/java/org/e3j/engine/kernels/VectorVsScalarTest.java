package org.e3j.engine.kernels;

import static org.e3j.engine.kernels.KernelTestSupport.SENTINEL;
import static org.e3j.engine.kernels.KernelTestSupport.assertBitwise;
import static org.e3j.engine.kernels.KernelTestSupport.assertClose;
import static org.e3j.engine.kernels.KernelTestSupport.padded;
import static org.e3j.engine.kernels.KernelTestSupport.random;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Holds the vector kernels to the scalar twin on awkward sizes, seeded data and non-zero offsets.
 * Kernels whose contract fixes the per-element operation order must agree bitwise; reductions agree
 * within the tolerance documented in docs/kernels.md. Skipped when jdk.incubator.vector is absent.
 */
class VectorVsScalarTest {

    private final Kernels s = KernelProvider.scalar();
    private final Kernels v = KernelTestSupport.vectorOrSkip();

    static java.util.stream.IntStream sizes() {
        return KernelTestSupport.sizes();
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void elementwiseBitwise(int n) {
        SplittableRandom rnd = new SplittableRandom(1000 + n);
        float[] a = padded(rnd, 5, n, 3);
        float[] b = padded(rnd, 2, n, 4);
        float[] out = padded(rnd, 7, n, 9);
        float sc = 0.7391f;

        float[] o1 = out.clone(), o2 = out.clone();
        s.fma(o1, 7, a, 5, sc, n);
        v.fma(o2, 7, a, 5, sc, n);
        assertBitwise(o1, o2, "fma n=" + n);

        o1 = out.clone();
        o2 = out.clone();
        s.mulAcc(o1, 7, a, 5, b, 2, sc, n);
        v.mulAcc(o2, 7, a, 5, b, 2, sc, n);
        assertBitwise(o1, o2, "mulAcc n=" + n);

        o1 = out.clone();
        o2 = out.clone();
        s.mul(o1, 7, a, 5, b, 2, n);
        v.mul(o2, 7, a, 5, b, 2, n);
        assertBitwise(o1, o2, "mul n=" + n);

        o1 = out.clone();
        o2 = out.clone();
        s.scale(o1, 7, sc, n);
        v.scale(o2, 7, sc, n);
        assertBitwise(o1, o2, "scale n=" + n);
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void dotWithinReductionTolerance(int n) {
        SplittableRandom rnd = new SplittableRandom(2000 + n);
        float[] a = padded(rnd, 3, n, 2);
        float[] b = padded(rnd, 6, n, 5);
        double absSum = 0;
        for (int i = 0; i < n; i++) {
            absSum += Math.abs((double) a[3 + i] * b[6 + i]);
        }
        assertClose(s.dot(a, 3, b, 6, n), v.dot(a, 3, b, 6, n), 2 * n * 0x1p-24 * absSum, 0, "dot n=" + n);
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void gemmBitwise(int n) {
        int[][] mk = {{1, 1}, {2, 5}, {3, 4}, {4, 9}, {5, 8}, {6, 3}, {7, 17}, {9, 16}, {11, 7}, {13, 64}};
        for (int[] shape : mk) {
            int m = shape[0], k = shape[1];
            for (boolean acc : new boolean[] {false, true}) {
                checkGemm(m, n, k, acc, false);
            }
            checkGemm(m, n, k, false, true);
        }
    }

    private void checkGemm(int m, int n, int k, boolean acc, boolean bias) {
        SplittableRandom rnd = new SplittableRandom(31L * m + 7L * n + k);
        int lda = k + 3, ldb = n + 5, ldc = n + 2;
        float[] a = padded(rnd, 4, m * lda, 1);
        float[] b = padded(rnd, 3, k * ldb, 2);
        float[] bb = padded(rnd, 1, n, 1);
        float[] c = padded(rnd, 6, m * ldc, 7);
        // the gaps between C's rows (ld > n) must be left alone: mark them
        for (int i = 0; i < m; i++) {
            for (int j = n; j < ldc; j++) {
                c[6 + i * ldc + j] = SENTINEL;
            }
        }
        float[] c1 = c.clone(), c2 = c.clone();
        String what = "gemm m=" + m + " n=" + n + " k=" + k + " acc=" + acc + " bias=" + bias;
        if (bias) {
            s.gemmBias(m, n, k, a, 4, lda, b, 3, ldb, bb, 1, c1, 6, ldc);
            v.gemmBias(m, n, k, a, 4, lda, b, 3, ldb, bb, 1, c2, 6, ldc);
        } else {
            s.gemm(m, n, k, a, 4, lda, b, 3, ldb, c1, 6, ldc, acc);
            v.gemm(m, n, k, a, 4, lda, b, 3, ldb, c2, 6, ldc, acc);
        }
        assertBitwise(c1, c2, what);
        for (int i = 0; i < m; i++) {
            for (int j = n; j < ldc; j++) {
                assertEquals(SENTINEL, c2[6 + i * ldc + j], what + ": wrote outside C");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void gemmBtWithinReductionTolerance(int k) {
        for (int[] shape : new int[][] {{1, 1}, {3, 4}, {7, 9}}) {
            int m = shape[0], n = shape[1];
            SplittableRandom rnd = new SplittableRandom(77L * k + m);
            int lda = k + 1, ldb = k + 2, ldc = n + 3;
            float[] a = padded(rnd, 2, m * lda, 1);
            float[] b = padded(rnd, 5, n * ldb, 1);
            for (boolean acc : new boolean[] {false, true}) {
                float[] c = padded(rnd, 1, m * ldc, 2);
                float[] c1 = c.clone(), c2 = c.clone();
                s.gemmBt(m, n, k, a, 2, lda, b, 5, ldb, c1, 1, ldc, acc);
                v.gemmBt(m, n, k, a, 2, lda, b, 5, ldb, c2, 1, ldc, acc);
                assertClose(c1, c2, 2 * k * 0x1p-24 + 0x1p-23, 0, "gemmBt k=" + k + " m=" + m + " n=" + n);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void layerNormSiluWithinTolerance(int n) {
        SplittableRandom rnd = new SplittableRandom(3000 + n);
        int rows = 5, ldx = n + 3, ldo = n + 1;
        float[] x = random(rnd, 2 + rows * ldx, -3f, 3f);
        for (int j = 0; j < n; j++) {
            x[2 + ldx + j] = 0.25f; // a constant row: var = 0, the max(0, .) and eps matter
        }
        float[] scale = random(rnd, n + 4, 0.5f, 1.5f);
        float[] bias = random(rnd, n + 1, -0.3f, 0.3f);
        float[] out = padded(rnd, 3, rows * ldo, 2);
        float[] o1 = out.clone(), o2 = out.clone();
        float[] st1 = new float[1 + 2 * rows], st2 = new float[1 + 2 * rows];
        s.layerNormSilu(rows, n, x, 2, ldx, scale, 4, bias, 1, o1, 3, ldo, st1, 1);
        v.layerNormSilu(rows, n, x, 2, ldx, scale, 4, bias, 1, o2, 3, ldo, st2, 1);
        assertClose(st1, st2, 1e-6, 1e-5, "layerNorm stats n=" + n);
        assertClose(o1, o2, 1e-6, 1e-5, "layerNormSilu n=" + n);

        float[] dy = random(rnd, 4 + rows * ldo, -1f, 1f);
        float[] dx = padded(rnd, 2, rows * ldx, 3);
        float[] d1 = dx.clone(), d2 = dx.clone();
        s.layerNormSiluBackward(rows, n, x, 2, ldx, st1, 1, scale, 4, bias, 1, dy, 4, ldo, d1, 2, ldx);
        v.layerNormSiluBackward(rows, n, x, 2, ldx, st1, 1, scale, 4, bias, 1, dy, 4, ldo, d2, 2, ldx);
        assertClose(d1, d2, 1e-5, 1e-4, "layerNormSiluBackward n=" + n);
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void activationsBitwise(Activation act) {
        for (int n : KernelTestSupport.SIZES) {
            SplittableRandom rnd = new SplittableRandom(4000 + n + 100L * act.ordinal());
            float[] x = padded(rnd, 3, n, 2);
            for (int i = 0; i < n; i++) {
                x[3 + i] *= (i % 3 == 0) ? 40f : 4f; // reach the saturated and the small-|x| branches
            }
            if (n > 4) {
                x[3] = 0f;
                x[4] = -0f;
                x[5] = 95f;
                x[6] = -95f;
            }
            float[] x1 = x.clone(), x2 = x.clone();
            s.activate(act, x1, 3, n, 1.679f);
            v.activate(act, x2, 3, n, 1.679f);
            assertBitwise(x1, x2, act + " n=" + n);

            float[] g = padded(rnd, 1, n, 4);
            float[] g1 = g.clone(), g2 = g.clone();
            s.activationBackward(act, x, 3, g1, 1, n, 0.9f);
            v.activationBackward(act, x, 3, g2, 1, n, 0.9f);
            assertBitwise(g1, g2, act + "' n=" + n);
        }
    }

    @Test
    void expBitwiseOverTheWholeRange() {
        // a uniform grid over [-100, 100] plus log-spaced magnitudes down to 1e-30, both signs
        int n = 1 << 16;
        float[] x = new float[n];
        for (int i = 0; i < n / 2; i++) {
            x[i] = -100f + 200f * i / (n / 2);
            double mag = Math.pow(10, -30 + 32.0 * i / (n / 4));
            x[n / 2 + i] = (float) (i % 2 == 0 ? mag : -mag);
        }
        float[] x1 = x.clone(), x2 = x.clone();
        s.activate(Activation.SIGMOID, x1, 0, n, 1f);
        v.activate(Activation.SIGMOID, x2, 0, n, 1f);
        assertBitwise(x1, x2, "sigmoid sweep");
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void segmentSumBitwise(int width) {
        SplittableRandom rnd = new SplittableRandom(5000 + width);
        int[] offsets = {0, 0, 3, 4, 9, 9, 17};
        int rows = offsets[offsets.length - 1], lds = width + 2, ldd = width + 3;
        float[] src = padded(rnd, 1, rows * lds, 1);
        for (boolean mean : new boolean[] {false, true}) {
            for (boolean acc : new boolean[] {false, true}) {
                float[] dst = padded(rnd, 2, (offsets.length - 1) * ldd, 2);
                float[] d1 = dst.clone(), d2 = dst.clone();
                s.segmentSum(offsets, 1, 6, src, 1, lds, d1, 2, ldd, width, 0.31f, mean, acc);
                v.segmentSum(offsets, 1, 6, src, 1, lds, d2, 2, ldd, width, 0.31f, mean, acc);
                assertBitwise(d1, d2, "segmentSum w=" + width + " mean=" + mean + " acc=" + acc);
            }
        }
    }

    /** A path l=1 x l=1 -> l=1 like sparsity (some rows empty) and l=2 x l=1 -> l=2. */
    static final int[][][] PATTERNS = {
        {{0, 2, 4, 6}, {1, 2, 0, 2, 0, 1}},                     // dk=3, dj=3 (cross product)
        {{0, 1, 1, 4}, {2, 0, 1, 2}},                           // dk=3 with an empty row
        {{0, 2, 5, 6, 8, 11}, {0, 4, 1, 2, 3, 2, 0, 3, 1, 3, 4}}, // dk=5, dj=5
        {{0, 1}, {3}},                                          // one entry (0e x 0e -> 0e like)
        {{0, 0, 3, 5}, {4, 0, 1, 2, 3}},                        // five entries: a batch of 4 and 1 left
        {{0, 3, 6, 9, 11}, {0, 2, 4, 0, 2, 4, 0, 2, 4, 1, 3}}, // rows 0 and 1 alike (shared h loads), 2 and 3 not
        {{0, 1, 2, 3, 4, 5}, {0, 0, 0, 0, 0}}                   // one input row (a 0e input): pairs alike, one row left
    };

    @ParameterizedTest
    @MethodSource("sizes")
    void edgeMessageBitwise(int mul) {
        for (int[][] pat : PATTERNS) {
            int[] kPtr = pat[0], jIdx = pat[1];
            int dk = kPtr.length - 1, nnz = jIdx.length, dj = 5;
            SplittableRandom rnd = new SplittableRandom(6000 + mul + 10L * dk + nnz);
            int ld = mul + 3;
            float[] m = padded(rnd, 2, nnz, 1);
            float[] r = padded(rnd, 3, mul, 2);
            float[] h = padded(rnd, 1, dj * ld, 1);
            float[] out = padded(rnd, 4, dk * ld, 2);
            float[] o1 = out.clone(), o2 = out.clone();
            s.edgeMessage(dk, kPtr, jIdx, m, 2, r, 3, h, 1, ld, o1, 4, ld, mul);
            v.edgeMessage(dk, kPtr, jIdx, m, 2, r, 3, h, 1, ld, o2, 4, ld, mul);
            assertBitwise(o1, o2, "edgeMessage mul=" + mul + " dk=" + dk);

            float[] dOut = padded(rnd, 1, dk * ld, 1);
            float[] dM = padded(rnd, 1, nnz, 1);
            float[] dR = padded(rnd, 2, mul, 1);
            float[] dH = padded(rnd, 3, dj * ld, 1);
            float[] dM1 = dM.clone(), dM2 = dM.clone(), dR1 = dR.clone(), dR2 = dR.clone();
            float[] dH1 = dH.clone(), dH2 = dH.clone();
            s.edgeMessageBackward(dk, kPtr, jIdx, m, 2, r, 3, h, 1, ld, dOut, 1, ld, mul, dM1, 1, dR1, 2, dH1, 3, ld);
            v.edgeMessageBackward(dk, kPtr, jIdx, m, 2, r, 3, h, 1, ld, dOut, 1, ld, mul, dM2, 1, dR2, 2, dH2, 3, ld);
            assertBitwise(dR1, dR2, "edgeMessageBackward dR mul=" + mul);
            assertBitwise(dH1, dH2, "edgeMessageBackward dH mul=" + mul);
            assertClose(dM1, dM2, 2 * mul * 0x1p-24 + 0x1p-22, 0, "edgeMessageBackward dM mul=" + mul);

            // the kernels specialise on the requested targets: each subset must give the same bits
            // (dR, dH) or sums (dM) as the full call
            for (int want = 1; want < 7; want++) {
                float[] m3 = (want & 1) != 0 ? dM.clone() : null;
                float[] r3 = (want & 2) != 0 ? dR.clone() : null;
                float[] h3 = (want & 4) != 0 ? dH.clone() : null;
                v.edgeMessageBackward(dk, kPtr, jIdx, m, 2, r, 3, h, 1, ld, dOut, 1, ld, mul, m3, 1, r3, 2, h3, 3, ld);
                if (m3 != null) {
                    assertBitwise(dM2, m3, "dM alone/with others, want=" + want + " mul=" + mul);
                }
                if (r3 != null) {
                    assertBitwise(dR2, r3, "dR alone/with others, want=" + want + " mul=" + mul);
                }
                if (h3 != null) {
                    assertBitwise(dH2, h3, "dH alone/with others, want=" + want + " mul=" + mul);
                }
            }
        }
    }

    /** Channel counts of whole vectors (1 to 6 chunks at 512 or 256 bits) and awkward ones. */
    static java.util.stream.IntStream segmentSizes() {
        return java.util.stream.IntStream.of(1, 7, 8, 16, 17, 24, 32, 40, 48, 64, 80, 96);
    }

    /**
     * Every CSR pattern (empty rows, odd and even numbers of rows) through the segment kernel, with
     * 0 to 12 edges per receiver (the kernels take edges four, two and one at a time: every remainder).
     */
    @ParameterizedTest
    @MethodSource("segmentSizes")
    void edgeMessageSegmentAllPatternsBitwise(int mul) {
        for (int[][] pat : PATTERNS) {
            int[] kPtr = pat[0], jIdx = pat[1];
            int dk = kPtr.length - 1, dj = 5, nnz = jIdx.length, nodes = 6, edges = 15;
            SplittableRandom rnd = new SplittableRandom(7100 + mul + 10L * dk + nnz);
            for (int ld : new int[] {mul, mul + 1}) {
                int hStride = dj * ld + 2, mStride = nnz + 1, rStride = mul + 2;
                int[] senders = {3, 0, 5, 5, 1, 2, 4, 0, 3, 1, 2, 5, 0, 4, 3};
                float[] m = padded(rnd, 1, edges * mStride, 1);
                float[] r = padded(rnd, 2, edges * rStride, 1);
                float[] h = padded(rnd, 3, nodes * hStride, 1);
                float[] out = padded(rnd, 1, dk * ld, 1);
                for (int e1 = 2; e1 <= 14; e1++) {
                    float[] o1 = out.clone(), o2 = out.clone(), o3 = out.clone();
                    String what = "mul=" + mul + " ld=" + ld + " dk=" + dk + " edges=" + (e1 - 2);
                    s.edgeMessageSegment(2, e1, senders, dk, kPtr, jIdx, m, 1, mStride, r, 2, rStride, h, 3, hStride, ld, o1, 1, ld, mul);
                    v.edgeMessageSegment(2, e1, senders, dk, kPtr, jIdx, m, 1, mStride, r, 2, rStride, h, 3, hStride, ld, o2, 1, ld, mul);
                    assertBitwise(o1, o2, "edgeMessageSegment " + what);
                    for (int e = 2; e < e1; e++) { // the same bits as one edge at a time
                        v.edgeMessage(dk, kPtr, jIdx, m, 1 + e * mStride, r, 2 + e * rStride, h, 3 + senders[e] * hStride, ld, o3, 1, ld, mul);
                    }
                    assertBitwise(o1, o3, "edgeMessageSegment vs edge by edge, " + what);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void edgeMessageSegmentBitwise(int mul) {
        int[] kPtr = PATTERNS[2][0], jIdx = PATTERNS[2][1];
        int dk = 5, dj = 5, nnz = jIdx.length, nodes = 6, edges = 9;
        SplittableRandom rnd = new SplittableRandom(7000 + mul);
        int ld = mul + 1, hStride = dj * ld + 2, mStride = nnz + 1, rStride = mul + 2;
        int[] senders = {3, 0, 5, 5, 1, 2, 4, 0, 3};
        float[] m = padded(rnd, 1, edges * mStride, 1);
        float[] r = padded(rnd, 2, edges * rStride, 1);
        float[] h = padded(rnd, 3, nodes * hStride, 1);
        float[] out = padded(rnd, 1, dk * ld, 1);
        float[] o1 = out.clone(), o2 = out.clone();
        s.edgeMessageSegment(2, 8, senders, dk, kPtr, jIdx, m, 1, mStride, r, 2, rStride, h, 3, hStride, ld, o1, 1, ld, mul);
        v.edgeMessageSegment(2, 8, senders, dk, kPtr, jIdx, m, 1, mStride, r, 2, rStride, h, 3, hStride, ld, o2, 1, ld, mul);
        assertBitwise(o1, o2, "edgeMessageSegment mul=" + mul);
    }

    @ParameterizedTest
    @MethodSource("segmentSizes")
    void edgeMessageBackwardSegmentEqualsEdgeByEdge(int mul) {
        for (int[][] pat : PATTERNS) {
            int[] kPtr = pat[0], jIdx = pat[1];
            int dk = kPtr.length - 1, dj = 5, nnz = jIdx.length, nodes = 6, edges = 9;
            SplittableRandom rnd = new SplittableRandom(8000 + mul + 10L * dk + nnz);
            int ld = mul + 1, hStride = dj * ld + 2, mStride = nnz + 1, rStride = mul + 2;
            int dMStride = nnz + 3, dRStride = mul + 3;
            int[] senders = {3, 0, 5, 5, 1, 2, 4, 0, 3};
            float[] m = padded(rnd, 1, edges * mStride, 1);
            float[] r = padded(rnd, 2, edges * rStride, 1);
            float[] h = padded(rnd, 3, nodes * hStride, 1);
            float[] dOut = padded(rnd, 1, dk * ld, 1);
            float[] dM = padded(rnd, 2, edges * dMStride, 1);
            float[] dR = padded(rnd, 1, edges * dRStride, 2);
            float[] sM = dM.clone(), sR = dR.clone(), vM = dM.clone(), vR = dR.clone(), gM = dM.clone(), gR = dR.clone();
            for (int e = 2; e < 8; e++) {
                s.edgeMessageBackward(dk, kPtr, jIdx, m, 1 + e * mStride, r, 2 + e * rStride, h, 3 + senders[e] * hStride,
                        ld, dOut, 1, ld, mul, sM, 2 + e * dMStride, sR, 1 + e * dRStride, null, 0, 0);
                v.edgeMessageBackward(dk, kPtr, jIdx, m, 1 + e * mStride, r, 2 + e * rStride, h, 3 + senders[e] * hStride,
                        ld, dOut, 1, ld, mul, vM, 2 + e * dMStride, vR, 1 + e * dRStride, null, 0, 0);
            }
            v.edgeMessageBackwardSegment(2, 8, senders, dk, kPtr, jIdx, m, 1, mStride, r, 2, rStride, h, 3, hStride, ld,
                    dOut, 1, ld, mul, gM, 2, dMStride, gR, 1, dRStride);
            assertBitwise(vR, gR, "segment dR vs edge by edge, mul=" + mul + " nnz=" + nnz);
            assertBitwise(vM, gM, "segment dM vs edge by edge, mul=" + mul + " nnz=" + nnz);
            assertBitwise(sR, gR, "segment dR vs scalar, mul=" + mul + " nnz=" + nnz);
            assertClose(sM, gM, 2 * mul * 0x1p-24 + 0x1p-22, 0, "segment dM vs scalar, mul=" + mul);
            float[] tM = dM.clone(), tR = dR.clone();
            s.edgeMessageBackwardSegment(2, 8, senders, dk, kPtr, jIdx, m, 1, mStride, r, 2, rStride, h, 3, hStride, ld,
                    dOut, 1, ld, mul, tM, 2, dMStride, tR, 1, dRStride);
            assertBitwise(sR, tR, "scalar segment dR, mul=" + mul);
            assertBitwise(sM, tM, "scalar segment dM, mul=" + mul);
        }
    }

    @Test
    void namesAndLanes() {
        assertEquals("scalar", s.name());
        assertEquals(1, s.vectorLanes());
        assertEquals("vector-" + 32 * v.vectorLanes(), v.name());
        assertEquals(0, Kernels.padTo(v.vectorLanes() * 3, v.vectorLanes()) % v.vectorLanes());
    }

    /**
     * Term programs agree bitwise (no fma in either), with rows that repeat inside a term and a
     * destination that is also a source; and both equal the plain expression evaluated here.
     */
    @Test
    void termProgramsBitwise() {
        SplittableRandom rnd = new SplittableRandom(77);
        for (int lanes : new int[] {8, 16, 32, 64}) {
            int rows = 23;
            double[] buf = new double[rows * lanes];
            for (int i = 0; i < buf.length; i++) {
                buf[i] = rnd.nextDouble(-3, 3);
            }
            int terms = 200;
            int[] dst = new int[terms];
            int[] a = new int[terms];
            int[] b = new int[terms];
            double[] c = new double[terms];
            for (int t = 0; t < terms; t++) {
                dst[t] = rnd.nextInt(rows);
                a[t] = t % 7 == 0 ? dst[t] : rnd.nextInt(rows);
                b[t] = t % 11 == 0 ? a[t] : rnd.nextInt(rows);
                c[t] = rnd.nextDouble(-1, 1);
            }
            double[] expect = buf.clone();
            for (int t = 3; t < terms - 5; t++) {
                for (int i = 0; i < lanes; i++) {
                    expect[dst[t] * lanes + i] += (c[t] * expect[a[t] * lanes + i]) * expect[b[t] * lanes + i];
                }
            }
            double[] b1 = buf.clone();
            double[] b2 = buf.clone();
            s.terms(b1, lanes, dst, a, b, c, 3, terms - 5);
            v.terms(b2, lanes, dst, a, b, c, 3, terms - 5);
            for (int i = 0; i < buf.length; i++) {
                assertEquals(Double.doubleToRawLongBits(expect[i]), Double.doubleToRawLongBits(b1[i]), "scalar lanes=" + lanes + " i=" + i);
                assertEquals(Double.doubleToRawLongBits(expect[i]), Double.doubleToRawLongBits(b2[i]), "vector lanes=" + lanes + " i=" + i);
            }
        }
    }

    @Test
    void termProgramsRefuseLaneCountsOffTheGrid() {
        double[] buf = new double[64];
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> v.terms(buf, 12, new int[] {0}, new int[] {0}, new int[] {0}, new double[] {1}, 0, 1));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> s.terms(buf, 12, new int[] {0}, new int[] {0}, new int[] {0}, new double[] {1}, 0, 1));
    }
}
