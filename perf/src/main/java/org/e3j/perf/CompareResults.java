package org.e3j.perf;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Compares two JMH JSON result files ({@code -rf json}) benchmark by benchmark (name, mode and
 * parameters) and fails when one got worse:
 * <pre>
 * java -cp perf/target/benchmarks.jar org.e3j.perf.CompareResults old.json new.json [--threshold 5%]
 * </pre>
 * A benchmark regressed when its score moved in the bad direction (lower for throughput modes,
 * higher for time modes) by more than the threshold (default 5%) <em>and</em> the two scores'
 * error bars (score +- scoreError, the 99.9% intervals JMH prints) do not overlap. Benchmarks
 * present in only one file are listed, not judged. Exit status: 0 no regression, 1 regression,
 * 2 bad usage or unreadable input.
 */
public final class CompareResults {
    private CompareResults() {}

    /** One benchmark result. */
    record Result(String key, String mode, double score, double error, String unit) {
        boolean higherIsBetter() {
            return mode.equals("thrpt");
        }
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        List<String> files = new ArrayList<>();
        double threshold = 0.05;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--threshold") && i + 1 < args.length) {
                threshold = parseThreshold(args[++i]);
            } else if (a.startsWith("--threshold=")) {
                threshold = parseThreshold(a.substring("--threshold=".length()));
            } else if (a.startsWith("--")) {
                threshold = Double.NaN;
                break;
            } else {
                files.add(a);
            }
        }
        if (files.size() != 2 || !(threshold >= 0)) {
            err.println("usage: CompareResults old.json new.json [--threshold 5%]");
            return 2;
        }
        Map<String, Result> before;
        Map<String, Result> after;
        try {
            before = load(Path.of(files.get(0)));
            after = load(Path.of(files.get(1)));
        } catch (IOException | RuntimeException e) {
            err.println("CompareResults: cannot read results: " + e.getMessage());
            return 2;
        }
        int regressions = 0;
        out.printf(Locale.ROOT, "%-70s %14s %14s %8s  %s%n", "benchmark", "old", "new", "change", "verdict");
        for (Map.Entry<String, Result> e : after.entrySet()) {
            Result n = e.getValue();
            Result o = before.get(e.getKey());
            if (o == null) {
                out.printf(Locale.ROOT, "%-70s %14s %14s %8s  %s%n", e.getKey(), "-", fmt(n), "", "new");
                continue;
            }
            double change = (n.score() - o.score()) / o.score();
            double worse = n.higherIsBetter() ? -change : change;
            boolean overlap = Math.abs(n.score() - o.score()) <= safe(o.error()) + safe(n.error());
            String verdict;
            if (worse > threshold && !overlap) {
                verdict = "REGRESSION";
                regressions++;
            } else if (-worse > threshold && !overlap) {
                verdict = "improved";
            } else if (Math.abs(worse) > threshold) {
                verdict = "within error";
            } else {
                verdict = "same";
            }
            out.printf(Locale.ROOT, "%-70s %14s %14s %+7.1f%%  %s%n", e.getKey(), fmt(o), fmt(n), 100 * change, verdict);
        }
        for (String k : before.keySet()) {
            if (!after.containsKey(k)) {
                out.printf(Locale.ROOT, "%-70s %14s %14s %8s  %s%n", k, fmt(before.get(k)), "-", "", "missing");
            }
        }
        out.printf(Locale.ROOT, "%d regression(s) beyond %.1f%% and outside the error bars%n", regressions, 100 * threshold);
        return regressions > 0 ? 1 : 0;
    }

    private static double safe(double error) {
        return Double.isFinite(error) ? error : 0;
    }

    private static String fmt(Result r) {
        return String.format(Locale.ROOT, "%.4g", r.score());
    }

    static double parseThreshold(String s) {
        try {
            String t = s.trim();
            if (t.endsWith("%")) {
                return Double.parseDouble(t.substring(0, t.length() - 1)) / 100;
            }
            return Double.parseDouble(t);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    /** Results keyed by "benchmark [mode] p1=v1,p2=v2" (parameters sorted by name). */
    static Map<String, Result> load(Path file) throws IOException {
        Object root = new Json(Files.readString(file, StandardCharsets.UTF_8)).parseDocument();
        if (!(root instanceof List<?> list)) {
            throw new IllegalArgumentException(file + ": not a JMH JSON array");
        }
        Map<String, Result> out = new LinkedHashMap<>();
        for (Object o : list) {
            if (!(o instanceof Map<?, ?> m)) {
                throw new IllegalArgumentException(file + ": entry is not an object");
            }
            String bench = (String) m.get("benchmark");
            String mode = (String) m.get("mode");
            Map<String, Object> params = new TreeMap<>();
            if (m.get("params") instanceof Map<?, ?> pm) {
                for (Map.Entry<?, ?> pe : pm.entrySet()) {
                    params.put((String) pe.getKey(), pe.getValue());
                }
            }
            Map<?, ?> metric = (Map<?, ?>) m.get("primaryMetric");
            if (bench == null || mode == null || metric == null) {
                throw new IllegalArgumentException(file + ": entry without benchmark, mode or primaryMetric");
            }
            StringBuilder key = new StringBuilder(bench).append(" [").append(mode).append(']');
            if (!params.isEmpty()) {
                key.append(' ');
                params.forEach((k, v) -> key.append(k).append('=').append(v).append(','));
                key.setLength(key.length() - 1);
            }
            out.put(key.toString(), new Result(key.toString(), mode, number(metric.get("score")),
                    number(metric.get("scoreError")), String.valueOf(metric.get("scoreUnit"))));
        }
        return out;
    }

    /** JMH writes "NaN" (a string) for a missing error. */
    private static double number(Object o) {
        if (o instanceof Double d) {
            return d;
        }
        if (o instanceof String s) {
            return s.equals("NaN") ? Double.NaN : Double.parseDouble(s);
        }
        throw new IllegalArgumentException("not a number: " + o);
    }

    /** A minimal strict JSON reader (objects, arrays, strings, numbers, true/false/null). */
    static final class Json {
        private final String s;
        private int i;

        Json(String s) {
            this.s = s;
        }

        Object parseDocument() {
            Object v = value();
            ws();
            if (i != s.length()) {
                throw error("trailing characters");
            }
            return v;
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException("JSON: " + what + " at offset " + i);
        }

        private void ws() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private Object value() {
            ws();
            if (i >= s.length()) {
                throw error("unexpected end");
            }
            char c = s.charAt(i);
            switch (c) {
                case '{':
                    return object();
                case '[':
                    return array();
                case '"':
                    return string();
                case 't':
                    return literal("true", Boolean.TRUE);
                case 'f':
                    return literal("false", Boolean.FALSE);
                case 'n':
                    return literal("null", null);
                default:
                    return numberValue();
            }
        }

        private Object literal(String word, Object v) {
            if (!s.startsWith(word, i)) {
                throw error("bad literal");
            }
            i += word.length();
            return v;
        }

        private Map<String, Object> object() {
            Map<String, Object> m = new LinkedHashMap<>();
            i++;
            ws();
            if (peek() == '}') {
                i++;
                return m;
            }
            while (true) {
                ws();
                if (peek() != '"') {
                    throw error("expected a key");
                }
                String k = string();
                ws();
                expect(':');
                m.put(k, value());
                ws();
                char c = next();
                if (c == '}') {
                    return m;
                }
                if (c != ',') {
                    throw error("expected , or }");
                }
            }
        }

        private List<Object> array() {
            List<Object> l = new ArrayList<>();
            i++;
            ws();
            if (peek() == ']') {
                i++;
                return l;
            }
            while (true) {
                l.add(value());
                ws();
                char c = next();
                if (c == ']') {
                    return l;
                }
                if (c != ',') {
                    throw error("expected , or ]");
                }
            }
        }

        private String string() {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (true) {
                char c = next();
                if (c == '"') {
                    return b.toString();
                }
                if (c == '\\') {
                    char e = next();
                    switch (e) {
                        case 'n' -> b.append('\n');
                        case 't' -> b.append('\t');
                        case 'r' -> b.append('\r');
                        case 'b' -> b.append('\b');
                        case 'f' -> b.append('\f');
                        case 'u' -> {
                            if (i + 4 > s.length()) {
                                throw error("bad \\u escape");
                            }
                            b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                            i += 4;
                        }
                        default -> b.append(e);
                    }
                } else {
                    b.append(c);
                }
            }
        }

        private Double numberValue() {
            int start = i;
            while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
                i++;
            }
            if (start == i) {
                throw error("unexpected character '" + s.charAt(i) + "'");
            }
            try {
                return Double.parseDouble(s.substring(start, i));
            } catch (NumberFormatException e) {
                throw error("bad number");
            }
        }

        private char peek() {
            if (i >= s.length()) {
                throw error("unexpected end");
            }
            return s.charAt(i);
        }

        private char next() {
            char c = peek();
            i++;
            return c;
        }

        private void expect(char c) {
            if (next() != c) {
                throw error("expected " + c);
            }
        }
    }
}
