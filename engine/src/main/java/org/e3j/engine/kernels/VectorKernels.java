package org.e3j.engine.kernels;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * jdk.incubator.vector implementation of {@link Kernels}. One {@code static final} species, read
 * once: the platform's preferred float species, or the narrower shape named by
 * {@code -De3j.kernels.bits=128|256|512} (used by the benchmarks to compare 256- and 512-bit code on
 * one CPU; a width above the preferred one is ignored). Vector loops end with scalar tails that
 * repeat {@link ScalarKernels}' per-element operations, so both agree bitwise where the contract
 * says so. Only this class and {@link VectorMath} import jdk.incubator.vector; load it through
 * {@link KernelProvider}, never directly.
 */
public final class VectorKernels implements Kernels {

    /** System property selecting a narrower vector shape (bits), read once at class initialisation. */
    public static final String BITS_PROPERTY = "e3j.kernels.bits";

    static final VectorSpecies<Float> S = pickSpecies();
    static final int L = S.length();
    /** Doubles of the same shape, for the term programs; at most {@link Kernels#TERM_LANES} lanes. */
    static final VectorSpecies<Double> D = pickDoubleSpecies();

    static final VectorKernels INSTANCE = new VectorKernels();

    private VectorKernels() {}

    private static VectorSpecies<Float> pickSpecies() {
        VectorSpecies<Float> preferred = FloatVector.SPECIES_PREFERRED;
        int bits = Integer.getInteger(BITS_PROPERTY, 0);
        if (bits <= 0 || bits >= preferred.vectorBitSize()) {
            return preferred;
        }
        try {
            return VectorSpecies.of(float.class, VectorShape.forBitSize(bits));
        } catch (IllegalArgumentException e) {
            return preferred;
        }
    }

    private static VectorSpecies<Double> pickDoubleSpecies() {
        VectorSpecies<Double> d = VectorSpecies.of(double.class, S.vectorShape());
        return d.length() <= TERM_LANES && TERM_LANES % d.length() == 0 ? d : DoubleVector.SPECIES_64;
    }

