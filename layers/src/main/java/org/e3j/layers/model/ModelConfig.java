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
 * The {@code e3j_config} JSON of a model file (see docs/model-format.md), validated: every key
 * against {@link ConfigSchema} (an unknown key or a value e3j does not implement is refused, naming
 * the key), then the keys against each other (sh_irreps against sh_lmax, species_to_index against
 * species, linear against e3nn_config, ...). The derived per-layer irreps e3nn-jax wrote are kept so
 * the model can check its own derivation against them; {@code param_names} and {@code param_count}
 * are checked against the file by {@link ReferenceModel}.
 */
public final class ModelConfig {
    public enum Architecture { SIMPLE_NETWORK, POTENTIAL }

    /** Highest spherical-harmonics degree ({@link ConfigSchema#MAX_SH_LMAX}; the exporter refuses more). */
    public static final int MAX_SH_LMAX = ConfigSchema.MAX_SH_LMAX;
    /** Largest irrep degree accepted anywhere in a config (twice the largest sh_lmax). */
    public static final int MAX_IRREP_L = ConfigSchema.MAX_IRREP_L;
    /** Most message-passing layers a model may have ({@link ConfigSchema#MAX_LAYERS}). */
    public static final int MAX_LAYERS = ConfigSchema.MAX_LAYERS;

    /** The irreps e3nn-jax derived for one layer, as written by the exporter (docs/model-format.md §2.5). */
    public record LayerIrreps(String name, Irreps input, Irreps tp, int tpNumIrreps, Irreps expandedRequested,
            Irreps expandedLinearInput, Irreps expanded, Irreps gateScalars, int gateNumGates, Irreps gated,
            Irreps concat, Irreps outputRequested, Irreps outputLinearInput, Irreps output) {}

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
    /** Potential only: the regrouped input irreps of the readout Linear, as e3nn-jax wrote them. */
    public final Irreps readoutLinearInput;
    /** Potential only: species[i] is the atomic number of embedding index i. */
    public final int[] species;
    public final double cutoff;
    public final int numBasis;
    public final int envelopeP;
    public final double avgNumNeighbors;
    /** The tensor names the config lists ({@code param_names}) and their number of values ({@code param_count}). */
    public final List<String> paramNames;
    public final long paramCount;
    public final Map<String, Object> raw;

