package org.e3j.layers.graph;

import java.util.List;
import java.util.Map;
import org.e3j.engine.E3jException;
import org.e3j.engine.irreps.Irreps;
import org.e3j.engine.so3.SphericalHarmonics;

/**
 * Inputs, edge geometry, radial bases, envelopes, scalar products, MLPs, Embed and one-hot
 * (docs/model-graph.md §3), each with its reverse pass.
 */
public final class ScalarOps {

    private ScalarOps() {}

    static final Map<String, String[]> INPUT_KINDS = Map.of(
            "positions", new String[] {"node", "1x1o"},
            "atomic_numbers", new String[] {"node", null},
            "species", new String[] {"node", null},
            "senders", new String[] {"edge", null},
            "receivers", new String[] {"edge", null},
            "shifts", new String[] {"edge", "1x1o"},
            "n_node", new String[] {"graph", null});

    /** The activations of §3 with their exact derivatives. */
    public enum Act {
        SILU, TANH, SIGMOID, GELU_TANH, SOFT_ODD, RELU, IDENTITY;

        static Act parse(GraphOp.Spec spec, String key) {
            return switch (spec.choice(key, "silu", "tanh", "sigmoid", "gelu_tanh", "soft_odd", "relu", "identity")) {
                case "silu" -> SILU;
                case "tanh" -> TANH;
                case "sigmoid" -> SIGMOID;
                case "gelu_tanh" -> GELU_TANH;
                case "soft_odd" -> SOFT_ODD;
                case "relu" -> RELU;
                default -> IDENTITY;
            };
        }

        /** The engine's activation (for the gate), or null when it has none (relu). */
        org.e3j.engine.ops.Activation engine() {
            return switch (this) {
                case SILU -> org.e3j.engine.ops.Activation.SILU;
                case TANH -> org.e3j.engine.ops.Activation.TANH;
                case SIGMOID -> org.e3j.engine.ops.Activation.SIGMOID;
                case GELU_TANH -> org.e3j.engine.ops.Activation.GELU;
                case SOFT_ODD -> org.e3j.engine.ops.Activation.SOFT_ODD;
                case IDENTITY -> org.e3j.engine.ops.Activation.IDENTITY;
                case RELU -> null;
            };
        }

        double apply(double x) {
            return this == RELU ? Math.max(x, 0.0) : engine().applyAsDouble(x);
        }

        double derivative(double x) {
            return this == RELU ? (x > 0 ? 1.0 : 0.0) : engine().derivative(x);
        }
    }

    // -- inputs ------------------------------------------------------------------------------------

    static final class Input extends GraphOp {
        final String kind;

        Input(Spec s) {
            super(s);
            kind = s.string("kind");
            String[] k = INPUT_KINDS.get(kind);
            if (k == null) {
                throw s.error("unknown input kind \"" + kind + "\" (known: " + new java.util.TreeSet<>(INPUT_KINDS.keySet()) + ")");
            }
            out = k[1] == null ? ValueType.ints(k[0]) : ValueType.floats(k[0], Irreps.parse(k[1]));
        }

        @Override
        public Object forward(Run run, Object[] in) {
            Object v = run.given.get(kind);
            if (v == null) {
                throw new E3jException("node \"" + node + "\": input \"" + kind + "\" not given");
            }
            return v;
        }
    }

    public static final class SpeciesFromZ extends GraphOp {
        final int[] table;
        final List<Object> zs;

        SpeciesFromZ(Spec s) {
            super(s);
            s.intInput(0);
            Object v = s.raw("atomic_numbers");
            if (!(v instanceof List<?> list) || list.isEmpty()) {
                throw s.error("attribute \"atomic_numbers\" must be a non-empty list");
            }
            zs = List.copyOf(list);
            table = new int[200];
            java.util.Arrays.fill(table, -1);
            for (int k = 0; k < list.size(); k++) {
                if (!(list.get(k) instanceof Long z) || z < 1 || z >= table.length || table[(int) (long) z] >= 0) {
                    throw s.error("atomic_numbers[" + k + "] = " + list.get(k) + " is not a new atomic number 1..199");
                }
                table[(int) (long) z] = k;
            }
            out = ValueType.ints(s.in.get(0).domain());
        }

        /** Species index of each atomic number 0..199, -1 where the model has none (a copy). */
        public int[] table() {
            return table.clone();
        }

        /** The model's atomic numbers, in species order (for messages). */
        public List<Object> atomicNumbers() {
            return zs;
        }

