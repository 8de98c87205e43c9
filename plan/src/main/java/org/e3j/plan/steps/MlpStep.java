package org.e3j.plan.steps;

import org.e3j.engine.kernels.Activation;
import org.e3j.engine.kernels.KernelProvider;
import org.e3j.engine.kernels.Kernels;
import org.e3j.layers.graph.MlpOp;
import org.e3j.layers.graph.ScalarOps;
import org.e3j.plan.PlanBuffers;
import org.e3j.plan.Step;
import org.e3j.plan.StepContext;

/**
 * {@code mlp} in float32 over blocks of {@link #BLOCK} rows: each dense layer is one kernel GEMM over
 * the block (fma chains, so a row's bits do not depend on the block it falls in), hidden layers then
 * get [LayerNorm] and the activation. Flax's LayerNorm with fast variance, eps 1e-6, scale and bias
 * followed by silu (e3j's Potential) runs as the fused {@link Kernels#layerNormSilu}; every other flavour
 * through the loops here.
 *
 * <p>The reverse pass recomputes the hidden layers of a block from its input (nothing is stored per
 * edge), keeping their pre-LayerNorm values, the LayerNorm outputs (activation inputs) or the fused
 * kernel's statistics in scratch, then runs {@code dX = dY W^T} as GEMMs against the transposed
 * kernels; the last one accumulates into the input's gradient. Scratch is per block, independent of
 * the number of rows.
 */
final class MlpStep extends Step {
    /** Rows per block: bounds the scratch and keeps the block's activations in cache. */
    static final int BLOCK = 64;
    private static final float FUSED_EPS = 1e-6f;

    private final Kernels k = KernelProvider.get();
    private final int layers;
    private final int[] sizes;
    private final float[][] w;
    private final float[][] wT;
    private final float[][] bias;
    private final boolean layerNorm;
    private final boolean fastVariance;
    private final float epsilon;
    private final float[][] lnScale;
    private final float[][] lnBias;
    private final ScalarOps.Act act;
    /** The kernels' activation, or null for the ones they lack (soft_odd, relu). */
    private final Activation kernelAct;
    /** LayerNorm (fast variance, eps 1e-6, scale, bias) + silu: the fused kernel. */
    private final boolean fused;
    /** Widest hidden (or input) layer. */
    private final int maxWidth;
    /** Scratch offsets of the backward's per-hidden-layer stores (in units of BLOCK rows). */
    private final int[] yOff;
    private final int[] zOff;
    private final int tOff;
    private final int g0Off;
    private final int g1Off;
    private final int scratch;
    private final int lanes = Math.max(1, k.vectorLanes());
    /** Kernels (and transposed kernels, biases) padded with zero columns to whole vectors, for narrow layers. */
    private final float[][] wPad;
    private final float[][] wTPad;
    private final float[][] biasPad;
    /** Scratch offset of the padded GEMM output ({@code BLOCK} rows of the widest padded layer). */
    private final int padOff;

