package org.e3j.tests.reliability;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.util.List;

/**
 * Fuzz targets for the model loader (issue #7). In a normal build each runs as a JUnit test over its
 * seeds and any committed findings in
 * {@code src/test/resources/org/e3j/tests/reliability/ModelFileFuzzTestInputs/<method>/}; with
 * {@code JAZZER_FUZZ=1} (scripts/fuzz) Jazzer fuzzes one of them for real.
 */
class ModelFileFuzzTest {
    /** Cap on a fuzzed file: the fixtures are under 40 KB; bigger inputs only slow the fuzzer. */
    static final int MAX_BYTES = 1 << 20;

    /**
     * Arbitrary bytes as a model file: {@code SafeTensors.parse}, every tensor read, then
     * {@code ReferenceModel.load} and a forward (and force) pass. Seeds: the fixture models and
     * hand-made broken headers.
     */
    @FuzzTest(maxDuration = "5m")
    void safetensorsFile(byte[] data) {
        if (data.length > MAX_BYTES) {
            return;
        }
        ModelFiles.check(data);
    }

    /**
     * A fuzzed {@code e3j_config} with real tensors: byte 0 picks a fixture model whose tensors are
     * kept, the rest (UTF-8) replaces its config. Reaches the config validation and the model
     * construction that a byte-level mutation of a whole file rarely gets to.
     */
    @FuzzTest(maxDuration = "5m")
    void modelConfig(byte[] data) {
        if (data.length < 1 || data.length > MAX_BYTES) {
            return;
        }
        List<ModelFiles.Parts> fixtures = ModelFiles.fixtures();
        ModelFiles.Parts base = fixtures.get((data[0] & 0xff) % fixtures.size());
        String config;
        try {
            config = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(data, 1, data.length - 1)).toString();
        } catch (CharacterCodingException e) {
            return; // the header is UTF-8 by construction here; raw bytes are safetensorsFile's job
        }
        ModelFiles.check(ModelFiles.write(config, base.tensors()));
    }
}
