package org.e3j.tests.reliability;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.e3j.graph.Structure;
import org.e3j.graph.StructureException;
import org.e3j.graph.io.ExtXyz;
import org.e3j.graph.io.ExtXyzReader;
import org.e3j.graph.io.Frame;

/**
 * Fuzz target for the extended-XYZ reader (issue #7): arbitrary bytes, decoded as
 * {@code ExtXyzReader.open(path)} decodes a file (strict UTF-8). Only {@link StructureException}s
 * (of which {@code ExtXyzException} is one) with a message may come out. Every frame read is then
 * written and read back: the structure must come back bit for bit. (Info keys that are not
 * identifiers are dropped first: the reader takes them as ASE does, the writer refuses them by design,
 * see {@code ExtXyzTest.writerRefusesWhatCannotBeRead}.)
 */
class ExtXyzFuzzTest {
    static final int MAX_BYTES = 1 << 20;

    /** Small caps so that a fuzzed count cannot make one input slow; the logic is the same. */
    static final ExtXyzReader.Options OPTIONS = ExtXyzReader.Options.DEFAULT.withMaxAtoms(10_000)
            .withMaxLineLength(1 << 16);

    @FuzzTest(maxDuration = "5m")
    void reader(byte[] data) {
        if (data.length > MAX_BYTES) {
            return;
        }
        ExtXyzReader r = new ExtXyzReader(new BufferedReader(new InputStreamReader(new ByteArrayInputStream(data),
                StandardCharsets.UTF_8.newDecoder())), OPTIONS);
        try {
            for (Frame f = r.readFrame(); f != null; f = r.readFrame()) {
                roundTrip(f);
            }
        } catch (StructureException e) {
            ModelFiles.requireMessage(e);
        }
    }

    /** The keys ExtXyzWriter writes (by design it refuses others, e.g. ASE's quoted "a b" keys). */
    static final java.util.regex.Pattern WRITABLE_KEY = java.util.regex.Pattern.compile("[A-Za-z_][A-Za-z0-9_\\-]*");

    /**
     * Writes the frame and reads it back: same structure, bit for bit. Info entries the writer refuses
     * by design are dropped first: keys that are not identifiers, string values with a line break (a
     * lone CR inside a quoted value is an ordinary character to the reader), and per-atom columns with a
     * reserved name (a "numbers" column beside "Z": Z gives the atomic numbers, "numbers" stays a column).
     */
    static void roundTrip(Frame read) {
        java.util.LinkedHashMap<String, Object> info = new java.util.LinkedHashMap<>(read.info());
        info.keySet().removeIf(k -> !WRITABLE_KEY.matcher(k).matches());
        info.values().removeIf(v -> v instanceof String str && (str.indexOf('\r') >= 0 || str.indexOf('\n') >= 0));
        java.util.LinkedHashMap<String, org.e3j.graph.io.Property> arrays = new java.util.LinkedHashMap<>(read.arrays());
        arrays.keySet().removeAll(java.util.Set.of("species", "pos", "Z", "symbols", "positions", "numbers"));
        Frame f = new Frame(read.structure(), info, arrays);
        String text = ExtXyz.toString(java.util.List.of(f));
        Frame back;
        try {
            back = ExtXyz.parse(text, OPTIONS).get(0);
        } catch (StructureException e) {
            throw new AssertionError("a frame the reader accepted does not read back after writing: " + e.getMessage()
                    + "\n" + text, e);
        }
        Structure a = f.structure(), b = back.structure();
        if (!Arrays.equals(a.numbers(), b.numbers()) || !Arrays.equals(a.positions(), b.positions())
                || !Arrays.equals(a.cell(), b.cell()) || !Arrays.equals(a.pbc(), b.pbc())) {
            throw new AssertionError("structure changed in a write/read round trip:\n" + text);
        }
    }
}
