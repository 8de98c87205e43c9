package org.e3j.md.lammps;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How e3j finds the {@code fix external} lines of a LAMMPS script (no LAMMPS needed). */
class LammpsScriptTest {
    @TempDir
    Path dir;

    @Test
    void continuationsJoinAndCommentsAreIgnored() throws Exception {
        Path in = dir.resolve("in.lmp");
        Files.writeString(in, "units metal # eV\nfix   nn all &\n   external pf/callback 1 1   # e3j\n"
                + "print \"# not a comment\" # a comment\n# fix x all external pf/array 1\n");
        List<LammpsScript.Line> lines = LammpsScript.logicalLines(in);
        assertEquals(4, lines.size());
        assertEquals(2, lines.get(1).number());
        assertEquals("nn", LammpsScript.fixExternalId(in, lines.get(1)));
        assertNull(LammpsScript.fixExternalId(in, lines.get(0)));
        assertNull(LammpsScript.fixExternalId(in, lines.get(3)), "a commented-out fix is no fix");
        assertArrayEquals(new String[] {"print", "\"#", "not", "a", "comment\""}, LammpsScript.tokens(lines.get(2).text()));
    }

    @Test
    void pfArrayIsRefusedNamingTheLine() throws Exception {
        Path in = dir.resolve("in.lmp");
        Files.writeString(in, "units metal\nfix e3j all external pf/array 1\n");
        List<LammpsScript.Line> lines = LammpsScript.logicalLines(in);
        LammpsException e = assertThrows(LammpsException.class, () -> LammpsScript.fixExternalId(in, lines.get(1)));
        assertTrue(e.getMessage().startsWith(in + ":2: e3j needs 'fix e3j all external pf/callback 1 1'"),
                e.getMessage());
    }
}
