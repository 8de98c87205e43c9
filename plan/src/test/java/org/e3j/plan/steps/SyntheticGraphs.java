package org.e3j.plan.steps;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.e3j.layers.graph.ModelGraph;
import org.e3j.layers.io.SafeTensors;
import org.e3j.layers.model.ModelInput;

/**
 * Small valid model graphs (built here as JSON + random float32 weights, loaded by the real
 * {@link ModelGraph} loader) that reach the attribute variants the package fixtures do not: every
 * spherical-harmonics normalisation with normalize on and off and lmax 0..11, both edge signs with and
 * without shifts, each Bessel prefactor / at_zero form, both envelopes (real p, float32 constants on and
 * off), mul broadcasting either operand, and MLPs with and without bias, each LayerNorm flavour (fused
 * kernel, fast or exact variance, scale / bias on or off, other epsilons) and every activation.
 *
 * <p>The graph: species → one_hot, embed; r = relative_vectors → norm → bessel × envelope → mlp (edge)
 * → × tensor_product(sh, sh → 0e) → scatter_sum → concat(·, embed, one_hot) → mlp (node) = atom
 * energies → sum_over_graphs = energy. Structures: two graphs (9 and 7 atoms), all ordered pairs plus a
 * zero-length self-edge in each (r = 0: norm, harmonics and Bessel at zero), 116 edges.
 */
final class SyntheticGraphs {
    private SyntheticGraphs() {}

    /** An MLP's attributes: activation, bias, layer_norm (null or its object), hidden widths. */
    record Mlp(String act, boolean bias, Map<String, Object> ln, int... hidden) {}

    record Variant(String name, int lmax, String shNorm, boolean normalize, String sign, boolean withShifts,
            Object prefactor, String atZero, boolean trainable, String envelope, boolean mulEnvFirst, Mlp edge,
            Mlp nodeMlp) {}

