package org.e3j.tests.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.e3j.layers.fast.FastModel;
import org.e3j.layers.fast.FastPotential;
import org.e3j.layers.io.ModelFormatException;
import org.e3j.layers.io.SafeTensors;
import org.e3j.layers.model.ModelConfig;
import org.e3j.layers.model.ModelInput;
import org.e3j.layers.model.ReferenceForces;
import org.e3j.layers.model.ReferenceModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 15, findings 12 and 14: every number of a model config is honoured or refused, and a key
 * e3j does not know is refused. Before, LayerNorm's epsilon and flags, the aggregation, the radial
 * type, the sign of the relative vectors, the units and mlp_normalized were read by nobody (byte-
 * identical output), linear.path_normalization -3 was accepted, a species_to_index contradicting
 * species was ignored, and sh_lmax had an undocumented cap of 11 the exporter did not know.
 */
class ModelConfigKeysTest {

    private static ReferenceModel load(String config, ModelFiles.Parts p) {
        return ReferenceModel.load(SafeTensors.parse("t", ByteBuffer.wrap(ModelFiles.write(config, p.tensors()))));
    }

    /** One edit of a fixture's config text; the edit must apply (the test would be vacuous otherwise). */
    private static String edit(ModelFiles.Parts p, String from, String to) {
        assertTrue(p.config().contains(from), () -> p.name() + "'s config has no " + from);
        return p.config().replace(from, to);
    }

