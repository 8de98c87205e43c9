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
 * / simplify), so the rearranged input is never materialised. Species-indexed weights
 * ({@code num_indexed_weights}) differ per row and run as per-row loops with the same fma chain.
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
        if (indexed > 0) {
            for (int r = lo; r < hi; r++) {
                int sp = species(b, r);
                for (Ins t : ins) {
                    int wo = sp * t.mulIn * t.mulOut;
                    for (int m = 0; m < t.dim; m++) {
                        int ob = r * outDim + t.offOut + m;
                        for (int w = 0; w < t.mulOut; w++) {
                            float acc = 0f;
                            for (int u = 0; u < t.mulIn; u++) {
                                acc = Math.fma(x[r * inDim[0] + t.src[m * t.mulIn + u]], t.w[wo + u * t.mulOut + w], acc);
                            }
                            o[ob + w * t.dim] += acc;
                        }
                    }
                }
            }
        } else {
            int ys = BLOCK * maxMulIn;
            for (int r0 = lo; r0 < hi; r0 += BLOCK) {
                int n = Math.min(BLOCK, hi - r0);
                for (Ins t : ins) {
                    for (int m = 0; m < t.dim; m++) {
                        for (int i = 0; i < n; i++) {
                            int xb = (r0 + i) * inDim[0];
                            for (int u = 0; u < t.mulIn; u++) {
                                s[i * t.mulIn + u] = x[xb + t.src[m * t.mulIn + u]];
                            }
                        }
                        kern.gemm(n, t.mulOut, t.mulIn, s, 0, t.mulIn, t.w, 0, t.mulOut, s, ys, t.mulOut, false);
                        for (int i = 0; i < n; i++) {
                            int ob = (r0 + i) * outDim + t.offOut + m;
                            for (int w = 0; w < t.mulOut; w++) {
                                o[ob + w * t.dim] += s[ys + i * t.mulOut + w];
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
        if (indexed > 0) {
            for (int r = lo; r < hi; r++) {
                int sp = species(b, r);
                for (Ins t : ins) {
                    int wo = sp * t.mulIn * t.mulOut;
                    for (int m = 0; m < t.dim; m++) {
                        int gb = r * outDim + t.offOut + m;
                        for (int u = 0; u < t.mulIn; u++) {
                            float acc = 0f;
                            for (int w = 0; w < t.mulOut; w++) {
                                acc = Math.fma(g[gb + w * t.dim], t.wT[wo + w * t.mulIn + u], acc);
                            }
                            gx[r * inDim[0] + t.src[m * t.mulIn + u]] += acc;
                        }
                    }
                }
            }
            return;
        }
        int ys = BLOCK * maxMulOut;
        for (int r0 = lo; r0 < hi; r0 += BLOCK) {
            int n = Math.min(BLOCK, hi - r0);
            for (Ins t : ins) {
                for (int m = 0; m < t.dim; m++) {
                    for (int i = 0; i < n; i++) {
                        int gb = (r0 + i) * outDim + t.offOut + m;
                        for (int w = 0; w < t.mulOut; w++) {
                            s[i * t.mulOut + w] = g[gb + w * t.dim];
                        }
                    }
                    kern.gemm(n, t.mulIn, t.mulOut, s, 0, t.mulOut, t.wT, 0, t.mulIn, s, ys, t.mulIn, false);
                    for (int i = 0; i < n; i++) {
                        int xb = (r0 + i) * inDim[0];
                        for (int u = 0; u < t.mulIn; u++) {
                            gx[xb + t.src[m * t.mulIn + u]] += s[ys + i * t.mulIn + u];
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
