package org.e3j.layers.graph;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.e3j.engine.irreps.Irrep;
import org.e3j.engine.irreps.Irreps;
import org.e3j.engine.irreps.IrrepsArray;
import org.e3j.engine.irreps.MulIrrep;
import org.e3j.engine.ops.Activations;
import org.e3j.engine.ops.Gate;
import org.e3j.engine.ops.TensorProduct;

/**
 * {@code linear}, {@code scale_irreps}, {@code simplify}, {@code tensor_product} (the engine's
 * TensorProduct) and {@code gate} (the engine's Gate), each with its reverse pass.
 */
public final class LinearOps {

    private LinearOps() {}

    /** Zero flags of the chunks of {@code irreps} from a per-column "may be non-zero" mask. */
    static boolean[] zeroFromColumns(Irreps irreps, boolean[] live) {
        boolean[] z = new boolean[irreps.size()];
        for (int c = 0; c < irreps.size(); c++) {
            boolean any = false;
            int off = irreps.offset(c);
            for (int t = 0; t < irreps.get(c).dim(); t++) {
                any |= live[off + t];
            }
            z[c] = !any;
        }
        return z;
    }

    static boolean[] liveColumns(ValueType t) {
        boolean[] live = new boolean[t.dim()];
        for (int c = 0; c < t.irreps().size(); c++) {
            int off = t.irreps().offset(c);
            for (int k = 0; k < t.irreps().get(c).dim(); k++) {
                live[off + k] = !t.zero()[c];
            }
        }
        return live;
    }

    public static final class Linear extends GraphOp {
        /** One instruction (or, with {@code iIn == -1}, one bias): weights {@code [index][mulIn][mulOut]} (or {@code [index][mulOut]}), path weight not folded in. */
        public record Ins(int iIn, int iOut, int mulIn, int mulOut, int dim, int offIn, int offOut, double pw,
                double[] w) {}

        private final Rearrange rearrange;
        private final int dimIn;
        private final int dimOut;
        private final Integer indexed;
        private final List<Ins> ins = new ArrayList<>();
        private final List<Ins> biases = new ArrayList<>();

        Linear(Spec s) {
            super(s);
            Irreps irIn = s.irreps("irreps_in");
            Irreps irOut = s.irreps("irreps_out");
            String how = s.choice("input_rearrange", "regroup", "simplify", "none");
            boolean useBiases = s.bool("biases");
            double pn = s.normalization("path_normalization");
            double gn = s.normalization("gradient_normalization");
            indexed = s.integerOrNull("num_indexed_weights", 1);
            ValueType x = s.floatInput(0);
            dimIn = x.dim();
            if (indexed != null) {
                if (s.in.size() != 2) {
                    throw s.error("num_indexed_weights is set but no index input is given");
                }
                s.intInput(1);
            } else if (s.in.size() != 1) {
                throw s.error("an index input needs num_indexed_weights");
            }
            rearrange = Rearrange.of(x, how);
            if (!rearrange.irreps().equals(irIn)) {
                throw s.error("input irreps " + x.irreps() + " (rearranged: " + rearrange.irreps() + ") != irreps_in "
                        + irIn);
            }
            dimOut = irOut.dim();
            List<int[]> pairs = new ArrayList<>();
            for (int a = 0; a < irIn.size(); a++) {
                for (int b = 0; b < irOut.size(); b++) {
                    if (irIn.get(a).ir().equals(irOut.get(b).ir())) {
                        pairs.add(new int[] {a, b});
                    }
                }
            }
            boolean[] reached = new boolean[irOut.size()];
            for (int[] p : pairs) {
                double sum = 0;
                for (int[] q : pairs) {
                    if (q[1] == p[1]) {
                        sum += Math.pow(irIn.get(q[0]).mul(), 1.0 - pn);
                    }
                }
                double xx = Math.pow(irIn.get(p[0]).mul(), pn) * sum;
                double alpha = xx > 0 ? 1 / xx : 1.0;
                MulIrrep mi = irIn.get(p[0]);
                MulIrrep mo = irOut.get(p[1]);
                String name = "w[" + p[0] + "," + p[1] + "] " + mi + "," + mo;
                double[] w = indexed == null ? s.weight(name, mi.mul(), mo.mul())
                        : s.weight(name, indexed, mi.mul(), mo.mul());
                ins.add(new Ins(p[0], p[1], mi.mul(), mo.mul(), mi.ir().dim(), irIn.offset(p[0]), irOut.offset(p[1]),
                        Math.pow(Math.sqrt(alpha), gn), w));
                reached[p[1]] |= mi.mul() > 0 && mo.mul() > 0;
            }
            if (useBiases) {
                for (int b = 0; b < irOut.size(); b++) {
                    MulIrrep mo = irOut.get(b);
                    if (mo.ir().isScalar()) {
                        String name = "b[" + b + "] " + mo;
                        double[] w = indexed == null ? s.weight(name, mo.mul()) : s.weight(name, indexed, mo.mul());
                        biases.add(new Ins(-1, b, 0, mo.mul(), 1, 0, irOut.offset(b), 1.0, w));
                        reached[b] |= mo.mul() > 0;
                    }
                }
            }
            boolean[] zero = new boolean[irOut.size()];
            for (int b = 0; b < zero.length; b++) {
                zero[b] = !reached[b];
            }
            out = ValueType.floats(x.domain(), irOut, zero);
        }