    static Stream<Arguments> refused() {
        String pot = "potential_batch3";
        String simple = "simple_lmax2_batch4";
        return Stream.of(
                // finding 12: keys that change the maths and were ignored
                Arguments.of(pot, "\"epsilon\":1e-06", "\"epsilon\":1e-05", "\"mlp_layer_norm.epsilon\" must be 1.0E-6"),
                Arguments.of(pot, "\"use_fast_variance\":true", "\"use_fast_variance\":false",
                        "\"mlp_layer_norm.use_fast_variance\" must be true"),
                Arguments.of(pot, "\"use_bias\":true", "\"use_bias\":false", "\"mlp_layer_norm.use_bias\" must be true"),
                Arguments.of(pot, "\"use_scale\":true", "\"use_scale\":false", "\"mlp_layer_norm.use_scale\" must be true"),
                Arguments.of(pot, "\"type\":\"sum_over_constant\"", "\"type\":\"mean\"",
                        "\"aggregation.type\" must be \"sum_over_constant\""),
                Arguments.of(simple, "\"type\":\"mean\"", "\"type\":\"sum\"", "\"aggregation.type\" must be \"mean\""),
                Arguments.of(pot, "\"type\":\"bessel_times_envelope\"", "\"type\":\"gaussian\"",
                        "\"radial.type\" must be \"bessel_times_envelope\""),
                Arguments.of(pot, "\"mlp_output_times_envelope\":true", "\"mlp_output_times_envelope\":false",
                        "\"radial.mlp_output_times_envelope\" must be true"),
                Arguments.of(simple, "\"radial\":{\"type\":\"norm\"}", "\"radial\":{\"type\":\"norm_squared\"}",
                        "\"radial.type\" must be \"norm\""),
                Arguments.of(pot, "\"pos[receivers] - pos[senders] + shifts\"", "\"pos[senders] - pos[receivers] - shifts\"",
                        "\"relative_vectors\" must be \"pos[receivers] - pos[senders] + shifts\""),
                Arguments.of(simple, "\"pos[receivers] - pos[senders]\"", "\"pos[senders] - pos[receivers]\"",
                        "\"relative_vectors\" must be \"pos[receivers] - pos[senders]\""),
                Arguments.of(pot, "\"energy\":\"eV\"", "\"energy\":\"kcal/mol\"", "\"units.energy\" must be \"eV\""),
                Arguments.of(pot, "\"length\":\"Angstrom\"", "\"length\":\"Bohr\"", "\"units.length\" must be \"Angstrom\""),
                Arguments.of(pot, "\"mlp_normalized\":false", "\"mlp_normalized\":true",
                        "\"activations.mlp_normalized\" must be false"),
                Arguments.of(pot, "\"linear\":{\"biases\":false,\"gradient_normalization\":1.0,\"path_normalization\":0.0}",
                        "\"linear\":{\"biases\":false,\"gradient_normalization\":1.0,\"path_normalization\":-3.0}",
                        "\"linear.path_normalization\" must be 0.0, got -3.0"),
                Arguments.of(pot, "\"species_to_index\":{\"11\":0,\"17\":1,\"29\":2}",
                        "\"species_to_index\":{\"11\":1,\"17\":0,\"29\":2}",
                        "species_to_index[\"11\"] is 1 but species[0] = 11"),
                Arguments.of(pot, "\"species_to_index\":{\"11\":0,\"17\":1,\"29\":2}",
                        "\"species_to_index\":{\"11\":0,\"17\":1,\"29\":2,\"1\":0}", "species_to_index has 4 entries"),
                // unknown keys, at the top and inside objects; missing keys
                Arguments.of(pot, "\"architecture\":", "\"cutoff_smoothing\":0.5,\"architecture\":",
                        "unknown config key \"cutoff_smoothing\""),
                Arguments.of(pot, "\"epsilon\":1e-06", "\"epsilon\":1e-06,\"momentum\":0.9",
                        "unknown config key \"mlp_layer_norm.momentum\""),
                Arguments.of(pot, "\"type\":\"bessel_times_envelope\"", "\"type\":\"bessel_times_envelope\",\"trainable\":true",
                        "unknown config key \"radial.trainable\""),
                Arguments.of(pot, "\"name\":\"PotentialLayer_0\"", "\"name\":\"PotentialLayer_0\",\"skip\":false",
                        "unknown config key \"layers[0].skip\""),
                Arguments.of(pot, ",\"units\":{\"energy\":\"eV\",\"length\":\"Angstrom\"}", "",
                        "config key \"units\" is missing"),
                // the rest of the keys nobody read: values and contradictions
                Arguments.of(pot, "\"sh_normalization\":\"norm\"", "\"sh_normalization\":\"component\"",
                        "\"sh_normalization\" must be \"norm\""),
                Arguments.of(pot, "\"sh_irreps\":\"1x0e+1x1o+1x2e\"", "\"sh_irreps\":\"1x0e+1x1o\"",
                        "sh_irreps 1x0e+1x1o contradict sh_lmax 2"),
                Arguments.of(pot, "\"num_layers\":1", "\"num_layers\":2", "num_layers 2 contradicts"),
                Arguments.of(pot, "\"node_input\":\"species_index\"", "\"node_input\":\"atomic_number\"",
                        "\"node_input\" must be \"species_index\""),
                Arguments.of(simple, "\"max_atomic_number\":20", "\"max_atomic_number\":10",
                        "max_atomic_number 10 contradicts num_embeddings 20"),
                Arguments.of(simple, "\"cutoff\":null", "\"cutoff\":5.0", "\"cutoff\" must be null"),
                Arguments.of(pot, "\"cutoff\":3.5", "\"cutoff\":3.5000001", "exactly representable in float32"),
                Arguments.of(pot, "\"avg_num_neighbors\":8.0", "\"avg_num_neighbors\":8.1", "exactly representable in float32"),
                Arguments.of(pot, "\"even_act\":\"gelu_tanh\"", "\"even_act\":\"tanh\"",
                        "\"activations.gate.even_act\" must be \"gelu_tanh\""),
                Arguments.of(pot, "\"normalize_act\":true", "\"normalize_act\":false",
                        "\"activations.gate.normalize_act\" must be true"),
                Arguments.of(pot, "\"gelu_tanh\":\"0x3f26ed49\"", "\"gelu_tanh\":\"0x3f26ed4a\"",
                        "normalization_constants_f32_bits.gelu_tanh \"0x3f26ed4a\" contradicts"),
                Arguments.of(pot, "\"gelu_tanh\":\"x * 0.5 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))\"",
                        "\"gelu_tanh\":\"x * 0.5 * (1 + erf(x / sqrt(2)))\"", "\"activations.formulas.gelu_tanh\" must be"),
                Arguments.of(pot, "\"path_normalization\":\"element\"", "\"path_normalization\":\"path\"",
                        "\"e3nn_config.path_normalization\" must be \"element\""),
                Arguments.of(pot, "\"irrep_normalization\":\"component\"", "\"irrep_normalization\":\"integral\"",
                        "\"e3nn_config.irrep_normalization\" must be one of \"component\", \"norm\", \"none\""),
                Arguments.of(pot, "\"gate_num_gates\":10", "\"gate_num_gates\":11",
                        "layer 0: gate_num_gates: e3nn-jax wrote 11 but e3j derives 10"),
                Arguments.of(pot, "\"concat_irreps\":\"5x0e+5x0e+5x1o+5x2e+5x0e\"",
                        "\"concat_irreps\":\"5x0e+5x0e+5x1o+5x2e\"", "layer 0: concat irreps"),
                Arguments.of(pot, "\"name\":\"PotentialLayer_0\"", "\"name\":\"PotentialLayer_7\"",
                        "layers[0].name is \"PotentialLayer_7\""),
                Arguments.of(pot, "\"linear_input_irreps\":\"9x0e+3x1o\"", "\"linear_input_irreps\":\"9x0e\"",
                        "readout.linear_input irreps"),
                Arguments.of(pot, "\"param_count\":576", "\"param_count\":577", "param_count 577 but the tensors hold 576"),
                Arguments.of(pot, "\"params/AtomEmbedding_0/Embed_0/embedding\",", "",
                        "param_names do not list the file's tensors; not listed: [params/AtomEmbedding_0/Embed_0/embedding]"),
                Arguments.of(pot, "\"provenance\":{", "\"provenance\":{\"seed\":42,", "\"provenance.seed\" must be a string"),
                // finding 14: the sh_lmax cap is a documented number, refused by name
                Arguments.of(pot, "\"sh_lmax\":2", "\"sh_lmax\":12", "\"sh_lmax\" must be an integer in [0, 11], got 12"));
    }

