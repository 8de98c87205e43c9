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

    /** The same paths, computed channel-parallel. */
    private final ChannelPaths channels;
    /** Fused with a following scale_irreps: the third input holds one weight per output copy. */
    private final boolean scaled;
    /** The channel paths take the second input as their first (see the constructor). */
    private final boolean swapped;
    /** Scratch offset of the reverse pass's row accumulators (x1, x2), after the channel paths' scratch. */
    private final int rowAcc;
    /** The paths run one row at a time (a row is a receiver with one edge). */
    private final ReceiverPaths rows;

    TensorProductStep(StepContext c, TensorProduct tp) {
        this(c, tp, false);
    }

    /**
     * @param scaled the step is the fusion {@code scale_irreps(tensor_product(a, b), s)} (its context has
     *     a third input s, one scalar per irrep copy of the product): each copy's weight is read from s
     *     inside the product, so the unscaled per-edge product is never written (nequip-eqx's messages)
     */
    TensorProductStep(StepContext c, TensorProduct tp, boolean scaled) {
        super(c);
        this.scaled = scaled;
        org.e3j.engine.irreps.Irreps outIrreps = c.outType().irreps();
        boolean[] live1 = EquivariantSteps.liveColumns(c.inTypes().get(0));
        boolean[] live2 = EquivariantSteps.liveColumns(c.inTypes().get(1));
        int[] cols1 = tp.regroupColumns1();
        int[] cols2 = tp.regroupColumns2();
        List<ChannelPaths.Path> cps = new ArrayList<>();
        // channels are what the paths run in parallel: when every copy of the first input is single (the
        // spherical harmonics first, as e3j's own Potential writes it) the second input's copies are the
        // channels, so the roles swap (output copy u*mul2+v = v since u = 0; the CG indices i and j swap)
        boolean swap = true;
        boolean anyMany = false;
        for (TensorProduct.Path p : tp.paths()) {
            swap &= p.mul1() == 1;
            anyMany |= p.mul2() > 1;
        }
        this.swapped = swap && anyMany;
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
            Path sp = sparse(col1, col2, p.outOffset(), p.irOut().dim(), p.cg(), p.alpha());
            int wOff = scaled ? copyIndex(outIrreps, p.outOffset()) : 0;
            cps.add(swapped
                    ? new ChannelPaths.Path(col2, col1, d2, d1, p.irOut().dim(), p.outOffset(), false, scaled, wOff,
                            sp.cj(), sp.ci(), sp.ck(), sp.coef())
                    : new ChannelPaths.Path(col1, col2, d1, d2, p.irOut().dim(), p.outOffset(), false, scaled, wOff,
                            sp.ci(), sp.cj(), sp.ck(), sp.coef()));
        }
        channels = new ChannelPaths(cps.toArray(new ChannelPaths.Path[0]));
        rows = new ReceiverPaths(channels.paths());
        rowAcc = rows.scratchFloats();
    }

    /** The index (in chunk order) of the irrep copy that starts at column {@code col}. */
    static int copyIndex(org.e3j.engine.irreps.Irreps irreps, int col) {
        int copies = 0;
        for (int c = 0; c < irreps.size(); c++) {
            int off = irreps.offset(c);
            int d = irreps.get(c).ir().dim();
            int mul = irreps.get(c).mul();
            if (col < off + mul * d) {
                if ((col - off) % d != 0) {
                    throw new IllegalArgumentException("column " + col + " is inside a copy of " + irreps.get(c));
                }
                return copies + (col - off) / d;
            }
            copies += mul;
        }
        throw new IllegalArgumentException("column " + col + " is past " + irreps);
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
        float[] w = scaled ? b.value[in[2]] : null;
        int nw = scaled ? inDim[2] : 0;
        Arrays.fill(o, lo * outDim, hi * outDim, 0f);
        for (int r = lo; r < hi; r++) {
            if (swapped) {
                rows.beginReceiver(s, 0);
                rows.addEdge(x2, r * inDim[1], x1, r * inDim[0], w, r * nw, s, 0);
                rows.endReceiver(o, r * outDim, s, 0);
            } else {
                rows.beginReceiver(s, 0);
                rows.addEdge(x1, r * inDim[0], x2, r * inDim[1], w, r * nw, s, 0);
                rows.endReceiver(o, r * outDim, s, 0);
            }
        }
    }

    @Override
    public void backward(int phase, PlanBuffers b, int lo, int hi, float[] s) {
        float[] g1 = b.grad[in[0]];
        float[] g2 = b.grad[in[1]];
        float[] gw = scaled ? b.grad[in[2]] : null;
        if (g1 == null && g2 == null && gw == null) {
            return;
        }
        float[] w = scaled ? b.value[in[2]] : null;
        int nw = scaled ? inDim[2] : 0;
        float[] x1 = b.value[in[0]];
        float[] x2 = b.value[in[1]];
        float[] g = b.grad[out];
        int d1 = inDim[0];
        int d2 = inDim[1];
        int a1 = rowAcc;
        int a2 = a1 + d1;
        int aw = a2 + d2;
        for (int r = lo; r < hi; r++) {
            Arrays.fill(s, a1, aw + nw, 0f);
            if (swapped) {
                rows.loadGradient(g, r * outDim, 1f, s, 0);
                rows.backwardEdge(x2, r * d2, x1, r * d1, w, r * nw, g2 == null ? null : s, a2,
                        g1 == null ? null : s, a1, gw == null ? null : s, aw, s, 0);
            } else {
                rows.loadGradient(g, r * outDim, 1f, s, 0);
                rows.backwardEdge(x1, r * d1, x2, r * d2, w, r * nw, g1 == null ? null : s, a1,
                        g2 == null ? null : s, a2, gw == null ? null : s, aw, s, 0);
            }
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
        return rowAcc + inDim[0] + inDim[1] + (scaled ? inDim[2] : 0);
    }

    @Override
    public double flops(int nodes, int edges) {
        return channels.forwardFlops() * (domain == Domain.EDGE ? edges : nodes);
    }

    /** Whether the channel paths take the second input as their first. */
    boolean swapped() {
        return swapped;
    }

    /** The paths, for a fused message step that writes their output elsewhere. */
    ChannelPaths channelPaths() {
        return channels;
    }
}