        /** The input rearrangement (zero chunks dropped, regroup / simplify / none); its result is irreps_in. */
        public Rearrange rearrange() {
            return rearrange;
        }

        /** S for species-indexed weights (the second input picks the row's weights), or null. */
        public Integer numIndexedWeights() {
            return indexed;
        }

        /** The instructions in e3nn-jax's order (offsets into the rearranged input and the output). Read only. */
        public List<Ins> instructions() {
            return java.util.Collections.unmodifiableList(ins);
        }

        /** The biases of the 0e output chunks. Read only. */
        public List<Ins> biases() {
            return java.util.Collections.unmodifiableList(biases);
        }

        private int rowIndex(Object[] in, int r) {
            if (indexed == null) {
                return 0;
            }
            int k = i(in[1])[r];
            if (k < 0 || k >= indexed) {
                throw new org.e3j.engine.E3jException("node \"" + node + "\": index " + k + " out of range 0.."
                        + (indexed - 1));
            }
            return k;
        }

        @Override
        public Object forward(Run run, Object[] in) {
            double[] x = rearrange.gather(d(in[0]), dimIn);
            int wIn = rearrange.columns().length;
            int rows = d(in[0]).length / Math.max(1, dimIn);
            if (dimIn == 0) {
                rows = run.rows(out.domain());
            }
            double[] o = new double[rows * dimOut];
            for (int r = 0; r < rows; r++) {
                int k = rowIndex(in, r);
                for (Ins t : ins) {
                    int wo = k * t.mulIn * t.mulOut;
                    for (int w = 0; w < t.mulOut; w++) {
                        for (int m = 0; m < t.dim; m++) {
                            double acc = 0;
                            for (int u = 0; u < t.mulIn; u++) {
                                acc += x[r * wIn + t.offIn + u * t.dim + m] * t.w[wo + u * t.mulOut + w];
                            }
                            o[r * dimOut + t.offOut + w * t.dim + m] += t.pw * acc;
                        }
                    }
                }
                for (Ins b : biases) {
                    for (int w = 0; w < b.mulOut; w++) {
                        o[r * dimOut + b.offOut + w] += b.w[k * b.mulOut + w];
                    }
                }
            }
            return o;
        }

        @Override
        public void backward(Run run, Object[] in, Object outValue, double[] g, double[][] gIn) {
            if (gIn[0] == null || dimIn == 0) {
                return;
            }
            int wIn = rearrange.columns().length;
            int rows = d(in[0]).length / dimIn;
            double[] gx = new double[rows * wIn];
            for (int r = 0; r < rows; r++) {
                int k = rowIndex(in, r);
                for (Ins t : ins) {
                    int wo = k * t.mulIn * t.mulOut;
                    for (int u = 0; u < t.mulIn; u++) {
                        for (int m = 0; m < t.dim; m++) {
                            double acc = 0;
                            for (int w = 0; w < t.mulOut; w++) {
                                acc += g[r * dimOut + t.offOut + w * t.dim + m] * t.w[wo + u * t.mulOut + w];
                            }
                            gx[r * wIn + t.offIn + u * t.dim + m] += t.pw * acc;
                        }
                    }
                }
            }
            rearrange.scatterAdd(gx, gIn[0], dimIn);
        }
    }

    public static final class ScaleIrreps extends GraphOp {
        private final int[] copyOfColumn;
        private final int dim;
        private final int n;

        ScaleIrreps(Spec s) {
            super(s);
            ValueType x = s.floatInput(0);
            ValueType sc = s.floatInput(1);
            n = x.irreps().numIrreps();
            if (!sc.irreps().isScalar() || sc.dim() != n || !x.domain().equals(sc.domain())) {
                throw s.error(sc.irreps() + " cannot scale the " + n + " irreps of " + x.irreps());
            }
            dim = x.dim();
            copyOfColumn = new int[dim];
            int col = 0;
            int copy = 0;
            for (MulIrrep m : x.irreps()) {
                for (int u = 0; u < m.mul(); u++, copy++) {
                    for (int k = 0; k < m.ir().dim(); k++) {
                        copyOfColumn[col++] = copy;
                    }
                }
            }
            out = ValueType.floats(x.domain(), x.irreps(), x.zero());
        }