        @Override
        public Object forward(Run run, Object[] in) {
            int[] z = i(in[0]);
            int[] o = new int[z.length];
            for (int a = 0; a < z.length; a++) {
                int t = z[a] >= 0 && z[a] < table.length ? table[z[a]] : -1;
                if (t < 0) {
                    throw new E3jException("node \"" + node + "\": atom " + a + " has atomic number " + z[a]
                            + ", not in the model's " + zs);
                }
                o[a] = t;
            }
            return o;
        }
    }

    public static final class OneHot extends GraphOp {
        final int n;

        OneHot(Spec s) {
            super(s);
            n = s.integer("num_classes", 1);
            out = ValueType.floats(s.intInput(0).domain(), Irreps.parse(n + "x0e"));
        }

        public int numClasses() {
            return n;
        }

        @Override
        public Object forward(Run run, Object[] in) {
            int[] idx = i(in[0]);
            double[] o = new double[idx.length * n];
            for (int a = 0; a < idx.length; a++) {
                if (idx[a] < 0 || idx[a] >= n) {
                    throw new E3jException("node \"" + node + "\": index " + idx[a] + " out of range 0.." + (n - 1));
                }
                o[a * n + idx[a]] = 1.0;
            }
            return o;
        }
    }

    public static final class Embed extends GraphOp {
        final int num;
        final int features;
        final double[] table;

        Embed(Spec s) {
            super(s);
            num = s.integer("num_embeddings", 1);
            features = s.integer("features", 1);
            table = s.weight("embedding", num, features);
            out = ValueType.floats(s.intInput(0).domain(), Irreps.parse(features + "x0e"));
        }

        public int numEmbeddings() {
            return num;
        }

        public int features() {
            return features;
        }

        /** The embedding table [num_embeddings][features] (a copy). */
        public double[] table() {
            return table.clone();
        }

        @Override
        public Object forward(Run run, Object[] in) {
            int[] idx = i(in[0]);
            double[] o = new double[idx.length * features];
            for (int a = 0; a < idx.length; a++) {
                if (idx[a] < 0 || idx[a] >= num) {
                    throw new E3jException("node \"" + node + "\": index " + idx[a] + " out of range 0.." + (num - 1));
                }
                System.arraycopy(table, idx[a] * features, o, a * features, features);
            }
            return o;
        }
    }

    // -- edge geometry -----------------------------------------------------------------------------

    public static final class RelativeVectors extends GraphOp {
        final double sign;
        final boolean withShifts;

        RelativeVectors(Spec s) {
            super(s);
            sign = s.choice("sign", "receiver_minus_sender", "sender_minus_receiver").startsWith("receiver") ? 1 : -1;
            ValueType p = s.floatInput(0);
            if (!p.domain().equals("node") || !p.irreps().equals(Irreps.parse("1x1o"))) {
                throw s.error("input 0 must be node positions 1x1o, got " + p);
            }
            for (int k = 1; k <= 2; k++) {
                if (!s.intInput(k).domain().equals("edge")) {
                    throw s.error("input " + k + " must be an edge index");
                }
            }
            withShifts = s.in.size() == 4;
            if (withShifts) {
                ValueType sh = s.floatInput(3);
                if (!sh.domain().equals("edge") || !sh.irreps().equals(Irreps.parse("1x1o"))) {
                    throw s.error("input 3 must be edge shifts 1x1o, got " + sh);
                }
            }
            out = ValueType.floats("edge", Irreps.parse("1x1o"));
        }

        /** +1 for receiver_minus_sender, -1 for sender_minus_receiver. */
        public double sign() {
            return sign;
        }

        /** Whether the node has the shifts input (input 3). */
        public boolean withShifts() {
            return withShifts;
        }

        @Override
        public Object forward(Run run, Object[] in) {
            double[] p = d(in[0]);
            int[] snd = i(in[1]);
            int[] rcv = i(in[2]);
            double[] sh = withShifts ? d(in[3]) : null;
            double[] o = new double[3 * snd.length];
            for (int e = 0; e < snd.length; e++) {
                for (int c = 0; c < 3; c++) {
                    double v = p[3 * rcv[e] + c] - p[3 * snd[e] + c] + (sh == null ? 0.0 : sh[3 * e + c]);
                    o[3 * e + c] = sign * v;
                }
            }
            return o;
        }

        @Override
        public void backward(Run run, Object[] in, Object outValue, double[] g, double[][] gIn) {
            int[] snd = i(in[1]);
            int[] rcv = i(in[2]);
            for (int e = 0; e < snd.length; e++) {
                for (int c = 0; c < 3; c++) {
                    double v = sign * g[3 * e + c];
                    if (gIn[0] != null) {
                        gIn[0][3 * rcv[e] + c] += v;
                        gIn[0][3 * snd[e] + c] -= v;
                    }
                    if (withShifts && gIn[3] != null) {
                        gIn[3][3 * e + c] += v;
                    }
                }
            }
        }
    }

