package org.e3j.layers.graph;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.e3j.engine.irreps.Irreps;
import org.e3j.layers.io.ModelFormatException;
import org.e3j.layers.io.SafeTensors;

/**
 * A model graph (model format version 2, docs/model-graph.md): the parsed and validated DAG. Every
 * node is compiled into a {@link GraphOp} that checks its attributes, inputs and weights and infers
 * its output type, which must equal the node's declared {@code out}. Every refusal is one
 * {@link ModelFormatException} naming the file and the node (or tensor / key), following §4.
 */
public final class ModelGraph {

    public static final int FORMAT_VERSION = 2;
    static final Set<String> CONFIG_KEYS = Set.of("format", "format_version", "architecture", "dtype", "graph",
            "source", "species", "neighbor_cutoff", "units", "provenance", "param_names", "param_count");
    static final Set<String> NODE_KEYS = Set.of("name", "op", "inputs", "attrs", "out");

    /** Inputs per op: required count, optional count (-1 = variadic, at least one). */
    private static final Map<String, int[]> ARITY = new HashMap<>();

    static {
        for (String op : List.of("norm", "spherical_harmonics", "bessel", "polynomial_envelope",
                "smoothstep_envelope", "mlp", "embed", "one_hot", "species_from_atomic_numbers", "simplify", "gate")) {
            ARITY.put(op, new int[] {1, 0});
        }
        for (String op : List.of("mul", "scale_irreps", "gather", "tensor_product", "scatter_sum", "scatter_mean",
                "add", "sum_over_graphs", "mean_over_graphs", "fully_connected_tensor_product")) {
            ARITY.put(op, new int[] {2, 0});
        }
        ARITY.put("input", new int[] {0, 0});
        ARITY.put("relative_vectors", new int[] {3, 1});
        ARITY.put("tensor_product_uvu", new int[] {3, 0});
        ARITY.put("linear", new int[] {1, 1});
        ARITY.put("scale_shift", new int[] {1, 1});
        ARITY.put("concat", new int[] {1, -1});
    }

    /** A compiled node. */
    public record Node(String name, String op, List<String> inputs, int[] inputIndex, GraphOp compiled) {
        public ValueType out() {
            return compiled.out();
        }
    }

    private final String source;
    private final List<Node> nodes;
    private final Map<String, Integer> index;
    private final Map<String, String> outputs;
    private final int[] species;
    private final Double neighborCutoff;

    private ModelGraph(String source, List<Node> nodes, Map<String, Integer> index, Map<String, String> outputs,
            int[] species, Double neighborCutoff) {
        this.source = source;
        this.nodes = nodes;
        this.index = index;
        this.outputs = outputs;
        this.species = species;
        this.neighborCutoff = neighborCutoff;
    }

    public static ModelGraph load(Path path) {
        return load(SafeTensors.open(path));
    }

    /** Whether a file's config declares format version 2 (a model graph), without validating the rest. */
    public static boolean isGraphFile(SafeTensors file) {
        Map<String, Object> cfg;
        try {
            cfg = file.metadataJson("e3j_config");
        } catch (ModelFormatException e) {
            return false; // not an e3j file at all: the version-1 loader reports it as before
        }
        return cfg.get("format_version") instanceof Long v && v == FORMAT_VERSION;
    }

    public static ModelGraph load(SafeTensors file) {
        String src = file.source();
        try {
            return parse(file);
        } catch (ModelFormatException e) {
            throw e.getMessage().startsWith(src) ? e : new ModelFormatException(src + ": " + e.getMessage(), e);
        }
    }

