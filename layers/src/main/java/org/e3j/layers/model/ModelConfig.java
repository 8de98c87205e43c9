package org.e3j.layers.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.e3j.engine.irreps.Irreps;
import org.e3j.engine.ops.Activation;
import org.e3j.engine.ops.Gate;
import org.e3j.engine.ops.TensorProduct;
import org.e3j.graph.Elements;
import org.e3j.graph.StructureException;
import org.e3j.layers.io.Json;
import org.e3j.layers.io.ModelFormatException;

/**
 * The {@code e3j_config} JSON of a model file (see docs/model-format.md), validated. Only the keys
 * the Java side needs are read; the derived per-layer irreps e3nn-jax wrote are kept so the model
 * can check its own derivation against them.
 */
public final class ModelConfig {
    public enum Architecture { SIMPLE_NETWORK, POTENTIAL }

    /** Largest irrep degree accepted anywhere in a config (twice the largest sh_lmax). */
    public static final int MAX_IRREP_L = 22;
    /**
     * Most message-passing layers a model may have (NequIP-style models use 2-6): with layers of
     * high degree each costs seconds of Clebsch-Gordan tables to build, so the count is bounded.
     */
    public static final int MAX_LAYERS = 64;

    /** The irreps e3nn-jax derived for one layer, as written by the exporter. */
    public record LayerIrreps(String name, Irreps input, Irreps tp, Irreps expanded, Irreps gated, Irreps output) {}

    public final Architecture architecture;
    public final int shLmax;
    public final String shNormalization;
    public final int initEmbedDims;
    public final int numEmbeddings;
    public final int mlpHiddenDims;
    public final int mlpNumLayers;
    public final List<Irreps> outputIrrepsPerLayer;
    public final TensorProduct.IrrepNormalization irrepNormalization;
    public final double pathNormalization;
    public final double gradientNormalization;
    /** The gate's activations, each divided by the float32 constant e3nn-jax used (exported). */
    public final Gate.ScalarAct evenAct;
    public final Gate.ScalarAct oddAct;
    public final Gate.ScalarAct evenGateAct;
    public final Gate.ScalarAct oddGateAct;
    public final List<LayerIrreps> layers;
    /** Potential only: species[i] is the atomic number of embedding index i. */
    public final int[] species;
    public final double cutoff;
    public final int numBasis;
    public final int envelopeP;
    public final double avgNumNeighbors;
    public final Map<String, Object> raw;