    @ParameterizedTest(name = "{0}: {2}")
    @MethodSource("refused")
    void everyKeyIsHonouredOrRefusedNamingIt(String fixture, String from, String to, String message) {
        ModelFiles.Parts p = ModelFiles.fixture(fixture);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> load(edit(p, from, to), p));
        assertTrue(e.getMessage().contains(message), () -> "expected \"" + message + "\" in: " + e.getMessage());
        assertTrue(e.getMessage().startsWith("t: "), () -> "the message names the file: " + e.getMessage());
    }

    /** {@code __metadata__} is exactly {"e3j_config": ...}: another entry is not silently ignored. */
    @Test
    void otherMetadataEntriesAreRefused() {
        ModelFiles.Parts p = ModelFiles.fixture("potential_batch3");
        byte[] file = ModelFiles.write(p.config(), p.tensors());
        String header = new String(file, 8, (int) ByteBuffer.wrap(file, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .getLong(), java.nio.charset.StandardCharsets.UTF_8);
        String extra = header.replace("{\"__metadata__\":{", "{\"__metadata__\":{\"e3j_energy_scale\":\"2\",");
        assertNotEquals(header, extra);
        List<byte[]> data = p.tensors().values().stream().map(ModelFiles.Tensor::bytes).toList();
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ReferenceModel.load(
                SafeTensors.parse("t", ByteBuffer.wrap(ModelFiles.assemble(extra.strip(), data)))));
        assertTrue(e.getMessage().contains("unknown __metadata__ key \"e3j_energy_scale\""), e.getMessage());
    }

    /** Metadata-only keys may hold anything of their type: they do not change the maths. */
    @Test
    void informationalKeysAreFree() {
        ModelFiles.Parts p = ModelFiles.fixture("potential_batch3");
        String c = edit(p, "\"provenance\":{", "\"provenance\":{\"trained_by\":\"someone\",");
        c = c.replace("\"spherical_harmonics_algorithm\":\"automatic\"",
                "\"spherical_harmonics_algorithm\":[\"legendre\",\"dense\",\"custom_jvp\"]");
        c = c.replace("\"fused\":false", "\"fused\":true");
        load(c, p);
    }

    /**
     * e3nn_config.irrep_normalization is honoured, not just accepted: "norm" and "none" change the
     * energy (the tensor product's path weights; verified against e3nn-jax in the engine's op
     * fixtures), and the fast float32 engine agrees with the reference on every value. Two layers:
     * with scalar node features (a first layer) "norm" and "component" weigh every path alike.
     */
    @Test
    void irrepNormalizationIsHonouredByBothEngines() {
        ModelFiles.Parts p = ModelFiles.fixture("potential_molecule20");
        double[] energies = new double[3];
        String[] values = {"component", "norm", "none"};
        for (int v = 0; v < values.length; v++) {
            ReferenceModel ref = load(edit(p, "\"irrep_normalization\":\"component\"",
                    "\"irrep_normalization\":\"" + values[v] + "\""), p);
            assertEquals(values[v], ref.config.irrepNormalization.toString());
            ModelInput in = ModelFiles.molecule(ref);
            ReferenceForces.Result r = ReferenceForces.compute(ref, in);
            energies[v] = r.energy()[0];
            double[] forces = new double[in.numNodes() * 3];
            double e;
            try (FastPotential fast = new FastPotential(FastModel.compile(ref), 1)) {
                fast.setGraph(in.numNodes(), in.numbers(), in.positions(), in.numEdges(), in.senders(), in.receivers(),
                        new double[in.numEdges() * 3]);
                e = fast.compute(in.positions(), null, null, forces, null, null);
            }
            double scale = Math.abs(energies[v]) + 1e-3;
            assertEquals(energies[v], e, 2e-5 * scale, values[v] + ": fast energy vs reference");
            double fScale = 0;
            for (double f : r.forces()) {
                fScale = Math.max(fScale, Math.abs(f));
            }
            for (int i = 0; i < forces.length; i++) {
                assertEquals(r.forces()[i], forces[i], 2e-5 * (fScale + 1e-3), values[v] + ": force " + i);
            }
        }
        assertNotEquals(energies[0], energies[1], "norm changes the energy");
        assertNotEquals(energies[0], energies[2], "none changes the energy");
    }

    /** Finding 14: one cap, the same constant the documentation states. */
    @Test
    void theShLmaxCapIsTheDocumentedOne() throws IOException {
        assertEquals(11, ModelConfig.MAX_SH_LMAX);
        String doc = Files.readString(Path.of("..", "docs", "model-format.md"));
        assertTrue(doc.contains("sh_lmax` | int | 0 … " + ModelConfig.MAX_SH_LMAX),
                "docs/model-format.md states the sh_lmax cap " + ModelConfig.MAX_SH_LMAX);
        ModelFiles.Parts p = ModelFiles.fixture("simple_lmax2_batch4");
        // 11 passes the key's rule (and then fails only because the tensors are for sh_lmax 2)
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> load(edit(p, "\"sh_lmax\":2", "\"sh_lmax\":11"), p));
        assertTrue(e.getMessage().contains("sh_irreps 1x0e+1x1o+1x2e contradict sh_lmax 11"), e.getMessage());
    }

    /**
     * The modelConfig fuzz seeds: those made from fixtures ({@code config_*}) are valid configs, so
     * the fuzzer starts deep; every other one is a broken config (one per finding) and is refused.
     */
    @Test
    void fuzzSeedsLoadOrAreRefusedAsNamed() throws IOException {
        Path dir = Path.of("src/test/resources/org/e3j/tests/reliability/ModelFileFuzzTestInputs/modelConfig");
        List<Path> seeds;
        try (Stream<Path> s = Files.list(dir)) {
            seeds = s.sorted().toList();
        }
        assertTrue(seeds.size() >= 8, "seeds " + seeds);
        List<ModelFiles.Parts> fixtures = ModelFiles.fixtures();
        for (Path seed : seeds) {
            byte[] b = Files.readAllBytes(seed);
            ModelFiles.Parts base = fixtures.get((b[0] & 0xff) % fixtures.size());
            String config = new String(b, 1, b.length - 1, java.nio.charset.StandardCharsets.UTF_8);
            String name = seed.getFileName().toString();
            assertEquals(name.startsWith("config_") ? ModelFiles.Outcome.LOADED : ModelFiles.Outcome.REJECTED_BY_MODEL,
                    ModelFiles.check(ModelFiles.write(config, base.tensors())), name);
        }
    }
}