    public static final class Norm extends GraphOp {
        Norm(Spec s) {
            super(s);
            ValueType v = s.floatInput(0);
            if (!v.irreps().equals(Irreps.parse("1x1o"))) {
                throw s.error("input must be vectors 1x1o, got " + v.irreps());
            }
            out = ValueType.floats(v.domain(), Irreps.parse("1x0e"));
        }

        @Override
        public Object forward(Run run, Object[] in) {
            double[] v = d(in[0]);
            double[] o = new double[v.length / 3];
            for (int e = 0; e < o.length; e++) {
                o[e] = Math.sqrt(v[3 * e] * v[3 * e] + v[3 * e + 1] * v[3 * e + 1] + v[3 * e + 2] * v[3 * e + 2]);
            }
            return o;
        }

        @Override
        public void backward(Run run, Object[] in, Object outValue, double[] g, double[][] gIn) {
            double[] v = d(in[0]);
            double[] n = d(outValue);
            for (int e = 0; e < n.length; e++) {
                if (n[e] > 0) {
                    for (int c = 0; c < 3; c++) {
                        gIn[0][3 * e + c] += g[e] * v[3 * e + c] / n[e];
                    }
                }
            }
        }
    }

    public static final class Harmonics extends GraphOp {
        final SphericalHarmonics sh;
        final int[] columns;

        Harmonics(Spec s) {
            super(s);
            ValueType v = s.floatInput(0);
            if (!v.irreps().equals(Irreps.parse("1x1o"))) {
                throw s.error("input must be vectors 1x1o, got " + v.irreps());
            }
            Irreps irreps = s.irreps("irreps");
            int lmax = 0;
            for (var m : irreps) {
                if (m.mul() != 1) {
                    throw s.error("irreps must be a list of 1x{l}{p}, got " + irreps);
                }
                lmax = Math.max(lmax, m.l());
            }
            if (lmax > 11) {
                throw s.error("lmax " + lmax + " is beyond what e3j supports (11)");
            }
            sh = new SphericalHarmonics(lmax, SphericalHarmonics.Normalization.parse(
                    s.choice("normalization", "component", "norm", "integral")), s.bool("normalize"));
            columns = new int[irreps.dim()];
            int c = 0;
            for (var m : irreps) {
                for (int k = 0; k < 2 * m.l() + 1; k++) {
                    columns[c++] = m.l() * m.l() + k;
                }
            }
            out = ValueType.floats(v.domain(), irreps);
        }

        /** The harmonics Y^0..Y^lmax this node evaluates (lmax, normalization, normalize). */
        public SphericalHarmonics harmonics() {
            return sh;
        }

        /** Output column c is component {@code columns[c]} (= l*l + l + m) of Y^0..Y^lmax (a copy). */
        public int[] columns() {
            return columns.clone();
        }

        @Override
        public Object forward(Run run, Object[] in) {
            double[] v = d(in[0]);
            int rows = v.length / 3;
            double[] full = new double[sh.dim()];
            double[] o = new double[rows * columns.length];
            for (int e = 0; e < rows; e++) {
                sh.compute(v[3 * e], v[3 * e + 1], v[3 * e + 2], full, 0);
                for (int c = 0; c < columns.length; c++) {
                    o[e * columns.length + c] = full[columns[c]];
                }
            }
            return o;
        }

        @Override
        public void backward(Run run, Object[] in, Object outValue, double[] g, double[][] gIn) {
            double[] v = d(in[0]);
            int rows = v.length / 3;
            double[] full = new double[sh.dim()];
            double[] jac = new double[3 * sh.dim()];
            for (int e = 0; e < rows; e++) {
                sh.computeWithJacobian(v[3 * e], v[3 * e + 1], v[3 * e + 2], full, 0, jac, 0);
                for (int c = 0; c < columns.length; c++) {
                    double ge = g[e * columns.length + c];
                    for (int a = 0; a < 3; a++) {
                        gIn[0][3 * e + a] += ge * jac[3 * columns[c] + a];
                    }
                }
            }
        }
    }

    // -- radial functions of |r| (input Kx0e... 1x0e, output scalars) -------------------------------

    /** A function of one scalar per row to {@code width} scalars, with its derivative. */
    abstract static class Radial extends GraphOp {
        final int width;

