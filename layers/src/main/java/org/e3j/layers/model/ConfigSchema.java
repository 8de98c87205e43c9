package org.e3j.layers.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.e3j.engine.irreps.Irreps;
import org.e3j.engine.irreps.MulIrrep;
import org.e3j.layers.io.ModelFormatException;

/**
 * What an {@code e3j_config} may hold, key by key: the one place that says which keys exist and
 * which types, ranges or values each accepts (docs/model-format.md §2 is the same table in words).
 * Every key is required, an unknown key is refused (e3j cannot know whether it changes the maths),
 * and a value outside its rule is refused naming the key and what is allowed. Whatever passes is
 * honoured by both engines; values e3j does not implement are simply not in the rules.
 *
 * <p>A rule checks one JSON value as {@link org.e3j.layers.io.Json} returns it ({@code Map},
 * {@code List}, {@code String}, {@code Long}, {@code Double}, {@code Boolean}, {@code null}).
 * Consistency between keys (species against species_to_index, the per-layer irreps against e3j's
 * own derivation, ...) is checked after the rules, by {@link ModelConfig} and {@link ReferenceModel}.
 */
public final class ConfigSchema {
    private ConfigSchema() {}

    /** Highest spherical-harmonics degree e3j evaluates (tested to l = 11; the exporter refuses more). */
    public static final int MAX_SH_LMAX = 11;
    /** Largest irrep degree accepted anywhere in a config: a tensor product of sh_lmax and a hidden l of 11. */
    public static final int MAX_IRREP_L = 2 * MAX_SH_LMAX;
    /**
     * Most message-passing layers a model may have (NequIP-style models use 2-6): with layers of
     * high degree each costs seconds of Clebsch-Gordan tables to build, so the count is bounded.
     */
    public static final int MAX_LAYERS = 64;
    /** Largest width (embedding, hidden, multiplicity) and table size a config may ask for. */
    public static final int MAX_DIM = 1 << 16;
    public static final int MAX_MLP_LAYERS = 64;
    public static final int MAX_NUM_BASIS = 1024;
    public static final int MAX_ENVELOPE_P = 64;

    /** One key's rule: checks a value, naming {@code path} (e.g. {@code mlp_layer_norm.epsilon}) if it fails. */
    public interface Rule {
        void check(Object value, String path, String src);

        /** What the rule allows, in words, for error messages. */
        String allowed();
    }

    // ---- the format ---------------------------------------------------------------------------