    @SuppressWarnings("unchecked")
    private static ModelGraph parse(SafeTensors file) {
        for (String key : file.metadata().keySet()) {
            if (!key.equals("e3j_config")) {
                throw new ModelFormatException("unknown __metadata__ key \"" + key + "\"");
            }
        }
        Map<String, Object> cfg = file.metadataJson("e3j_config");
        Set<String> unknown = new TreeSet<>(cfg.keySet());
        unknown.removeAll(CONFIG_KEYS);
        if (!unknown.isEmpty()) {
            throw new ModelFormatException("unknown config key(s) " + unknown);
        }
        if (!"e3j-model".equals(cfg.get("format")) || !(cfg.get("format_version") instanceof Long v)
                || v != FORMAT_VERSION) {
            throw new ModelFormatException("format " + cfg.get("format") + " version " + cfg.get("format_version")
                    + " is not a version-2 model graph");
        }
        if (!"graph".equals(cfg.get("architecture")) || !"float32".equals(cfg.get("dtype"))) {
            throw new ModelFormatException("a version-2 file needs architecture \"graph\" and dtype \"float32\"");
        }
        if (!(cfg.get("graph") instanceof Map<?, ?> graphObj)) {
            throw new ModelFormatException("config key \"graph\" must be an object");
        }
        Map<String, Object> graph = (Map<String, Object>) graphObj;
        Set<String> gk = new TreeSet<>(graph.keySet());
        if (!gk.equals(Set.of("nodes", "outputs"))) {
            throw new ModelFormatException("graph must have exactly the keys [nodes, outputs], got " + gk);
        }
        if (!(graph.get("nodes") instanceof List<?> rawNodes)) {
            throw new ModelFormatException("graph.nodes must be a list");
        }
        int[] species = speciesList(cfg.get("species"));
        Double cutoff = null;
        if (cfg.get("neighbor_cutoff") != null) {
            if (!(cfg.get("neighbor_cutoff") instanceof Number n) || !(n.doubleValue() > 0)) {
                throw new ModelFormatException("neighbor_cutoff must be null or a positive number");
            }
            cutoff = n.doubleValue();
        }
        checkUnits(cfg.get("units"));
        checkParamList(cfg, file);

        Set<String> allNames = new HashSet<>();
        for (Object o : rawNodes) {
            if (o instanceof Map<?, ?> m && m.get("name") instanceof String s) {
                allNames.add(s);
            }
        }
        List<Node> nodes = new ArrayList<>();
        Map<String, Integer> index = new LinkedHashMap<>();
        Set<String> used = new HashSet<>();
        Set<String> inputKinds = new HashSet<>();
        for (Object o : rawNodes) {
            if (!(o instanceof Map<?, ?> m)) {
                throw new ModelFormatException("graph.nodes holds a non-object");
            }
            Map<String, Object> n = (Map<String, Object>) m;
            Object nameObj = n.get("name");
            if (!(nameObj instanceof String name) || name.isEmpty() || name.contains("/")) {
                throw new ModelFormatException("node " + nameObj + ": a node name must be a non-empty string without '/'");
            }
            String where = "node \"" + name + "\"";
            Set<String> extra = new TreeSet<>(n.keySet());
            extra.removeAll(NODE_KEYS);
            if (!extra.isEmpty()) {
                throw new ModelFormatException(where + ": unknown key(s) " + extra);
            }
            if (index.containsKey(name)) {
                throw new ModelFormatException(where + ": duplicate name");
            }
            if (!(n.get("op") instanceof String op)) {
                throw new ModelFormatException(where + ": no op");
            }
            if (!ARITY.containsKey(op)) {
                throw new ModelFormatException(where + ": unknown op \"" + op + "\"");
            }
            if (!n.containsKey("out")) {
                throw new ModelFormatException(where + ": no 'out' record");
            }
            Object insObj = n.getOrDefault("inputs", List.of());
            if (!(insObj instanceof List<?> insList)) {
                throw new ModelFormatException(where + ": inputs must be a list of node names");
            }
            List<String> ins = new ArrayList<>();
            int[] inIdx = new int[insList.size()];
            List<ValueType> inTypes = new ArrayList<>();
            for (Object i : insList) {
                if (!(i instanceof String s) || !allNames.contains(s)) {
                    throw new ModelFormatException(where + ": input " + (i instanceof String ? "\"" + i + "\"" : i)
                            + " names no node (dangling input)");
                }
                if (!index.containsKey(s)) {
                    throw new ModelFormatException(where + ": input \"" + s
                            + "\" is not computed before it (a cycle: nodes must be in topological order)");
                }
                inIdx[ins.size()] = index.get(s);
                ins.add(s);
                inTypes.add(nodes.get(index.get(s)).out());
            }
            int[] ar = ARITY.get(op);
            boolean okCount = ar[1] < 0 ? ins.size() >= ar[0] : ins.size() >= ar[0] && ins.size() <= ar[0] + ar[1];
            if (!okCount) {
                throw new ModelFormatException(where + " (" + op + "): wrong number of inputs: " + ins.size());
            }
            Object attrsObj = n.getOrDefault("attrs", Map.of());
            if (!(attrsObj instanceof Map<?, ?> attrs)) {
                throw new ModelFormatException(where + ": attrs must be an object");
            }
            GraphOp.Spec spec = new GraphOp.Spec(name, op, (Map<String, Object>) attrs, inTypes, file, used);
            GraphOp compiled;
            try {
                compiled = compile(spec);
            } catch (ModelFormatException e) {
                throw e;
            } catch (RuntimeException e) {
                throw spec.error("inputs do not connect: " + e.getMessage());
            }
            spec.checkNoUnknownAttrs();
            if (op.equals("input") && !inputKinds.add(((ScalarOps.Input) compiled).kind)) {
                throw spec.error("a second input of kind \"" + ((ScalarOps.Input) compiled).kind + "\"");
            }
            ValueType declared = declaredOut(spec, n.get("out"));
            if (!declared.sameAs(compiled.out())) {
                throw spec.error("declared output " + declared + " but the op gives " + compiled.out());
            }
            index.put(name, nodes.size());
            nodes.add(new Node(name, op, List.copyOf(ins), inIdx, compiled));
        }
        Map<String, String> outputs = outputs(graph.get("outputs"), index, nodes);
        // weights no node reads
        Set<String> unread = new TreeSet<>(file.names());
        unread.removeAll(used);
        if (!unread.isEmpty()) {
            throw new ModelFormatException("tensor \"" + unread.iterator().next() + "\" is not read by any node");
        }
        // nodes no output depends on
        Set<String> live = new HashSet<>(outputs.values());
        for (int k = nodes.size() - 1; k >= 0; k--) {
            if (live.contains(nodes.get(k).name())) {
                live.addAll(nodes.get(k).inputs());
            }
        }
        for (Node n : nodes) {
            if (!live.contains(n.name()) && !n.op().equals("input")) {
                throw new ModelFormatException("node \"" + n.name() + "\": no output depends on it");
            }
        }
        return new ModelGraph(file.source(), List.copyOf(nodes), Collections.unmodifiableMap(index),
                Collections.unmodifiableMap(outputs), species, cutoff);
    }