    /** Bits per vector of the preferred float species of this CPU (not the one in use). */
    public static int preferredBits() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize();
    }

    /** Bits per vector of the species in use. */
    public static int bits() {
        return S.vectorBitSize();
    }

    @Override
    public String name() {
        return "vector-" + S.vectorBitSize();
    }

    @Override
    public int vectorLanes() {
        return L;
    }

    // ------------------------------------------------------------------ elementwise

    @Override
    public void fma(float[] out, int outOff, float[] a, int aOff, float s, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector va = FloatVector.fromArray(S, a, aOff + i);
            FloatVector vo = FloatVector.fromArray(S, out, outOff + i);
            va.fma(va.broadcast(s), vo).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = Math.fma(s, a[aOff + i], out[outOff + i]);
        }
    }

    @Override
    public void mulAcc(float[] out, int outOff, float[] a, int aOff, float[] b, int bOff, float s, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector va = FloatVector.fromArray(S, a, aOff + i).mul(s);
            FloatVector vb = FloatVector.fromArray(S, b, bOff + i);
            FloatVector vo = FloatVector.fromArray(S, out, outOff + i);
            va.fma(vb, vo).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = Math.fma(s * a[aOff + i], b[bOff + i], out[outOff + i]);
        }
    }

    @Override
    public void mul(float[] out, int outOff, float[] a, int aOff, float[] b, int bOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector va = FloatVector.fromArray(S, a, aOff + i);
            va.mul(FloatVector.fromArray(S, b, bOff + i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = a[aOff + i] * b[bOff + i];
        }
    }

    @Override
    public void scale(float[] x, int off, float s, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(S, x, off + i).mul(s).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] *= s;
        }
    }

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector acc0 = FloatVector.zero(S);
        FloatVector acc1 = FloatVector.zero(S);
        int i = 0;
        for (int bound = n - 2 * L; i <= bound; i += 2 * L) {
            acc0 = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), acc0);
            acc1 = FloatVector.fromArray(S, a, aOff + i + L).fma(FloatVector.fromArray(S, b, bOff + i + L), acc1);
        }
        for (int bound = S.loopBound(n); i < bound; i += L) {
            acc0 = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), acc0);
        }
        float acc = VectorMath.sumLanes(acc0.add(acc1));
        for (; i < n; i++) {
            acc = Math.fma(a[aOff + i], b[bOff + i], acc);
        }
        return acc;
    }

    // ------------------------------------------------------------------ dense

    @Override
    public void gemm(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float[] c, int cOff, int ldc, boolean accumulate) {
        VectorGemm.gemm(m, n, k, a, aOff, lda, b, bOff, ldb, null, 0, c, cOff, ldc, accumulate);
    }

    @Override
    public void gemmBias(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                         float[] bias, int biasOff, float[] c, int cOff, int ldc) {
        VectorGemm.gemm(m, n, k, a, aOff, lda, b, bOff, ldb, bias, biasOff, c, cOff, ldc, false);
    }

    @Override
    public void gemmBt(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                       float[] c, int cOff, int ldc, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            int ai = aOff + i * lda;
            int ci = cOff + i * ldc;
            int j = 0;
            for (; j + 4 <= n; j += 4) {
                VectorGemm.dot4(k, a, ai, b, bOff + j * ldb, ldb, c, ci + j, accumulate);
            }
            for (; j < n; j++) {
                float d = dot(a, ai, b, bOff + j * ldb, k);
                c[ci + j] = accumulate ? c[ci + j] + d : d;
            }
        }
    }

    // ------------------------------------------------------------------ normalisation, activations

    @Override
    public void layerNormSilu(int rows, int n, float[] x, int xOff, int ldx,
                              float[] scale, int scaleOff, float[] bias, int biasOff,
                              float[] out, int outOff, int ldo, float[] stats, int statsOff) {
        for (int r = 0; r < rows; r++) {
            layerNormSiluRow(n, x, xOff + r * ldx, scale, scaleOff, bias, biasOff, out, outOff + r * ldo,
                    stats, statsOff + 2 * r);
        }
    }

    private static void layerNormSiluRow(int n, float[] x, int xr, float[] scale, int scaleOff,
                                         float[] bias, int biasOff, float[] out, int or,
                                         float[] stats, int st) {
        FloatVector vs = FloatVector.zero(S);
        FloatVector vq = FloatVector.zero(S);
        int j = 0;
        int bound = S.loopBound(n);
        for (; j < bound; j += L) {
            FloatVector v = FloatVector.fromArray(S, x, xr + j);
            vs = vs.add(v);
            vq = v.fma(v, vq);
        }
        float sum = VectorMath.sumLanes(vs);
        float sumSq = VectorMath.sumLanes(vq);
        for (; j < n; j++) {
            float v = x[xr + j];
            sum += v;
            sumSq = Math.fma(v, v, sumSq);
        }
        float mean = sum / n;
        float var = Math.max(0f, sumSq / n - mean * mean);
        float rstd = 1f / (float) Math.sqrt(var + ScalarKernels.LN_EPS);
        if (stats != null) {
            stats[st] = mean;
            stats[st + 1] = rstd;
        }
        for (j = 0; j < bound; j += L) {
            FloatVector sc = FloatVector.fromArray(S, scale, scaleOff + j).mul(rstd);
            FloatVector z = FloatVector.fromArray(S, x, xr + j).sub(mean)
                    .fma(sc, FloatVector.fromArray(S, bias, biasOff + j));
            VectorMath.silu(z).intoArray(out, or + j);
        }
        if (j < n) {
            VectorActivations.layerNormSiluTail(x, xr, mean, rstd, scale, scaleOff, bias, biasOff, out, or, j, n);
        }
    }

    @Override
    public void layerNormSiluBackward(int rows, int n, float[] x, int xOff, int ldx, float[] stats, int statsOff,
                                      float[] scale, int scaleOff, float[] bias, int biasOff,
                                      float[] dy, int dyOff, int lddy, float[] dx, int dxOff, int lddx) {
        for (int r = 0; r < rows; r++) {
            layerNormSiluBackwardRow(n, x, xOff + r * ldx, stats[statsOff + 2 * r], stats[statsOff + 2 * r + 1],
                    scale, scaleOff, bias, biasOff, dy, dyOff + r * lddy, dx, dxOff + r * lddx);
        }
    }

    private static void layerNormSiluBackwardRow(int n, float[] x, int xr, float mean, float rstd,
                                                 float[] scale, int scaleOff, float[] bias, int biasOff,
                                                 float[] dy, int dyr, float[] dx, int dxr) {
        int j = 0;
        int bound = S.loopBound(n);
        for (; j < bound; j += L) {
            FloatVector sc = FloatVector.fromArray(S, scale, scaleOff + j);
            FloatVector xc = FloatVector.fromArray(S, x, xr + j).sub(mean);
            FloatVector z = xc.fma(sc.mul(rstd), FloatVector.fromArray(S, bias, biasOff + j));
            FloatVector g = FloatVector.fromArray(S, dy, dyr + j).mul(VectorMath.siluDerivative(z)).mul(sc);
            g.intoArray(dx, dxr + j);
        }
        for (; j < n; j++) {
            float sc = scale[scaleOff + j];
            float xc = x[xr + j] - mean;
            float z = Math.fma(xc, rstd * sc, bias[biasOff + j]);
            dx[dxr + j] = dy[dyr + j] * FloatMath.siluDerivative(z) * sc;
        }
        // The two row sums in element order, in scalar code: extracting lanes of a 512-bit vector is
        // not always intrinsified and then allocates (measured: ~0.7 KB per edge in the forces pass),
        // and this order is the scalar twin's, so the sums agree bit for bit.
        float sumG = 0;
        float sumGx = 0;
        for (j = 0; j < n; j++) {
            float g = dx[dxr + j];
            sumG += g;
            sumGx = Math.fma(g, (x[xr + j] - mean) * rstd, sumGx);
        }
        float meanG = sumG / n;
        float meanGx = sumGx / n;
        for (j = 0; j < bound; j += L) {
            FloatVector xhat = FloatVector.fromArray(S, x, xr + j).sub(mean).mul(rstd);
            FloatVector g = FloatVector.fromArray(S, dx, dxr + j).sub(meanG);
            g.sub(xhat.mul(meanGx)).mul(rstd).intoArray(dx, dxr + j);
        }
        for (; j < n; j++) {
            float xhat = (x[xr + j] - mean) * rstd;
            dx[dxr + j] = rstd * (dx[dxr + j] - meanG - xhat * meanGx);
        }
    }

    @Override
    public void activate(Activation act, float[] x, int off, int n, float factor) {
        switch (act) {
            case IDENTITY -> scale(x, off, factor, n);
            case SILU -> VectorActivations.silu(x, off, n, factor);
            case SIGMOID -> VectorActivations.sigmoid(x, off, n, factor);
            case TANH -> VectorActivations.tanh(x, off, n, factor);
            case GELU_TANH -> VectorActivations.geluTanh(x, off, n, factor);
        }
    }

    @Override
    public void activationBackward(Activation act, float[] x, int xOff, float[] g, int gOff, int n, float factor) {
        switch (act) {
            case IDENTITY -> scale(g, gOff, factor, n);
            case SILU -> VectorActivations.siluBackward(x, xOff, g, gOff, n, factor);
            case SIGMOID -> VectorActivations.sigmoidBackward(x, xOff, g, gOff, n, factor);
            case TANH -> VectorActivations.tanhBackward(x, xOff, g, gOff, n, factor);
            case GELU_TANH -> VectorActivations.geluTanhBackward(x, xOff, g, gOff, n, factor);
        }
    }

    // ------------------------------------------------------------------ graph

    @Override
    public void segmentSum(int[] offsets, int seg0, int seg1, float[] src, int srcOff, int lds,
                           float[] dst, int dstOff, int ldd, int width, float scale, boolean mean, boolean accumulate) {
        int bound = S.loopBound(width);
        for (int s = seg0; s < seg1; s++) {
            int r0 = offsets[s];
            int r1 = offsets[s + 1];
            float count = Math.max(1, r1 - r0);
            int d = dstOff + s * ldd;
            int c = 0;
            for (; c < bound; c += L) {
                FloatVector t = FloatVector.zero(S);
                for (int r = r0; r < r1; r++) {
                    t = t.add(FloatVector.fromArray(S, src, srcOff + r * lds + c));
                }
                if (mean) {
                    t = t.div(count);
                }
                t = t.mul(scale);
                if (accumulate) {
                    t = FloatVector.fromArray(S, dst, d + c).add(t);
                }
                t.intoArray(dst, d + c);
            }
            for (; c < width; c++) {
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
        VectorEdge.message(dk, kPtr, jIdx, mVals, mOff, r, rOff, h, hOff, ldh, out, outOff, ldo, mul);
    }

    @Override
    public void edgeMessageSegment(int e0, int e1, int[] senders, int dk, int[] kPtr, int[] jIdx,
                                   float[] mVals, int mOff, int mStride, float[] r, int rOff, int rStride,
                                   float[] h, int hOff, int hStride, int ldh,
                                   float[] out, int outOff, int ldo, int mul) {
        VectorEdge.segment(e0, e1, senders, dk, kPtr, jIdx, mVals, mOff, mStride, r, rOff, rStride,
                h, hOff, hStride, ldh, out, outOff, ldo, mul);
    }

    @Override
    public void edgeMessageBackward(int dk, int[] kPtr, int[] jIdx, float[] mVals, int mOff,
                                    float[] r, int rOff, float[] h, int hOff, int ldh,
                                    float[] dOut, int dOutOff, int lddo, int mul,
                                    float[] dM, int dMOff, float[] dR, int dROff, float[] dH, int dHOff, int lddh) {
        if (dM != null || dR != null) {
            VectorEdge.backwardMR(dk, kPtr, jIdx, mVals, mOff, r, rOff, h, hOff, ldh, dOut, dOutOff, lddo, mul,
                    dM, dMOff, dR, dROff);
        }
        if (dH != null) {
            VectorEdge.backwardH(dk, kPtr, jIdx, mVals, mOff, r, rOff, dOut, dOutOff, lddo, mul, dH, dHOff, lddh);
        }
    }

    @Override
    public void edgeMessageBackwardSegment(int e0, int e1, int[] senders, int dk, int[] kPtr, int[] jIdx,
                                           float[] mVals, int mOff, int mStride, float[] r, int rOff, int rStride,
                                           float[] h, int hOff, int hStride, int ldh,
                                           float[] dOut, int dOutOff, int lddo, int mul,
                                           float[] dM, int dMOff, int dMStride, float[] dR, int dROff, int dRStride) {
        if (dM != null || dR != null) {
            VectorEdge.backwardMRSegment(e0, e1, senders, dk, kPtr, jIdx, mVals, mOff, mStride, r, rOff, rStride,
                    h, hOff, hStride, ldh, dOut, dOutOff, lddo, mul, dM, dMOff, dMStride, dR, dROff, dRStride);
        }
    }

    // ------------------------------------------------------------------ term programs

    @Override
    public void terms(double[] buf, int lanes, int[] dst, int[] a, int[] b, double[] coef, int t0, int t1) {
        ScalarKernels.checkTermLanes(lanes);
        int dl = D.length();
        for (int t = t0; t < t1; t++) {
            int d = dst[t] * lanes;
            int x = a[t] * lanes;
            int y = b[t] * lanes;
            DoubleVector c = DoubleVector.broadcast(D, coef[t]);
            for (int i = 0; i < lanes; i += dl) {
                DoubleVector p = c.mul(DoubleVector.fromArray(D, buf, x + i)).mul(DoubleVector.fromArray(D, buf, y + i));
                DoubleVector.fromArray(D, buf, d + i).add(p).intoArray(buf, d + i);
            }
        }
    }
}
