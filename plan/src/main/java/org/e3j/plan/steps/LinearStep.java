package org.e3j.plan.steps;

import java.util.Arrays;
import java.util.List;
import org.e3j.engine.E3jException;
import org.e3j.engine.kernels.KernelProvider;
import org.e3j.engine.kernels.Kernels;
import org.e3j.layers.graph.LinearOps;
import org.e3j.plan.PlanBuffers;
import org.e3j.plan.Step;
import org.e3j.plan.StepContext;

/**
 * e3nn {@code FunctionalLinear} in float32 ({@code linear}, docs/model-graph.md §3): per instruction
 * {@code out[w, m] += sum_u x[u, m] * pw W[u, w]} with the path weight folded into W.
 *
 * <p>A chunk {@code mul x (2l+1)} is mul-major, so the channels of one m component are strided. For a
 * block of rows and each m the step gathers {@code X_m[rows][mulIn]} into scratch, multiplies it by W
 * in one GEMM and adds {@code X_m W} back into the output (the reverse pass does the same with the
 * transposed weights). The gather also applies the input rearrangement (zero chunks dropped, regroup
 * / simplify), so the rearranged input is never materialised. With species-indexed weights
 * ({@code num_indexed_weights}) the block's rows are gathered species by species, one GEMM each. A
 * row's bits do not depend on the block: each element is the GEMM's fma chain over the input channels.
 */
final class LinearStep extends Step {
    /** Rows per GEMM block (bounds the scratch; per-row results do not depend on it). */
    static final int BLOCK = 32;

    private record Ins(int mulIn, int mulOut, int dim, int offOut, int[] src, float[] w, float[] wT) {}

    private record Bias(int mul, int offOut, float[] b) {}

    private final Kernels kern = KernelProvider.get();
    private final int indexed;
    private final Ins[] ins;
    private final Bias[] biases;
    private final int maxMulIn;
    private final int maxMulOut;

    LinearStep(StepContext c, LinearOps.Linear op) {
        super(c);
        int[] cols = op.rearrange().columns();
        indexed = op.numIndexedWeights() == null ? 0 : op.numIndexedWeights();
        int s = Math.max(1, indexed);
        List<LinearOps.Linear.Ins> list = op.instructions();
        ins = new Ins[list.size()];
        int mi = 0;
        int mo = 0;
        for (int k = 0; k < ins.length; k++) {
            LinearOps.Linear.Ins t = list.get(k);
            int dim = t.dim();
            // src[m * mulIn + u]: input column of channel u, component m
            int[] src = new int[t.mulIn() * dim];
            for (int m = 0; m < dim; m++) {
                for (int u = 0; u < t.mulIn(); u++) {
                    src[m * t.mulIn() + u] = cols[t.offIn() + u * dim + m];
                }
            }
            int n = t.mulIn() * t.mulOut();
            float[] w = new float[s * n];
            float[] wT = new float[s * n];
            for (int sp = 0; sp < s; sp++) {
                for (int u = 0; u < t.mulIn(); u++) {
                    for (int v = 0; v < t.mulOut(); v++) {
                        float f = (float) (t.pw() * t.w()[sp * n + u * t.mulOut() + v]);
                        w[sp * n + u * t.mulOut() + v] = f;
                        wT[sp * n + v * t.mulIn() + u] = f;
                    }
                }
            }
            ins[k] = new Ins(t.mulIn(), t.mulOut(), dim, t.offOut(), src, w, wT);
            mi = Math.max(mi, t.mulIn());
            mo = Math.max(mo, t.mulOut());
        }
        maxMulIn = mi;
        maxMulOut = mo;
        List<LinearOps.Linear.Ins> bl = op.biases();
        biases = new Bias[bl.size()];
        for (int k = 0; k < biases.length; k++) {
            LinearOps.Linear.Ins t = bl.get(k);
            float[] b = new float[t.w().length];
            for (int q = 0; q < b.length; q++) {
                b[q] = (float) t.w()[q];
            }
            biases[k] = new Bias(t.mulOut(), t.offOut(), b);
        }
    }

