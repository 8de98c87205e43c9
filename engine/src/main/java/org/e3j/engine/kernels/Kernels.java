package org.e3j.engine.kernels;

/**
 * The float32 primitives of the fast path. Two implementations hold the same contract:
 * {@link ScalarKernels} (plain Java, the reference twin and the fallback) and {@code VectorKernels}
 * (jdk.incubator.vector). {@link KernelProvider#get()} picks one once per JVM.
 *
 * <h2>Common contract</h2>
 * <ul>
 *   <li>Every array argument is addressed by an explicit offset; "row {@code i}" of a matrix with
 *       leading dimension {@code ld} starts at {@code off + i * ld}. Strides/leading dimensions are
 *       in floats and must be {@code >=} the row length used.</li>
 *   <li>Output ranges must not overlap any input range unless a method says otherwise
 *       (in-place methods name the one array they both read and write).</li>
 *   <li>Lengths and counts may be 0 (then nothing is read or written). Negative lengths, or
 *       ranges outside an array, are caller bugs: an implementation may throw
 *       {@link IndexOutOfBoundsException} (possibly after writing part of the output) but never
 *       reads or writes outside the stated ranges.</li>
 *   <li>No method allocates, locks or keeps state: an instance is shared by all threads.</li>
 *   <li>Lengths need not be multiples of {@link #vectorLanes()}; kernels are fastest when channel
 *       rows are padded to it (the "ir_mul" layout pads {@code mul} to {@code mulPadded}, a multiple
 *       of the lane count, with zeros in the padding).</li>
 *   <li>Numerics: where the per-element operation sequence is the same in both implementations
 *       (elementwise kernels, gemm, edge messages, segment sums, activations) the vector result is
 *       bitwise equal to the scalar one; "fma" below means a fused multiply-add rounded once
 *       ({@link Math#fma(float, float, float)}). Reductions across a row ({@link #dot}, layer-norm
 *       statistics, {@link #gemmBt}, the {@code dM} output of {@link #edgeMessageBackward}) sum in a
 *       different order and agree to a few ulps times the row length; see docs/kernels.md.</li>
 * </ul>
 */
public interface Kernels {

    /** Short name for logs and benchmarks, e.g. {@code "scalar"} or {@code "vector-512"}. */
    String name();

    /** Floats per vector register this implementation uses (1 for the scalar twin). */
    int vectorLanes();

    /** Rounds {@code n} up to a multiple of {@code lanes} ({@code lanes >= 1}). */
    static int padTo(int n, int lanes) {
        return (n + lanes - 1) / lanes * lanes;
    }

    // ------------------------------------------------------------------ elementwise

    /** {@code out[outOff+i] = fma(s, a[aOff+i], out[outOff+i])} for {@code i < n}. */
    void fma(float[] out, int outOff, float[] a, int aOff, float s, int n);

    /** {@code out[outOff+i] = fma(s * a[aOff+i], b[bOff+i], out[outOff+i])} for {@code i < n}. */
    void mulAcc(float[] out, int outOff, float[] a, int aOff, float[] b, int bOff, float s, int n);

    /** {@code out[outOff+i] = a[aOff+i] * b[bOff+i]} for {@code i < n}; out may equal a or b exactly. */
    void mul(float[] out, int outOff, float[] a, int aOff, float[] b, int bOff, int n);

    /** In place: {@code x[off+i] *= s} for {@code i < n}. */
    void scale(float[] x, int off, float s, int n);

    /** {@code sum_i a[aOff+i] * b[bOff+i]} for {@code i < n} (a reduction; order unspecified). */
    float dot(float[] a, int aOff, float[] b, int bOff, int n);

    // ------------------------------------------------------------------ dense

    /**
     * Row-major {@code C = A B} (or {@code C += A B} when {@code accumulate}), with
     * A {@code m x k} (row i at {@code aOff + i*lda}), B {@code k x n} (row p at {@code bOff + p*ldb}),
     * C {@code m x n} (row i at {@code cOff + i*ldc}). Each element is
     * {@code c = accumulate ? C[i][j] : 0; for p in 0..k-1: c = fma(A[i][p], B[p][j], c)}, so the
     * result is bitwise reproducible across implementations. Register-tiled in the vector twin;
     * fastest when {@code n} is a multiple of the lane count.
     */
    void gemm(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
              float[] c, int cOff, int ldc, boolean accumulate);

    /**
     * {@code C = A B + bias} (bias broadcast over rows, {@code bias[biasOff + j]} for column j):
     * each element is the fma chain of {@link #gemm} from 0, then {@code + bias[j]} (one rounding),
     * as a dense layer {@code x @ W + b} computes it.
     */
    void gemmBias(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                  float[] bias, int biasOff, float[] c, int cOff, int ldc);