    /** The rules of a format-1 config of {@code architecture} (keys that do not apply must be null). */
    public static Rule v1(ModelConfig.Architecture architecture) {
        boolean potential = architecture == ModelConfig.Architecture.POTENTIAL;
        Map<String, Rule> k = new LinkedHashMap<>();
        k.put("format", constant("e3j-model"));
        k.put("format_version", constant(1L));
        k.put("architecture", constant(potential ? "Potential" : "SimpleNetwork"));
        k.put("dtype", constant("float32"));
        k.put("sh_lmax", integer(0, MAX_SH_LMAX));
        k.put("sh_irreps", irreps()); // = s2_irreps(sh_lmax), checked by ModelConfig
        k.put("sh_normalization", constant("norm"));
        k.put("sh_normalize", constant(true));
        k.put("init_embed_dims", integer(1, MAX_DIM));
        k.put("node_input", constant(potential ? "species_index" : "atomic_number"));
        k.put("max_atomic_number", potential ? isNull() : integer(1, MAX_DIM)); // = num_embeddings
        k.put("num_embeddings", integer(1, MAX_DIM));
        k.put("species", potential ? list(integer(1, 118), 118, "species") : isNull());
        k.put("species_to_index", potential ? map(integer(0, 117)) : isNull()); // inverse of species
        k.put("mlp_hidden_dims", integer(1, MAX_DIM));
        k.put("mlp_num_layers", integer(1, MAX_MLP_LAYERS));
        k.put("mlp_layer_norm", fixed(kv("epsilon", 1e-6, "use_fast_variance", true, "use_bias", true,
                "use_scale", true)));
        k.put("output_irreps_per_layer", list(irreps(), MAX_LAYERS, "layers"));
        k.put("num_layers", integer(1, MAX_LAYERS)); // = len(output_irreps_per_layer)
        k.put("relative_vectors", constant(potential ? "pos[receivers] - pos[senders] + shifts"
                : "pos[receivers] - pos[senders]"));
        k.put("radial", potential
                ? fixed(kv("type", "bessel_times_envelope",
                        "basis", "sqrt(2/cutoff) * sin(n*pi*d/cutoff) / d, n = 1..num_basis",
                        "envelope", "1 - (p+1)(p+2)/2 x^p + p(p+2) x^(p+1) - p(p+1)/2 x^(p+2), x = d/cutoff < 1, else 0",
                        "mlp_input", "basis * envelope", "mlp_output_times_envelope", true))
                : fixed(kv("type", "norm")));
        k.put("aggregation", potential
                ? fixed(kv("type", "sum_over_constant", "divisor", "avg_num_neighbors"))
                : fixed(kv("type", "mean", "divisor", "max(1, in-degree)")));
        k.put("cutoff", potential ? positiveFloat32() : isNull());
        k.put("num_basis", potential ? integer(1, MAX_NUM_BASIS) : isNull());
        k.put("envelope_p", potential ? integer(1, MAX_ENVELOPE_P) : isNull());
        k.put("avg_num_neighbors", potential ? positiveFloat32() : isNull());
        k.put("activations", activations());
        k.put("e3nn_config", object(kv(
                // tensor_product's normalisation: all three are verified against e3nn-jax (op fixtures)
                "irrep_normalization", oneOf("component", "norm", "none"),
                // e3nn.flax.Linear's: only e3nn-jax's defaults are verified so far (the formula for
                // other values is implemented, but no fixture checks it yet)
                "path_normalization", constant("element"),
                "gradient_normalization", constant("path"),
                // informational: these do not change the values the model computes
                "spherical_harmonics_algorithm", anyOf(string(), list(string(), 8, "entries")),
                "spherical_harmonics_normalization", oneOf("component", "norm", "integral"),
                "custom_einsum_jvp", bool(),
                "fused", bool(),
                "sparse_tp", bool())));
        // the numbers e3nn.flax.Linear resolves from e3nn_config (checked against it by ModelConfig)
        k.put("linear", object(kv("path_normalization", constant(0.0), "gradient_normalization", constant(1.0),
                "biases", constant(false))));
        k.put("layers", list(layer(), MAX_LAYERS, "layers"));
        k.put("readout", potential ? potentialReadout() : fixed(kv("type", "node_features_and_graph_mean",
                "node_features", "output of the last layer",
                "global_features", "scatter_mean(node_features, nel=n_node), divisor max(1, n_node)")));
        k.put("units", fixed(kv("length", "Angstrom", "energy", "eV")));
        k.put("provenance", map(string())); // metadata only: free keys, string values
        k.put("param_names", list(string(), Integer.MAX_VALUE, "names")); // = the file's tensors
        k.put("param_count", longInteger(0, Long.MAX_VALUE)); // = their number of values
        return object(k);
    }

    /** Per-layer irreps e3nn-jax derived (docs/model-format.md §2.5), checked against e3j's derivation. */
    private static Rule layer() {
        Map<String, Rule> k = new LinkedHashMap<>();
        k.put("name", string());
        for (String key : List.of("input_irreps", "tp_irreps", "expanded_requested_irreps",
                "expanded_linear_input_irreps", "expanded_irreps", "gate_scalar_irreps", "gated_irreps",
                "concat_irreps", "output_requested_irreps", "output_linear_input_irreps", "output_irreps")) {
            k.put(key, irreps());
        }
        k.put("tp_num_irreps", integer(0, Integer.MAX_VALUE));
        k.put("gate_num_gates", integer(0, Integer.MAX_VALUE));
        return object(k);
    }