        Radial(Spec s, int width) {
            super(s);
            this.width = width;
            ValueType d = s.floatInput(0);
            if (!d.irreps().equals(Irreps.parse("1x0e"))) {
                throw s.error("input must be a norm 1x0e, got " + d.irreps());
            }
            out = ValueType.floats(d.domain(), Irreps.parse(width + "x0e"));
        }

        /** Writes f(x) into o[off..off+width) and, if dd != null, f'(x) into dd[0..width). */
        abstract void eval(double x, double[] o, int off, double[] dd);

        @Override
        public Object forward(Run run, Object[] in) {
            double[] x = d(in[0]);
            double[] o = new double[x.length * width];
            for (int e = 0; e < x.length; e++) {
                eval(x[e], o, e * width, null);
            }
            return o;
        }

        @Override
        public void backward(Run run, Object[] in, Object outValue, double[] g, double[][] gIn) {
            double[] x = d(in[0]);
            double[] tmp = new double[width];
            double[] dd = new double[width];
            for (int e = 0; e < x.length; e++) {
                eval(x[e], tmp, 0, dd);
                double acc = 0;
                for (int k = 0; k < width; k++) {
                    acc += g[e * width + k] * dd[k];
                }
                gIn[0][e] += acc;
            }
        }
    }

    public static final class Bessel extends Radial {
        final double cutoff;
        final double prefactor;
        final double[] freq;
        final boolean limitAtZero;
        static final double F32_1E_5 = (double) 1e-5f;

        Bessel(Spec s) {
            super(s, s.integer("num_basis", 1));
            cutoff = s.number("cutoff");
            if (cutoff <= 0) {
                throw s.error("cutoff must be > 0");
            }
            Object p = s.raw("prefactor");
            if ("sqrt(2/cutoff)".equals(p)) {
                prefactor = Math.sqrt(2.0 / cutoff);
            } else if ("2/cutoff".equals(p)) {
                prefactor = 2.0 / cutoff;
            } else if (p instanceof Number n && Double.isFinite(n.doubleValue())) {
                prefactor = n.doubleValue();
            } else {
                throw s.error("prefactor must be \"sqrt(2/cutoff)\", \"2/cutoff\" or a number, got " + p);
            }
            limitAtZero = s.choice("at_zero", "limit", "zero_below_1e-5").equals("limit");
            if (s.bool("trainable_frequencies")) {
                freq = s.weight("frequencies", width);
            } else {
                freq = new double[width];
                for (int n = 0; n < width; n++) {
                    freq[n] = (n + 1) * Math.PI;
                }
            }
        }

        public int numBasis() {
            return width;
        }

        public double cutoff() {
            return cutoff;
        }

        public double prefactor() {
            return prefactor;
        }

        /** The frequencies f_n (n*pi, or the file's trainable ones; a copy). */
        public double[] frequencies() {
            return freq.clone();
        }

        /** at_zero "limit" (true) or "zero_below_1e-5" (false). */
        public boolean limitAtZero() {
            return limitAtZero;
        }

        /** The threshold of at_zero "zero_below_1e-5": f32(1e-5). */
        public static double zeroBelow() {
            return F32_1E_5;
        }

        @Override
        void eval(double x, double[] o, int off, double[] dd) {
            boolean ok = limitAtZero ? x > 0 : x > F32_1E_5;
            for (int n = 0; n < width; n++) {
                if (ok) {
                    double a = freq[n] / cutoff;
                    o[off + n] = prefactor * Math.sin(a * x) / x;
                    if (dd != null) {
                        dd[n] = prefactor * (a * Math.cos(a * x) * x - Math.sin(a * x)) / (x * x);
                    }
                } else {
                    o[off + n] = limitAtZero ? prefactor * freq[n] / cutoff : 0.0;
                    if (dd != null) {
                        dd[n] = 0.0;
                    }
                }
            }
        }
    }

    public static final class PolynomialEnvelope extends Radial {
        final double cutoff;
        final double p;

        PolynomialEnvelope(Spec s) {
            super(s, 1);
            cutoff = s.number("cutoff");
            p = s.number("p");
            if (cutoff <= 0 || p < 1) {
                throw s.error("needs cutoff > 0 and p >= 1");
            }
        }

        public double cutoff() {
            return cutoff;
        }

        public double p() {
            return p;
        }

        @Override
        void eval(double d, double[] o, int off, double[] dd) {
            double x = d / cutoff;
            if (x < 1.0) {
                double a = (p + 1) * (p + 2) / 2;
                double b = p * (p + 2);
                double c = p * (p + 1) / 2;
                o[off] = 1.0 - a * Math.pow(x, p) + b * Math.pow(x, p + 1) - c * Math.pow(x, p + 2);
                if (dd != null) {
                    dd[0] = (-a * p * Math.pow(x, p - 1) + b * (p + 1) * Math.pow(x, p) - c * (p + 2) * Math.pow(x, p + 1))
                            / cutoff;
                }
            } else {
                o[off] = 0.0;
                if (dd != null) {
                    dd[0] = 0.0;
                }
            }
        }
    }

