package org.e3j.plan.steps;

import org.e3j.engine.E3jException;
import org.e3j.layers.graph.MessageOps;
import org.e3j.plan.PlanBuffers;
import org.e3j.plan.Step;
import org.e3j.plan.StepContext;

/**
 * Float32 steps that move values between rows: {@code gather}, {@code scatter_sum}/{@code scatter_mean},
 * {@code concat}, {@code add}, {@code scale_shift}, {@code sum_over_graphs}/{@code mean_over_graphs}.
 * Every sum over edges walks the CSR of its index in ascending edge order, so each output row is
 * computed the same way whatever the thread split.
 */
public final class MessageSteps {
    private MessageSteps() {}

    /** The step for {@code c}'s op, or null if the op is not one of this family. */
    public static Step create(StepContext c) {
        return switch (c.op()) {
            case "gather" -> new Gather(c);
            case "scatter_sum", "scatter_mean" -> new Scatter(c, (MessageOps.Scatter) c.compiled());
            case "concat" -> new Concat(c);
            case "add" -> new Add(c);
            case "scale_shift" -> new ScaleShift(c, (MessageOps.ScaleShift) c.compiled());
            case "sum_over_graphs", "mean_over_graphs" -> new OverGraphs(c, ((MessageOps.OverGraphs) c.compiled()).mean());
            default -> null;
        };
    }

    /** The CSR (start, order) of the edges grouped by an index that is the senders or the receivers. */
    static int[] csrStart(PlanBuffers b, int[] idx, String node) {
        if (idx == b.receivers) {
            return b.receiverStart;
        }
        if (idx == b.senders) {
            return b.senderStart;
        }
        throw new E3jException("node \"" + node + "\": an edge index other than senders or receivers");
    }

    static int[] csrOrder(PlanBuffers b, int[] idx) {
        return idx == b.receivers ? b.byReceiver : b.bySender;
    }

    /** {@code dst[base..base+dim) += src row e} for the edges {@code order[from..to)}, in that order. */
    static void addEdgeRows(float[] src, int[] order, int from, int to, float[] dst, int base, int dim) {
        for (int p = from; p < to; p++) {
            int e = order[p] * dim;
            for (int c = 0; c < dim; c++) {
                dst[base + c] += src[e + c];
            }
        }
    }

    /** {@code x[index]}: reverse pass sums the gradient of each atom's edges (CSR of the index). */
    static final class Gather extends Step {
        private final int dim;

        Gather(StepContext c) {
            super(c);
            dim = outDim;
        }

        @Override
        public void forward(PlanBuffers b, int lo, int hi, float[] scratch) {
            float[] x = b.value[in[0]];
            int[] idx = b.index[in[1]];
            float[] o = b.value[out];
            for (int e = lo; e < hi; e++) {
                System.arraycopy(x, idx[e] * dim, o, e * dim, dim);
            }
        }

        @Override
        public Domain[] backwardPhases() {
            return new Domain[] {Domain.NODE};
        }

        @Override
        public void backward(int phase, PlanBuffers b, int lo, int hi, float[] scratch) {
            float[] gIn = b.grad[in[0]];
            if (gIn == null) {
                return;
            }
            int[] idx = b.index[in[1]];
            int[] start = csrStart(b, idx, node);
            int[] order = csrOrder(b, idx);
            float[] g = b.grad[out];
            for (int i = lo; i < hi; i++) {
                addEdgeRows(g, order, start[i], start[i + 1], gIn, i * dim, dim);
            }
        }
    }

    /** Segment sum over the CSR of the index, then divided by a constant or by max(1, count). */
    static final class Scatter extends Step {
        private final int dim;
        private final boolean mean;
        private final float divisor;

        Scatter(StepContext c, MessageOps.Scatter op) {
            super(c);
            dim = outDim;
            mean = op.mean();
            divisor = (float) op.divisor();
        }

        @Override
        public void forward(PlanBuffers b, int lo, int hi, float[] scratch) {
            float[] x = b.value[in[0]];
            int[] idx = b.index[in[1]];
            int[] start = csrStart(b, idx, node);
            int[] order = csrOrder(b, idx);
            float[] o = b.value[out];
            for (int i = lo; i < hi; i++) {
                int base = i * dim;
                java.util.Arrays.fill(o, base, base + dim, 0f);
                addEdgeRows(x, order, start[i], start[i + 1], o, base, dim);
                float d = mean ? Math.max(1, start[i + 1] - start[i]) : divisor;
                if (d != 1f) {
                    for (int c = 0; c < dim; c++) {
                        o[base + c] /= d;
                    }
                }
            }
        }

        @Override
        public Domain[] backwardPhases() {
            return new Domain[] {Domain.EDGE};
        }

        @Override
        public void backward(int phase, PlanBuffers b, int lo, int hi, float[] scratch) {
            float[] gIn = b.grad[in[0]];
            if (gIn == null) {
                return;
            }
            int[] idx = b.index[in[1]];
            int[] start = csrStart(b, idx, node);
            float[] g = b.grad[out];
            for (int e = lo; e < hi; e++) {
                int i = idx[e];
                float d = mean ? Math.max(1, start[i + 1] - start[i]) : divisor;
                int src = i * dim;
                int dst = e * dim;
                for (int c = 0; c < dim; c++) {
                    gIn[dst + c] += g[src + c] / d;
                }
            }
        }

        @Override
        public double flops(int nodes, int edges) {
            return (double) edges * dim;
        }
    }

    /** Inputs side by side in each row. */
    static final class Concat extends Step {
        Concat(StepContext c) {
            super(c);
        }

