package org.e3j.graph.io;

import java.io.Closeable;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.e3j.graph.Elements;
import org.e3j.graph.Structure;
import org.e3j.graph.StructureException;

/**
 * Streaming reader of extended XYZ as ASE writes and reads it: one frame at a time, nothing held
 * beyond the current frame.
 *
 * <p>Hostile input is bounded: a declared atom count above {@link Options#maxAtoms()} is refused
 * before anything is allocated, per-atom storage grows only as lines actually arrive, and a line
 * longer than {@link Options#maxLineLength()} is refused without buffering it. Errors are
 * {@link ExtXyzException}s naming the line.
 *
 * <p>Columns: {@code species} (or {@code Z}) and {@code pos} are required (without a
 * {@code Properties} key the default is {@code species:S:1:pos:R:3}); other columns become
 * {@link Property} entries of the {@link Frame}. Real columns must be finite. Extra trailing columns
 * on an atom line are ignored, as ASE does.
 */
public final class ExtXyzReader implements Iterator<Frame>, Iterable<Frame>, Closeable {

    /** Reader limits and the structure checks applied to each frame. */
    public record Options(int maxAtoms, int maxLineLength, Structure.Checks checks) {
        public static final Options DEFAULT = new Options(Structure.Checks.DEFAULT_MAX_ATOMS, 1 << 20,
                Structure.Checks.DEFAULT);

        public Options {
            if (maxAtoms < 1 || maxLineLength < 80) {
                throw new IllegalArgumentException("maxAtoms must be >= 1 and maxLineLength >= 80");
            }
            if (checks == null) {
                checks = Structure.Checks.DEFAULT;
            }
        }

        public Options withMaxAtoms(int n) {
            return new Options(n, maxLineLength, checks.withMaxAtoms(Math.max(n, 1)));
        }

        public Options withMaxLineLength(int n) {
            return new Options(maxAtoms, n, checks);
        }

        public Options withChecks(Structure.Checks c) {
            return new Options(maxAtoms, maxLineLength, c);
        }
    }

    private static final int MAX_COLUMNS = 10_000;

    private final Reader in;
    private final Options options;
    private final char[] buf = new char[8192];
    private int bufPos;
    private int bufLen;
    private long lineNo;
    private boolean eof;
    private Frame pending;
    private boolean done;

    public ExtXyzReader(Reader in) {
        this(in, Options.DEFAULT);
    }

    public ExtXyzReader(Reader in, Options options) {
        this.in = in;
        this.options = options == null ? Options.DEFAULT : options;
    }

    public static ExtXyzReader open(Path path) throws IOException {
        return new ExtXyzReader(Files.newBufferedReader(path, StandardCharsets.UTF_8));
    }

    public static ExtXyzReader open(Path path, Options options) throws IOException {
        return new ExtXyzReader(Files.newBufferedReader(path, StandardCharsets.UTF_8), options);
    }

    /** Number of lines consumed so far. */
    public long lineNumber() {
        return lineNo;
    }

    /** The next frame, or null at end of input. */
    public Frame readFrame() {
        if (pending != null) {
            Frame f = pending;
            pending = null;
            return f;
        }
        if (done) {
            return null;
        }
        Frame f = parseFrame();
        if (f == null) {
            done = true;
        }
        return f;
    }

    @Override
    public boolean hasNext() {
        if (pending == null && !done) {
            pending = parseFrame();
            if (pending == null) {
                done = true;
            }
        }
        return pending != null;
    }