    static Map<String, Object> ln(double eps, boolean fast, boolean scale, boolean bias) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epsilon", eps);
        m.put("fast_variance", fast);
        m.put("use_scale", scale);
        m.put("use_bias", bias);
        return m;
    }

    static final List<Variant> VARIANTS = List.of(
            new Variant("e3j-like lmax2 norm, fused LN+silu", 2, "norm", true, "receiver_minus_sender", true,
                    "sqrt(2/cutoff)", "limit", false, "poly 6", false,
                    new Mlp("silu", true, ln(1e-6, true, true, true), 16, 8), new Mlp("tanh", true, null, 6)),
            new Variant("lmax5 integral unnormalized, exact-variance LN", 5, "integral", false, "sender_minus_receiver",
                    false, 0.6896551251411438, "zero_below_1e-5", true, "smooth f32", true,
                    new Mlp("gelu_tanh", false, ln(1e-3, false, false, true), 12),
                    new Mlp("sigmoid", true, ln(1e-5, true, true, false), 5, 4)),
            new Variant("lmax11 component, soft_odd + relu", 11, "component", true, "receiver_minus_sender", true,
                    "2/cutoff", "limit", false, "poly 2.5", false,
                    new Mlp("soft_odd", true, ln(1e-6, true, true, true), 10), new Mlp("relu", false, null, 7)),
            new Variant("lmax0 single dense layer, identity", 0, "component", false, "sender_minus_receiver", true,
                    "2/cutoff", "zero_below_1e-5", false, "smooth f64", true, new Mlp("identity", false, null),
                    new Mlp("silu", false, null, 8, 8)),
            new Variant("lmax3 integral, LN without bias + silu", 3, "integral", true, "receiver_minus_sender", false,
                    "sqrt(2/cutoff)", "limit", true, "poly 3", false,
                    new Mlp("silu", false, ln(1e-6, true, true, false), 9, 9), new Mlp("gelu_tanh", true, null, 4)));

    static final double CUTOFF = 4.0;
    static final int NUM_BASIS = 6;
    static final int[] SPECIES = {8, 1, 6};
    static final int FEATURES = 4;

    static ModelGraph build(Variant v) {
        Random rnd = new Random(v.name().hashCode());
        Map<String, float[]> tensors = new TreeMap<>();
        Map<String, long[]> shapes = new TreeMap<>();
        List<Object> nodes = new ArrayList<>();
        for (String kind : List.of("positions", "atomic_numbers", "senders", "receivers", "n_node")) {
            boolean f = kind.equals("positions");
            nodes.add(node(kind, "input", List.of(), Map.of("kind", kind),
                    f ? out("node", "1x1o") : outInt(kind.equals("senders") || kind.equals("receivers") ? "edge"
                            : kind.equals("n_node") ? "graph" : "node")));
        }
        if (v.withShifts()) {
            nodes.add(node("shifts", "input", List.of(), Map.of("kind", "shifts"), out("edge", "1x1o")));
        }
        nodes.add(node("species", "species_from_atomic_numbers", List.of("atomic_numbers"),
                Map.of("atomic_numbers", List.of(8L, 1L, 6L)), outInt("node")));
        nodes.add(node("one_hot", "one_hot", List.of("species"), Map.of("num_classes", 3L), out("node", "3x0e")));
        nodes.add(node("embed", "embed", List.of("species"), Map.of("num_embeddings", 3L, "features", (long) FEATURES),
                out("node", FEATURES + "x0e")));
        weight(tensors, shapes, rnd, "embed/embedding", 1.0, 0.0, 3, FEATURES);
        List<String> rIn = new ArrayList<>(List.of("positions", "senders", "receivers"));
        if (v.withShifts()) {
            rIn.add("shifts");
        }
        nodes.add(node("r", "relative_vectors", rIn, Map.of("sign", v.sign()), out("edge", "1x1o")));
        nodes.add(node("d", "norm", List.of("r"), Map.of(), out("edge", "1x0e")));
        StringBuilder shIr = new StringBuilder();
        for (int l = 0; l <= v.lmax(); l++) {
            shIr.append(l == 0 ? "" : "+").append("1x").append(l).append(l % 2 == 0 ? "e" : "o");
        }
        nodes.add(node("sh", "spherical_harmonics", List.of("r"),
                Map.of("irreps", shIr.toString(), "normalization", v.shNorm(), "normalize", v.normalize()),
                out("edge", shIr.toString())));
        Map<String, Object> bes = new LinkedHashMap<>();
        bes.put("num_basis", (long) NUM_BASIS);
        bes.put("cutoff", CUTOFF);
        bes.put("prefactor", v.prefactor());
        bes.put("at_zero", v.atZero());
        bes.put("trainable_frequencies", v.trainable());
        nodes.add(node("basis", "bessel", List.of("d"), bes, out("edge", NUM_BASIS + "x0e")));
        if (v.trainable()) {
            float[] f = new float[NUM_BASIS];
            for (int n = 0; n < NUM_BASIS; n++) {
                f[n] = (float) ((n + 1) * Math.PI + 0.3 * (rnd.nextDouble() - 0.5));
            }
            tensors.put("basis/frequencies", f);
            shapes.put("basis/frequencies", new long[] {NUM_BASIS});
        }
        if (v.envelope().startsWith("poly")) {
            nodes.add(node("env", "polynomial_envelope", List.of("d"),
                    Map.of("cutoff", CUTOFF, "p", Double.parseDouble(v.envelope().substring(5))), out("edge", "1x0e")));
        } else {
            nodes.add(node("env", "smoothstep_envelope", List.of("d"), Map.of("r_onset", (double) (float) (CUTOFF - 1.3),
                    "r_cutoff", CUTOFF, "float32_constants", v.envelope().endsWith("f32")), out("edge", "1x0e")));
        }
        nodes.add(node("rb", "mul", v.mulEnvFirst() ? List.of("env", "basis") : List.of("basis", "env"), Map.of(),
                out("edge", NUM_BASIS + "x0e")));
        int k = v.lmax() + 1;
        mlp(nodes, tensors, shapes, rnd, "radial", "rb", "edge", v.edge(), NUM_BASIS, k);
        nodes.add(node("shsq", "tensor_product", List.of("sh", "sh"), Map.of("filter_ir_out", "0e"),
                out("edge", k + "x0e")));
        nodes.add(node("msg", "mul", List.of("radial", "shsq"), Map.of(), out("edge", k + "x0e")));
        nodes.add(node("agg", "scatter_sum", List.of("msg", "receivers"), Map.of("divisor", 3.0), out("node", k + "x0e")));
        int cat = k + FEATURES + 3;
        nodes.add(node("feat", "concat", List.of("agg", "embed", "one_hot"), Map.of(),
                out("node", k + "x0e+" + FEATURES + "x0e+3x0e")));
        mlp(nodes, tensors, shapes, rnd, "atom_energy", "feat", "node", v.nodeMlp(), cat, 1);
        nodes.add(node("energy", "sum_over_graphs", List.of("atom_energy", "n_node"), Map.of(), out("graph", "1x0e")));
        Map<String, Object> graph = new LinkedHashMap<>();
        graph.put("nodes", nodes);
        graph.put("outputs", Map.of("energy", "energy", "atom_energies", "atom_energy"));
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("format", "e3j-model");
        cfg.put("format_version", 2L);
        cfg.put("architecture", "graph");
        cfg.put("dtype", "float32");
        cfg.put("graph", graph);
        return ModelGraph.load(container(cfg, tensors, shapes));
    }

    private static void mlp(List<Object> nodes, Map<String, float[]> tensors, Map<String, long[]> shapes, Random rnd,
            String name, String input, String domain, Mlp m, int in, int outWidth) {
        List<Long> sizes = new ArrayList<>();
        sizes.add((long) in);
        for (int h : m.hidden()) {
            sizes.add((long) h);
        }
        sizes.add((long) outWidth);
        Map<String, Object> attrs = new LinkedHashMap<>();
        attrs.put("sizes", sizes);
        attrs.put("use_bias", m.bias());
        attrs.put("activation", m.act());
        attrs.put("layer_norm", m.ln());
        nodes.add(node(name, "mlp", List.of(input), attrs, out(domain, outWidth + "x0e")));
        for (int l = 0; l + 1 < sizes.size(); l++) {
            int a = (int) (long) sizes.get(l);
            int b = (int) (long) sizes.get(l + 1);
            weight(tensors, shapes, rnd, name + "/dense_" + l + "/kernel", 1.5 / Math.sqrt(a), 0.0, a, b);
            if (m.bias()) {
                weight(tensors, shapes, rnd, name + "/dense_" + l + "/bias", 0.3, 0.0, b);
            }
            if (m.ln() != null && l + 2 < sizes.size()) {
                if ((Boolean) m.ln().get("use_scale")) {
                    weight(tensors, shapes, rnd, name + "/layer_norm_" + l + "/scale", 0.3, 1.0, b);
                }
                if ((Boolean) m.ln().get("use_bias")) {
                    weight(tensors, shapes, rnd, name + "/layer_norm_" + l + "/bias", 0.3, 0.0, b);
                }
            }
        }
    }

    private static void weight(Map<String, float[]> tensors, Map<String, long[]> shapes, Random rnd, String name,
            double scale, double mean, int... shape) {
        int n = 1;
        long[] s = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            n *= shape[i];
            s[i] = shape[i];
        }
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) (mean + scale * rnd.nextGaussian());
        }
        tensors.put(name, w);
        shapes.put(name, s);
    }

    private static Map<String, Object> node(String name, String op, List<String> inputs, Map<String, Object> attrs,
            Map<String, Object> out) {
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("name", name);
        n.put("op", op);
        n.put("inputs", inputs);
        n.put("attrs", attrs);
        n.put("out", out);
        return n;
    }

    private static Map<String, Object> out(String domain, String irreps) {
        return Map.of("domain", domain, "dtype", "float", "irreps", irreps);
    }

    private static Map<String, Object> outInt(String domain) {
        return Map.of("domain", domain, "dtype", "int");
    }

    /** Two structures (9 and 7 atoms): every ordered pair within a structure plus one zero-length self-edge each. */
    static ModelInput input(boolean withShifts) {
        Random rnd = new Random(7);
        int[] nNode = {9, 7};
        int n = 16;
        int[] z = new int[n];
        double[] pos = new double[3 * n];
        for (int a = 0; a < n; a++) {
            z[a] = SPECIES[a % 3];
            for (int c = 0; c < 3; c++) {
                pos[3 * a + c] = (float) (3.2 * rnd.nextDouble()); // float32-exact, as the engines read them
            }
        }
        List<int[]> edges = new ArrayList<>();
        int start = 0;
        for (int g : nNode) {
            edges.add(new int[] {start, start});
            for (int i = start; i < start + g; i++) {
                for (int j = start; j < start + g; j++) {
                    if (i != j) {
                        edges.add(new int[] {i, j});
                    }
                }
            }
            start += g;
        }
        int e = edges.size();
        int[] snd = new int[e];
        int[] rcv = new int[e];
        double[] shifts = new double[3 * e];
        for (int k = 0; k < e; k++) {
            snd[k] = edges.get(k)[0];
            rcv[k] = edges.get(k)[1];
            if (withShifts && snd[k] != rcv[k] && k % 5 == 0) {
                shifts[3 * k + k % 3] = k % 2 == 0 ? 1.5 : -1.25;
            }
        }
        return new ModelInput(z, pos, snd, rcv, withShifts ? shifts : null, nNode);
    }

    // ------------------------------------------------------------------ container

    private static SafeTensors container(Map<String, Object> cfg, Map<String, float[]> tensors,
            Map<String, long[]> shapes) {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("__metadata__", Map.of("e3j_config", json(cfg)));
        for (Map.Entry<String, float[]> t : tensors.entrySet()) {
            int begin = data.size();
            ByteBuffer b = ByteBuffer.allocate(4 * t.getValue().length).order(ByteOrder.LITTLE_ENDIAN);
            for (float x : t.getValue()) {
                b.putFloat(x);
            }
            data.writeBytes(b.array());
            List<Long> shape = new ArrayList<>();
            for (long s : shapes.get(t.getKey())) {
                shape.add(s);
            }
            header.put(t.getKey(), Map.of("dtype", "F32", "shape", shape, "data_offsets",
                    List.of((long) begin, (long) data.size())));
        }
        StringBuilder h = new StringBuilder(json(header));
        while (h.length() % 8 != 0) {
            h.append(' ');
        }
        byte[] hb = h.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + hb.length + data.size()).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(hb.length).put(hb).put(data.toByteArray()).flip();
        return SafeTensors.parse("synthetic.safetensors", out);
    }

    /** Minimal JSON writer (ASCII strings). */
    static String json(Object o) {
        if (o == null) {
            return "null";
        }
        if (o instanceof String s) {
            return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        }
        if (o instanceof Map<?, ?> m) {
            StringBuilder sb = new StringBuilder("{");
            for (Map.Entry<?, ?> e : m.entrySet()) {
                sb.append(sb.length() > 1 ? "," : "").append(json(String.valueOf(e.getKey()))).append(':')
                        .append(json(e.getValue()));
            }
            return sb.append('}').toString();
        }
        if (o instanceof List<?> l) {
            StringBuilder sb = new StringBuilder("[");
            for (Object x : l) {
                sb.append(sb.length() > 1 ? "," : "").append(json(x));
            }
            return sb.append(']').toString();
        }
        return String.valueOf(o);
    }
}
