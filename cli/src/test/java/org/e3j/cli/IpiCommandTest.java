package org.e3j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, finding 8: {@code e3j ipi --timeout} and {@code --connect-timeout} take a finite number
 * of seconds from 1 ms to a week; 0, sub-millisecond, NaN, infinite, huge and negative values are
 * one-line errors (they used to mean "never" or crash with a long overflow), and the connect wait
 * honours its option (it used to be 30 s whatever was asked).
 */
class IpiCommandTest {
    @TempDir
    Path dir;

    record Result(int status, String out, String err) {}

    Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(status, out.toString(), err.toString());
    }

    Path template() throws Exception {
        Path p = dir.resolve("cu.xyz");
        Files.writeString(p, """
                2
                Lattice="3.6 0 0 0 3.6 0 0 0 3.6" Properties=species:S:1:pos:R:3 pbc="T T T"
                Cu 0 0 0
                Cu 1.8 1.8 0
                """);
        return p;
    }

    @Test
    void absurdTimeoutsAreRefusedWithOneLine() throws Exception {
        String t = template().toString();
        for (String option : new String[] {"--timeout", "--connect-timeout"}) {
            for (String bad : new String[] {"0", "0.0005", "NaN", "Infinity", "1e300", "-1", "604801"}) {
                Result r = run("ipi", "--unix", "e3jtimeout" + ProcessHandle.current().pid(), "-s", t, option, bad);
                assertEquals(Main.EXIT_USAGE, r.status(), option + " " + bad + ": " + r.err());
                // NaN and Infinity are not decimal numbers to begin with (Main's converter of every number option)
                String expected = bad.equals("NaN") || bad.equals("Infinity")
                        ? "e3j: Invalid value for option '" + option + "': '" + bad + "' is not a decimal number"
                        : "e3j: " + option + " must be a number of seconds from 0.001 to 604800";
                assertTrue(r.err().startsWith(expected), option + " " + bad + ": " + r.err());
                assertEquals(1, r.err().strip().lines().count(), r.err());
            }
        }
    }

    @Test
    void theConnectWaitHonoursItsOption() throws Exception {
        Result r = run("ipi", "--unix", "e3jnobody" + ProcessHandle.current().pid(), "-s", template().toString(),
                "--connect-timeout", "0.3", "--timeout", "5");
        assertEquals(Main.EXIT_INPUT_ERROR, r.status(), r.err());
        assertTrue(r.err().contains("gave up after 300 ms"), r.err());
    }

    @Test
    void badAddressesAreUsageErrorsAndAnUnknownHostIsNamed() throws Exception {
        String t = template().toString();
        for (String[] bad : new String[][] {{"--tcp", "localhost:99999"}, {"--tcp", "localhost:abc"},
                {"--tcp", ":31415"}, {"--unix", "a/b"}, {"--unix", ""}}) {
            Result r = run("ipi", bad[0], bad[1], "-s", t, "--connect-timeout", "0.3");
            assertEquals(Main.EXIT_USAGE, r.status(), String.join(" ", bad) + ": " + r.err());
            assertTrue(r.err().startsWith("e3j: " + bad[0] + " '"), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
        // it used to print "e3j: null"
        Result r = run("ipi", "--tcp", "no-such-host.invalid:31415", "-s", t, "--connect-timeout", "0.3");
        assertEquals(Main.EXIT_INPUT_ERROR, r.status(), r.err());
        assertTrue(r.err().contains("'no-such-host.invalid' does not resolve"), r.err());
    }
}
