package org.e3j.plan.steps;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.e3j.layers.graph.ValueType;
import org.e3j.layers.graph.WeightedTensorProducts;
import org.e3j.plan.PlanBuffers;
import org.e3j.plan.Step;
import org.e3j.plan.StepContext;

/**
 * e3nn-jax {@code legacy.FunctionalTensorProduct} with "uvu" instructions ({@code tensor_product_uvu})
 * in float32: per row, {@code out[u, k] += W_row[u, v] * (pw C[i, j, k]) x1[u, i] x2[v, j]} with the
 * path weight folded into the sparse CG coefficients and the weights read from the third input
 * (per edge, jax-md's radial MLP output). The reverse pass also gives the weights' gradient.
 */
final class UvuStep extends Step {

    private record Path(int mul1, int mul2, int d1, int d2, int dOut, int off1, int off2, int offOut, int wOff,
            boolean hasWeight, int[] ci, int[] cj, int[] ck, float[] coef) {}

    private final Path[] paths;

    UvuStep(StepContext c, WeightedTensorProducts.Uvu op) {
        super(c);
        ValueType t1 = c.inTypes().get(0);
        ValueType t2 = c.inTypes().get(1);
        List<Path> ps = new ArrayList<>();
        for (WeightedTensorProducts.Path p : op.paths()) {
            if ((t1.zero() != null && t1.zero()[p.i1()]) || (t2.zero() != null && t2.zero()[p.i2()])) {
                continue;
            }
            TensorProductStep.Path sp = TensorProductStep.sparse(null, null, 0, 0, p.cg(), p.pw());
            ps.add(new Path(p.mul1(), p.mul2(), p.d1(), p.d2(), p.dOut(), p.off1(), p.off2(), p.offOut(), p.wOff(),
                    p.hasWeight(), sp.ci(), sp.cj(), sp.ck(), sp.coef()));
        }
        paths = ps.toArray(new Path[0]);
    }

    @Override
    public void forward(PlanBuffers b, int lo, int hi, float[] s) {
        float[] x1 = b.value[in[0]];
        float[] x2 = b.value[in[1]];
        float[] wt = b.value[in[2]];
        float[] o = b.value[out];
        int d1 = inDim[0];
        int d2 = inDim[1];
        int nw = inDim[2];
        Arrays.fill(o, lo * outDim, hi * outDim, 0f);
        for (int r = lo; r < hi; r++) {
            for (Path p : paths) {
                for (int u = 0; u < p.mul1; u++) {
                    int a0 = r * d1 + p.off1 + u * p.d1;
                    int o3 = r * outDim + p.offOut + u * p.dOut;
                    for (int v = 0; v < p.mul2; v++) {
                        int b0 = r * d2 + p.off2 + v * p.d2;
                        float w = p.hasWeight ? wt[r * nw + p.wOff + u * p.mul2 + v] : 1f;
                        for (int t = 0; t < p.coef.length; t++) {
                            float prod = p.coef[t] * x1[a0 + p.ci[t]] * x2[b0 + p.cj[t]];
                            o[o3 + p.ck[t]] = Math.fma(w, prod, o[o3 + p.ck[t]]);
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
        float[] gw = b.grad[in[2]];
        if (g1 == null && g2 == null && gw == null) {
            return;
        }
        float[] x1 = b.value[in[0]];
        float[] x2 = b.value[in[1]];
        float[] wt = b.value[in[2]];
        float[] g = b.grad[out];
        int d1 = inDim[0];
        int d2 = inDim[1];
        int nw = inDim[2];
        int o2 = d1;
        int ow = d1 + d2;
        for (int r = lo; r < hi; r++) {
            // row accumulators: x1 at s[0, d1), x2 at s[d1, d1 + d2), weights at s[d1 + d2, + nw)
            Arrays.fill(s, 0, d1 + d2 + nw, 0f);
            for (Path p : paths) {
                for (int u = 0; u < p.mul1; u++) {
                    int a0 = p.off1 + u * p.d1;
                    int o3 = r * outDim + p.offOut + u * p.dOut;
                    for (int v = 0; v < p.mul2; v++) {
                        int b0 = p.off2 + v * p.d2;
                        int wi = p.wOff + u * p.mul2 + v;
                        float w = p.hasWeight ? wt[r * nw + wi] : 1f;
                        float dw = 0f;
                        for (int t = 0; t < p.coef.length; t++) {
                            int a = a0 + p.ci[t];
                            int bb = b0 + p.cj[t];
                            float gc = p.coef[t] * g[o3 + p.ck[t]];
                            float xa = x1[r * d1 + a];
                            float xb = x2[r * d2 + bb];
                            dw = Math.fma(gc, xa * xb, dw);
                            float gcw = gc * w;
                            s[a] = Math.fma(gcw, xb, s[a]);
                            s[o2 + bb] = Math.fma(gcw, xa, s[o2 + bb]);
                        }
                        if (p.hasWeight) {
                            s[ow + wi] += dw;
                        }
                    }
                }
            }
            if (g1 != null) {
                EquivariantSteps.addInto(s, 0, g1, r * d1, d1);
            }
            if (g2 != null) {
                EquivariantSteps.addInto(s, o2, g2, r * d2, d2);
            }
            if (gw != null) {
                EquivariantSteps.addInto(s, ow, gw, r * nw, nw);
            }
        }
    }

    @Override
    public int scratchFloats() {
        return inDim[0] + inDim[1] + inDim[2];
    }

    @Override
    public double flops(int nodes, int edges) {
        double per = 0;
        for (Path p : paths) {
            per += 4.0 * p.mul1 * p.mul2 * p.coef.length;
        }
        return per * (domain == Domain.EDGE ? edges : nodes);
    }
}