    private static GraphOp compile(GraphOp.Spec s) {
        return switch (s.op) {
            case "input" -> new ScalarOps.Input(s);
            case "species_from_atomic_numbers" -> new ScalarOps.SpeciesFromZ(s);
            case "one_hot" -> new ScalarOps.OneHot(s);
            case "embed" -> new ScalarOps.Embed(s);
            case "relative_vectors" -> new ScalarOps.RelativeVectors(s);
            case "norm" -> new ScalarOps.Norm(s);
            case "spherical_harmonics" -> new ScalarOps.Harmonics(s);
            case "bessel" -> new ScalarOps.Bessel(s);
            case "polynomial_envelope" -> new ScalarOps.PolynomialEnvelope(s);
            case "smoothstep_envelope" -> new ScalarOps.SmoothstepEnvelope(s);
            case "mul" -> new ScalarOps.Mul(s);
            case "mlp" -> new MlpOp(s);
            case "linear" -> new LinearOps.Linear(s);
            case "scale_irreps" -> new LinearOps.ScaleIrreps(s);
            case "simplify" -> new LinearOps.Simplify(s);
            case "tensor_product" -> new LinearOps.Product(s);
            case "gate" -> new LinearOps.GateOp(s);
            case "tensor_product_uvu" -> new WeightedTensorProducts.Uvu(s);
            case "fully_connected_tensor_product" -> new WeightedTensorProducts.FullyConnected(s);
            case "gather" -> new MessageOps.Gather(s);
            case "scatter_sum" -> new MessageOps.Scatter(s, false);
            case "scatter_mean" -> new MessageOps.Scatter(s, true);
            case "concat" -> new MessageOps.Concat(s);
            case "add" -> new MessageOps.Add(s);
            case "scale_shift" -> new MessageOps.ScaleShift(s);
            case "sum_over_graphs" -> new MessageOps.OverGraphs(s, false);
            case "mean_over_graphs" -> new MessageOps.OverGraphs(s, true);
            default -> throw s.error("unknown op");
        };
    }