        @Override
        public Object forward(Run run, Object[] in) {
            double[] x = d(in[0]);
            double[] sc = d(in[1]);
            int rows = sc.length / Math.max(1, n);
            double[] o = new double[rows * dim];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < dim; c++) {
                    o[r * dim + c] = x[r * dim + c] * sc[r * n + copyOfColumn[c]];
                }
            }
            return o;
        }

        @Override
        public void backward(Run run, Object[] in, Object outValue, double[] g, double[][] gIn) {
            double[] x = d(in[0]);
            double[] sc = d(in[1]);
            int rows = sc.length / Math.max(1, n);
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < dim; c++) {
                    double gg = g[r * dim + c];
                    if (gIn[0] != null) {
                        gIn[0][r * dim + c] += gg * sc[r * n + copyOfColumn[c]];
                    }
                    if (gIn[1] != null) {
                        gIn[1][r * n + copyOfColumn[c]] += gg * x[r * dim + c];
                    }
                }
            }
        }
    }

    public static final class Simplify extends GraphOp {
        private final Rearrange rearrange;
        private final int dimIn;

        Simplify(Spec s) {
            super(s);
            ValueType x = s.floatInput(0);
            Irreps want = s.irreps("irreps");
            rearrange = Rearrange.of(x, "simplify");
            if (!rearrange.irreps().equals(want)) {
                throw s.error(x.irreps() + " simplifies to " + rearrange.irreps() + ", not " + want);
            }
            dimIn = x.dim();
            out = ValueType.floats(x.domain(), want);
        }

        @Override
        public Object forward(Run run, Object[] in) {
            return rearrange.gather(d(in[0]), dimIn);
        }

        @Override
        public void backward(Run run, Object[] in, Object outValue, double[] g, double[][] gIn) {
            rearrange.scatterAdd(g, gIn[0], dimIn);
        }
    }

    /** e3nn {@code tensor_product(a, b, filter_ir_out)}: the engine's TensorProduct ("component"). */
    public static final class Product extends GraphOp {
        private final TensorProduct tp;

        Product(Spec s) {
            super(s);
            ValueType a = s.floatInput(0);
            ValueType b = s.floatInput(1);
            if (!a.domain().equals(b.domain())) {
                throw s.error("inputs live on " + a.domain() + " and " + b.domain());
            }
            Object f = s.raw("filter_ir_out");
            List<Irrep> filter = null;
            if (f != null) {
                filter = new ArrayList<>();
                for (MulIrrep m : s.irreps("filter_ir_out")) {
                    filter.add(m.ir());
                }
            }
            tp = new TensorProduct(a.irreps(), b.irreps(), filter, TensorProduct.IrrepNormalization.COMPONENT);
            // known-zero chunks: a path is zero when one of its regrouped input chunks is all zero
            boolean[] z1 = zeroFromColumns(tp.regrouped1(), permute(liveColumns(a), tp.regroupColumns1()));
            boolean[] z2 = zeroFromColumns(tp.regrouped2(), permute(liveColumns(b), tp.regroupColumns2()));
            boolean[] live = new boolean[tp.irrepsOut().dim()];
            for (TensorProduct.Path p : tp.paths()) {
                if (!z1[p.entry1()] && !z2[p.entry2()]) {
                    int n = p.mul1() * p.mul2() * p.irOut().dim();
                    for (int t = 0; t < n; t++) {
                        live[p.outOffset() + t] = true;
                    }
                }
            }
            out = ValueType.floats(a.domain(), tp.irrepsOut(), zeroFromColumns(tp.irrepsOut(), live));
        }

        /** The engine's product (paths, regrouping, normalisation). */
        public TensorProduct tensorProduct() {
            return tp;
        }

        private static boolean[] permute(boolean[] live, int[] columns) {
            boolean[] o = new boolean[columns.length];
            for (int c = 0; c < columns.length; c++) {
                o[c] = live[columns[c]];
            }
            return o;
        }

        @Override
        public Object forward(Run run, Object[] in) {
            int rows = run.rows(out.domain());
            return tp.apply(new IrrepsArray(tp.irreps1(), rows, d(in[0])), new IrrepsArray(tp.irreps2(), rows, d(in[1])))
                    .data();
        }

        @Override
        public void backward(Run run, Object[] in, Object outValue, double[] g, double[][] gIn) {
            int rows = run.rows(out.domain());
            double[][] gr = tp.vjp(new IrrepsArray(tp.irreps1(), rows, d(in[0])),
                    new IrrepsArray(tp.irreps2(), rows, d(in[1])), g);
            for (int k = 0; k < 2; k++) {
                if (gIn[k] != null) {
                    for (int t = 0; t < gr[k].length; t++) {
                        gIn[k][t] += gr[k][t];
                    }
                }
            }
        }
    }

    /** e3nn {@code gate}: the engine's Gate with the graph's activations and constants. */
    public static final class GateOp extends GraphOp {
        private final Gate gate;
        /** The same gate with the recorded {@code c_f32} constants (float32 semantics), or {@code gate}. */
        private final Gate gate32;

        GateOp(Spec s) {
            super(s);
            ValueType x = s.floatInput(0);
            boolean normalize = s.bool("normalize_act");
            Map<?, ?> constants = null;
            if (s.has("constants") && s.raw("constants") != null) {
                if (!(s.raw("constants") instanceof Map<?, ?> m) || !normalize) {
                    throw s.error("constants must be an object, and only with normalize_act true");
                }
                constants = m;
            }
            String[] keys = {"even_act", "odd_act", "even_gate_act", "odd_gate_act"};
            Gate.ScalarAct[] acts = new Gate.ScalarAct[4];
            Gate.ScalarAct[] acts32 = new Gate.ScalarAct[4];
            java.util.Set<String> names = new java.util.TreeSet<>();
            for (int k = 0; k < 4; k++) {
                ScalarOps.Act a = ScalarOps.Act.parse(s, keys[k]);
                names.add(s.string(keys[k]));
                if (a.engine() == null) {
                    throw s.error(keys[k] + " \"" + s.string(keys[k]) + "\" is not supported in a gate by the Java"
                            + " reference executor yet");
                }
                double c = 1.0;
                double c32 = 1.0;
                if (normalize) {
                    c = Activations.normalizeConstant(a.engine());
                    c32 = c;
                    if (constants != null) {
                        c = checkedConstant(s, constants, s.string(keys[k]), c);
                        c32 = ((Number) ((Map<?, ?>) constants.get(s.string(keys[k]))).get("c_f32")).doubleValue();
                        // e3nn computes c on a float32 grid: it differs from c_f64 by ~1e-6 relative, never more
                        if (!(Math.abs(c32 - c) <= 1e-5 * c)) {
                            throw s.error("constants." + s.string(keys[k]) + ".c_f32 = " + c32 + " is too far from"
                                    + " c_f64 = " + c + " (more than 1e-5 relative)");
                        }
                    }
                }
                acts[k] = new Gate.ScalarAct(a.engine(), c);
                acts32[k] = new Gate.ScalarAct(a.engine(), c32);
            }
            if (constants != null && !new java.util.TreeSet<>(constantNames(constants)).equals(names)) {
                throw s.error("constants must be given for exactly " + names + ", got " + constants.keySet());
            }
            try {
                gate = new Gate(x.irreps(), acts[0], acts[1], acts[2], acts[3]);
                gate32 = new Gate(x.irreps(), acts32[0], acts32[1], acts32[2], acts32[3]);
            } catch (RuntimeException e) {
                throw s.error(e.getMessage());
            }
            out = ValueType.floats(x.domain(), gate.irrepsOut());
        }

        /** The gate with the float32 constants ({@code c_f32}; the float64 ones when the file records none). */
        public Gate gate32() {
            return gate32;
        }

        private static java.util.Set<String> constantNames(Map<?, ?> m) {
            java.util.Set<String> out = new java.util.TreeSet<>();
            for (Object k : m.keySet()) {
                out.add(String.valueOf(k));
            }
            return out;
        }

        /** The recorded float64 constant, checked against the engine's own computation of it. */
        private static double checkedConstant(Spec s, Map<?, ?> constants, String name, double computed) {
            if (!(constants.get(name) instanceof Map<?, ?> c) || !(c.get("c_f64") instanceof Number f64)
                    || !(c.get("c_f32") instanceof Number) || c.size() != 2) {
                throw s.error("constants." + name + " must be {c_f32, c_f64}");
            }
            double v = f64.doubleValue();
            if (!(Math.abs(v - computed) <= 1e-9 * Math.abs(computed))) {
                throw s.error("constants." + name + ".c_f64 = " + v + " but e3nn's normalize_function gives " + computed);
            }
            return v;
        }

        @Override
        public Object forward(Run run, Object[] in) {
            int rows = run.rows(out.domain());
            return (run.float32Constants ? gate32 : gate).apply(new IrrepsArray(gate.irrepsIn(), rows, d(in[0]))).data();
        }

        @Override
        public void backward(Run run, Object[] in, Object outValue, double[] g, double[][] gIn) {
            int rows = run.rows(out.domain());
            double[] gr = (run.float32Constants ? gate32 : gate).vjp(new IrrepsArray(gate.irrepsIn(), rows, d(in[0])), g);
            for (int t = 0; t < gr.length; t++) {
                gIn[0][t] += gr[t];
            }
        }
    }
}
