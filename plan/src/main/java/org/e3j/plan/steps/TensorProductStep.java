package org.e3j.plan.steps;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.e3j.engine.ops.TensorProduct;
import org.e3j.engine.so3.ClebschGordan;
import org.e3j.plan.PlanBuffers;
import org.e3j.plan.Step;
import org.e3j.plan.StepContext;

/**
 * e3nn {@code tensor_product(a, b, filter_ir_out)} in float32: every path of the engine's
 * {@link TensorProduct} (inputs regrouped, output sorted and merged) as a sparse list of
 * Clebsch-Gordan coefficients times alpha (one float each), looped per row. A path whose regrouped
 * input chunk is a known-zero chunk is skipped (its output is zero, as e3nn-jax's zero chunk).
 */
final class TensorProductStep extends Step {

    /**
     * One path: {@code col1[u]} / {@code col2[v]} is the input column of copy u / v (a copy lies in one
     * original chunk, so its 2l+1 columns are contiguous even after regrouping).
     */
    record Path(int[] col1, int[] col2, int outOffset, int dimOut, int[] ci, int[] cj, int[] ck, float[] coef) {}

    private final Path[] paths;

    TensorProductStep(StepContext c, TensorProduct tp) {
        super(c);
        boolean[] live1 = EquivariantSteps.liveColumns(c.inTypes().get(0));
        boolean[] live2 = EquivariantSteps.liveColumns(c.inTypes().get(1));
        int[] cols1 = tp.regroupColumns1();
        int[] cols2 = tp.regroupColumns2();
        List<Path> ps = new ArrayList<>();
        for (TensorProduct.Path p : tp.paths()) {
            int d1 = p.ir1().dim();
            int d2 = p.ir2().dim();
            if (EquivariantSteps.allDead(live1, cols1, p.offset1(), p.mul1() * d1)
                    || EquivariantSteps.allDead(live2, cols2, p.offset2(), p.mul2() * d2)) {
                continue;
            }
            int[] col1 = new int[p.mul1()];
            for (int u = 0; u < col1.length; u++) {
                col1[u] = cols1[p.offset1() + u * d1];
            }
            int[] col2 = new int[p.mul2()];
            for (int v = 0; v < col2.length; v++) {
                col2[v] = cols2[p.offset2() + v * d2];
            }
            ps.add(sparse(col1, col2, p.outOffset(), p.irOut().dim(), p.cg(), p.alpha()));
        }
        paths = ps.toArray(new Path[0]);
    }

    /** The path with coefficients {@code (float) (scale * C[i,j,k])}. */
    static Path sparse(int[] col1, int[] col2, int outOffset, int dimOut, ClebschGordan cg, double scale) {
        int n = cg.nnz();
        int[] ci = new int[n];
        int[] cj = new int[n];
        int[] ck = new int[n];
        float[] coef = new float[n];
        for (int t = 0; t < n; t++) {
            ci[t] = cg.i(t);
            cj[t] = cg.j(t);
            ck[t] = cg.k(t);
            coef[t] = (float) (scale * cg.value(t));
        }
        return new Path(col1, col2, outOffset, dimOut, ci, cj, ck, coef);
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
                        int o3 = r * outDim + p.outOffset + (u * mul2 + v) * p.dimOut;
                        for (int t = 0; t < p.coef.length; t++) {
                            o[o3 + p.ck[t]] = Math.fma(p.coef[t] * x1[a0 + p.ci[t]], x2[b0 + p.cj[t]], o[o3 + p.ck[t]]);
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
        for (int r = lo; r < hi; r++) {
            // row accumulators: s[0, d1) for x1, s[d1, d1 + d2) for x2
            Arrays.fill(s, 0, d1 + d2, 0f);
            for (Path p : paths) {
                int mul2 = p.col2.length;
                for (int u = 0; u < p.col1.length; u++) {
                    int a0 = p.col1[u];
                    for (int v = 0; v < mul2; v++) {
                        int b0 = p.col2[v];
                        int o3 = r * outDim + p.outOffset + (u * mul2 + v) * p.dimOut;
                        for (int t = 0; t < p.coef.length; t++) {
                            float w = p.coef[t] * g[o3 + p.ck[t]];
                            int a = a0 + p.ci[t];
                            int bb = b0 + p.cj[t];
                            s[a] = Math.fma(w, x2[r * d2 + bb], s[a]);
                            s[d1 + bb] = Math.fma(w, x1[r * d1 + a], s[d1 + bb]);
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
        return inDim[0] + inDim[1];
    }

    @Override
    public double flops(int nodes, int edges) {
        double per = 0;
        for (Path p : paths) {
            per += 3.0 * p.col1.length * p.col2.length * p.coef.length;
        }
        return per * (domain == Domain.EDGE ? edges : nodes);
    }
}