    @SuppressWarnings("unchecked")
    private static ValueType declaredOut(GraphOp.Spec s, Object o) {
        if (!(o instanceof Map<?, ?> raw)) {
            throw s.error("'out' must be an object");
        }
        Map<String, Object> m = (Map<String, Object>) raw;
        Set<String> extra = new TreeSet<>(m.keySet());
        extra.removeAll(Set.of("domain", "dtype", "irreps", "zero_chunks"));
        if (!extra.isEmpty()) {
            throw s.error("unknown 'out' key(s) " + extra);
        }
        if (!(m.get("domain") instanceof String domain) || !Set.of("node", "edge", "graph").contains(domain)) {
            throw s.error("out.domain must be node, edge or graph");
        }
        if ("int".equals(m.get("dtype"))) {
            if (m.get("irreps") != null || m.containsKey("zero_chunks")) {
                throw s.error("an int value has no irreps or zero_chunks");
            }
            return ValueType.ints(domain);
        }
        if (!"float".equals(m.get("dtype")) || !(m.get("irreps") instanceof String irs)) {
            throw s.error("out.dtype must be int or float (with irreps)");
        }
        Irreps irreps;
        try {
            irreps = Irreps.parse(irs);
        } catch (RuntimeException e) {
            throw s.error("out.irreps: " + e.getMessage());
        }
        boolean[] zero = new boolean[irreps.size()];
        if (m.containsKey("zero_chunks")) {
            if (!(m.get("zero_chunks") instanceof List<?> zs) || zs.isEmpty()) {
                throw s.error("out.zero_chunks must be a non-empty list");
            }
            for (Object z : zs) {
                if (!(z instanceof Long k) || k < 0 || k >= zero.length) {
                    throw s.error("out.zero_chunks holds " + z + ", not a chunk index of " + irreps);
                }
                zero[(int) (long) k] = true;
            }
        }
        return ValueType.floats(domain, irreps, zero);
    }