    /**
     * {@code C (+)= A B^T} with B stored {@code n x k} (row j at {@code bOff + j*ldb}):
     * {@code C[i][j] (+)= sum_p A[i][p] B[j][p]}. The backward of a dense layer
     * ({@code dX = dY W^T}); each element is a dot product (reduction order unspecified).
     * For constant weights prefer transposing once and calling {@link #gemm}.
     */
    void gemmBt(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                float[] c, int cOff, int ldc, boolean accumulate);

    // ------------------------------------------------------------------ normalisation, activations

    /**
     * Flax {@code LayerNorm} (fast variance, eps 1e-6, scale and bias) followed by silu, per row:
     * for each of {@code rows} rows of length {@code n} (row r of x at {@code xOff + r*ldx}, of out
     * at {@code outOff + r*ldo}):
     * <pre>
     * mean = sum(x)/n;  var = max(0, sum(x*x)/n - mean*mean);  rstd = 1/sqrt(var + 1e-6)
     * z[j] = fma(x[j] - mean, rstd * scale[scaleOff+j], bias[biasOff+j]);  out[j] = silu(z[j])
     * </pre>
     * If {@code stats} is non-null, {@code stats[statsOff + 2r] = mean} and
     * {@code stats[statsOff + 2r + 1] = rstd} are stored for {@link #layerNormSiluBackward}.
     * out may equal x exactly (same offset and leading dimension).
     */
    void layerNormSilu(int rows, int n, float[] x, int xOff, int ldx,
                       float[] scale, int scaleOff, float[] bias, int biasOff,
                       float[] out, int outOff, int ldo, float[] stats, int statsOff);

    /**
     * Backward of {@link #layerNormSilu} with respect to its input: given the forward input x, the
     * stats it stored and the upstream gradient dy, writes
     * {@code dx = rstd * (g - mean(g) - xhat * mean(g * xhat))} with
     * {@code xhat = (x - mean) * rstd}, {@code g = dy * silu'(z) * scale}. dx must not overlap x or
     * dy (it is used as scratch for g). Gradients of scale and bias are not computed (forces and
     * stress need input gradients only).
     */
    void layerNormSiluBackward(int rows, int n, float[] x, int xOff, int ldx, float[] stats, int statsOff,
                               float[] scale, int scaleOff, float[] bias, int biasOff,
                               float[] dy, int dyOff, int lddy, float[] dx, int dxOff, int lddx);

    /** In place: {@code x[off+i] = factor * act(x[off+i])} for {@code i < n} (factor is applied last). */
    void activate(Activation act, float[] x, int off, int n, float factor);

    /**
     * In place on the gradient: {@code g[gOff+i] *= factor * act'(x[xOff+i])}, where x holds the
     * activation's <em>input</em> (pre-activation values) and g the upstream gradient.
     */
    void activationBackward(Activation act, float[] x, int xOff, float[] g, int gOff, int n, float factor);

    // ------------------------------------------------------------------ graph

    /**
     * CSR segmented reduction over rows. For each segment {@code s} in {@code [seg0, seg1)}, rows
     * {@code r} in {@code [offsets[s], offsets[s+1])} of src (row r at {@code srcOff + r*lds}) are
     * summed in row order, from 0, over {@code width} columns:
     * <pre>
     * t = sum_r src[r][c];  if (mean) t = t / max(1, count);  t = t * scale
     * dst[s][c] = accumulate ? dst[s][c] + t : t       (dst row s at dstOff + s*ldd)
     * </pre>
     * An empty segment yields 0 (or leaves dst unchanged when accumulating). Disjoint segment
     * ranges may run on different threads; the result does not depend on how ranges are split.
     */
    void segmentSum(int[] offsets, int seg0, int seg1, float[] src, int srcOff, int lds,
                    float[] dst, int dstOff, int ldd, int width, float scale, boolean mean, boolean accumulate);