    MlpStep(StepContext c, MlpOp op) {
        super(c);
        sizes = op.sizes();
        layers = sizes.length - 1;
        w = new float[layers][];
        wT = new float[layers][];
        bias = new float[layers][];
        lnScale = new float[layers][];
        lnBias = new float[layers][];
        for (int l = 0; l < layers; l++) {
            int a = sizes[l];
            int b = sizes[l + 1];
            w[l] = GeometrySteps.toFloat(op.kernel(l));
            wT[l] = new float[a * b];
            for (int i = 0; i < a; i++) {
                for (int j = 0; j < b; j++) {
                    wT[l][j * a + i] = w[l][i * b + j];
                }
            }
            bias[l] = op.bias(l) == null ? null : GeometrySteps.toFloat(op.bias(l));
            lnScale[l] = op.layerNormScale(l) == null ? null : GeometrySteps.toFloat(op.layerNormScale(l));
            lnBias[l] = op.layerNormBias(l) == null ? null : GeometrySteps.toFloat(op.layerNormBias(l));
        }
        layerNorm = op.layerNorm();
        fastVariance = op.fastVariance();
        epsilon = (float) op.epsilon();
        act = op.activation();
        kernelAct = switch (act) {
            case SILU -> Activation.SILU;
            case TANH -> Activation.TANH;
            case SIGMOID -> Activation.SIGMOID;
            case GELU_TANH -> Activation.GELU_TANH;
            case IDENTITY -> Activation.IDENTITY;
            case SOFT_ODD, RELU -> null;
        };
        boolean f = layerNorm && fastVariance && epsilon == FUSED_EPS && act == ScalarOps.Act.SILU;
        for (int l = 0; l < layers - 1; l++) {
            f &= lnScale[l] != null && lnBias[l] != null;
        }
        fused = f;
        int mw = sizes[0];
        for (int s : sizes) {
            mw = Math.max(mw, s);
        }
        maxWidth = mw;
        yOff = new int[layers];
        zOff = new int[layers];
        int off = 0;
        for (int l = 0; l < layers - 1; l++) {
            yOff[l] = off;
            off += BLOCK * sizes[l + 1];
            if (fused) {
                zOff[l] = off; // the fused kernel's (mean, rstd) per row
                off += 2 * BLOCK;
            } else if (layerNorm) {
                zOff[l] = off;
                off += BLOCK * sizes[l + 1];
            } else {
                zOff[l] = yOff[l]; // no LayerNorm: the activation input is the dense output
            }
        }
        tOff = off;
        g0Off = tOff + BLOCK * maxWidth;
        g1Off = g0Off + BLOCK * maxWidth;
        wPad = new float[layers][];
        wTPad = new float[layers][];
        biasPad = new float[layers][];
        int widest = 0;
        for (int l = 0; l < layers; l++) {
            int a = sizes[l];
            int b = sizes[l + 1];
            int bp = Kernels.padTo(b, lanes);
            int ap = Kernels.padTo(a, lanes);
            widest = Math.max(widest, Math.max(ap, bp));
            if (b % lanes != 0) {
                wPad[l] = new float[a * bp];
                for (int i = 0; i < a; i++) {
                    System.arraycopy(w[l], i * b, wPad[l], i * bp, b);
                }
                if (bias[l] != null) {
                    biasPad[l] = java.util.Arrays.copyOf(bias[l], bp);
                }
            }
            if (a % lanes != 0) {
                wTPad[l] = new float[b * ap];
                for (int j = 0; j < b; j++) {
                    System.arraycopy(wT[l], j * a, wTPad[l], j * ap, a);
                }
            }
        }
        padOff = g1Off + BLOCK * maxWidth;
        scratch = padOff + BLOCK * widest;
    }

    @Override
    public int scratchFloats() {
        return scratch;
    }

    @Override
    public double flops(int nodes, int edges) {
        double perRow = 0;
        for (int l = 0; l < layers; l++) {
            perRow += 2.0 * sizes[l] * sizes[l + 1];
        }
        return perRow * (domain == Domain.EDGE ? edges : nodes);
    }

    /** Dense layer l over m rows: dst = src W (+ bias). */
    private void dense(int l, int m, float[] src, int srcOff, float[] dst, int dstOff, float[] s) {
        int a = sizes[l];
        int b = sizes[l + 1];
        if (b % lanes == 0) {
            if (bias[l] != null) {
                k.gemmBias(m, b, a, src, srcOff, a, w[l], 0, b, bias[l], 0, dst, dstOff, b);
            } else {
                k.gemm(m, b, a, src, srcOff, a, w[l], 0, b, dst, dstOff, b, false);
            }
            return;
        }
        // a width that is not a whole number of vectors: full vectors into padded scratch, then the
        // true columns out (each element is the same fma chain, so the bits are those of the narrow GEMM)
        int bp = Kernels.padTo(b, lanes);
        if (bias[l] != null) {
            k.gemmBias(m, bp, a, src, srcOff, a, wPad[l], 0, bp, biasPad[l], 0, s, padOff, bp);
        } else {
            k.gemm(m, bp, a, src, srcOff, a, wPad[l], 0, bp, s, padOff, bp, false);
        }
        for (int r = 0; r < m; r++) {
            System.arraycopy(s, padOff + r * bp, dst, dstOff + r * b, b);
        }
    }

