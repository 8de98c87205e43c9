package org.e3j.graph.io;

import java.io.Closeable;
import java.io.Flushable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;
import org.e3j.graph.Elements;
import org.e3j.graph.Structure;

/**
 * Writes extended XYZ that ASE reads: {@code Lattice="..."} (when the structure has a cell),
 * {@code Properties=species:S:1:pos:R:3[:name:T:n...]}, the info entries in order (energy, stress
 * as 9 values, free key = value pairs, quoted when needed), then {@code pbc="T T T"}. Numbers are
 * written with full (round-trip) precision.
 */
public final class ExtXyzWriter implements Closeable, Flushable {
    private static final Pattern BARE = Pattern.compile("[A-Za-z0-9_.+\\-:/]+");

    private final Writer out;
    private final StringBuilder sb = new StringBuilder(4096);

    public ExtXyzWriter(Writer out) {
        this.out = out;
    }

    /**
     * Writes straight into {@code path} (truncating it). For a file that must appear whole or not at
     * all use {@link ExtXyz#write} or a {@link SafeOutput}.
     */
    public static ExtXyzWriter open(Path path) throws IOException {
        return new ExtXyzWriter(Files.newBufferedWriter(path, StandardCharsets.UTF_8));
    }

    public void write(Structure s) {
        write(Frame.of(s));
    }

    public void write(Frame f) {
        Structure s = f.structure();
        int n = s.size();
        sb.setLength(0);
        sb.append(n).append('\n');
        if (s.hasCell()) {
            sb.append("Lattice=\"");
            for (int k = 0; k < 9; k++) {
                if (k > 0) {
                    sb.append(' ');
                }
                sb.append(num(s.cell(k / 3, k % 3)));
            }
            sb.append("\" ");
        }
        sb.append("Properties=species:S:1:pos:R:3");
        for (Property p : f.arrays().values()) {
            checkKey(p.name());
            if (isReserved(p.name())) {
                throw new IllegalArgumentException("per-atom property name '" + p.name() + "' is reserved");
            }
            sb.append(':').append(p.name()).append(':').append(p.type()).append(':').append(p.columns());
        }
        for (Map.Entry<String, Object> e : f.info().entrySet()) {
            String k = e.getKey();
            checkKey(k);
            if (k.equals("Lattice") || k.equals("Properties") || k.equals("pbc")) {
                throw new IllegalArgumentException("info key '" + k + "' is reserved");
            }
            sb.append(' ').append(k).append('=').append(value(k, e.getValue()));
        }
        sb.append(" pbc=\"").append(tf(s.pbc(0))).append(' ').append(tf(s.pbc(1))).append(' ')
                .append(tf(s.pbc(2))).append("\"\n");
        for (int a = 0; a < n; a++) {
            sb.append(Elements.symbol(s.number(a)));
            for (int c = 0; c < 3; c++) {
                sb.append(' ').append(num(s.position(a, c)));
            }
            for (Property p : f.arrays().values()) {
                for (int c = 0; c < p.columns(); c++) {
                    sb.append(' ');
                    int k = a * p.columns() + c;
                    switch (p.type()) {
                        case R -> sb.append(num(((double[]) p.data())[k]));
                        case I -> sb.append(((int[]) p.data())[k]);
                        case L -> sb.append(tf(((boolean[]) p.data())[k]));
                        case S -> {
                            String v = ((String[]) p.data())[k];
                            if (v == null || v.isEmpty() || v.chars().anyMatch(Character::isWhitespace)) {
                                throw new IllegalArgumentException("string property " + p.name() + " of atom " + a
                                        + " is empty or has whitespace");
                            }
                            sb.append(v);
                        }
                    }
                }
            }
            sb.append('\n');
            if (sb.length() > 1 << 16) {
                flushBuffer();
            }
        }
        flushBuffer();
    }

    private static boolean isReserved(String name) {
        return name.equals("species") || name.equals("pos") || name.equals("Z") || name.equals("symbols")
                || name.equals("positions") || name.equals("numbers");
    }

    private void flushBuffer() {
        try {
            out.append(sb);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        sb.setLength(0);
    }

    private static void checkKey(String k) {
        if (!KeyValues.KEY.matcher(k).matches()) {
            throw new IllegalArgumentException("key '" + k + "' is not a valid extended XYZ key");
        }
    }

    private static String tf(boolean b) {
        return b ? "T" : "F";
    }

    static String num(double x) {
        if (!Double.isFinite(x)) {
            return Double.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
        }
        return Double.toString(x);
    }

    static String value(String key, Object v) {
        if (v instanceof String s) {
            if (s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0) {
                throw new IllegalArgumentException("info value of '" + key + "' contains a line break");
            }
            if (!s.isEmpty() && BARE.matcher(s).matches()) {
                return s;
            }
            return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
        }
        if (v instanceof Boolean b) {
            return tf(b);
        }
        if (v instanceof Double || v instanceof Float) {
            return num(((Number) v).doubleValue());
        }
        if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return Long.toString(((Number) v).longValue());
        }
        StringBuilder b = new StringBuilder("\"");
        if (v instanceof double[] d) {
            for (int k = 0; k < d.length; k++) {
                b.append(k > 0 ? " " : "").append(num(d[k]));
            }
        } else if (v instanceof long[] d) {
            for (int k = 0; k < d.length; k++) {
                b.append(k > 0 ? " " : "").append(d[k]);
            }
        } else if (v instanceof int[] d) {
            for (int k = 0; k < d.length; k++) {
                b.append(k > 0 ? " " : "").append(d[k]);
            }
        } else if (v instanceof boolean[] d) {
            for (int k = 0; k < d.length; k++) {
                b.append(k > 0 ? " " : "").append(tf(d[k]));
            }
        } else {
            throw new IllegalArgumentException("info value of '" + key + "' has unsupported type "
                    + v.getClass().getSimpleName());
        }
        return b.append('"').toString();
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
