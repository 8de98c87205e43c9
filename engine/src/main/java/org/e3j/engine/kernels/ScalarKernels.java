package org.e3j.engine.kernels;

/**
 * Plain-Java twin of the vector kernels: the reference every vector kernel is tested against, and
 * the fallback when jdk.incubator.vector is absent. Loops are written to be read; where the
 * contract fixes a per-element operation order (see {@link Kernels}) this class follows it exactly.
 */
public final class ScalarKernels implements Kernels {

    static final ScalarKernels INSTANCE = new ScalarKernels();

    private ScalarKernels() {}

    /** The shared instance (stateless). */
    public static ScalarKernels instance() {
        return INSTANCE;
    }

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public int vectorLanes() {
        return 1;
    }

    // ------------------------------------------------------------------ elementwise

    @Override
    public void fma(float[] out, int outOff, float[] a, int aOff, float s, int n) {
        for (int i = 0; i < n; i++) {
            out[outOff + i] = Math.fma(s, a[aOff + i], out[outOff + i]);
        }
    }

    @Override
    public void mulAcc(float[] out, int outOff, float[] a, int aOff, float[] b, int bOff, float s, int n) {
        for (int i = 0; i < n; i++) {
            out[outOff + i] = Math.fma(s * a[aOff + i], b[bOff + i], out[outOff + i]);
        }
    }

    @Override
    public void mul(float[] out, int outOff, float[] a, int aOff, float[] b, int bOff, int n) {
        for (int i = 0; i < n; i++) {
            out[outOff + i] = a[aOff + i] * b[bOff + i];
        }
    }