    /** dX (+)= dY W^T for layer l over m rows (dY width sizes[l+1], dX width sizes[l]), padded like {@link #dense}. */
    private void denseBackward(int l, int m, float[] g, int gOff, float[] dst, int dstOff, boolean accumulate,
            float[] s) {
        int a = sizes[l];
        int width = sizes[l + 1];
        if (a % lanes == 0) {
            k.gemm(m, a, width, g, gOff, width, wT[l], 0, a, dst, dstOff, a, accumulate);
            return;
        }
        int ap = Kernels.padTo(a, lanes);
        k.gemm(m, ap, width, g, gOff, width, wTPad[l], 0, ap, s, padOff, ap, false);
        for (int r = 0; r < m; r++) {
            int d = dstOff + r * a;
            int src = padOff + r * ap;
            if (accumulate) {
                for (int j = 0; j < a; j++) {
                    dst[d + j] += s[src + j];
                }
            } else {
                System.arraycopy(s, src, dst, d, a);
            }
        }
    }

    @Override
    public void forward(PlanBuffers b, int lo, int hi, float[] s) {
        float[] x = b.value[in[0]];
        float[] o = b.value[out];
        int bufA = 0;
        int bufB = BLOCK * maxWidth;
        for (int r0 = lo; r0 < hi; r0 += BLOCK) {
            int m = Math.min(BLOCK, hi - r0);
            float[] src = x;
            int srcOff = r0 * sizes[0];
            for (int l = 0; l < layers; l++) {
                int width = sizes[l + 1];
                if (l == layers - 1) {
                    dense(l, m, src, srcOff, o, r0 * width, s);
                    break;
                }
                int dstOff = src == s && srcOff == bufA ? bufB : bufA;
                dense(l, m, src, srcOff, s, dstOff, s);
                if (fused) {
                    k.layerNormSilu(m, width, s, dstOff, width, lnScale[l], 0, lnBias[l], 0, s, dstOff, width, null, 0);
                } else {
                    if (layerNorm) {
                        layerNorm(l, m, s, dstOff, s, dstOff);
                    }
                    activate(s, dstOff, m * width);
                }
                src = s;
                srcOff = dstOff;
            }
        }
    }

    @Override
    public void backward(int phase, PlanBuffers b, int lo, int hi, float[] s) {
        float[] gx = b.grad[in[0]];
        if (gx == null) {
            return;
        }
        float[] x = b.value[in[0]];
        float[] gOut = b.grad[out];
        for (int r0 = lo; r0 < hi; r0 += BLOCK) {
            int m = Math.min(BLOCK, hi - r0);
            // recompute the hidden layers, keeping what their reverse pass needs
            float[] src = x;
            int srcOff = r0 * sizes[0];
            for (int l = 0; l < layers - 1; l++) {
                int width = sizes[l + 1];
                dense(l, m, src, srcOff, s, yOff[l], s);
                if (fused) {
                    k.layerNormSilu(m, width, s, yOff[l], width, lnScale[l], 0, lnBias[l], 0, s, tOff, width, s,
                            zOff[l]);
                } else {
                    if (layerNorm) {
                        layerNorm(l, m, s, yOff[l], s, zOff[l]);
                    }
                    System.arraycopy(s, zOff[l], s, tOff, m * width);
                    activate(s, tOff, m * width);
                }
                src = s;
                srcOff = tOff;
            }
            // dX = dY W^T down the layers
            float[] g = gOut;
            int gOff = r0 * sizes[layers];
            for (int l = layers - 1; l >= 0; l--) {
                int a = sizes[l];
                int width = sizes[l + 1];
                if (l == 0) {
                    denseBackward(0, m, g, gOff, gx, r0 * a, true, s);
                    break;
                }
                int free = g == s && gOff == g0Off ? g1Off : g0Off;
                int other = free == g0Off ? g1Off : g0Off;
                denseBackward(l, m, g, gOff, s, free, false, s);
                int h = l - 1; // the hidden layer whose output was this layer's input (width a)
                if (fused) {
                    k.layerNormSiluBackward(m, a, s, yOff[h], a, s, zOff[h], lnScale[h], 0, lnBias[h], 0, s, free, a,
                            s, other, a);
                    g = s;
                    gOff = other;
                } else {
                    activationBackward(s, zOff[h], s, free, m * a);
                    if (layerNorm) {
                        layerNormVjp(h, m, s, yOff[h], s, free);
                    }
                    g = s;
                    gOff = free;
                }
            }
        }
    }