    private static Rule potentialReadout() {
        Map<String, Rule> k = new LinkedHashMap<>();
        Map<String, Object> fixed = new LinkedHashMap<>();
        fixed.put("type", "per_species_scaled_energy");
        fixed.put("module", "readout");
        fixed.put("irreps_out", "1x0e");
        fixed.put("atom_energy", "species_energy_scale[s] * readout + species_energy_shift[s]");
        fixed.put("scale_param", "params/species_energy_scale");
        fixed.put("shift_param", "params/species_energy_shift");
        fixed.put("energy", "sum of atom energies per graph");
        fixed.put("forces", "-dE/dpositions");
        fixed.put("stress", "(1/V) dE/dstrain, symmetric strain, ASE sign");
        fixed.put("stress_voigt_order", List.of("xx", "yy", "zz", "yz", "xz", "xy"));
        fixed.put("stress_units", "eV/Angstrom^3");
        fixed.forEach((key, v) -> k.put(key, constant(v)));
        k.put("linear_input_irreps", irreps()); // checked against the readout Linear by ReferenceModel
        return object(k);
    }

    /** Names of the activations whose e3nn normalisation constant a file carries. */
    public static final List<String> NORMALIZED_ACTIVATIONS = List.of("gelu_tanh", "sigmoid", "soft_odd", "tanh");

    private static Rule activations() {
        Map<String, Rule> constants = new LinkedHashMap<>();
        Map<String, Rule> bits = new LinkedHashMap<>();
        for (String name : NORMALIZED_ACTIVATIONS) {
            constants.put(name, positiveFloat32());
            bits.put(name, string()); // the bits of the constant, checked by ModelConfig
        }
        Map<String, Rule> k = new LinkedHashMap<>();
        // e3nn.gate's defaults: the architectures call gate() without arguments
        k.put("gate", fixed(kv("even_act", "gelu_tanh", "odd_act", "soft_odd", "even_gate_act", "sigmoid",
                "odd_gate_act", "tanh", "normalize_act", true)));
        k.put("mlp", constant("silu"));
        k.put("mlp_normalized", constant(false));
        k.put("formulas", fixed(kv(
                "gelu_tanh", "x * 0.5 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))",
                "soft_odd", "(1 - exp(-x^2)) * x",
                "sigmoid", "1 / (1 + exp(-x))",
                "tanh", "tanh(x)",
                "silu", "x * sigmoid(x)")));
        k.put("normalization_constants", object(constants));
        k.put("normalization_constants_f32_bits", object(bits));
        k.put("normalization_applied_as", constant("act(x) / c, c a float32 constant"));
        return object(k);
    }

    // ---- rules --------------------------------------------------------------------------------

    static ModelFormatException fail(String src, String path, String allowed, Object got) {
        return new ModelFormatException(src + ": config key \"" + path + "\" must be " + allowed + ", got "
                + show(got));
    }

    /** An object with exactly the keys of {@code rules}: a missing key and an unknown key are refused. */
    public static Rule object(Map<String, Rule> rules) {
        return new Rule() {
            @Override
            public void check(Object value, String path, String src) {
                if (!(value instanceof Map<?, ?> m)) {
                    throw fail(src, path, allowed(), value);
                }
                for (Object key : m.keySet()) {
                    if (!rules.containsKey(key)) {
                        throw new ModelFormatException(src + ": unknown config key \"" + join(path, (String) key)
                                + "\" (not in docs/model-format.md; a key e3j does not know could change the maths,"
                                + " so it is refused)");
                    }
                }
                for (Map.Entry<String, Rule> r : rules.entrySet()) {
                    String p = join(path, r.getKey());
                    if (!m.containsKey(r.getKey())) {
                        throw new ModelFormatException(src + ": config key \"" + p + "\" is missing (it must be "
                                + r.getValue().allowed() + ")");
                    }
                    r.getValue().check(m.get(r.getKey()), p, src);
                }
            }

            @Override
            public String allowed() {
                return "an object with the keys " + rules.keySet();
            }
        };
    }

