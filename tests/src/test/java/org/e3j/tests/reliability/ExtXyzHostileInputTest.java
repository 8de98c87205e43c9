package org.e3j.tests.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.e3j.graph.io.ExtXyz;
import org.e3j.graph.io.ExtXyzException;
import org.e3j.graph.io.ExtXyzReader;
import org.e3j.graph.io.Frame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hostile extended-XYZ input, one class per test; each is a fuzz finding or a class from issue #7. */
class ExtXyzHostileInputTest {
    @TempDir
    Path dir;

    private static ExtXyzException refused(String text) {
        return assertThrows(ExtXyzException.class, () -> ExtXyz.parse(text));
    }

    /** Finding: a file with invalid UTF-8 escaped as UncheckedIOException (MalformedInputException). */
    @Test
    void invalidUtf8IsATypedErrorNotAnUncheckedIoException() throws IOException {
        Path p = dir.resolve("bad.xyz");
        Files.write(p, new byte[] {'1', '\n', (byte) 0xff, (byte) 0xfe, '\n', 'H', ' ', '0', ' ', '0', ' ', '0', '\n'});
        ExtXyzException e = assertThrows(ExtXyzException.class, () -> ExtXyz.read(p));
        assertTrue(e.getMessage().contains("not valid UTF-8"), e.getMessage());
    }

    /**
     * Finding: the float pattern backtracked quadratically on a long digit run (80 000 digits took
     * 114 s; the 1 MiB line the reader allows would take hours). Now linear.
     */
    @Test
    void aLongDigitRunIsLinearNotQuadratic() {
        String digits = "1".repeat(500_000);
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            Frame f = ExtXyz.parse("1\nk=" + digits + "x\nH 0 0 0\n").get(0);
            assertEquals(digits + "x", f.info().get("k"));
            ExtXyzException e = refused("1\n\nH " + digits + "x 0 0\n");
            assertTrue(e.getMessage().contains("bad number"), e.getMessage());
            // and still a number when it is one
            assertEquals(1.5e3, (Double) ExtXyz.parse("1\nk=1.5e3\nH 0 0 0\n").get(0).info().get("k"));
        });
    }

    /**
     * Fuzzing found that the reader takes any key ASE takes ("comme`nt", quoted keys with spaces or
     * '=') while ExtXyzWriter refuses keys that are not identifiers. By design (graph's
     * ExtXyzTest.writerRefusesWhatCannotBeRead): a clear IllegalArgumentException naming the key, and
     * nothing in e3j copies read info into a written frame (the CLI's eval writes fresh frames).
     */
    @Test
    void oddInfoKeysAreReadAndTheWriterRefusesThemByName() {
        for (String comment : new String[] {"plain comme`nt", "\"a b\"=1 'c=d'=x", "k\\\\=3"}) {
            Frame f = ExtXyz.parse("2\n" + comment + "\nC 0 0 0\nO 1.13 0 0\n").get(0);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ExtXyz.toString(List.of(f)));
            assertTrue(e.getMessage().contains("is not a valid extended XYZ key"), e.getMessage());
            ExtXyzFuzzTest.roundTrip(f); // the structure (and the identifier keys) do round-trip
        }
        // second finding of the same kind: a lone CR inside a quoted value is read as a character, and
        // the writer refuses a value with a line break
        Frame cr = ExtXyz.parse("1\nLat=\"a\rb\"\nH 0 0 0\n").get(0);
        assertEquals("a\rb", cr.info().get("Lat"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExtXyz.toString(List.of(cr)));
        assertTrue(e.getMessage().contains("line break"), e.getMessage());
        ExtXyzFuzzTest.roundTrip(cr);
    }

    @Test
    void badInputClassesFromTheIssueAreRefusedWithTheLine() {
        assertTrue(refused("1\n\nH nan 0 0\n").getMessage().contains("non-finite"));
        assertTrue(refused("1\n\nH 0 inf 0\n").getMessage().contains("non-finite"));
        assertTrue(refused("1\n\nXx 0 0 0\n").getMessage().contains("unknown element"));
        assertTrue(refused("2\n\nH 0 0 0\nH 0 0 0.01\n").getMessage().contains("closer than the minimum distance"));
        assertTrue(refused("0\n\n").getMessage().contains("0 atoms"));
        assertTrue(refused("1\nLattice=\"1 0 0 2 0 0 0 0 1\"\nH 0 0 0\n").getMessage().contains("singular"));
        assertTrue(refused("1\nLattice=\"0 1 0 1 0 0 0 0 1\"\nH 0 0 0\n").getMessage().contains("left-handed"));
        assertTrue(refused("1\nLattice=\"1 0 0 0 nan 0 0 0 1\"\nH 0 0 0\n").getMessage().contains("non-finite"));
        assertTrue(refused("99999999999\n\n").getMessage().contains("exceeds the limit"));
        assertTrue(refused("5\n\nH 0 0 0\n").getMessage().contains("truncated frame"));
        assertTrue(refused("2\n\nH 0 0 0\n").getMessage().contains("truncated frame"));
        assertTrue(refused("1\na=\"unterminated\nH 0 0 0\n").getMessage().contains("unterminated"));
        assertTrue(refused("1\nProperties=species:S:1:pos:R:3:f:R:999999\nH 0 0 0\n").getMessage()
                .contains("more than"));
        ExtXyzException tooLong = assertThrows(ExtXyzException.class, () -> ExtXyz.parse(
                "1\n" + "x".repeat(200) + "\nH 0 0 0\n", ExtXyzReader.Options.DEFAULT.withMaxLineLength(100)));
        assertTrue(tooLong.getMessage().startsWith("line 2: line is longer than 100"), tooLong.getMessage());
        // a huge declared count allocates nothing up front: refused at the end of the input
        assertTrue(refused("9999999\n\nH 0 0 0\n").getMessage().contains("truncated frame"));
    }

    @Test
    void validInputStillReads() {
        List<Frame> frames = ExtXyz.parse("1\n\nAr 0 0 0\n2\nenergy=-1.5 pbc=\"F F F\"\nAr 0 0 0\nAr 3.4 0 0\n");
        assertEquals(2, frames.size());
        assertEquals(-1.5, frames.get(1).energy());
        byte[] utf8 = "1\nnote=\"Ångström\"\nH 0 0 0\n".getBytes(StandardCharsets.UTF_8);
        assertEquals("Ångström", ExtXyz.parse(new String(utf8, StandardCharsets.UTF_8)).get(0).info().get("note"));
    }
}