        @Override
        public void forward(PlanBuffers b, int lo, int hi, float[] scratch) {
            float[] o = b.value[out];
            for (int r = lo; r < hi; r++) {
                int off = r * outDim;
                for (int k = 0; k < in.length; k++) {
                    System.arraycopy(b.value[in[k]], r * inDim[k], o, off, inDim[k]);
                    off += inDim[k];
                }
            }
        }

        @Override
        public void backward(int phase, PlanBuffers b, int lo, int hi, float[] scratch) {
            float[] g = b.grad[out];
            int colOff = 0;
            for (int k = 0; k < in.length; k++) {
                float[] gIn = b.grad[in[k]];
                int d = inDim[k];
                if (gIn != null) {
                    for (int r = lo; r < hi; r++) {
                        for (int c = 0; c < d; c++) {
                            gIn[r * d + c] += g[r * outDim + colOff + c];
                        }
                    }
                }
                colOff += d;
            }
        }
    }

    static final class Add extends Step {
        Add(StepContext c) {
            super(c);
        }

        @Override
        public void forward(PlanBuffers b, int lo, int hi, float[] scratch) {
            float[] x = b.value[in[0]];
            float[] y = b.value[in[1]];
            float[] o = b.value[out];
            for (int t = lo * outDim, end = hi * outDim; t < end; t++) {
                o[t] = x[t] + y[t];
            }
        }

        @Override
        public void backward(int phase, PlanBuffers b, int lo, int hi, float[] scratch) {
            float[] g = b.grad[out];
            for (int k = 0; k < 2; k++) {
                float[] gIn = b.grad[in[k]];
                if (gIn != null) {
                    for (int t = lo * outDim, end = hi * outDim; t < end; t++) {
                        gIn[t] += g[t];
                    }
                }
            }
        }
    }

    /** {@code x * scale + shift}, each one value or one per index (species). */
    static final class ScaleShift extends Step {
        private final float[] scale;
        private final float[] shift;

        ScaleShift(StepContext c, MessageOps.ScaleShift op) {
            super(c);
            scale = toFloat(op.scale());
            shift = toFloat(op.shift());
        }

        private static float[] toFloat(double[] d) {
            if (d == null) {
                return null;
            }
            float[] f = new float[d.length];
            for (int k = 0; k < d.length; k++) {
                f[k] = (float) d[k];
            }
            return f;
        }

        private float coef(float[] t, int[] idx, int r) {
            if (t.length == 1) {
                return t[0];
            }
            int k = idx[r];
            if (k < 0 || k >= t.length) {
                throw new E3jException("node \"" + node + "\": index " + k + " out of range 0.." + (t.length - 1));
            }
            return t[k];
        }

        @Override
        public void forward(PlanBuffers b, int lo, int hi, float[] scratch) {
            float[] x = b.value[in[0]];
            int[] idx = in.length > 1 ? b.index[in[1]] : null;
            float[] o = b.value[out];
            for (int r = lo; r < hi; r++) {
                float a = scale == null ? 1f : coef(scale, idx, r);
                float s = shift == null ? 0f : coef(shift, idx, r);
                for (int c = r * outDim, end = c + outDim; c < end; c++) {
                    float v = scale == null ? x[c] : x[c] * a;
                    o[c] = shift == null ? v : v + s;
                }
            }
        }

        @Override
        public void backward(int phase, PlanBuffers b, int lo, int hi, float[] scratch) {
            float[] gIn = b.grad[in[0]];
            if (gIn == null) {
                return;
            }
            int[] idx = in.length > 1 ? b.index[in[1]] : null;
            float[] g = b.grad[out];
            for (int r = lo; r < hi; r++) {
                float a = scale == null ? 1f : coef(scale, idx, r);
                for (int c = r * outDim, end = c + outDim; c < end; c++) {
                    gIn[c] += g[c] * a;
                }
            }
        }
    }

    /** Per-structure sum (in double, rounded once) or mean of a node value; the graphs' atoms are consecutive. */
    static final class OverGraphs extends Step {
        private final boolean mean;

        OverGraphs(StepContext c, boolean mean) {
            super(c);
            this.mean = mean;
        }

        @Override
        public void forward(PlanBuffers b, int lo, int hi, float[] scratch) {
            float[] x = b.value[in[0]];
            float[] o = b.value[out];
            for (int gph = lo; gph < hi; gph++) {
                int a0 = b.graphStart[gph];
                int a1 = b.graphStart[gph + 1];
                for (int c = 0; c < outDim; c++) {
                    double sum = 0;
                    for (int a = a0; a < a1; a++) {
                        sum += x[a * outDim + c];
                    }
                    o[gph * outDim + c] = (float) (mean ? sum / Math.max(1, a1 - a0) : sum);
                }
            }
        }

        @Override
        public Domain[] backwardPhases() {
            return new Domain[] {Domain.NODE};
        }

        @Override
        public void backward(int phase, PlanBuffers b, int lo, int hi, float[] scratch) {
            float[] gIn = b.grad[in[0]];
            if (gIn == null) {
                return;
            }
            float[] g = b.grad[out];
            for (int a = lo; a < hi; a++) {
                int gph = b.nodeGraph[a];
                float f = mean ? 1f / Math.max(1, b.graphStart[gph + 1] - b.graphStart[gph]) : 1f;
                for (int c = 0; c < outDim; c++) {
                    float v = g[gph * outDim + c];
                    gIn[a * outDim + c] += mean ? v * f : v;
                }
            }
        }
    }
}