    public static final class SmoothstepEnvelope extends Radial {
        final double rc;
        final double ro;
        final double rc2;
        final double ro2;
        final double threeRo2;
        final double den;

        SmoothstepEnvelope(Spec s) {
            super(s, 1);
            double c = s.number("r_cutoff");
            double on = s.number("r_onset");
            if (!(on < c) || on < 0) {
                throw s.error("needs 0 <= r_onset < r_cutoff");
            }
            if (s.bool("float32_constants")) {
                // jax-md: r_max is a float32, so these constants are float32 computations
                float fc = (float) c;
                float fo = (float) on;
                float c2 = fc * fc;
                float o2 = fo * fo;
                float diff = c2 - o2;
                rc = fc;
                ro = fo;
                rc2 = c2;
                ro2 = o2;
                threeRo2 = 3f * o2;
                den = diff * diff * diff;
            } else {
                rc = c;
                ro = on;
                rc2 = c * c;
                ro2 = on * on;
                threeRo2 = 3 * ro2;
                den = (rc2 - ro2) * (rc2 - ro2) * (rc2 - ro2);
            }
        }

        /** r_cutoff, r_onset and the derived constants as the package computes them (float32 when asked). */
        public double rCutoff() {
            return rc;
        }

        public double rOnset() {
            return ro;
        }

        public double rCutoffSquared() {
            return rc2;
        }

        public double threeROnsetSquared() {
            return threeRo2;
        }

        /** (rc^2 - ro^2)^3. */
        public double denominator() {
            return den;
        }

        @Override
        void eval(double x, double[] o, int off, double[] dd) {
            double v;
            double dv = 0;
            if (x < ro) {
                v = 1.0;
            } else if (x < rc) {
                double r2 = x * x;
                double a = rc2 - r2;
                double b = rc2 + 2 * r2 - threeRo2;
                v = a * a * b / den;
                dv = (2 * a * (-2 * x) * b + a * a * 4 * x) / den;
            } else {
                v = 0.0;
            }
            o[off] = v;
            if (dd != null) {
                dd[0] = dv;
            }
        }
    }

    // -- scalar products and MLPs ----------------------------------------------------------------

    public static final class Mul extends GraphOp {
        final int wa;
        final int wb;
        final int w;

        Mul(Spec s) {
            super(s);
            ValueType a = s.floatInput(0);
            ValueType b = s.floatInput(1);
            if (!a.irreps().isScalar() || !b.irreps().isScalar() || !a.domain().equals(b.domain())) {
                throw s.error("needs two scalar values of one domain, got " + a + " and " + b);
            }
            wa = a.dim();
            wb = b.dim();
            if (!(wa == wb || wa == 1 || wb == 1)) {
                throw s.error("widths " + wa + " and " + wb + " do not broadcast");
            }
            w = Math.max(wa, wb);
            out = ValueType.floats(a.domain(), Irreps.parse(w + "x0e"));
        }

        /** Widths of the two operands (1 broadcasts). */
        public int widthA() {
            return wa;
        }

        public int widthB() {
            return wb;
        }

        @Override
        public Object forward(Run run, Object[] in) {
            double[] a = d(in[0]);
            double[] b = d(in[1]);
            int rows = a.length / wa;
            double[] o = new double[rows * w];
            for (int r = 0; r < rows; r++) {
                for (int k = 0; k < w; k++) {
                    o[r * w + k] = a[r * wa + (wa == 1 ? 0 : k)] * b[r * wb + (wb == 1 ? 0 : k)];
                }
            }
            return o;
        }

        @Override
        public void backward(Run run, Object[] in, Object outValue, double[] g, double[][] gIn) {
            double[] a = d(in[0]);
            double[] b = d(in[1]);
            int rows = a.length / wa;
            for (int r = 0; r < rows; r++) {
                for (int k = 0; k < w; k++) {
                    int ia = r * wa + (wa == 1 ? 0 : k);
                    int ib = r * wb + (wb == 1 ? 0 : k);
                    double gg = g[r * w + k];
                    if (gIn[0] != null) {
                        gIn[0][ia] += gg * b[ib];
                    }
                    if (gIn[1] != null) {
                        gIn[1][ib] += gg * a[ia];
                    }
                }
            }
        }
    }
}