    private int species(PlanBuffers b, int r) {
        if (indexed == 0) {
            return 0;
        }
        int k = b.index[in[1]][r];
        if (k < 0 || k >= indexed) {
            throw new E3jException("node \"" + node + "\": index " + k + " out of range 0.." + (indexed - 1));
        }
        return k;
    }

    @Override
    public void forward(PlanBuffers b, int lo, int hi, float[] s) {
        float[] o = b.value[out];
        Arrays.fill(o, lo * outDim, hi * outDim, 0f);
        float[] x = inDim[0] > 0 ? b.value[in[0]] : null;
        int ys = BLOCK * maxMulIn;
        int groups = Math.max(1, indexed);
        for (int r0 = lo; r0 < hi; r0 += BLOCK) {
            int r1 = Math.min(hi, r0 + BLOCK);
            for (Ins t : ins) {
                for (int m = 0; m < t.dim; m++) {
                    for (int sp = 0; sp < groups; sp++) {
                        // X_m of the block's rows that use weights sp, one GEMM, added back in the same row order
                        int n = 0;
                        for (int r = r0; r < r1; r++) {
                            if (species(b, r) == sp) {
                                int xb = r * inDim[0];
                                for (int u = 0; u < t.mulIn; u++) {
                                    s[n * t.mulIn + u] = x[xb + t.src[m * t.mulIn + u]];
                                }
                                n++;
                            }
                        }
                        if (n == 0) {
                            continue;
                        }
                        kern.gemm(n, t.mulOut, t.mulIn, s, 0, t.mulIn, t.w, sp * t.mulIn * t.mulOut, t.mulOut, s, ys,
                                t.mulOut, false);
                        int i = 0;
                        for (int r = r0; r < r1; r++) {
                            if (species(b, r) == sp) {
                                int ob = r * outDim + t.offOut + m;
                                for (int w = 0; w < t.mulOut; w++) {
                                    o[ob + w * t.dim] += s[ys + i * t.mulOut + w];
                                }
                                i++;
                            }
                        }
                    }
                }
            }
        }
        for (Bias bias : biases) {
            for (int r = lo; r < hi; r++) {
                int bo = species(b, r) * bias.mul;
                for (int w = 0; w < bias.mul; w++) {
                    o[r * outDim + bias.offOut + w] += bias.b[bo + w];
                }
            }
        }
    }

    @Override
    public void backward(int phase, PlanBuffers b, int lo, int hi, float[] s) {
        float[] gx = inDim[0] > 0 ? b.grad[in[0]] : null;
        if (gx == null) {
            return;
        }
        float[] g = b.grad[out];
        int ys = BLOCK * maxMulOut;
        int groups = Math.max(1, indexed);
        for (int r0 = lo; r0 < hi; r0 += BLOCK) {
            int r1 = Math.min(hi, r0 + BLOCK);
            for (Ins t : ins) {
                for (int m = 0; m < t.dim; m++) {
                    for (int sp = 0; sp < groups; sp++) {
                        int n = 0;
                        for (int r = r0; r < r1; r++) {
                            if (species(b, r) == sp) {
                                int gb = r * outDim + t.offOut + m;
                                for (int w = 0; w < t.mulOut; w++) {
                                    s[n * t.mulOut + w] = g[gb + w * t.dim];
                                }
                                n++;
                            }
                        }
                        if (n == 0) {
                            continue;
                        }
                        kern.gemm(n, t.mulIn, t.mulOut, s, 0, t.mulOut, t.wT, sp * t.mulIn * t.mulOut, t.mulIn, s, ys,
                                t.mulIn, false);
                        int i = 0;
                        for (int r = r0; r < r1; r++) {
                            if (species(b, r) == sp) {
                                int xb = r * inDim[0];
                                for (int u = 0; u < t.mulIn; u++) {
                                    gx[xb + t.src[m * t.mulIn + u]] += s[ys + i * t.mulIn + u];
                                }
                                i++;
                            }
                        }
                    }
                }
            }
        }
    }

    @Override
    public int scratchFloats() {
        return BLOCK * (maxMulIn + maxMulOut);
    }

    @Override
    public double flops(int nodes, int edges) {
        double per = 0;
        for (Ins t : ins) {
            per += 2.0 * t.mulIn * t.mulOut * t.dim;
        }
        return per * (domain == Domain.EDGE ? edges : nodes);
    }
}