    private static Map<String, String> outputs(Object o, Map<String, Integer> index, List<Node> nodes) {
        if (!(o instanceof Map<?, ?> m)) {
            throw new ModelFormatException("graph.outputs must be an object");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getValue() instanceof String v) || !index.containsKey(v)) {
                throw new ModelFormatException("output \"" + e.getKey() + "\": node " + e.getValue() + " does not exist");
            }
            out.put(String.valueOf(e.getKey()), v);
        }
        if (!out.keySet().equals(Set.of("energy", "atom_energies"))) {
            if (out.keySet().equals(Set.of("node_features", "global_features"))) {
                throw new ModelFormatException("outputs node_features/global_features (a SimpleNetwork graph) are not"
                        + " run by the Java executor yet; it runs potentials (energy, atom_energies)");
            }
            throw new ModelFormatException("outputs must be exactly {energy, atom_energies} or {node_features,"
                    + " global_features}, got " + new TreeSet<>(out.keySet()));
        }
        ValueType e = nodes.get(index.get(out.get("energy"))).out();
        if (!e.isFloat() || !e.domain().equals("graph") || !e.irreps().equals(Irreps.parse("1x0e"))) {
            throw new ModelFormatException("output energy: node \"" + out.get("energy") + "\" is " + e
                    + ", not a graph-domain 1x0e value");
        }
        ValueType a = nodes.get(index.get(out.get("atom_energies"))).out();
        if (!a.isFloat() || !a.domain().equals("node") || !a.irreps().equals(Irreps.parse("1x0e"))) {
            throw new ModelFormatException("output atom_energies: node \"" + out.get("atom_energies") + "\" is " + a
                    + ", not a node-domain 1x0e value");
        }
        return out;
    }

    private static int[] speciesList(Object o) {
        if (o == null) {
            return null;
        }
        if (!(o instanceof List<?> l) || l.isEmpty()) {
            throw new ModelFormatException("species must be null or a non-empty list of atomic numbers");
        }
        int[] z = new int[l.size()];
        Set<Long> seen = new HashSet<>();
        for (int k = 0; k < z.length; k++) {
            if (!(l.get(k) instanceof Long v) || v < 1 || v > 118 || !seen.add(v)) {
                throw new ModelFormatException("species[" + k + "] = " + l.get(k) + " is not a new atomic number 1..118");
            }
            z[k] = (int) (long) v;
        }
        return z;
    }

    /** {@code param_names} / {@code param_count}, when given, must describe the file's tensors exactly. */
    private static void checkParamList(Map<String, Object> cfg, SafeTensors file) {
        Object names = cfg.get("param_names");
        if (names != null) {
            if (!(names instanceof List<?> l) || !new TreeSet<>(file.names()).equals(new TreeSet<>(l))
                    || l.size() != file.names().size()) {
                throw new ModelFormatException("param_names does not list exactly the file's " + file.names().size()
                        + " tensors");
            }
        }
        Object count = cfg.get("param_count");
        if (count != null) {
            long total = 0;
            for (String n : file.names()) {
                total += file.info(n).elementCount();
            }
            if (!(count instanceof Long c) || c != total) {
                throw new ModelFormatException("param_count " + count + " but the tensors hold " + total + " numbers");
            }
        }
    }

    private static void checkUnits(Object o) {
        if (o == null) {
            return;
        }
        if (!(o instanceof Map<?, ?> m) || !"eV".equals(m.get("energy")) || !"Angstrom".equals(m.get("length"))
                || m.size() != 2) {
            throw new ModelFormatException("units must be {\"energy\": \"eV\", \"length\": \"Angstrom\"}, got " + o);
        }
    }

    /** The kind of an {@code input} node ("positions", "senders", ...), or null for any other node. */
    public static String inputKind(Node n) {
        return n.compiled() instanceof ScalarOps.Input input ? input.kind : null;
    }

    public String source() {
        return source;
    }

    public List<Node> nodes() {
        return nodes;
    }

    public Node node(String name) {
        Integer k = index.get(name);
        return k == null ? null : nodes.get(k);
    }

    public Map<String, String> outputs() {
        return outputs;
    }

    /** Atomic number of each species index, or null. */
    public int[] species() {
        return species == null ? null : species.clone();
    }

    /** The neighbour-list radius the model expects (Å), or null. */
    public Double neighborCutoff() {
        return neighborCutoff;
    }

    /** The atomic numbers the model accepts (from species_from_atomic_numbers or the species list). */
    public int[] atomicNumbers() {
        for (Node n : nodes) {
            if (n.compiled() instanceof ScalarOps.SpeciesFromZ s) {
                return s.zs.stream().mapToInt(x -> (int) (long) (Long) x).toArray();
            }
        }
        return species();
    }

    /** Whether the graph takes the {@code shifts} input (periodic images; needed for stress). */
    public boolean takesShifts() {
        for (Node n : nodes) {
            if (n.compiled() instanceof ScalarOps.Input in && in.kind.equals("shifts")) {
                return true;
            }
        }
        return false;
    }
}