    /** An object whose every key holds exactly the given value (descriptions pinned to what e3j implements). */
    public static Rule fixed(Map<String, Object> values) {
        Map<String, Rule> rules = new LinkedHashMap<>();
        values.forEach((k, v) -> rules.put(k, constant(v)));
        return object(rules);
    }

    /** An object with free keys whose values all follow {@code values}. */
    public static Rule map(Rule values) {
        return new Rule() {
            @Override
            public void check(Object value, String path, String src) {
                if (!(value instanceof Map<?, ?> m)) {
                    throw fail(src, path, allowed(), value);
                }
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    values.check(e.getValue(), join(path, (String) e.getKey()), src);
                }
            }

            @Override
            public String allowed() {
                return "an object of " + values.allowed();
            }
        };
    }

    /** A list of at most {@code max} elements ({@code noun} names them in the error). */
    public static Rule list(Rule element, int max, String noun) {
        return new Rule() {
            @Override
            public void check(Object value, String path, String src) {
                if (!(value instanceof List<?> l)) {
                    throw fail(src, path, allowed(), value);
                }
                if (l.size() > max) {
                    throw new ModelFormatException(src + ": config key \"" + path + "\" has " + l.size() + " "
                            + noun + ", more than the " + max + " e3j supports");
                }
                for (int i = 0; i < l.size(); i++) {
                    element.check(l.get(i), path + "[" + i + "]", src);
                }
            }

            @Override
            public String allowed() {
                return "a list of " + element.allowed();
            }
        };
    }

    /** Exactly {@code v} (numbers compare by value, so 1 and 1.0 are the same). */
    public static Rule constant(Object v) {
        return new Rule() {
            @Override
            public void check(Object value, String path, String src) {
                if (!same(v, value)) {
                    throw fail(src, path, allowed(), value);
                }
            }

            @Override
            public String allowed() {
                return show(v);
            }
        };
    }

    public static Rule oneOf(Object... values) {
        return new Rule() {
            @Override
            public void check(Object value, String path, String src) {
                for (Object v : values) {
                    if (same(v, value)) {
                        return;
                    }
                }
                throw fail(src, path, allowed(), value);
            }

            @Override
            public String allowed() {
                List<String> s = new ArrayList<>();
                for (Object v : values) {
                    s.add(show(v));
                }
                return "one of " + String.join(", ", s);
            }
        };
    }

    public static Rule anyOf(Rule a, Rule b) {
        return new Rule() {
            @Override
            public void check(Object value, String path, String src) {
                try {
                    a.check(value, path, src);
                } catch (ModelFormatException e) {
                    try {
                        b.check(value, path, src);
                    } catch (ModelFormatException e2) {
                        throw fail(src, path, allowed(), value);
                    }
                }
            }

            @Override
            public String allowed() {
                return a.allowed() + " or " + b.allowed();
            }
        };
    }

    public static Rule integer(int min, int max) {
        return longInteger(min, max);
    }

    public static Rule longInteger(long min, long max) {
        return new Rule() {
            @Override
            public void check(Object value, String path, String src) {
                if (!(value instanceof Long n) || n < min || n > max) {
                    throw fail(src, path, allowed(), value);
                }
            }

            @Override
            public String allowed() {
                return "an integer in [" + min + ", " + max + "]";
            }
        };
    }

    /** A finite number in [min, max]. */
    public static Rule number(double min, double max) {
        return new Rule() {
            @Override
            public void check(Object value, String path, String src) {
                if (!(value instanceof Number n) || !(n.doubleValue() >= min && n.doubleValue() <= max)) {
                    throw fail(src, path, allowed(), value);
                }
            }

            @Override
            public String allowed() {
                return "a number in [" + show(min) + ", " + show(max) + "]";
            }
        };
    }

    /** A positive finite number that is exactly a float32 value (the fast engine computes in float32). */
    public static Rule positiveFloat32() {
        return new Rule() {
            @Override
            public void check(Object value, String path, String src) {
                if (!(value instanceof Number n)) {
                    throw fail(src, path, allowed(), value);
                }
                double v = n.doubleValue();
                if (!(v > 0) || Double.isInfinite(v) || (double) (float) v != v) {
                    throw fail(src, path, allowed(), value);
                }
            }

            @Override
            public String allowed() {
                return "a positive finite number exactly representable in float32";
            }
        };
    }

    public static Rule string() {
        return new Rule() {
            @Override
            public void check(Object value, String path, String src) {
                if (!(value instanceof String)) {
                    throw fail(src, path, allowed(), value);
                }
            }

            @Override
            public String allowed() {
                return "a string";
            }
        };
    }

    public static Rule bool() {
        return oneOf(true, false);
    }

    public static Rule isNull() {
        return new Rule() {
            @Override
            public void check(Object value, String path, String src) {
                if (value != null) {
                    throw fail(src, path, allowed(), value);
                }
            }

            @Override
            public String allowed() {
                return "null for this architecture";
            }
        };
    }

    /** An e3nn irreps string whose degrees are at most {@link #MAX_IRREP_L}. */
    public static Rule irreps() {
        return new Rule() {
            @Override
            public void check(Object value, String path, String src) {
                parseIrreps(value, src + ": " + path);
            }

            @Override
            public String allowed() {
                return "an irreps string with l <= " + MAX_IRREP_L;
            }
        };
    }

    /** Parses an irreps string of a config, refusing degrees above {@link #MAX_IRREP_L}. */
    public static Irreps parseIrreps(Object o, String where) {
        if (!(o instanceof String s)) {
            throw new ModelFormatException(where + ": irreps must be strings, got " + show(o));
        }
        Irreps irreps;
        try {
            irreps = Irreps.parse(s);
        } catch (RuntimeException e) {
            throw new ModelFormatException(where + ": " + e.getMessage(), e);
        }
        for (MulIrrep m : irreps) {
            // sh_lmax <= 11 and hidden l <= 11 give TP outputs up to 22; a higher l only serves to make
            // the loader build Clebsch-Gordan tables of gigabytes (l grows by sh_lmax per layer).
            if (m.l() > MAX_IRREP_L) {
                throw new ModelFormatException(where + ": irreps \"" + abbreviate(s) + "\" have l = " + m.l()
                        + ", more than the " + MAX_IRREP_L + " e3j supports");
            }
        }
        return irreps;
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** An insertion-ordered map of key, value pairs (so the first problem reported does not vary by run). */
    @SuppressWarnings("unchecked")
    private static <V> Map<String, V> kv(Object... pairs) {
        Map<String, V> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put((String) pairs[i], (V) pairs[i + 1]);
        }
        return m;
    }

    private static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** JSON-equality, with numbers compared by value. */
    static boolean same(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) {
            return x.doubleValue() == y.doubleValue();
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (int i = 0; i < x.size(); i++) {
                if (!same(x.get(i), y.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return a == null ? b == null : a.equals(b);
    }

    /** A value as JSON-ish text for messages, abbreviated. */
    static String show(Object v) {
        String s;
        if (v instanceof String str) {
            s = "\"" + str + "\"";
        } else if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15) {
            s = Long.toString((long) (double) d) + ".0";
        } else if (v instanceof Map<?, ?>) {
            s = "an object";
        } else if (v instanceof List<?> l) {
            s = l.size() <= 8 ? l.stream().map(ConfigSchema::show).toList().toString() : "a list of " + l.size();
        } else {
            s = String.valueOf(v);
        }
        return abbreviate(s);
    }

    private static String abbreviate(String s) {
        return s.length() > 100 ? s.substring(0, 97) + "..." : s;
    }
}