    /**
     * One edge, one tensor-product path, channels innermost (ir_mul): accumulates
     * <pre>
     * out[k][u] += r[u] * sum_{p in kPtr[k]..kPtr[k+1]-1} mVals[mOff+p] * h[jIdx[p]][u]
     * </pre>
     * for {@code k < dk}, {@code u < mul}: the message {@code M[j][k] * R[u] * h_sender[j][u]}
     * summed over j, with the sparse per-edge matrix {@code M = sum_i C[i,j,k] Y_i} stored by output
     * row k (CSR: {@code kPtr} has {@code dk+1} entries, {@code jIdx[p]} is the input row of entry p,
     * the pattern is shared by all edges of a path, the values are per edge). Row j of h is at
     * {@code hOff + j*ldh}, row k of out at {@code outOff + k*ldo}, r at {@code rOff}.
     * Per element: {@code acc = 0; acc = fma(h, m_p, acc) over p; out = fma(acc, r, out)}
     * (rows with no entry are left untouched).
     */
    void edgeMessage(int dk, int[] kPtr, int[] jIdx, float[] mVals, int mOff,
                     float[] r, int rOff, float[] h, int hOff, int ldh,
                     float[] out, int outOff, int ldo, int mul);

    /**
     * {@link #edgeMessage} for every edge {@code e} in {@code [e0, e1)} (one receiver's CSR segment),
     * in edge order, into the same out block: edge e uses {@code mOff + e*mStride},
     * {@code rOff + e*rStride} and the sender's features at {@code hOff + senders[e]*hStride}.
     */
    void edgeMessageSegment(int e0, int e1, int[] senders, int dk, int[] kPtr, int[] jIdx,
                            float[] mVals, int mOff, int mStride, float[] r, int rOff, int rStride,
                            float[] h, int hOff, int hStride, int ldh,
                            float[] out, int outOff, int ldo, int mul);

    /**
     * Transpose of {@link #edgeMessage}: given {@code dOut[k][u]} (row k at {@code dOutOff + k*lddo})
     * accumulates, for each non-null target,
     * <pre>
     * dM[dMOff+p]   += sum_u g_p[u] * r[u]                              (a reduction)
     * dR[dROff+u]    = fma(g_p[u], m_p, dR[dROff+u])       for each p in order
     * dH[j_p][u]     = fma(r[u] * dOut[k_p][u], m_p, dH[j_p][u])  for each p in order (row j at dHOff + j*lddh)
     * </pre>
     * with {@code g_p[u] = h[j_p][u] * dOut[k_p][u]} (rounded), entries p in CSR order. dR and dH
     * follow this fixed per-element fma order and are bitwise reproducible; dM sums in an
     * implementation-defined order.
     */
    void edgeMessageBackward(int dk, int[] kPtr, int[] jIdx, float[] mVals, int mOff,
                             float[] r, int rOff, float[] h, int hOff, int ldh,
                             float[] dOut, int dOutOff, int lddo, int mul,
                             float[] dM, int dMOff, float[] dR, int dROff, float[] dH, int dHOff, int lddh);

    /**
     * The dM and dR targets of {@link #edgeMessageBackward} (no dH) for every edge {@code e} in
     * {@code [e0, e1)} of one receiver (one dOut block), in edge order: edge e uses m at
     * {@code mOff + e*mStride}, r at {@code rOff + e*rStride}, the sender's h at
     * {@code hOff + senders[e]*hStride}, and accumulates into dM at {@code dMOff + e*dMStride} and dR
     * at {@code dROff + e*dRStride} (either may be null). Equal, bitwise, to calling
     * {@link #edgeMessageBackward} edge by edge.
     */
    void edgeMessageBackwardSegment(int e0, int e1, int[] senders, int dk, int[] kPtr, int[] jIdx,
                                    float[] mVals, int mOff, int mStride, float[] r, int rOff, int rStride,
                                    float[] h, int hOff, int hStride, int ldh,
                                    float[] dOut, int dOutOff, int lddo, int mul,
                                    float[] dM, int dMOff, int dMStride, float[] dR, int dROff, int dRStride);

    // ------------------------------------------------------------------ term programs (double, structure of arrays)

    /** The lane counts {@link #terms} accepts are multiples of this. */
    int TERM_LANES = 8;

    /**
     * Runs a term program over rows of {@code lanes} doubles, row {@code r} at {@code buf[r * lanes ..]}
     * (one lane per item, e.g. per edge): for t in {@code [t0, t1)} in order,
     * <pre>
     * row(dst[t])[i] += (coef[t] * row(a[t])[i]) * row(b[t])[i]     for every lane i
     * </pre>
     * each product and the sum rounded on its own (no fma), so every implementation gives the same bits
     * as the plain Java expression. {@code lanes} must be a multiple of {@link #TERM_LANES}; rows may
     * repeat within a term ({@code dst} may be {@code a} or {@code b}). The fast engine runs the sparse
     * Clebsch-Gordan and spherical-harmonics algebra of a chunk of edges this way: the index lookups of
     * a term are paid once per chunk instead of once per edge.
     */
    void terms(double[] buf, int lanes, int[] dst, int[] a, int[] b, double[] coef, int t0, int t1);
}
