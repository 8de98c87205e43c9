package org.e3j.layers.graph;

import java.util.ArrayList;
import java.util.List;
import org.e3j.engine.E3jException;
import org.e3j.engine.irreps.Irreps;

/**
 * {@code gather}, {@code scatter_sum}, {@code scatter_mean}, {@code concat}, {@code add},
 * {@code scale_shift}, {@code sum_over_graphs}, {@code mean_over_graphs}, with reverse passes.
 */
public final class MessageOps {

    private MessageOps() {}

    public static final class Gather extends GraphOp {
        private final int dim;

        Gather(Spec s) {
            super(s);
            ValueType x = s.floatInput(0);
            ValueType idx = s.intInput(1);
            if (!x.domain().equals("node") || !idx.domain().equals("edge")) {
                throw s.error("gathers a node value at an edge index, got " + x + " and " + idx);
            }
            dim = x.dim();
            out = ValueType.floats("edge", x.irreps(), x.zero());
        }

        @Override
        public Object forward(Run run, Object[] in) {
            double[] x = d(in[0]);
            int[] idx = i(in[1]);
            double[] o = new double[idx.length * dim];
            for (int e = 0; e < idx.length; e++) {
                System.arraycopy(x, idx[e] * dim, o, e * dim, dim);
            }
            return o;
        }

        @Override
        public void backward(Run run, Object[] in, Object outValue, double[] g, double[][] gIn) {
            int[] idx = i(in[1]);
            for (int e = 0; e < idx.length; e++) {
                for (int c = 0; c < dim; c++) {
                    gIn[0][idx[e] * dim + c] += g[e * dim + c];
                }
            }
        }
    }

    /** scatter_sum (divisor constant) and scatter_mean (divisor max(1, count)). */
    public static final class Scatter extends GraphOp {
        private final int dim;
        private final boolean mean;
        private final double divisor;

        /** scatter_mean (divide by max(1, count)) rather than scatter_sum. */
        public boolean mean() {
            return mean;
        }

        /** scatter_sum's constant divisor (1 for scatter_mean). */
        public double divisor() {
            return divisor;
        }

        Scatter(Spec s, boolean mean) {
            super(s);
            this.mean = mean;
            divisor = mean ? 1.0 : s.number("divisor");
            if (!(divisor > 0)) {
                throw s.error("divisor must be > 0");
            }
            ValueType x = s.floatInput(0);
            ValueType idx = s.intInput(1);
            if (!x.domain().equals("edge") || !idx.domain().equals("edge")) {
                throw s.error("scatters an edge value by an edge index, got " + x + " and " + idx);
            }
            dim = x.dim();
            out = ValueType.floats("node", x.irreps(), x.zero());
        }

        private double[] scale(Run run, int[] idx) {
            double[] f = new double[run.nodes];
            if (mean) {
                for (int v : idx) {
                    f[v] += 1;
                }
                for (int a = 0; a < f.length; a++) {
                    f[a] = 1.0 / Math.max(1.0, f[a]);
                }
            } else {
                java.util.Arrays.fill(f, 1.0 / divisor);
            }
            return f;
        }

        @Override
        public Object forward(Run run, Object[] in) {
            double[] x = d(in[0]);
            int[] idx = i(in[1]);
            double[] o = new double[run.nodes * dim];
            for (int e = 0; e < idx.length; e++) {
                for (int c = 0; c < dim; c++) {
                    o[idx[e] * dim + c] += x[e * dim + c];
                }
            }
            if (mean || divisor != 1.0) {
                double[] f = scale(run, idx);
                for (int a = 0; a < run.nodes; a++) {
                    for (int c = 0; c < dim; c++) {
                        o[a * dim + c] = mean ? o[a * dim + c] * f[a] : o[a * dim + c] / divisor;
                    }
                }
            }
            return o;
        }