    /**
     * Validates every key against {@link ConfigSchema} (types, ranges, allowed values, no unknown
     * keys), then the keys against each other; only then reads them.
     */
    private ModelConfig(Map<String, Object> c, String src) {
        raw = Collections.unmodifiableMap(c);
        // format, version and architecture first: they choose the rules, and say plainly what is wrong
        String format = Json.string(c, "format", src);
        if (!format.equals("e3j-model")) {
            throw new ModelFormatException(src + ": format is \"" + format + "\", expected \"e3j-model\"");
        }
        Object version = c.get("format_version");
        if (!(version instanceof Number v) || v.doubleValue() != 1) {
            throw new ModelFormatException(src + ": format_version " + ConfigSchema.show(version)
                    + " is not supported (this e3j reads 1)");
        }
        String arch = Json.string(c, "architecture", src);
        architecture = switch (arch) {
            case "SimpleNetwork" -> Architecture.SIMPLE_NETWORK;
            case "Potential" -> Architecture.POTENTIAL;
            default -> throw new ModelFormatException(src + ": unknown architecture \"" + arch
                    + "\" (expected SimpleNetwork or Potential)");
        };
        ConfigSchema.v1(architecture).check(c, "", src);

        shLmax = Json.integer(c, "sh_lmax", src, 0, MAX_SH_LMAX);
        Irreps sh = ConfigSchema.parseIrreps(c.get("sh_irreps"), src + ": sh_irreps");
        if (!sh.equals(Irreps.s2Irreps(shLmax))) {
            throw new ModelFormatException(src + ": sh_irreps " + sh + " contradict sh_lmax " + shLmax
                    + " (expected " + Irreps.s2Irreps(shLmax) + ")");
        }
        shNormalization = Json.string(c, "sh_normalization", src);
        initEmbedDims = Json.integer(c, "init_embed_dims", src, 1, ConfigSchema.MAX_DIM);
        numEmbeddings = Json.integer(c, "num_embeddings", src, 1, ConfigSchema.MAX_DIM);
        mlpHiddenDims = Json.integer(c, "mlp_hidden_dims", src, 1, ConfigSchema.MAX_DIM);
        mlpNumLayers = Json.integer(c, "mlp_num_layers", src, 1, ConfigSchema.MAX_MLP_LAYERS);
        List<Irreps> outs = new ArrayList<>();
        for (Object o : Json.array(c, "output_irreps_per_layer", src)) {
            outs.add(ConfigSchema.parseIrreps(o, src + ": output_irreps_per_layer"));
        }
        if (outs.isEmpty()) {
            throw new ModelFormatException(src + ": output_irreps_per_layer is empty");
        }
        outputIrrepsPerLayer = List.copyOf(outs);
        int numLayers = Json.integer(c, "num_layers", src, 1, MAX_LAYERS);
        if (numLayers != outs.size()) {
            throw new ModelFormatException(src + ": num_layers " + numLayers + " contradicts output_irreps_per_layer ("
                    + outs.size() + " entries)");
        }

        Map<String, Object> e3nn = Json.object(c, "e3nn_config", src);
        irrepNormalization = TensorProduct.IrrepNormalization.parse(Json.string(e3nn, "irrep_normalization", src));
        Map<String, Object> lin = Json.object(c, "linear", src);
        pathNormalization = resolvedNormalization(e3nn, lin, "path_normalization", src);
        gradientNormalization = resolvedNormalization(e3nn, lin, "gradient_normalization", src);

        Map<String, Object> acts = Json.object(c, "activations", src);
        Map<String, Object> gate = Json.object(acts, "gate", src);
        Map<String, Object> constants = Json.object(acts, "normalization_constants", src);
        Map<String, Object> bits = Json.object(acts, "normalization_constants_f32_bits", src);
        for (String name : ConfigSchema.NORMALIZED_ACTIVATIONS) {
            String expected = String.format("0x%08x", Float.floatToRawIntBits((float) Json.number(constants, name, src)));
            if (!expected.equals(bits.get(name))) {
                throw new ModelFormatException(src + ": activations.normalization_constants_f32_bits." + name + " "
                        + ConfigSchema.show(bits.get(name)) + " contradicts normalization_constants." + name + " "
                        + ConfigSchema.show(constants.get(name)) + " (bits " + expected + ")");
            }
        }
        evenAct = scalarAct(gate, "even_act", constants, src);
        oddAct = scalarAct(gate, "odd_act", constants, src);
        evenGateAct = scalarAct(gate, "even_gate_act", constants, src);
        oddGateAct = scalarAct(gate, "odd_gate_act", constants, src);

        List<LayerIrreps> ls = new ArrayList<>();
        for (Object o : Json.array(c, "layers", src)) {
            @SuppressWarnings("unchecked")
            Map<String, Object> l = (Map<String, Object>) o;
            String where = src + ": layers[" + ls.size() + "]";
            ls.add(new LayerIrreps(Json.string(l, "name", where),
                    irreps(l, "input_irreps", where), irreps(l, "tp_irreps", where),
                    Json.integer(l, "tp_num_irreps", where, 0, Integer.MAX_VALUE),
                    irreps(l, "expanded_requested_irreps", where), irreps(l, "expanded_linear_input_irreps", where),
                    irreps(l, "expanded_irreps", where), irreps(l, "gate_scalar_irreps", where),
                    Json.integer(l, "gate_num_gates", where, 0, Integer.MAX_VALUE),
                    irreps(l, "gated_irreps", where), irreps(l, "concat_irreps", where),
                    irreps(l, "output_requested_irreps", where), irreps(l, "output_linear_input_irreps", where),
                    irreps(l, "output_irreps", where)));
        }
        if (ls.size() != outs.size()) {
            throw new ModelFormatException(src + ": " + ls.size() + " layers described but "
                    + outs.size() + " output irreps given");
        }
        String layerPrefix = architecture == Architecture.POTENTIAL ? "PotentialLayer_" : "SimpleNetworkLayer_";
        for (int k = 0; k < ls.size(); k++) {
            if (!ls.get(k).name().equals(layerPrefix + k)) {
                throw new ModelFormatException(src + ": layers[" + k + "].name is \"" + ls.get(k).name()
                        + "\", expected \"" + layerPrefix + k + "\"");
            }
        }
        layers = List.copyOf(ls);

        List<String> names = new ArrayList<>();
        for (Object o : Json.array(c, "param_names", src)) {
            names.add((String) o);
        }
        paramNames = List.copyOf(names);
        paramCount = ((Number) c.get("param_count")).longValue();

        if (architecture == Architecture.POTENTIAL) {
            List<Object> sp = Json.array(c, "species", src);
            species = new int[sp.size()];
            for (int i = 0; i < species.length; i++) {
                species[i] = (int) (long) (Long) sp.get(i);
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
            checkSpeciesToIndex(Json.object(c, "species_to_index", src), species, src);
            cutoff = Json.number(c, "cutoff", src);
            numBasis = Json.integer(c, "num_basis", src, 1, ConfigSchema.MAX_NUM_BASIS);
            envelopeP = Json.integer(c, "envelope_p", src, 1, ConfigSchema.MAX_ENVELOPE_P);
            avgNumNeighbors = Json.number(c, "avg_num_neighbors", src);
            readoutLinearInput = irreps(Json.object(c, "readout", src), "linear_input_irreps", src + ": readout");
        } else {
            int maxZ = Json.integer(c, "max_atomic_number", src, 1, ConfigSchema.MAX_DIM);
            if (maxZ != numEmbeddings) {
                throw new ModelFormatException(src + ": max_atomic_number " + maxZ + " contradicts num_embeddings "
                        + numEmbeddings + " (a SimpleNetwork embeds Z directly: they are the same table size)");
            }
            species = null;
            cutoff = Double.NaN;
            numBasis = 0;
            envelopeP = 0;
            avgNumNeighbors = Double.NaN;
            readoutLinearInput = null;
        }
    }

    public static ModelConfig parse(Map<String, Object> json, String source) {
        return new ModelConfig(json, source);
    }

    public boolean isPotential() {
        return architecture == Architecture.POTENTIAL;
    }

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

    /** Embedding index of atomic number {@code z} (Potential), or -1 when the model has no such species. */
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

    private static Irreps irreps(Map<String, Object> l, String key, String where) {
        return ConfigSchema.parseIrreps(l.get(key), where + "." + key);
    }

    /**
     * {@code linear.<key>} is the number e3nn.flax.Linear resolves from {@code e3nn_config.<key>}
     * ("element" = 0, "path" = 1, or the number itself): the two must agree.
     */
    private static double resolvedNormalization(Map<String, Object> e3nn, Map<String, Object> lin, String key,
            String src) {
        Object named = e3nn.get(key);
        double fromE3nn = named instanceof String s ? (s.equals("path") ? 1.0 : 0.0) : ((Number) named).doubleValue();
        double value = Json.number(lin, key, src);
        if (value != fromE3nn) {
            throw new ModelFormatException(src + ": linear." + key + " " + value + " contradicts e3nn_config." + key
                    + " " + ConfigSchema.show(named) + " (which means " + fromE3nn + ")");
        }
        return value;
    }

    /** {@code species_to_index} must be exactly the inverse of {@code species}. */
    private static void checkSpeciesToIndex(Map<String, Object> toIndex, int[] species, String src) {
        for (int i = 0; i < species.length; i++) {
            Object id = toIndex.get(Integer.toString(species[i]));
            if (!(id instanceof Long n) || n != i) {
                throw new ModelFormatException(src + ": species_to_index[\"" + species[i] + "\"] is "
                        + ConfigSchema.show(id) + " but species[" + i + "] = " + species[i]
                        + " (species_to_index must be the inverse of species)");
            }
        }
        if (toIndex.size() != species.length) {
            throw new ModelFormatException(src + ": species_to_index has " + toIndex.size() + " entries but species "
                    + species.length + " (species_to_index must be the inverse of species)");
        }
    }

    private static Gate.ScalarAct scalarAct(Map<String, Object> gate, String key, Map<String, Object> constants,
            String src) {
        // the schema pins the names and normalize_act = true: every one has an exported constant
        String name = Json.string(gate, key, src);
        Activation fn = switch (name) {
            case "gelu_tanh" -> Activation.GELU;
            case "soft_odd" -> Activation.SOFT_ODD;
            case "sigmoid" -> Activation.SIGMOID;
            case "tanh" -> Activation.TANH;
            default -> throw new ModelFormatException(src + ": unknown gate activation \"" + name + "\"");
        };
        return new Gate.ScalarAct(fn, Json.number(constants, name, src));
    }
}