    private ModelConfig(Map<String, Object> c, String src) {
        raw = Collections.unmodifiableMap(c);
        String format = Json.string(c, "format", src);
        if (!format.equals("e3j-model")) {
            throw new ModelFormatException(src + ": format is \"" + format + "\", expected \"e3j-model\"");
        }
        int version = Json.integer(c, "format_version", src, 0, Integer.MAX_VALUE);
        if (version != 1) {
            throw new ModelFormatException(src + ": format_version " + version + " is not supported (this e3j reads 1)");
        }
        String arch = Json.string(c, "architecture", src);
        architecture = switch (arch) {
            case "SimpleNetwork" -> Architecture.SIMPLE_NETWORK;
            case "Potential" -> Architecture.POTENTIAL;
            default -> throw new ModelFormatException(src + ": unknown architecture \"" + arch + "\"");
        };
        String dtype = Json.string(c, "dtype", src);
        if (!dtype.equals("float32")) {
            throw new ModelFormatException(src + ": dtype \"" + dtype + "\" is not supported (float32 only)");
        }
        shLmax = Json.integer(c, "sh_lmax", src, 0, 11);
        shNormalization = Json.string(c, "sh_normalization", src);
        if (!Json.bool(c, "sh_normalize", src)) {
            throw new ModelFormatException(src + ": sh_normalize=false is not supported");
        }
        initEmbedDims = Json.integer(c, "init_embed_dims", src, 1, 1 << 16);
        numEmbeddings = Json.integer(c, "num_embeddings", src, 1, 1 << 16);
        mlpHiddenDims = Json.integer(c, "mlp_hidden_dims", src, 1, 1 << 16);
        mlpNumLayers = Json.integer(c, "mlp_num_layers", src, 1, 64);
        List<Irreps> outs = new ArrayList<>();
        for (Object o : Json.array(c, "output_irreps_per_layer", src)) {
            outs.add(parseIrreps(o, src + ": output_irreps_per_layer"));
        }
        if (outs.isEmpty()) {
            throw new ModelFormatException(src + ": output_irreps_per_layer is empty");
        }
        if (outs.size() > MAX_LAYERS) {
            throw new ModelFormatException(src + ": " + outs.size() + " layers, more than the " + MAX_LAYERS
                    + " e3j supports");
        }
        outputIrrepsPerLayer = List.copyOf(outs);

        Map<String, Object> e3nn = Json.object(c, "e3nn_config", src);
        irrepNormalization = TensorProduct.IrrepNormalization.parse(
                Json.string(e3nn, "irrep_normalization", src + ": e3nn_config"));
        Map<String, Object> lin = Json.object(c, "linear", src);
        pathNormalization = Json.number(lin, "path_normalization", src + ": linear");
        gradientNormalization = Json.number(lin, "gradient_normalization", src + ": linear");
        if (Json.bool(lin, "biases", src + ": linear")) {
            throw new ModelFormatException(src + ": Linear biases are not supported");
        }

        Map<String, Object> acts = Json.object(c, "activations", src);
        Map<String, Object> gate = Json.object(acts, "gate", src + ": activations");
        Map<String, Object> constants = Json.object(acts, "normalization_constants", src + ": activations");
        boolean normalize = Json.bool(gate, "normalize_act", src + ": activations.gate");
        evenAct = scalarAct(gate, "even_act", constants, normalize, src);
        oddAct = scalarAct(gate, "odd_act", constants, normalize, src);
        evenGateAct = scalarAct(gate, "even_gate_act", constants, normalize, src);
        oddGateAct = scalarAct(gate, "odd_gate_act", constants, normalize, src);
        String mlpAct = Json.string(acts, "mlp", src + ": activations");
        if (!mlpAct.equals("silu")) {
            throw new ModelFormatException(src + ": MLP activation \"" + mlpAct + "\" is not supported (silu only)");
        }

        List<LayerIrreps> ls = new ArrayList<>();
        for (Object o : Json.array(c, "layers", src)) {
            if (!(o instanceof Map<?, ?> m)) {
                throw new ModelFormatException(src + ": layers entries must be objects");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> l = (Map<String, Object>) m;
            String where = src + ": layers[" + ls.size() + "]";
            ls.add(new LayerIrreps(Json.string(l, "name", where),
                    parseIrreps(Json.string(l, "input_irreps", where), where),
                    parseIrreps(Json.string(l, "tp_irreps", where), where),
                    parseIrreps(Json.string(l, "expanded_irreps", where), where),
                    parseIrreps(Json.string(l, "gated_irreps", where), where),
                    parseIrreps(Json.string(l, "output_irreps", where), where)));
        }
        if (ls.size() != outs.size()) {
            throw new ModelFormatException(src + ": " + ls.size() + " layers described but "
                    + outs.size() + " output irreps given");
        }
        layers = List.copyOf(ls);

        if (architecture == Architecture.POTENTIAL) {
            List<Object> sp = Json.array(c, "species", src);
            species = new int[sp.size()];
            for (int i = 0; i < species.length; i++) {
                if (!(sp.get(i) instanceof Long z) || z < 1 || z > 118) {
                    throw new ModelFormatException(src + ": species[" + i + "] must be an atomic number 1..118");
                }
                species[i] = (int) (long) z;
                for (int j = 0; j < i; j++) {
                    if (species[j] == species[i]) {
                        throw new ModelFormatException(src + ": species " + species[i] + " is listed twice");
                    }
                }
            }
            if (species.length != numEmbeddings) {
                throw new ModelFormatException(src + ": " + species.length + " species but num_embeddings = "
                        + numEmbeddings);
            }
            cutoff = positive(c, "cutoff", src);
            numBasis = Json.integer(c, "num_basis", src, 1, 1024);
            envelopeP = Json.integer(c, "envelope_p", src, 1, 64);
            avgNumNeighbors = positive(c, "avg_num_neighbors", src);
        } else {
            species = null;
            cutoff = Double.NaN;
            numBasis = 0;
            envelopeP = 0;
            avgNumNeighbors = Double.NaN;
        }
    }

    public static ModelConfig parse(Map<String, Object> json, String source) {
        return new ModelConfig(json, source);
    }

    public boolean isPotential() {
        return architecture == Architecture.POTENTIAL;
    }

    /** Embedding index of atomic number {@code z} (Potential), or -1 when the model has no such species. */
    /**
     * The embedding row of atom {@code atom}, atomic number {@code z}: what both executions embed.
     * An element the model has no row for is a structure the model cannot evaluate, refused naming
     * the atom (e3nn-jax would gather out of range and give NaN rows).
     */
    public int embeddingIndex(int atom, int z) {
        int id = speciesIndex(z);
        if (id < 0 || id >= numEmbeddings) {
            String element = z >= 0 && z <= Elements.MAX_Z ? Elements.symbol(z) + ", " : "";
            throw new StructureException("atom " + atom + " (" + element + "Z = " + z
                    + ") is not a species of this model (" + (species != null
                            ? "species Z = " + Arrays.toString(species)
                            : "atomic numbers 0.." + (numEmbeddings - 1)) + ")");
        }
        return id;
    }

    public int speciesIndex(int z) {
        if (species == null) {
            return z;
        }
        for (int i = 0; i < species.length; i++) {
            if (species[i] == z) {
                return i;
            }
        }
        return -1;
    }

    private static double positive(Map<String, Object> c, String key, String src) {
        double v = Json.number(c, key, src);
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new ModelFormatException(src + ": " + key + " must be a positive finite number, got " + v);
        }
        return v;
    }