    private void activate(float[] v, int off, int n) {
        if (kernelAct != null) {
            k.activate(kernelAct, v, off, n, 1f);
            return;
        }
        for (int i = off; i < off + n; i++) {
            double t = v[i];
            v[i] = act == ScalarOps.Act.RELU ? Math.max(v[i], 0f) : (float) ((1.0 - Math.exp(-t * t)) * t);
        }
    }

    /** g[i] *= act'(z[i]). */
    private void activationBackward(float[] z, int zOff, float[] g, int gOff, int n) {
        if (kernelAct != null) {
            k.activationBackward(kernelAct, z, zOff, g, gOff, n, 1f);
            return;
        }
        for (int i = 0; i < n; i++) {
            double t = z[zOff + i];
            double d;
            if (act == ScalarOps.Act.RELU) {
                d = t > 0 ? 1.0 : 0.0;
            } else {
                double e = Math.exp(-t * t); // soft_odd: d/dt (1 - e) t = 1 - e + 2 t^2 e
                d = 1.0 - e + 2 * t * t * e;
            }
            g[gOff + i] = (float) (g[gOff + i] * d);
        }
    }

    /** LayerNorm of hidden layer l over m rows (width sizes[l+1]): z = (y - mean) rsqrt(var + eps) [scale] [+ bias]. */
    private void layerNorm(int l, int m, float[] y, int yOff, float[] z, int zOff) {
        int n = sizes[l + 1];
        float[] sc = lnScale[l];
        float[] bi = lnBias[l];
        for (int r = 0; r < m; r++) {
            int yr = yOff + r * n;
            int zr = zOff + r * n;
            float mean = mean(y, yr, n);
            float inv = rstd(y, yr, n, mean);
            for (int j = 0; j < n; j++) {
                float v = (y[yr + j] - mean) * inv;
                if (sc != null) {
                    v *= sc[j];
                }
                if (bi != null) {
                    v += bi[j];
                }
                z[zr + j] = v;
            }
        }
    }

    private static float mean(float[] y, int off, int n) {
        float sum = 0f;
        for (int j = 0; j < n; j++) {
            sum += y[off + j];
        }
        return sum / n;
    }

    /** Whether fast variance clamps the raw E[y^2] - E[y]^2 at 0 for this row (then var has no gradient). */
    private boolean clamped(float[] y, int off, int n, float mean) {
        if (!fastVariance) {
            return false;
        }
        float sq = 0f;
        for (int j = 0; j < n; j++) {
            sq += y[off + j] * y[off + j];
        }
        return sq / n - mean * mean < 0f;
    }

    private float rstd(float[] y, int off, int n, float mean) {
        float var;
        if (fastVariance) {
            float sq = 0f;
            for (int j = 0; j < n; j++) {
                sq += y[off + j] * y[off + j];
            }
            var = Math.max(0f, sq / n - mean * mean);
        } else {
            float acc = 0f;
            for (int j = 0; j < n; j++) {
                float d = y[off + j] - mean;
                acc += d * d;
            }
            var = acc / n;
        }
        return 1f / (float) Math.sqrt(var + epsilon);
    }

    /**
     * In place on g (rows of width sizes[l+1]): the gradient of the LayerNorm output becomes that of its
     * input y. Both variances have dvar/dy_j = 2 (y_j - mean) / n (0 when fast variance clamps).
     */
    private void layerNormVjp(int l, int m, float[] y, int yOff, float[] g, int gOff) {
        int n = sizes[l + 1];
        float[] sc = lnScale[l];
        for (int r = 0; r < m; r++) {
            int yr = yOff + r * n;
            int gr = gOff + r * n;
            float mean = mean(y, yr, n);
            float inv = rstd(y, yr, n, mean);
            float sumGn = 0f;
            float sumGnC = 0f;
            for (int j = 0; j < n; j++) {
                float gn = sc == null ? g[gr + j] : g[gr + j] * sc[j];
                g[gr + j] = gn;
                sumGn += gn;
                sumGnC += gn * (y[yr + j] - mean);
            }
            float gVar = clamped(y, yr, n, mean) ? 0f : -0.5f * inv * inv * inv * sumGnC;
            float meanGn = sumGn / n;
            float twoGVarOverN = 2f * gVar / n;
            for (int j = 0; j < n; j++) {
                g[gr + j] = g[gr + j] * inv - meanGn * inv + twoGVarOverN * (y[yr + j] - mean);
            }
        }
    }
}
