package org.e3j.plan.steps;

import java.util.Arrays;
import java.util.List;
import org.e3j.layers.graph.WeightedTensorProducts;
import org.e3j.plan.PlanBuffers;
import org.e3j.plan.Step;
import org.e3j.plan.StepContext;

/**
 * e3nn-jax {@code legacy.FunctionalFullyConnectedTensorProduct} ({@code fully_connected_tensor_product})
 * in float32: inputs rearranged (zero chunks dropped, simplified) by column lookup, every "uvw" path
 * {@code out[w, k] += sum_uv W[u, v, w] sum_ij (pw C[i, j, k]) x1[u, i] x2[v, j]}. Per (u, v) the CG
 * contraction goes to a small scratch vector first, and is skipped when it is exactly zero (jax-md's x2
 * is a one-hot species vector: most v contribute nothing).
 */
final class FullyConnectedStep extends Step {

    private record Path(int[] col1, int[] col2, int mulOut, int dOut, int offOut, int[] ci, int[] cj, int[] ck,
            float[] coef, float[] w) {}

    private final Path[] paths;
    private final int maxDOut;

    FullyConnectedStep(StepContext c, WeightedTensorProducts.FullyConnected op) {
        super(c);
        int[] cols1 = op.rearrange1().columns();
        int[] cols2 = op.rearrange2().columns();
        List<WeightedTensorProducts.Path> list = op.paths();
        paths = new Path[list.size()];
        int md = 1;
        for (int k = 0; k < paths.length; k++) {
            WeightedTensorProducts.Path p = list.get(k);
            int[] col1 = new int[p.mul1()];
            for (int u = 0; u < col1.length; u++) {
                col1[u] = cols1[p.off1() + u * p.d1()];
            }
            int[] col2 = new int[p.mul2()];
            for (int v = 0; v < col2.length; v++) {
                col2[v] = cols2[p.off2() + v * p.d2()];
            }
            TensorProductStep.Path sp = TensorProductStep.sparse(col1, col2, p.offOut(), p.dOut(), p.cg(), p.pw());
            float[] w = new float[p.w().length];
            for (int t = 0; t < w.length; t++) {
                w[t] = (float) p.w()[t];
            }
            paths[k] = new Path(col1, col2, p.mulOut(), p.dOut(), p.offOut(), sp.ci(), sp.cj(), sp.ck(), sp.coef(), w);
            md = Math.max(md, p.dOut());
        }
        maxDOut = md;
    }

    @Override
    public void forward(PlanBuffers b, int lo, int hi, float[] s) {
        float[] x1 = b.value[in[0]];
        float[] x2 = b.value[in[1]];
        float[] o = b.value[out];
        int d1 = inDim[0];
        int d2 = inDim[1];
        Arrays.fill(o, lo * outDim, hi * outDim, 0f);
        for (int r = lo; r < hi; r++) {
            for (Path p : paths) {
                int mul2 = p.col2.length;
                for (int u = 0; u < p.col1.length; u++) {
                    int a0 = r * d1 + p.col1[u];
                    for (int v = 0; v < mul2; v++) {
                        int b0 = r * d2 + p.col2[v];
                        Arrays.fill(s, 0, p.dOut, 0f);
                        boolean any = false;
                        for (int t = 0; t < p.coef.length; t++) {
                            float prod = p.coef[t] * x1[a0 + p.ci[t]] * x2[b0 + p.cj[t]];
                            s[p.ck[t]] += prod;
                            any |= prod != 0f;
                        }
                        if (!any) {
                            continue;
                        }
                        int wb = (u * mul2 + v) * p.mulOut;
                        for (int w = 0; w < p.mulOut; w++) {
                            float ww = p.w[wb + w];
                            int ob = r * outDim + p.offOut + w * p.dOut;
                            for (int k = 0; k < p.dOut; k++) {
                                o[ob + k] = Math.fma(ww, s[k], o[ob + k]);
                            }
                        }
                    }
                }
            }
        }
    }

    @Override
    public void backward(int phase, PlanBuffers b, int lo, int hi, float[] s) {
        float[] g1 = b.grad[in[0]];
        float[] g2 = b.grad[in[1]];
        if (g1 == null && g2 == null) {
            return;
        }
        float[] x1 = b.value[in[0]];
        float[] x2 = b.value[in[1]];
        float[] g = b.grad[out];
        int d1 = inDim[0];
        int d2 = inDim[1];
        int gt = d1 + d2;
        for (int r = lo; r < hi; r++) {
            // row accumulators: x1 at s[0, d1), x2 at s[d1, d1 + d2); s[gt, gt + dOut) = W^T g of one (u, v)
            Arrays.fill(s, 0, d1 + d2, 0f);
            for (Path p : paths) {
                int mul2 = p.col2.length;
                for (int u = 0; u < p.col1.length; u++) {
                    int a0 = p.col1[u];
                    for (int v = 0; v < mul2; v++) {
                        int b0 = p.col2[v];
                        Arrays.fill(s, gt, gt + p.dOut, 0f);
                        int wb = (u * mul2 + v) * p.mulOut;
                        for (int w = 0; w < p.mulOut; w++) {
                            float ww = p.w[wb + w];
                            int gb = r * outDim + p.offOut + w * p.dOut;
                            for (int k = 0; k < p.dOut; k++) {
                                s[gt + k] = Math.fma(ww, g[gb + k], s[gt + k]);
                            }
                        }
                        for (int t = 0; t < p.coef.length; t++) {
                            int a = a0 + p.ci[t];
                            int bb = b0 + p.cj[t];
                            float gc = p.coef[t] * s[gt + p.ck[t]];
                            s[a] = Math.fma(gc, x2[r * d2 + bb], s[a]);
                            s[d1 + bb] = Math.fma(gc, x1[r * d1 + a], s[d1 + bb]);
                        }
                    }
                }
            }
            if (g1 != null) {
                EquivariantSteps.addInto(s, 0, g1, r * d1, d1);
            }
            if (g2 != null) {
                EquivariantSteps.addInto(s, d1, g2, r * d2, d2);
            }
        }
    }

    @Override
    public int scratchFloats() {
        return inDim[0] + inDim[1] + maxDOut;
    }

    @Override
    public double flops(int nodes, int edges) {
        double per = 0;
        for (Path p : paths) {
            per += 2.0 * p.col1.length * p.col2.length * (p.coef.length + p.mulOut * p.dOut);
        }
        return per * (domain == Domain.EDGE ? edges : nodes);
    }
}
