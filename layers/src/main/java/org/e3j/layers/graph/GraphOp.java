package org.e3j.layers.graph;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.e3j.engine.irreps.Irreps;
import org.e3j.layers.io.ModelFormatException;
import org.e3j.layers.io.SafeTensors;

/**
 * One compiled node of a model graph: built from the node's attributes and its inputs' types (the
 * constructor validates and infers {@link #out}), then run forward in double and backward (the
 * vector-Jacobian product with respect to its float inputs; weights are constants).
 */
public abstract class GraphOp {

    /** The node's name, for messages. */
    protected final String node;
    /** The op's name. */
    protected final String op;
    /** The inferred output type (checked against the node's declared {@code out}). */
    protected ValueType out;

    protected GraphOp(Spec spec) {
        this.node = spec.name;
        this.op = spec.op;
    }

    /** Computes the output (double[] rows x dim, or int[]). */
    public abstract Object forward(Run run, Object[] in);

    /**
     * Accumulates {@code gOut^T d out / d in_i} into {@code gIn[i]} for every float input with a
     * non-null buffer. Ops whose output is an int (or does not depend on float inputs) do nothing.
     */
    public void backward(Run run, Object[] in, Object outValue, double[] gOut, double[][] gIn) {}

    public ValueType out() {
        return out;
    }

    protected ModelFormatException error(String what) {
        return new ModelFormatException("node \"" + node + "\" (" + op + "): " + what);
    }

    /** Sizes of one evaluation. */
    public static final class Run {
        final int nodes;
        final int edges;
        final int[] nNode;
        /** The model inputs by kind (positions, atomic_numbers, species, senders, receivers, shifts, n_node). */
        public final Map<String, Object> given = new java.util.HashMap<>();
        /** Use the gates' recorded float32 normalisation constants ({@code c_f32}) instead of {@code c_f64}. */
        public boolean float32Constants;

        public Run(int nodes, int edges, int[] nNode) {
            this.nodes = nodes;
            this.edges = edges;
            this.nNode = nNode;
        }

        int rows(String domain) {
            return switch (domain) {
                case "node" -> nodes;
                case "edge" -> edges;
                default -> nNode.length;
            };
        }
    }

    /** A node as read from the file, with attribute and weight accessors that name the node. */
    static final class Spec {
        final String name;
        final String op;
        final Map<String, Object> attrs;
        final List<ValueType> in;
        final SafeTensors file;
        final Set<String> usedTensors;
        private final Set<String> known = new HashSet<>();

        Spec(String name, String op, Map<String, Object> attrs, List<ValueType> in, SafeTensors file,
                Set<String> usedTensors) {
            this.name = name;
            this.op = op;
            this.attrs = attrs;
            this.in = in;
            this.file = file;
            this.usedTensors = usedTensors;
        }

        ModelFormatException error(String what) {
            return new ModelFormatException("node \"" + name + "\" (" + op + "): " + what);
        }

        /** Declares the attributes of the op; anything else in the node is refused (it could change the math). */
        void allow(String... names) {
            known.addAll(List.of(names));
        }

        void checkNoUnknownAttrs() {
            Set<String> extra = new TreeSet<>(attrs.keySet());
            extra.removeAll(known);
            if (!extra.isEmpty()) {
                throw error("unknown attribute(s) " + extra);
            }
        }

        Object raw(String key) {
            known.add(key);
            if (!attrs.containsKey(key)) {
                throw error("missing attribute \"" + key + "\"");
            }
            return attrs.get(key);
        }

        boolean has(String key) {
            known.add(key);
            return attrs.containsKey(key);
        }

        String string(String key) {
            if (!(raw(key) instanceof String s)) {
                throw error("attribute \"" + key + "\" must be a string");
            }
            return s;
        }

        String choice(String key, String... allowed) {
            String s = string(key);
            for (String a : allowed) {
                if (a.equals(s)) {
                    return s;
                }
            }
            throw error("attribute \"" + key + "\" = \"" + s + "\" is not one of " + List.of(allowed));
        }

        double number(String key) {
            Object v = raw(key);
            if (!(v instanceof Number n) || !Double.isFinite(n.doubleValue())) {
                throw error("attribute \"" + key + "\" must be a finite number");
            }
            return n.doubleValue();
        }

        int integer(String key, int min) {
            Object v = raw(key);
            if (!(v instanceof Long l) || l < min || l > 1_000_000) {
                throw error("attribute \"" + key + "\" must be an integer >= " + min + ", got " + v);
            }
            return (int) (long) l;
        }

        Integer integerOrNull(String key, int min) {
            return raw(key) == null ? null : integer(key, min);
        }

        boolean bool(String key) {
            if (!(raw(key) instanceof Boolean b)) {
                throw error("attribute \"" + key + "\" must be true or false");
            }
            return b;
        }

        Irreps irreps(String key) {
            try {
                return Irreps.parse(string(key));
            } catch (RuntimeException e) {
                if (e instanceof ModelFormatException m) {
                    throw m;
                }
                throw error("attribute \"" + key + "\": " + e.getMessage());
            }
        }

        /** A normalisation given as "element"/"path" or as the number 0.0/1.0. */
        double normalization(String key) {
            Object v = raw(key);
            if ("element".equals(v)) {
                return 0.0;
            }
            if ("path".equals(v)) {
                return 1.0;
            }
            if (v instanceof Number n && Double.isFinite(n.doubleValue())) {
                return n.doubleValue();
            }
            throw error("attribute \"" + key + "\" must be \"element\", \"path\" or a number");
        }

        /** Input i's type, requiring float / int and (optionally) a domain. */
        ValueType floatInput(int i) {
            ValueType t = in.get(i);
            if (!t.isFloat()) {
                throw error("input " + i + " must be a float value, got " + t);
            }
            return t;
        }

        ValueType intInput(int i) {
            ValueType t = in.get(i);
            if (t.isFloat()) {
                throw error("input " + i + " must be an int index value, got " + t);
            }
            return t;
        }

        /** The weight tensor {@code <node>/<name>}, required with exactly this shape. */
        double[] weight(String name, int... shape) {
            String full = this.name + "/" + name;
            if (!file.contains(full)) {
                throw error("weight tensor \"" + full + "\" is missing");
            }
            SafeTensors.Info info = file.info(full);
            long[] got = info.shape();
            boolean ok = got.length == shape.length;
            for (int i = 0; ok && i < shape.length; i++) {
                ok = got[i] == shape[i];
            }
            if (!ok) {
                throw error("weight \"" + full + "\" has shape " + java.util.Arrays.toString(got).replace('[', '(').replace(']', ')')
                        + ", expected "
                        + java.util.Arrays.toString(shape).replace('[', '(').replace(']', ')'));
            }
            double[] w = file.doubles(full);
            for (double x : w) {
                if (!Double.isFinite(x)) {
                    throw error("weight \"" + full + "\" holds a non-finite value");
                }
            }
            usedTensors.add(full);
            return w;
        }
    }

    // -- small shared helpers ---------------------------------------------------------------------

    static boolean[] noZeros(Irreps irreps) {
        return new boolean[irreps.size()];
    }

    static double[] d(Object o) {
        return (double[]) o;
    }

    static int[] i(Object o) {
        return (int[]) o;
    }
}
