package org.e3j.engine.kernels;

import static org.e3j.engine.kernels.KernelTestSupport.assertClose;
import static org.e3j.engine.kernels.KernelTestSupport.padded;
import static org.e3j.engine.kernels.KernelTestSupport.random;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The scalar twin against naive double-precision implementations written from the contract
 * (and, for the layer-norm backward, against central finite differences of the double forward).
 * Tolerances: float rounding of each operation, i.e. a few 2^-24 relative per term summed.
 */
class ScalarKernelsTest {

    private final Kernels s = KernelProvider.scalar();
    private static final double EPS = 0x1p-24;

    static java.util.stream.IntStream sizes() {
        return KernelTestSupport.sizes();
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void elementwise(int n) {
        SplittableRandom rnd = new SplittableRandom(10 + n);
        float[] a = padded(rnd, 2, n, 1), b = padded(rnd, 1, n, 2), out = padded(rnd, 3, n, 1);
        float sc = -1.37f;
        float[] o = out.clone();
        s.fma(o, 3, a, 2, sc, n);
        float[] o2 = out.clone();
        s.mulAcc(o2, 3, a, 2, b, 1, sc, n);
        float[] o3 = out.clone();
        s.mul(o3, 3, a, 2, b, 1, n);
        float[] o4 = out.clone();
        s.scale(o4, 3, sc, n);
        for (int i = 0; i < n; i++) {
            double ai = a[2 + i], bi = b[1 + i], oi = out[3 + i];
            assertClose(oi + sc * ai, o[3 + i], 4 * EPS, 0, "fma");
            assertClose(oi + sc * ai * bi, o2[3 + i], 6 * EPS, 0, "mulAcc");
            assertClose(ai * bi, o3[3 + i], 0, EPS, "mul");
            assertClose(oi * sc, o4[3 + i], 0, EPS, "scale");
        }
        double dot = 0, abs = 0;
        for (int i = 0; i < n; i++) {
            dot += (double) a[2 + i] * b[1 + i];
            abs += Math.abs((double) a[2 + i] * b[1 + i]);
        }
        assertClose(dot, s.dot(a, 2, b, 1, n), n * EPS * abs, 0, "dot");
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void gemmFamilies(int n) {
        int m = 7, k = 13, lda = k + 2, ldb = n + 1, ldc = n + 3;
        SplittableRandom rnd = new SplittableRandom(20 + n);
        float[] a = padded(rnd, 1, m * lda, 1), b = padded(rnd, 2, k * ldb, 1);
        float[] bias = padded(rnd, 1, n, 1), c0 = padded(rnd, 3, m * ldc, 1);
        float[] c = c0.clone(), cb = c0.clone(), ca = c0.clone();
        s.gemm(m, n, k, a, 1, lda, b, 2, ldb, c, 3, ldc, false);
        s.gemm(m, n, k, a, 1, lda, b, 2, ldb, ca, 3, ldc, true);
        s.gemmBias(m, n, k, a, 1, lda, b, 2, ldb, bias, 1, cb, 3, ldc);
        // B^T stored n x k
        int ldbt = k + 4;
        float[] bt = new float[5 + n * ldbt];
        for (int p = 0; p < k; p++) {
            for (int j = 0; j < n; j++) {
                bt[5 + j * ldbt + p] = b[2 + p * ldb + j];
            }
        }
        float[] ct = c0.clone();
        s.gemmBt(m, n, k, a, 1, lda, bt, 5, ldbt, ct, 3, ldc, true);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double d = 0, abs = 0;
                for (int p = 0; p < k; p++) {
                    double t = (double) a[1 + i * lda + p] * b[2 + p * ldb + j];
                    d += t;
                    abs += Math.abs(t);
                }
                int ij = 3 + i * ldc + j;
                double tol = k * EPS * abs + 2 * EPS;
                assertClose(d, c[ij], tol, 0, "gemm");
                assertClose(d + c0[ij], ca[ij], tol, 0, "gemm acc");
                assertClose(d + bias[1 + j], cb[ij], tol, 0, "gemmBias");
                assertClose(d + c0[ij], ct[ij], tol, 0, "gemmBt acc");
            }
        }
    }