    @Override
    public void scale(float[] x, int off, float s, int n) {
        for (int i = 0; i < n; i++) {
            x[off + i] *= s;
        }
    }

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        float acc = 0f;
        for (int i = 0; i < n; i++) {
            acc = Math.fma(a[aOff + i], b[bOff + i], acc);
        }
        return acc;
    }

    // ------------------------------------------------------------------ dense

    @Override
    public void gemm(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float[] c, int cOff, int ldc, boolean accumulate) {
        gemmRows(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    /** i-p-j order with C's row as the accumulator: per element the fma chain of the contract. */
    static void gemmRows(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                         float[] c, int cOff, int ldc, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            int ci = cOff + i * ldc;
            if (!accumulate) {
                for (int j = 0; j < n; j++) {
                    c[ci + j] = 0f;
                }
            }
            int ai = aOff + i * lda;
            for (int p = 0; p < k; p++) {
                float aip = a[ai + p];
                int bp = bOff + p * ldb;
                for (int j = 0; j < n; j++) {
                    c[ci + j] = Math.fma(aip, b[bp + j], c[ci + j]);
                }
            }
        }
    }

    @Override
    public void gemmBias(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                         float[] bias, int biasOff, float[] c, int cOff, int ldc) {
        gemmRows(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, false);
        for (int i = 0; i < m; i++) {
            int ci = cOff + i * ldc;
            for (int j = 0; j < n; j++) {
                c[ci + j] += bias[biasOff + j];
            }
        }
    }

    @Override
    public void gemmBt(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                       float[] c, int cOff, int ldc, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float d = dot(a, aOff + i * lda, b, bOff + j * ldb, k);
                int cij = cOff + i * ldc + j;
                c[cij] = accumulate ? c[cij] + d : d;
            }
        }
    }

    // ------------------------------------------------------------------ normalisation, activations

    static final float LN_EPS = 1e-6f;

    @Override
    public void layerNormSilu(int rows, int n, float[] x, int xOff, int ldx,
                              float[] scale, int scaleOff, float[] bias, int biasOff,
                              float[] out, int outOff, int ldo, float[] stats, int statsOff) {
        for (int r = 0; r < rows; r++) {
            int xr = xOff + r * ldx;
            float sum = 0f;
            float sumSq = 0f;
            for (int j = 0; j < n; j++) {
                float v = x[xr + j];
                sum += v;
                sumSq = Math.fma(v, v, sumSq);
            }
            float mean = sum / n;
            float var = Math.max(0f, sumSq / n - mean * mean);
            float rstd = 1f / (float) Math.sqrt(var + LN_EPS);
            if (stats != null) {
                stats[statsOff + 2 * r] = mean;
                stats[statsOff + 2 * r + 1] = rstd;
            }
            int or = outOff + r * ldo;
            for (int j = 0; j < n; j++) {
                float z = Math.fma(x[xr + j] - mean, rstd * scale[scaleOff + j], bias[biasOff + j]);
                out[or + j] = FloatMath.silu(z);
            }
        }
    }

    @Override
    public void layerNormSiluBackward(int rows, int n, float[] x, int xOff, int ldx, float[] stats, int statsOff,
                                      float[] scale, int scaleOff, float[] bias, int biasOff,
                                      float[] dy, int dyOff, int lddy, float[] dx, int dxOff, int lddx) {
        for (int r = 0; r < rows; r++) {
            int xr = xOff + r * ldx;
            int dyr = dyOff + r * lddy;
            int dxr = dxOff + r * lddx;
            float mean = stats[statsOff + 2 * r];
            float rstd = stats[statsOff + 2 * r + 1];
            float sumG = 0f;
            float sumGx = 0f;
            for (int j = 0; j < n; j++) {
                float sc = scale[scaleOff + j];
                float xc = x[xr + j] - mean;
                float z = Math.fma(xc, rstd * sc, bias[biasOff + j]);
                float g = dy[dyr + j] * FloatMath.siluDerivative(z) * sc;
                dx[dxr + j] = g;
                sumG += g;
                sumGx = Math.fma(g, xc * rstd, sumGx);
            }
            float meanG = sumG / n;
            float meanGx = sumGx / n;
            for (int j = 0; j < n; j++) {
                float xhat = (x[xr + j] - mean) * rstd;
                dx[dxr + j] = rstd * (dx[dxr + j] - meanG - xhat * meanGx);
            }
        }
    }

    @Override
    public void activate(Activation act, float[] x, int off, int n, float factor) {
        for (int i = 0; i < n; i++) {
            x[off + i] = factor * FloatMath.apply(act, x[off + i]);
        }
    }

    @Override
    public void activationBackward(Activation act, float[] x, int xOff, float[] g, int gOff, int n, float factor) {
        for (int i = 0; i < n; i++) {
            g[gOff + i] *= factor * FloatMath.derivative(act, x[xOff + i]);
        }
    }

    // ------------------------------------------------------------------ graph

    @Override
    public void segmentSum(int[] offsets, int seg0, int seg1, float[] src, int srcOff, int lds,
                           float[] dst, int dstOff, int ldd, int width, float scale, boolean mean, boolean accumulate) {
        for (int s = seg0; s < seg1; s++) {
            int r0 = offsets[s];
            int r1 = offsets[s + 1];
            float count = Math.max(1, r1 - r0);
            int d = dstOff + s * ldd;
            for (int c = 0; c < width; c++) {
                float t = 0f;
                for (int r = r0; r < r1; r++) {
                    t += src[srcOff + r * lds + c];
                }
                if (mean) {
                    t = t / count;
                }
                t = t * scale;
                dst[d + c] = accumulate ? dst[d + c] + t : t;
            }
        }
    }

    @Override
    public void edgeMessage(int dk, int[] kPtr, int[] jIdx, float[] mVals, int mOff,
                            float[] r, int rOff, float[] h, int hOff, int ldh,
                            float[] out, int outOff, int ldo, int mul) {
        for (int k = 0; k < dk; k++) {
            int p0 = kPtr[k];
            int p1 = kPtr[k + 1];
            if (p0 == p1) {
                continue;
            }
            int ok = outOff + k * ldo;
            for (int u = 0; u < mul; u++) {
                float acc = 0f;
                for (int p = p0; p < p1; p++) {
                    acc = Math.fma(h[hOff + jIdx[p] * ldh + u], mVals[mOff + p], acc);
                }
                out[ok + u] = Math.fma(acc, r[rOff + u], out[ok + u]);
            }
        }
    }

    @Override
    public void edgeMessageSegment(int e0, int e1, int[] senders, int dk, int[] kPtr, int[] jIdx,
                                   float[] mVals, int mOff, int mStride, float[] r, int rOff, int rStride,
                                   float[] h, int hOff, int hStride, int ldh,
                                   float[] out, int outOff, int ldo, int mul) {
        for (int e = e0; e < e1; e++) {
            edgeMessage(dk, kPtr, jIdx, mVals, mOff + e * mStride, r, rOff + e * rStride,
                    h, hOff + senders[e] * hStride, ldh, out, outOff, ldo, mul);
        }
    }

    @Override
    public void edgeMessageBackward(int dk, int[] kPtr, int[] jIdx, float[] mVals, int mOff,
                                    float[] r, int rOff, float[] h, int hOff, int ldh,
                                    float[] dOut, int dOutOff, int lddo, int mul,
                                    float[] dM, int dMOff, float[] dR, int dROff, float[] dH, int dHOff, int lddh) {
        for (int k = 0; k < dk; k++) {
            int d0 = dOutOff + k * lddo;
            for (int p = kPtr[k]; p < kPtr[k + 1]; p++) {
                int hj = hOff + jIdx[p] * ldh;
                int dj = dHOff + jIdx[p] * lddh;
                float mp = mVals[mOff + p];
                float acc = 0f;
                for (int u = 0; u < mul; u++) {
                    float d = dOut[d0 + u];
                    if (dM != null || dR != null) {
                        float g = h[hj + u] * d;
                        acc = Math.fma(g, r[rOff + u], acc);
                        if (dR != null) {
                            dR[dROff + u] = Math.fma(g, mp, dR[dROff + u]);
                        }
                    }
                    if (dH != null) {
                        dH[dj + u] = Math.fma(r[rOff + u] * d, mp, dH[dj + u]);
                    }
                }
                if (dM != null) {
                    dM[dMOff + p] += acc;
                }
            }
        }
    }

    @Override
    public void edgeMessageBackwardSegment(int e0, int e1, int[] senders, int dk, int[] kPtr, int[] jIdx,
                                           float[] mVals, int mOff, int mStride, float[] r, int rOff, int rStride,
                                           float[] h, int hOff, int hStride, int ldh,
                                           float[] dOut, int dOutOff, int lddo, int mul,
                                           float[] dM, int dMOff, int dMStride, float[] dR, int dROff, int dRStride) {
        for (int e = e0; e < e1; e++) {
            edgeMessageBackward(dk, kPtr, jIdx, mVals, mOff + e * mStride, r, rOff + e * rStride,
                    h, hOff + senders[e] * hStride, ldh, dOut, dOutOff, lddo, mul,
                    dM, dMOff + e * dMStride, dR, dROff + e * dRStride, null, 0, 0);
        }
    }

    // ------------------------------------------------------------------ term programs

    @Override
    public void terms(double[] buf, int lanes, int[] dst, int[] a, int[] b, double[] coef, int t0, int t1) {
        checkTermLanes(lanes);
        for (int t = t0; t < t1; t++) {
            int d = dst[t] * lanes;
            int x = a[t] * lanes;
            int y = b[t] * lanes;
            double c = coef[t];
            for (int i = 0; i < lanes; i++) {
                buf[d + i] += (c * buf[x + i]) * buf[y + i];
            }
        }
    }

    static void checkTermLanes(int lanes) {
        if (lanes < 0 || lanes % TERM_LANES != 0) {
            throw new IllegalArgumentException("term program lanes " + lanes + " is not a multiple of " + TERM_LANES);
        }
    }
}