        @Override
        public void backward(Run run, Object[] in, Object outValue, double[] g, double[][] gIn) {
            int[] idx = i(in[1]);
            double[] f = scale(run, idx);
            for (int e = 0; e < idx.length; e++) {
                double k = mean ? f[idx[e]] : 1.0 / divisor;
                for (int c = 0; c < dim; c++) {
                    gIn[0][e * dim + c] += g[idx[e] * dim + c] * k;
                }
            }
        }
    }

    public static final class Concat extends GraphOp {
        private final int[] dims;
        private final int total;

        Concat(Spec s) {
            super(s);
            if (s.in.isEmpty()) {
                throw s.error("needs at least one input");
            }
            List<Irreps> parts = new ArrayList<>();
            List<Boolean> zero = new ArrayList<>();
            dims = new int[s.in.size()];
            String domain = s.floatInput(0).domain();
            int t = 0;
            for (int k = 0; k < s.in.size(); k++) {
                ValueType x = s.floatInput(k);
                if (!x.domain().equals(domain)) {
                    throw s.error("inputs live on different domains");
                }
                parts.add(x.irreps());
                for (boolean z : x.zero()) {
                    zero.add(z);
                }
                dims[k] = x.dim();
                t += x.dim();
            }
            total = t;
            boolean[] z = new boolean[zero.size()];
            for (int k = 0; k < z.length; k++) {
                z[k] = zero.get(k);
            }
            out = ValueType.floats(domain, Irreps.concat(parts), z);
        }

        @Override
        public Object forward(Run run, Object[] in) {
            int rows = run.rows(out.domain());
            double[] o = new double[rows * total];
            int off = 0;
            for (int k = 0; k < dims.length; k++) {
                double[] x = d(in[k]);
                for (int r = 0; r < rows; r++) {
                    System.arraycopy(x, r * dims[k], o, r * total + off, dims[k]);
                }
                off += dims[k];
            }
            return o;
        }

        @Override
        public void backward(Run run, Object[] in, Object outValue, double[] g, double[][] gIn) {
            int rows = run.rows(out.domain());
            int off = 0;
            for (int k = 0; k < dims.length; k++) {
                if (gIn[k] != null) {
                    for (int r = 0; r < rows; r++) {
                        for (int c = 0; c < dims[k]; c++) {
                            gIn[k][r * dims[k] + c] += g[r * total + off + c];
                        }
                    }
                }
                off += dims[k];
            }
        }
    }

    public static final class Add extends GraphOp {
        Add(Spec s) {
            super(s);
            ValueType a = s.floatInput(0);
            ValueType b = s.floatInput(1);
            if (!a.irreps().equals(b.irreps()) || !a.domain().equals(b.domain())) {
                throw s.error("irreps " + a.irreps() + " (" + a.domain() + ") and " + b.irreps() + " (" + b.domain()
                        + ") differ");
            }
            boolean[] z = new boolean[a.irreps().size()];
            for (int k = 0; k < z.length; k++) {
                z[k] = a.zero()[k] && b.zero()[k];
            }
            out = ValueType.floats(a.domain(), a.irreps(), z);
        }

        @Override
        public Object forward(Run run, Object[] in) {
            double[] a = d(in[0]);
            double[] b = d(in[1]);
            double[] o = new double[a.length];
            for (int t = 0; t < o.length; t++) {
                o[t] = a[t] + b[t];
            }
            return o;
        }

        @Override
        public void backward(Run run, Object[] in, Object outValue, double[] g, double[][] gIn) {
            for (int k = 0; k < 2; k++) {
                if (gIn[k] != null) {
                    for (int t = 0; t < g.length; t++) {
                        gIn[k][t] += g[t];
                    }
                }
            }
        }
    }

    public static final class ScaleShift extends GraphOp {
        private final double[] scale;
        private final double[] shift;
        private final int width;
        private final boolean indexed;

        /** The scale (one value, or one per index), or null. */
        public double[] scale() {
            return scale == null ? null : scale.clone();
        }

        /** The shift (one value, or one per index), or null. */
        public double[] shift() {
            return shift == null ? null : shift.clone();
        }