    /** Flax LayerNorm (fast variance) then silu, in double. */
    static double[] lnSiluDouble(float[] x, int off, int n, float[] scale, float[] bias, double[] z) {
        double mean = 0, mean2 = 0;
        for (int j = 0; j < n; j++) {
            mean += x[off + j];
            mean2 += (double) x[off + j] * x[off + j];
        }
        mean /= n;
        mean2 /= n;
        double rstd = 1 / Math.sqrt(Math.max(0, mean2 - mean * mean) + 1e-6);
        double[] y = new double[n];
        for (int j = 0; j < n; j++) {
            z[j] = (x[off + j] - mean) * rstd * scale[j] + bias[j];
            y[j] = z[j] / (1 + Math.exp(-z[j]));
        }
        return y;
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void layerNormSilu(int n) {
        SplittableRandom rnd = new SplittableRandom(30 + n);
        float[] x = random(rnd, 1 + n, -2f, 3f);
        float[] scale = random(rnd, n, 0.5f, 1.5f), bias = random(rnd, n, -0.5f, 0.5f);
        float[] out = new float[n + 2];
        float[] stats = new float[2];
        s.layerNormSilu(1, n, x, 1, n, scale, 0, bias, 0, out, 2, n, stats, 0);
        double[] y = lnSiluDouble(x, 1, n, scale, bias, new double[n]);
        for (int j = 0; j < n; j++) {
            assertClose(y[j], out[2 + j], 2e-6, 1e-5, "layerNormSilu n=" + n + " j=" + j);
        }
        // backward against central differences of the double forward, loss = sum dy * y
        float[] dy = random(rnd, n, -1f, 1f);
        float[] dx = new float[n];
        s.layerNormSiluBackward(1, n, x, 1, n, stats, 0, scale, 0, bias, 0, dy, 0, n, dx, 0, n);
        double h = 1e-3;
        for (int j = 0; j < n; j++) {
            float keep = x[1 + j];
            float xp = (float) (keep + h), xm = (float) (keep - h);
            x[1 + j] = xp;
            double lPlus = loss(x, n, scale, bias, dy);
            x[1 + j] = xm;
            double lMinus = loss(x, n, scale, bias, dy);
            x[1 + j] = keep;
            double fd = (lPlus - lMinus) / ((double) xp - xm);
            assertClose(fd, dx[j], 2e-3, 2e-3, "layerNormSiluBackward n=" + n + " j=" + j);
        }
    }

    private static double loss(float[] x, int n, float[] scale, float[] bias, float[] dy) {
        double[] y = lnSiluDouble(x, 1, n, scale, bias, new double[n]);
        double l = 0;
        for (int q = 0; q < n; q++) {
            l += dy[q] * y[q];
        }
        return l;
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void segmentSum(int width) {
        SplittableRandom rnd = new SplittableRandom(40 + width);
        int[] offsets = {0, 2, 2, 7};
        float[] src = padded(rnd, 1, 7 * width, 1);
        float[] dst = padded(rnd, 0, 3 * width, 0);
        float[] mean = dst.clone();
        s.segmentSum(offsets, 0, 3, src, 1, width, dst, 0, width, width, 0.5f, false, false);
        s.segmentSum(offsets, 0, 3, src, 1, width, mean, 0, width, width, 1f, true, false);
        for (int seg = 0; seg < 3; seg++) {
            for (int c = 0; c < width; c++) {
                double t = 0;
                for (int r = offsets[seg]; r < offsets[seg + 1]; r++) {
                    t += src[1 + r * width + c];
                }
                int cnt = Math.max(1, offsets[seg + 1] - offsets[seg]);
                assertClose(0.5 * t, dst[seg * width + c], 8 * EPS, 0, "segmentSum");
                assertClose(t / cnt, mean[seg * width + c], 8 * EPS, 0, "segmentMean");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void edgeMessageAndBackward(int mul) {
        int[] kPtr = {0, 2, 5, 6, 8, 11}, jIdx = {0, 4, 1, 2, 3, 2, 0, 3, 1, 3, 4};
        int dk = 5, dj = 5, nnz = jIdx.length;
        SplittableRandom rnd = new SplittableRandom(50 + mul);
        float[] m = random(rnd, nnz, -1f, 1f), r = random(rnd, mul, -1f, 1f);
        float[] h = random(rnd, dj * mul, -1f, 1f), out = random(rnd, dk * mul, -1f, 1f);
        float[] dOut = random(rnd, dk * mul, -1f, 1f);
        float[] o = out.clone();
        s.edgeMessage(dk, kPtr, jIdx, m, 0, r, 0, h, 0, mul, o, 0, mul, mul);
        float[] dM = new float[nnz], dR = new float[mul], dH = new float[dj * mul];
        s.edgeMessageBackward(dk, kPtr, jIdx, m, 0, r, 0, h, 0, mul, dOut, 0, mul, mul, dM, 0, dR, 0, dH, 0, mul);
        double[] eDM = new double[nnz], eDR = new double[mul], eDH = new double[dj * mul];
        for (int k = 0; k < dk; k++) {
            for (int u = 0; u < mul; u++) {
                double msg = 0;
                for (int p = kPtr[k]; p < kPtr[k + 1]; p++) {
                    int j = jIdx[p];
                    msg += (double) m[p] * r[u] * h[j * mul + u];
                    eDM[p] += (double) r[u] * h[j * mul + u] * dOut[k * mul + u];
                    eDR[u] += (double) m[p] * h[j * mul + u] * dOut[k * mul + u];
                    eDH[j * mul + u] += (double) m[p] * r[u] * dOut[k * mul + u];
                }
                assertClose(out[k * mul + u] + msg, o[k * mul + u], 8 * EPS, 0, "edgeMessage");
            }
        }
        for (int p = 0; p < nnz; p++) {
            assertClose(eDM[p], dM[p], (mul + 2) * 2 * EPS, 0, "dM");
        }
        for (int u = 0; u < mul; u++) {
            assertClose(eDR[u], dR[u], 32 * EPS, 0, "dR");
        }
        for (int i = 0; i < dj * mul; i++) {
            assertClose(eDH[i], dH[i], 16 * EPS, 0, "dH");
        }
    }
}
