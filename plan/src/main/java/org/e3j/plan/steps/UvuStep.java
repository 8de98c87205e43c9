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
 * path weight folded into the Clebsch-Gordan coefficients and the weights read from the third input
 * (per edge, jax-md's radial MLP output), channel-parallel ({@link ChannelPaths}). The reverse pass
 * also gives the weights' gradient.
 */
final class UvuStep extends Step {

    private final ChannelPaths paths;
    /** Scratch offset of the row accumulators of the reverse pass (x1, x2, weights), after the paths' scratch. */
    private final int rowAcc;
    /** The paths run one row at a time (a row is a receiver with one edge). */
    private final ReceiverPaths rows;

    UvuStep(StepContext c, WeightedTensorProducts.Uvu op) {
        super(c);
        ValueType t1 = c.inTypes().get(0);
        ValueType t2 = c.inTypes().get(1);
        List<ChannelPaths.Path> ps = new ArrayList<>();
        for (WeightedTensorProducts.Path p : op.paths()) {
            if ((t1.zero() != null && t1.zero()[p.i1()]) || (t2.zero() != null && t2.zero()[p.i2()])) {
                continue; // a known-zero input chunk: the path adds exactly nothing
            }
            TensorProductStep.Path sp = TensorProductStep.sparse(null, null, 0, 0, p.cg(), p.pw());
            int[] col1 = new int[p.mul1()];
            for (int u = 0; u < col1.length; u++) {
                col1[u] = p.off1() + u * p.d1();
            }
            int[] col2 = new int[p.mul2()];
            for (int v = 0; v < col2.length; v++) {
                col2[v] = p.off2() + v * p.d2();
            }
            ps.add(new ChannelPaths.Path(col1, col2, p.d1(), p.d2(), p.dOut(), p.offOut(), true, p.hasWeight(), p.wOff(),
                    sp.ci(), sp.cj(), sp.ck(), sp.coef()));
        }
        paths = new ChannelPaths(ps.toArray(new ChannelPaths.Path[0]));
        rows = new ReceiverPaths(paths.paths());
        rowAcc = rows.scratchFloats();
    }

    @Override
    public void forward(PlanBuffers b, int lo, int hi, float[] s) {
        float[] x1 = b.value[in[0]];
        float[] x2 = b.value[in[1]];
        float[] wt = b.value[in[2]];
        float[] o = b.value[out];
        Arrays.fill(o, lo * outDim, hi * outDim, 0f);
        for (int r = lo; r < hi; r++) {
            rows.beginReceiver(s, 0);
            rows.addEdge(x1, r * inDim[0], x2, r * inDim[1], wt, r * inDim[2], s, 0);
            rows.endReceiver(o, r * outDim, s, 0);
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
        int a1 = rowAcc;
        int a2 = a1 + d1;
        int aw = a2 + d2;
        for (int r = lo; r < hi; r++) {
            // per-row accumulators, added into the gradients once (each gradient row is written by this row only)
            Arrays.fill(s, a1, aw + nw, 0f);
            rows.loadGradient(g, r * outDim, 1f, s, 0);
            rows.backwardEdge(x1, r * d1, x2, r * d2, wt, r * nw, g1 == null ? null : s, a1,
                    g2 == null ? null : s, a2, gw == null ? null : s, aw, s, 0);
            if (g1 != null) {
                EquivariantSteps.addInto(s, a1, g1, r * d1, d1);
            }
            if (g2 != null) {
                EquivariantSteps.addInto(s, a2, g2, r * d2, d2);
            }
            if (gw != null) {
                EquivariantSteps.addInto(s, aw, gw, r * nw, nw);
            }
        }
    }

    @Override
    public int scratchFloats() {
        return rowAcc + inDim[0] + inDim[1] + inDim[2];
    }

    @Override
    public double flops(int nodes, int edges) {
        return paths.forwardFlops() * (domain == Domain.EDGE ? edges : nodes);
    }

    /** The paths, for a fused message step that writes their output elsewhere. */
    ChannelPaths channelPaths() {
        return paths;
    }
}