        ScaleShift(Spec s) {
            super(s);
            ValueType x = s.floatInput(0);
            if (!x.irreps().isScalar()) {
                throw s.error("expects scalars (Nx0e), got " + x.irreps());
            }
            Integer ns = s.integerOrNull("scale", 1);
            Integer nh = s.integerOrNull("shift", 1);
            scale = ns == null ? null : s.weight("scale", ns);
            shift = nh == null ? null : s.weight("shift", nh);
            indexed = (ns != null && ns > 1) || (nh != null && nh > 1);
            if (s.in.size() == 2) {
                s.intInput(1);
            } else if (indexed) {
                throw s.error("per-species scale or shift needs an index input");
            }
            width = x.dim();
            out = ValueType.floats(x.domain(), x.irreps());
        }

        private static double coef(double[] t, int[] idx, int r, String node) {
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
        public Object forward(Run run, Object[] in) {
            double[] x = d(in[0]);
            int[] idx = in.length > 1 ? i(in[1]) : null;
            int rows = run.rows(out.domain());
            double[] o = new double[x.length];
            for (int r = 0; r < rows; r++) {
                double a = scale == null ? 1.0 : coef(scale, idx, r, node);
                double b = shift == null ? 0.0 : coef(shift, idx, r, node);
                for (int c = 0; c < width; c++) {
                    double v = x[r * width + c];
                    if (scale != null) {
                        v = v * a;
                    }
                    o[r * width + c] = shift == null ? v : v + b;
                }
            }
            return o;
        }

        @Override
        public void backward(Run run, Object[] in, Object outValue, double[] g, double[][] gIn) {
            int[] idx = in.length > 1 ? i(in[1]) : null;
            int rows = run.rows(out.domain());
            for (int r = 0; r < rows; r++) {
                double a = scale == null ? 1.0 : coef(scale, idx, r, node);
                for (int c = 0; c < width; c++) {
                    gIn[0][r * width + c] += g[r * width + c] * a;
                }
            }
        }
    }

    /** Per-structure sum or mean (divisor max(1, n_node)) of a node value. */
    public static final class OverGraphs extends GraphOp {
        private final boolean mean;
        private final int dim;

        /** mean_over_graphs rather than sum_over_graphs. */
        public boolean mean() {
            return mean;
        }

        OverGraphs(Spec s, boolean mean) {
            super(s);
            this.mean = mean;
            ValueType x = s.floatInput(0);
            ValueType n = s.intInput(1);
            if (!x.domain().equals("node") || !n.domain().equals("graph")) {
                throw s.error("reduces a node value with n_node, got " + x + " and " + n);
            }
            dim = x.dim();
            out = ValueType.floats("graph", x.irreps(), x.zero());
        }

        @Override
        public Object forward(Run run, Object[] in) {
            double[] x = d(in[0]);
            int[] nn = i(in[1]);
            double[] o = new double[nn.length * dim];
            int a = 0;
            for (int gph = 0; gph < nn.length; gph++) {
                for (int k = 0; k < nn[gph]; k++, a++) {
                    for (int c = 0; c < dim; c++) {
                        o[gph * dim + c] += x[a * dim + c];
                    }
                }
                if (mean) {
                    for (int c = 0; c < dim; c++) {
                        o[gph * dim + c] /= Math.max(1, nn[gph]);
                    }
                }
            }
            return o;
        }

        @Override
        public void backward(Run run, Object[] in, Object outValue, double[] g, double[][] gIn) {
            int[] nn = i(in[1]);
            int a = 0;
            for (int gph = 0; gph < nn.length; gph++) {
                double f = mean ? 1.0 / Math.max(1, nn[gph]) : 1.0;
                for (int k = 0; k < nn[gph]; k++, a++) {
                    for (int c = 0; c < dim; c++) {
                        gIn[0][a * dim + c] += g[gph * dim + c] * f;
                    }
                }
            }
        }
    }
}