    private static Irreps parseIrreps(Object o, String where) {
        if (!(o instanceof String s)) {
            throw new ModelFormatException(where + ": irreps must be strings");
        }
        Irreps irreps;
        try {
            irreps = Irreps.parse(s);
        } catch (RuntimeException e) {
            throw new ModelFormatException(where + ": " + e.getMessage(), e);
        }
        for (org.e3j.engine.irreps.MulIrrep m : irreps) {
            // sh_lmax <= 11 and hidden l <= 11 give TP outputs up to 22; a higher l only serves to make
            // the loader build Clebsch-Gordan tables of gigabytes (l grows by sh_lmax per layer).
            if (m.l() > MAX_IRREP_L) {
                throw new ModelFormatException(where + ": irreps \"" + (s.length() > 60 ? s.substring(0, 57) + "..." : s)
                        + "\" have l = " + m.l()
                        + ", more than the " + MAX_IRREP_L + " e3j supports");
            }
        }
        return irreps;
    }

    private static Gate.ScalarAct scalarAct(Map<String, Object> gate, String key, Map<String, Object> constants,
            boolean normalize, String src) {
        String name = Json.string(gate, key, src + ": activations.gate");
        Activation fn = switch (name) {
            case "gelu_tanh" -> Activation.GELU;
            case "soft_odd" -> Activation.SOFT_ODD;
            case "sigmoid" -> Activation.SIGMOID;
            case "tanh" -> Activation.TANH;
            case "silu" -> Activation.SILU;
            default -> throw new ModelFormatException(src + ": unknown gate activation \"" + name + "\"");
        };
        if (!normalize) {
            return Gate.ScalarAct.raw(fn);
        }
        double c = Json.number(constants, name, src + ": activations.normalization_constants");
        if (!(c > 0) || Double.isInfinite(c)) {
            throw new ModelFormatException(src + ": normalization constant of " + name + " must be positive, got " + c);
        }
        return new Gate.ScalarAct(fn, c);
    }
}
