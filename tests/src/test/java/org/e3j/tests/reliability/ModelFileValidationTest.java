package org.e3j.tests.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import org.e3j.layers.io.ModelFormatException;
import org.e3j.layers.io.SafeTensors;
import org.e3j.layers.model.ReferenceModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each class of bad model file from issue #7, refused with a {@link ModelFormatException} whose
 * message names the culprit. The same files (and the fuzzer's mutations of them) are the seeds of
 * {@link ModelFileFuzzTest}.
 */
class ModelFileValidationTest {
    @TempDir
    Path dir;

    private static ModelFormatException parseFails(byte[] b) {
        return assertThrows(ModelFormatException.class, () -> SafeTensors.parse("t", ByteBuffer.wrap(b)));
    }

    private static ModelFormatException loadFails(byte[] b) {
        return assertThrows(ModelFormatException.class,
                () -> ReferenceModel.load(SafeTensors.parse("t", ByteBuffer.wrap(b))));
    }

    private static byte[] raw(String header, int dataBytes) {
        return ModelFiles.assemble(header, List.of(new byte[dataBytes]));
    }

    private static void contains(Exception e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), () -> "expected \"" + p + "\" in: " + e.getMessage());
        }
    }

    @Test
    void headerLevelProblems() {
        contains(parseFails(new byte[5]), "too short");
        byte[] huge = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(SafeTensors.MAX_HEADER_BYTES + 1)
                .array();
        contains(parseFails(huge), "exceeds the cap");
        byte[] negative = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-8).array();
        contains(parseFails(negative), "exceeds the cap");
        byte[] past = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(4096).array();
        contains(parseFails(past), "truncated");
        byte[] notUtf8 = ModelFiles.assemble("{\"x\":1}", List.of());
        notUtf8[10] = (byte) 0xff;
        contains(parseFails(notUtf8), "UTF-8");
        contains(parseFails(raw("[1,2]", 0)), "does not start with '{'");
        contains(parseFails(raw("{\"a\":1,}", 0)), "invalid JSON");
        contains(parseFails(raw("{\"a\":NaN}", 0)), "invalid JSON");
        contains(parseFails(raw("{\"x\":" + "[".repeat(100) + "]".repeat(100) + "}", 0)), "nesting deeper");
        String t = "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}";
        contains(parseFails(raw("{\"a\":" + t + ",\"a\":" + t + "}", 4)), "duplicate key");
    }

    @Test
    void tensorEntryProblems() {
        contains(parseFails(raw("{\"a\":{\"dtype\":\"F128\",\"shape\":[1],\"data_offsets\":[0,16]}}", 16)),
                "unknown dtype \"F128\"");
        contains(parseFails(raw("{\"a\":{\"dtype\":\"F64\",\"shape\":[4294967296,4294967296],"
                + "\"data_offsets\":[0,8]}}", 8)), "overflows");
        contains(parseFails(raw("{\"a\":{\"dtype\":\"F64\",\"shape\":[1152921504606846976],"
                + "\"data_offsets\":[0,8]}}", 8)), "overflows");
        contains(parseFails(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4)),
                "non-negative");
        contains(parseFails(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,4]}}", 4)),
                "needs 12");
        contains(parseFails(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 4)),
                "not a valid range");
        contains(parseFails(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", 4)),
                "unknown field");
        contains(parseFails(raw("{\"a\":{\"dtype\":\"U8\",\"shape\":[9223372036854775807],"
                + "\"data_offsets\":[0,9223372036854775807]}}", 0)), "truncated");
    }

    @Test
    void offsetsMustTileTheDataExactly() {
        String a = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
        contains(parseFails(raw("{" + a + ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12)),
                "contiguous and non-overlapping");
        contains(parseFails(raw("{" + a + ",\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[12,16]}}", 16)),
                "contiguous and non-overlapping");
        contains(parseFails(raw("{" + a + "}", 16)), "trailing bytes");
        contains(parseFails(raw("{" + a + "}", 4)), "truncated");
        contains(parseFails(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1024],\"data_offsets\":[0,4096]}}", 16)),
                "truncated");
        // a valid file still reads, and its tensor lies where the header says
        byte[] ok = ModelFiles.write(null, new LinkedHashMap<>(java.util.Map.of("w",
                ModelFiles.f32(new long[] {2}, 1.5f, -2f))));
        assertEquals(-2.0, SafeTensors.parse("t", ByteBuffer.wrap(ok)).doubles("w")[1]);
    }

    @Test
    void tensorsMustFitTheArchitectureAndEveryCulpritIsNamed() {
        ModelFiles.Parts p = ModelFiles.fixture("potential_batch3");
        String first = p.tensors().keySet().iterator().next();
        String second = p.tensors().keySet().stream().skip(1).findFirst().orElseThrow();
        ModelFiles.Tensor t = p.tensors().get(second);
        LinkedHashMap<String, ModelFiles.Tensor> bad = ModelFiles.with(p.tensors(), first, null);
        bad.put(second, new ModelFiles.Tensor(t.dtype(), new long[] {t.bytes().length / 4}, t.bytes()));
        bad.put("params/extra/kernel", ModelFiles.f32(new long[] {2}, 0, 0));
        ModelFormatException e = loadFails(ModelFiles.write(p.config(), bad));
        contains(e, "missing tensor \"" + first + "\"", "tensor \"" + second + "\" has shape",
                "unexpected tensor \"params/extra/kernel\"");
    }

    @Test
    void nonFiniteAndNonFloatWeightsAreRefused() {
        ModelFiles.Parts p = ModelFiles.fixture("potential_batch3");
        String name = p.tensors().keySet().iterator().next();
        ModelFiles.Tensor t = p.tensors().get(name);
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            byte[] b = t.bytes().clone();
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putFloat(4, bad);
            ModelFormatException e = loadFails(ModelFiles.write(p.config(),
                    ModelFiles.with(p.tensors(), name, new ModelFiles.Tensor("F32", t.shape(), b))));
            contains(e, "tensor \"" + name + "\" holds " + (double) bad + " at flat index 1");
        }
        ModelFormatException e = loadFails(ModelFiles.write(p.config(),
                ModelFiles.with(p.tensors(), name, new ModelFiles.Tensor("I32", t.shape(), t.bytes()))));
        contains(e, "has dtype I32");
        // F64 values that float32 cannot hold: the fast engine would compute with infinity
        int count = t.bytes().length / 4;
        ByteBuffer f64 = ByteBuffer.allocate(8 * count).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer f32 = ByteBuffer.wrap(t.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            f64.putDouble(8 * i, i == 1 ? -1e39 : f32.getFloat(4 * i));
        }
        e = loadFails(ModelFiles.write(p.config(),
                ModelFiles.with(p.tensors(), name, new ModelFiles.Tensor("F64", t.shape(), f64.array()))));
        contains(e, "tensor \"" + name + "\" holds -1.0E39 at flat index 1, beyond float32's range");
    }

    @Test
    void theConfigIsValidatedAgainstTheArchitecture() {
        ModelFiles.Parts p = ModelFiles.fixture("potential_batch3");
        String c = p.config();
        contains(loadFails(ModelFiles.write(null, p.tensors())), "no \"e3j_config\"");
        contains(loadFails(ModelFiles.write("not json", p.tensors())), "invalid JSON");
        contains(loadFails(ModelFiles.write(c.replace("\"format_version\":1", "\"format_version\":2"), p.tensors())),
                "format_version 2");
        contains(loadFails(ModelFiles.write(c.replace("\"cutoff\":3.5", "\"cutoff\":0"), p.tensors())),
                "\"cutoff\" must be a positive");
        contains(loadFails(ModelFiles.write(c.replace("\"architecture\":\"Potential\"", "\"architecture\":\"Mace\""),
                p.tensors())), "unknown architecture");
        contains(loadFails(ModelFiles.write(c.replace("\"num_basis\":5", "\"num_basis\":6"), p.tensors())),
                "do not fit the architecture", "MLP_0/Dense_0/kernel");
        // the exporter's derived irreps are checked against e3j's own derivation
        contains(loadFails(ModelFiles.write(c.replace("\"tp_irreps\":\"5x0e+5x1o+5x2e\"",
                "\"tp_irreps\":\"5x0e+5x1o\""), p.tensors())), "tp irreps", "conventions drifted");
    }

    /**
     * Finding: sizes in the config were turned into zero arrays before the tensors were checked, so
     * {@code mlp_hidden_dims: 60000} (a 60000 x 60000 kernel) threw NegativeArraySizeException, and
     * 30000 would have allocated 7 GB. Now refused before allocating.
     */
    @Test
    void aConfigCannotMakeTheLoaderAllocateMoreThanTheFileHolds() {
        ModelFiles.Parts simple = ModelFiles.fixture("simple_lmax2_batch4");
        ModelFiles.Parts potential = ModelFiles.fixture("potential_batch3");
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            for (String dims : new String[] {"60000", "30000", "65536"}) {
                contains(loadFails(ModelFiles.write(potential.config().replace("\"mlp_hidden_dims\":7",
                        "\"mlp_hidden_dims\":" + dims), potential.tensors())), "more values than the file's");
                contains(loadFails(ModelFiles.write(simple.config().replace("\"num_embeddings\":20",
                        "\"num_embeddings\":" + dims).replace("\"max_atomic_number\":20", "\"max_atomic_number\":" + dims)
                        .replace("\"init_embed_dims\":6", "\"init_embed_dims\":" + dims),
                        simple.tensors())), "more values than the file's", "Embed_0/embedding");
            }
        });
    }

    /**
     * Hardening: an irrep degree in the config is capped (l grows by sh_lmax per layer, and the
     * Clebsch-Gordan tables of one TensorProduct at sh_lmax 11 take 8 s at l = 22 and 187 s at
     * l = 176: a consistent hostile config of a few KB could stall the loader for hours).
     */
    @Test
    void irrepDegreesInTheConfigAreCapped() {
        ModelFiles.Parts p = ModelFiles.fixture("potential_batch3");
        String c = p.config().replace("\"output_irreps_per_layer\":[\"9x0e+2x0o+3x1o+2x1e+1x2o\"]",
                "\"output_irreps_per_layer\":[\"9x0e+1x23e\"]");
        contains(loadFails(ModelFiles.write(c, p.tensors())), "l = 23", "more than the 22");
    }

    /**
     * Layers cost Clebsch-Gordan tables to build (seconds each at l = 22), so the layer count is
     * capped, and a config that describes more layers than the file has weights for fails before
     * building the first layer the file has nothing for.
     */
    @Test
    void layerCountIsCappedAndCheckedAgainstTheFileFirst() {
        ModelFiles.Parts p = ModelFiles.fixture("potential_batch3");
        String out = "\"9x0e+2x0o+3x1o+2x1e+1x2o\"";
        String many = p.config().replace("\"output_irreps_per_layer\":[" + out + "]",
                "\"output_irreps_per_layer\":[" + String.join(",", java.util.Collections.nCopies(65, out)) + "]");
        contains(loadFails(ModelFiles.write(many, p.tensors())), "65 layers", "more than the 64");
        int start = p.config().indexOf("\"layers\":[") + "\"layers\":[".length();
        int end = p.config().indexOf("}]", start) + 1;
        String layer = p.config().substring(start, end);
        String two = p.config().substring(0, end) + "," + layer.replace("PotentialLayer_0", "PotentialLayer_1")
                + p.config().substring(end);
        two = two.replace("\"output_irreps_per_layer\":[" + out + "]", "\"output_irreps_per_layer\":[" + out + ","
                + out + "]").replace("\"num_layers\":1", "\"num_layers\":2");
        contains(loadFails(ModelFiles.write(two, p.tensors())), "describes 2 layers",
                "no tensors for layer 1");
    }

    @Test
    void missingAndUnreadableFilesAreTypedErrors() throws Exception {
        contains(assertThrows(ModelFormatException.class, () -> ReferenceModel.load(dir.resolve("none.safetensors"))),
                "no such file");
        Path d = Files.createDirectory(dir.resolve("a-directory"));
        assertThrows(ModelFormatException.class, () -> ReferenceModel.load(d));
        Path empty = Files.write(dir.resolve("empty.safetensors"), new byte[0]);
        contains(assertThrows(ModelFormatException.class, () -> ReferenceModel.load(empty)), "too short");
        Path text = Files.writeString(dir.resolve("text.safetensors"), "hello world, not a model",
                StandardCharsets.UTF_8);
        assertThrows(ModelFormatException.class, () -> ReferenceModel.load(text));
    }

    @Test
    void everyFixtureModelStillLoads() {
        for (ModelFiles.Parts p : ModelFiles.fixtures()) {
            assertEquals(ModelFiles.Outcome.LOADED, ModelFiles.check(ModelFiles.write(p.config(), p.tensors())),
                    p.name());
        }
    }
}