    @Override
    public Frame next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        Frame f = pending;
        pending = null;
        return f;
    }

    @Override
    public Iterator<Frame> iterator() {
        return this;
    }

    /** Reads all remaining frames. */
    public List<Frame> readAll() {
        List<Frame> out = new ArrayList<>();
        for (Frame f = readFrame(); f != null; f = readFrame()) {
            out.add(f);
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    // ---- lines ----

    /** Next line without its terminator, or null at end of input. Bounded by maxLineLength. */
    private String line() {
        if (eof && bufPos >= bufLen) {
            return null;
        }
        StringBuilder sb = null;
        while (true) {
            if (bufPos >= bufLen) {
                fill();
                if (bufLen <= 0) {
                    eof = true;
                    if (sb == null) {
                        return null;
                    }
                    lineNo++;
                    return stripCr(sb);
                }
            }
            int start = bufPos;
            while (bufPos < bufLen && buf[bufPos] != '\n') {
                bufPos++;
            }
            int len = bufPos - start;
            if (sb == null) {
                sb = new StringBuilder(Math.min(len + 16, 256));
            }
            if ((long) sb.length() + len > options.maxLineLength()) {
                throw new ExtXyzException(lineNo + 1, "line is longer than " + options.maxLineLength()
                        + " characters");
            }
            sb.append(buf, start, len);
            if (bufPos < bufLen) { // found '\n'
                bufPos++;
                lineNo++;
                return stripCr(sb);
            }
        }
    }

    private static String stripCr(StringBuilder sb) {
        int n = sb.length();
        if (n > 0 && sb.charAt(n - 1) == '\r') {
            sb.setLength(n - 1);
        }
        return sb.toString();
    }

    private void fill() {
        try {
            bufPos = 0;
            bufLen = in.read(buf, 0, buf.length);
            while (bufLen == 0) {
                bufLen = in.read(buf, 0, buf.length);
            }
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new ExtXyzException(lineNo + 1, "the input is not valid UTF-8 (at or after this line: " + e + ")", e);
        } catch (IOException e) {
            throw new UncheckedIOException("reading extended XYZ after line " + lineNo, e);
        }
    }

    // ---- frames ----

    private record Column(String name, Property.Type type, int cols, int first) {}

    private Frame parseFrame() {
        String countLine;
        do {
            countLine = line();
            if (countLine == null) {
                return null;
            }
        } while (countLine.isBlank());
        long frameLine = lineNo;
        int natoms = parseCount(countLine.strip(), frameLine);
        String comment = line();
        if (comment == null) {
            throw new ExtXyzException(lineNo + 1, "truncated frame: missing the comment line after the atom count "
                    + "on line " + frameLine);
        }
        long commentLine = lineNo;
        LinkedHashMap<String, Object> info = KeyValues.parse(comment, commentLine);

        boolean[] pbc = null;
        Object pbcValue = info.remove("pbc");
        if (pbcValue != null) {
            if (pbcValue instanceof boolean[] b && b.length == 3) {
                pbc = b;
            } else if (pbcValue instanceof Boolean b) {
                pbc = new boolean[] {b, b, b};
            } else {
                throw new ExtXyzException(commentLine, "pbc must be three logicals like \"T T F\", got "
                        + show(pbcValue));
            }
        }
        double[] cell = null;
        Object lattice = info.remove("Lattice");
        if (lattice != null) {
            cell = nineNumbers("Lattice", lattice, commentLine);
            if (pbc == null) {
                pbc = new boolean[] {true, true, true};
            }
        }
        if (pbc == null) {
            pbc = new boolean[3];
        }
        for (String k : new String[] {"stress", "virial"}) {
            Object v = info.get(k);
            if (v != null) {
                double[] d = numbers(k, v, commentLine);
                if (d.length != 9 && !(k.equals("stress") && d.length == 6)) {
                    throw new ExtXyzException(commentLine, k + " must have 9 values (3x3)"
                            + (k.equals("stress") ? " or 6 (Voigt)" : "") + ", got " + d.length);
                }
                info.put(k, d);
            }
        }
        Object props = info.remove("Properties");
        String propSpec = props == null ? "species:S:1:pos:R:3" : String.valueOf(props);
        if (props != null && !(props instanceof String)) {
            throw new ExtXyzException(commentLine, "Properties must be name:type:ncols triplets, got " + show(props));
        }
        List<Column> columns = parseProperties(propSpec, commentLine);
        int total = 0;
        for (Column c : columns) {
            total = Math.max(total, c.first() + c.cols());
        }
        Column species = find(columns, "species", "symbols");
        Column z = find(columns, "Z", "numbers");
        Column pos = find(columns, "pos", "positions");
        if (pos == null) {
            throw new ExtXyzException(commentLine, "Properties '" + propSpec + "' has no pos column");
        }
        if (pos.type() != Property.Type.R || pos.cols() != 3) {
            throw new ExtXyzException(commentLine, "pos must be R:3, got " + pos.type() + ":" + pos.cols());
        }
        if (species == null && z == null) {
            throw new ExtXyzException(commentLine, "Properties '" + propSpec + "' has no species (or Z) column");
        }
        if (species != null && (species.type() != Property.Type.S || species.cols() != 1)) {
            throw new ExtXyzException(commentLine, "species must be S:1, got " + species.type() + ":" + species.cols());
        }
        if (z != null && (z.type() != Property.Type.I || z.cols() != 1)) {
            throw new ExtXyzException(commentLine, "Z must be I:1, got " + z.type() + ":" + z.cols());
        }

        // per-column storage, grown lazily as lines arrive
        int cap0 = Math.min(natoms, 1024);
        Object[] store = new Object[columns.size()];
        for (int k = 0; k < store.length; k++) {
            store[k] = alloc(columns.get(k), cap0);
        }
        int[] numbersFromSpecies = species != null && z == null ? new int[cap0] : null;
        int capRows = cap0;
        String[] tok = new String[total];
        for (int a = 0; a < natoms; a++) {
            String l = line();
            if (l == null) {
                throw new ExtXyzException(lineNo + 1, "truncated frame: the count on line " + frameLine + " says "
                        + natoms + " atoms but the input ends after " + a);
            }
            int nt = tokenize(l, tok);
            if (nt < total) {
                throw new ExtXyzException(lineNo, "expected " + total + " columns (" + propSpec + ") for atom " + a
                        + " of the frame starting on line " + frameLine + ", found " + nt
                        + (nt <= 2 && a > 0 ? " (is the atom count " + natoms + " right?)" : ""));
            }
            if (a >= capRows) {
                int cap = (int) Math.min(natoms, 2L * capRows);
                capRows = cap;
                for (int k = 0; k < store.length; k++) {
                    store[k] = grow(store[k], cap * columns.get(k).cols());
                }
                if (numbersFromSpecies != null) {
                    numbersFromSpecies = Arrays.copyOf(numbersFromSpecies, cap);
                }
            }
            for (int k = 0; k < store.length; k++) {
                Column c = columns.get(k);
                for (int j = 0; j < c.cols(); j++) {
                    set(store[k], a * c.cols() + j, tok[c.first() + j], c, a);
                }
            }
            if (numbersFromSpecies != null) {
                String sym = tok[species.first()];
                try {
                    numbersFromSpecies[a] = Elements.number(capitalize(sym));
                } catch (StructureException e) {
                    throw new ExtXyzException(lineNo, "atom " + a + ": unknown element '" + shortText(sym) + "'");
                }
            }
        }

        int[] numbers = z != null ? Arrays.copyOf((int[]) store[columns.indexOf(z)], natoms) : Arrays.copyOf(
                numbersFromSpecies, natoms);
        double[] positions = Arrays.copyOf((double[]) store[columns.indexOf(pos)], 3 * natoms);
        Structure s;
        try {
            s = new Structure(numbers, positions, cell, pbc, options.checks());
        } catch (StructureException e) {
            throw new ExtXyzException(frameLine, "invalid structure in the frame starting here: " + e.getMessage(), e);
        }
        LinkedHashMap<String, Property> arrays = new LinkedHashMap<>();
        for (int k = 0; k < columns.size(); k++) {
            Column c = columns.get(k);
            if (c == pos || c == species || c == z) {
                continue;
            }
            arrays.put(c.name(), new Property(c.name(), c.type(), c.cols(), trim(store[k], natoms * c.cols())));
        }
        return new Frame(s, info, arrays);
    }

    private int parseCount(String text, long line) {
        if (!text.matches("[+]?\\d{1,18}")) {
            throw new ExtXyzException(line, "expected an atom count, got '" + shortText(text) + "'");
        }
        long n = Long.parseLong(text);
        if (n == 0) {
            throw new ExtXyzException(line, "frame with 0 atoms");
        }
        if (n > options.maxAtoms()) {
            throw new ExtXyzException(line, "declared atom count " + n + " exceeds the limit of " + options.maxAtoms());
        }
        return (int) n;
    }

    private static List<Column> parseProperties(String spec, long line) {
        String[] f = spec.split(":", -1);
        if (f.length % 3 != 0 || f.length == 0) {
            throw new ExtXyzException(line, "Properties '" + shortText(spec) + "' is not a list of name:type:ncols");
        }
        List<Column> cols = new ArrayList<>();
        Map<String, Boolean> seen = new LinkedHashMap<>();
        int first = 0;
        for (int k = 0; k < f.length; k += 3) {
            String name = f[k];
            if (!KeyValues.KEY.matcher(name).matches()) {
                throw new ExtXyzException(line, "bad property name '" + shortText(name) + "' in Properties");
            }
            if (seen.put(name, true) != null) {
                throw new ExtXyzException(line, "property " + name + " appears twice in Properties");
            }
            Property.Type t;
            try {
                t = Property.Type.valueOf(f[k + 1]);
            } catch (IllegalArgumentException e) {
                throw new ExtXyzException(line, "unknown property type '" + shortText(f[k + 1]) + "' for " + name
                        + " (expected R, I, S or L)");
            }
            int n;
            if (!f[k + 2].matches("\\d{1,6}") || (n = Integer.parseInt(f[k + 2])) < 1) {
                throw new ExtXyzException(line, "bad column count '" + shortText(f[k + 2]) + "' for property " + name);
            }
            if (first + n > MAX_COLUMNS) {
                throw new ExtXyzException(line, "Properties declares more than " + MAX_COLUMNS + " columns");
            }
            cols.add(new Column(name, t, n, first));
            first += n;
        }
        return cols;
    }

    private static Column find(List<Column> cols, String a, String b) {
        for (Column c : cols) {
            if (c.name().equals(a)) {
                return c;
            }
        }
        for (Column c : cols) {
            if (c.name().equals(b)) {
                return c;
            }
        }
        return null;
    }

    private static int tokenize(String l, String[] tok) {
        int n = 0;
        int i = 0, len = l.length();
        while (i < len) {
            while (i < len && Character.isWhitespace(l.charAt(i))) {
                i++;
            }
            if (i >= len) {
                break;
            }
            int st = i;
            while (i < len && !Character.isWhitespace(l.charAt(i))) {
                i++;
            }
            if (n < tok.length) {
                tok[n] = l.substring(st, i);
            }
            n++;
        }
        return n;
    }

    private static Object alloc(Column c, int rows) {
        int n = rows * c.cols();
        return switch (c.type()) {
            case R -> new double[n];
            case I -> new int[n];
            case S -> new String[n];
            case L -> new boolean[n];
        };
    }

    private static Object grow(Object a, int n) {
        if (a instanceof double[] d) {
            return Arrays.copyOf(d, n);
        }
        if (a instanceof int[] d) {
            return Arrays.copyOf(d, n);
        }
        if (a instanceof boolean[] d) {
            return Arrays.copyOf(d, n);
        }
        return Arrays.copyOf((String[]) a, n);
    }

    private static Object trim(Object a, int n) {
        return Property.length(a) == n ? a : grow(a, n);
    }

    private void set(Object store, int idx, String t, Column c, int atom) {
        switch (c.type()) {
            case R -> {
                Double v = KeyValues.tryFloat(t);
                if (v == null) {
                    throw new ExtXyzException(lineNo, "atom " + atom + ": bad number '" + shortText(t) + "' in column "
                            + c.name());
                }
                if (!Double.isFinite(v)) {
                    throw new ExtXyzException(lineNo, "atom " + atom + ": non-finite value " + t + " in column "
                            + c.name());
                }
                ((double[]) store)[idx] = v;
            }
            case I -> {
                try {
                    ((int[]) store)[idx] = Integer.parseInt(t.startsWith("+") ? t.substring(1) : t);
                } catch (NumberFormatException e) {
                    throw new ExtXyzException(lineNo, "atom " + atom + ": bad integer '" + shortText(t) + "' in column "
                            + c.name());
                }
            }
            case L -> {
                Boolean b = KeyValues.bool(t);
                if (b == null) {
                    throw new ExtXyzException(lineNo, "atom " + atom + ": bad logical '" + shortText(t) + "' in column "
                            + c.name());
                }
                ((boolean[]) store)[idx] = b;
            }
            case S -> ((String[]) store)[idx] = t;
        }
    }

    private static String capitalize(String s) {
        if (s.isEmpty()) {
            return s;
        }
        return s.substring(0, 1).toUpperCase(java.util.Locale.ROOT) + s.substring(1).toLowerCase(java.util.Locale.ROOT);
    }

    private static double[] numbers(String key, Object v, long line) {
        if (v instanceof double[] d) {
            return d;
        }
        if (v instanceof long[] l) {
            double[] d = new double[l.length];
            for (int k = 0; k < l.length; k++) {
                d[k] = l[k];
            }
            return d;
        }
        if (v instanceof Number n) {
            return new double[] {n.doubleValue()};
        }
        throw new ExtXyzException(line, key + " must be numbers, got " + show(v));
    }

    private static double[] nineNumbers(String key, Object v, long line) {
        double[] d = numbers(key, v, line);
        if (d.length != 9) {
            throw new ExtXyzException(line, key + " must have 9 numbers (3 lattice vectors), got " + d.length);
        }
        for (double x : d) {
            if (!Double.isFinite(x)) {
                throw new ExtXyzException(line, key + " has a non-finite value " + x);
            }
        }
        return d;
    }

    private static String show(Object v) {
        if (v instanceof boolean[] b) {
            return Arrays.toString(b);
        }
        if (v instanceof double[] d) {
            return Arrays.toString(d);
        }
        if (v instanceof long[] l) {
            return Arrays.toString(l);
        }
        return shortText(String.valueOf(v));
    }

    static String shortText(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
