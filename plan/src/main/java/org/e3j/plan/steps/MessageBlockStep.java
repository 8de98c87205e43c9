package org.e3j.plan.steps;

import java.util.Arrays;
import org.e3j.plan.PlanBuffers;
import org.e3j.plan.Step;
import org.e3j.plan.StepContext;

/**
 * A fused message block: {@code scatter_sum(product(x1, x2[, w]), receivers) / divisor}, where the
 * product is a weighted tensor product ({@code tensor_product_uvu}, or {@code tensor_product} fused
 * with {@code scale_irreps}), optionally followed by {@code simplify}. The per-edge messages are never
 * written: each receiver's row is accumulated from its edges (the receiver CSR, in edge order)
 * channel-innermost in scratch ({@link ReceiverPaths}), then transposed and divided once. The reverse
 * pass runs over edges: edge e's message gradient is its receiver's row gradient over the divisor
 * (transposed once per receiver: edges come grouped by receiver), and the product's reverse pass turns
 * it into the gradients of x1, x2 and w, each written to row e only.
 *
 * <p>Inputs: x1 (edge), x2 (edge), [w (edge)], receivers. Output: the scatter's node value.
 */
final class MessageBlockStep extends Step {
    private final ChannelPaths paths;
    private final ReceiverPaths receiverPaths;
    private final boolean weighted;
    private final float divisor;
    private final int idx;
    private final int rowAcc;
    private final int gCopy;

    MessageBlockStep(StepContext c, ChannelPaths paths, boolean weighted, double divisor) {
        super(c);
        this.paths = paths;
        this.weighted = weighted;
        this.divisor = (float) divisor;
        this.idx = weighted ? 3 : 2;
        this.receiverPaths = new ReceiverPaths(paths.paths());
        this.rowAcc = receiverPaths.scratchFloats();
        this.gCopy = rowAcc + inDim[0] + inDim[1] + (weighted ? inDim[2] : 0);
    }

    @Override
    public void forward(PlanBuffers b, int lo, int hi, float[] s) {
        float[] x1 = b.value[in[0]];
        float[] x2 = b.value[in[1]];
        float[] w = weighted ? b.value[in[2]] : null;
        int nw = weighted ? inDim[2] : 0;
        int[] start = MessageSteps.csrStart(b, b.index[in[idx]], node);
        int[] order = MessageSteps.csrOrder(b, b.index[in[idx]]);
        float[] o = b.value[out];
        for (int i = lo; i < hi; i++) {
            int row = i * outDim;
            Arrays.fill(o, row, row + outDim, 0f); // columns no path writes (known-zero chunks)
            receiverPaths.beginReceiver(s, 0);
            for (int p = start[i]; p < start[i + 1]; p++) {
                int e = order[p];
                receiverPaths.addEdge(x1, e * inDim[0], x2, e * inDim[1], w, e * nw, s, 0);
            }
            receiverPaths.endReceiver(o, row, s, 0);
            if (divisor != 1f) {
                for (int c = row; c < row + outDim; c++) {
                    o[c] /= divisor;
                }
            }
        }
    }

    @Override
    public Domain[] backwardPhases() {
        return new Domain[] {Domain.EDGE};
    }

    @Override
    public void backward(int phase, PlanBuffers b, int lo, int hi, float[] s) {
        float[] g1 = b.grad[in[0]];
        float[] g2 = b.grad[in[1]];
        float[] gw = weighted ? b.grad[in[2]] : null;
        if (g1 == null && g2 == null && gw == null) {
            return;
        }
        float[] x1 = b.value[in[0]];
        float[] x2 = b.value[in[1]];
        float[] w = weighted ? b.value[in[2]] : null;
        int d1 = inDim[0];
        int d2 = inDim[1];
        int nw = weighted ? inDim[2] : 0;
        int[] recv = b.index[in[idx]];
        float[] g = b.grad[out];
        int a1 = rowAcc;
        int a2 = a1 + d1;
        int aw = a2 + d2;
        int loaded = -1;
        for (int e = lo; e < hi; e++) {
            if (recv[e] != loaded) {
                // edges come grouped by receiver: its gradient is transposed once for all of them
                loaded = recv[e];
                receiverPaths.loadGradient(g, loaded * outDim, divisor, s, 0);
            }
            Arrays.fill(s, a1, aw + nw, 0f);
            receiverPaths.backwardEdge(x1, e * d1, x2, e * d2, w, e * nw, g1 == null ? null : s, a1,
                    g2 == null ? null : s, a2, gw == null ? null : s, aw, s, 0);
            if (g1 != null) {
                EquivariantSteps.addInto(s, a1, g1, e * d1, d1);
            }
            if (g2 != null) {
                EquivariantSteps.addInto(s, a2, g2, e * d2, d2);
            }
            if (gw != null) {
                EquivariantSteps.addInto(s, aw, gw, e * nw, nw);
            }
        }
    }

    @Override
    public int scratchFloats() {
        return gCopy + outDim;
    }

    @Override
    public double flops(int nodes, int edges) {
        return paths.forwardFlops() * edges;
    }
}
