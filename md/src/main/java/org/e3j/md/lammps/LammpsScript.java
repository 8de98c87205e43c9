package org.e3j.md.lammps;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.e3j.md.ForceField;

/**
 * Runs a LAMMPS input script with e3j as the forces of its {@code fix ID GROUP external pf/callback
 * N M} fixes.
 *
 * <p>Why the script is split: LAMMPS checks at {@code run} that a callback is set, and the
 * callback can only be set once the fix exists. So the script runs in chunks: everything up to and
 * including a {@code fix ... external} line, then the callback is registered, then the rest (as
 * Python users of LAMMPS do by hand). Lines are LAMMPS's: {@code #} comments and {@code &}
 * continuations are understood; commands inside {@code include}d files run unscanned, so the
 * fix must be declared in the main script. {@code jump}/{@code label} loops are not supported
 * (the script is not a file for LAMMPS).
 */
public final class LammpsScript {
    /** One logical line of the script (continuations joined) and where it started. */
    record Line(int number, String text) {}

    private LammpsScript() {}

    /** What a run did. */
    public record Summary(int fixes, long evaluations) {}

    /**
     * Runs {@code script} in {@code lammps}, e3j computing the forces of every fix external.
     *
     * @param numberOfType atomic number of LAMMPS type i at index i−1
     * @throws LammpsException naming the script line for LAMMPS errors, or the step for callback errors
     */
    public static Summary run(Lammps lammps, Path script, ForceField ff, int[] numberOfType, String[] elements)
            throws IOException {
        List<Line> lines = logicalLines(script);
        if (lines.stream().noneMatch(l -> fixExternalId(script, l) != null)) {
            throw new LammpsException(script + ": declares no 'fix ID GROUP external pf/callback 1 1' (and "
                    + "'fix_modify ID energy yes virial yes'): e3j would compute nothing");
        }
        List<FixExternalForces> fixes = new ArrayList<>();
        StringBuilder chunk = new StringBuilder();
        int chunkStart = 1;
        for (Line l : lines) {
            chunk.append(l.text()).append('\n');
            String id = fixExternalId(script, l);
            if (id != null) {
                runChunk(lammps, script, chunk, chunkStart, l.number(), fixes);
                FixExternalForces fx = new FixExternalForces(lammps, id, ff, numberOfType, elements);
                fx.attach();
                fixes.add(fx);
                chunk.setLength(0);
                chunkStart = l.number() + 1;
            }
        }
        runChunk(lammps, script, chunk, chunkStart, lines.isEmpty() ? 0 : lines.getLast().number(), fixes);
        long evaluations = fixes.stream().mapToLong(FixExternalForces::evaluations).sum();
        return new Summary(fixes.size(), evaluations);
    }

    private static void runChunk(Lammps lammps, Path script, StringBuilder chunk, int from, int to,
            List<FixExternalForces> fixes) {
        if (chunk.isEmpty()) {
            return;
        }
        LammpsException lammpsError = null;
        try {
            lammps.commands(chunk.toString(), script + " (lines " + from + "-" + to + ")");
        } catch (LammpsException e) {
            lammpsError = e;
        }
        for (FixExternalForces f : fixes) {
            if (f.failure() != null) {
                throw new LammpsException(script + ": " + f.failure().getMessage(), f.failure());
            }
        }
        if (lammpsError != null) {
            throw lammpsError;
        }
    }

    /** The fix ID if {@code line} declares a fix external pf/callback; refuses pf/array (nothing calls us). */
    static String fixExternalId(Path script, Line line) {
        String[] t = tokens(line.text());
        if (t.length >= 4 && t[0].equals("fix") && t[3].equals("external")) {
            if (t.length < 5 || !t[4].equals("pf/callback")) {
                throw new LammpsException(script + ":" + line.number() + ": e3j needs 'fix " + t[1] + " " + t[2]
                        + " external pf/callback 1 1', got '" + line.text().strip() + "'");
            }
            return t[1];
        }
        return null;
    }

    /** Words of a LAMMPS line, without its comment (a {@code #} outside quotes). */
    static String[] tokens(String line) {
        StringBuilder s = new StringBuilder();
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote == 0 && c == '#') {
                break;
            }
            if (c == '"' || c == '\'') {
                quote = quote == 0 ? c : (quote == c ? 0 : quote);
            }
            s.append(c);
        }
        String trimmed = s.toString().strip();
        return trimmed.isEmpty() ? new String[0] : trimmed.split("\\s+");
    }

    /** The script's lines with {@code &} continuations joined, numbered by their first physical line. */
    static List<Line> logicalLines(Path script) throws IOException {
        List<String> physical;
        try {
            physical = Files.readAllLines(script);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new LammpsException(script + ": not a text file (invalid UTF-8)");
        }
        List<Line> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int start = 0;
        for (int i = 0; i < physical.size(); i++) {
            String p = physical.get(i);
            if (cur.isEmpty()) {
                start = i + 1;
            }
            String stripped = p.stripTrailing();
            if (stripped.endsWith("&")) {
                cur.append(stripped, 0, stripped.length() - 1).append(' ');
                continue;
            }
            cur.append(p);
            out.add(new Line(start, cur.toString()));
            cur.setLength(0);
        }
        if (!cur.isEmpty()) {
            out.add(new Line(start, cur.toString()));
        }
        return out;
    }
}
