package org.e3j.graph.io;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The comment line of an extended XYZ frame: ASE's {@code key_val_str_to_dict} (character-level
 * parser with quotes, braces, brackets and backslash escapes; a bare key means {@code T}) and its
 * value conversion (ints, then floats, then booleans, each scalar or array; otherwise a string).
 * Package-private.
 */
final class KeyValues {
    private KeyValues() {}

    private static final Pattern INT = Pattern.compile("[+-]?\\d+");
    /** Possessive quantifiers: the same language, matched in linear time (no backtracking on long digit runs). */
    private static final Pattern FLOAT = Pattern.compile(
            "[+-]?+(?:(?:\\d++(?:\\.\\d*+)?+|\\.\\d++)(?:[eE][+-]?+\\d++)?+|(?i:nan|inf|infinity))");
    private static final Pattern TOKEN = Pattern.compile("[^\\s,]+");
    static final Pattern KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_\\-]*");

    /** Splits into raw key/value strings (value "T" for bare keys), in order; a key given twice with two values is refused. */
    static LinkedHashMap<String, String> split(String line, long lineNo) {
        List<List<StringBuilder>> pairs = new ArrayList<>();
        pairs.add(newPair());
        Character close = null;
        boolean escaped = false;
        String s = line.strip();
        for (int k = 0; k < s.length(); k++) {
            char ch = s.charAt(k);
            List<StringBuilder> cur = pairs.get(pairs.size() - 1);
            StringBuilder last = cur.get(cur.size() - 1);
            if (escaped) {
                last.append(ch);
                escaped = false;
            } else if (ch == '\\') {
                escaped = true;
            } else if (close != null) {
                if (ch == close) {
                    close = null;
                } else {
                    last.append(ch);
                }
            } else if (ch == '"' || ch == '\'' || ch == '{' || ch == '[') {
                close = ch == '"' ? '"' : ch == '\'' ? '\'' : ch == '{' ? '}' : ']';
            } else if (Character.isWhitespace(ch)) {
                if (cur.size() == 1 && last.isEmpty()) {
                    continue;
                }
                if (last.isEmpty()) {
                    continue;
                }
                pairs.add(newPair());
            } else if (ch == '=') {
                if (cur.size() == 1 && last.isEmpty() && pairs.size() > 1) {
                    // "key =value": '=' after whitespace continues the previous pair (ASE)
                    pairs.remove(pairs.size() - 1);
                    cur = pairs.get(pairs.size() - 1);
                }
                cur.add(new StringBuilder());
            } else {
                last.append(ch);
            }
        }
        if (close != null) {
            throw new ExtXyzException(lineNo, "unterminated " + (close == '"' ? "quote" : "bracket '" + close + "'")
                    + " in the comment line");
        }
        LinkedHashMap<String, String> out = new LinkedHashMap<>();
        for (List<StringBuilder> p : pairs) {
            if (p.size() == 1 && p.get(0).isEmpty()) {
                continue;
            }
            String key = p.get(0).toString();
            String value;
            if (p.size() == 1) {
                value = "T";
            } else {
                StringBuilder v = new StringBuilder();
                for (int k = 1; k < p.size(); k++) {
                    if (k > 1) {
                        v.append('=');
                    }
                    v.append(p.get(k));
                }
                value = v.toString();
            }
            if (key.isEmpty()) {
                throw new ExtXyzException(lineNo, "empty key before '=' in the comment line");
            }
            String earlier = out.get(key);
            if (earlier != null && !earlier.equals(value)) {
                // ASE keeps the last one; one of two values would be dropped unread: refused instead (the
                // same value twice, or a bare word repeated in a plain XYZ comment, drops nothing)
                throw new ExtXyzException(lineNo, "key '" + key + "' is given twice with different values in the"
                        + " comment line");
            }
            out.put(key, value);
        }
        return out;
    }

    private static List<StringBuilder> newPair() {
        List<StringBuilder> l = new ArrayList<>(2);
        l.add(new StringBuilder());
        return l;
    }

    /** Converts a raw value as ASE does: Long / long[], Double / double[], Boolean / boolean[], else String. */
    static Object convert(String key, String value) {
        if (key.equalsIgnoreCase("uid")) {
            return value;
        }
        List<String> tokens = new ArrayList<>();
        var m = TOKEN.matcher(value);
        while (m.find()) {
            tokens.add(m.group());
        }
        if (tokens.isEmpty()) {
            return value;
        }
        boolean allInt = true, allFloat = true;
        for (String t : tokens) {
            if (allInt && !(INT.matcher(t).matches() && fitsLong(t))) {
                allInt = false;
            }
            if (!FLOAT.matcher(t).matches()) {
                allFloat = false;
                break;
            }
        }
        if (allInt) {
            long[] v = new long[tokens.size()];
            for (int k = 0; k < v.length; k++) {
                v[k] = Long.parseLong(tokens.get(k));
            }
            return v.length == 1 ? (Object) v[0] : v;
        }
        if (allFloat) {
            double[] v = new double[tokens.size()];
            for (int k = 0; k < v.length; k++) {
                v[k] = parseFloat(tokens.get(k));
            }
            return v.length == 1 ? (Object) v[0] : v;
        }
        boolean[] b = new boolean[tokens.size()];
        for (int k = 0; k < b.length; k++) {
            Boolean x = bool(tokens.get(k));
            if (x == null) {
                return value;
            }
            b[k] = x;
        }
        return b.length == 1 ? (Object) b[0] : b;
    }

    private static boolean fitsLong(String t) {
        try {
            Long.parseLong(t);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** Python-float-compatible parse of a decimal literal (no hex, no Java suffixes); null if not a number. */
    static Double tryFloat(String t) {
        if (!FLOAT.matcher(t).matches()) {
            return null;
        }
        return parseFloat(t);
    }

    private static double parseFloat(String t) {
        String l = t.toLowerCase(java.util.Locale.ROOT);
        boolean neg = l.startsWith("-");
        String u = l.startsWith("+") || neg ? l.substring(1) : l;
        if (u.equals("nan")) {
            return Double.NaN;
        }
        if (u.equals("inf") || u.equals("infinity")) {
            return neg ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        return Double.parseDouble(t);
    }

    static Boolean bool(String t) {
        return switch (t) {
            case "T", "true", "True", "TRUE" -> Boolean.TRUE;
            case "F", "false", "False", "FALSE" -> Boolean.FALSE;
            default -> null;
        };
    }

    /** Parses the whole comment line into converted values. */
    static LinkedHashMap<String, Object> parse(String line, long lineNo) {
        LinkedHashMap<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : split(line, lineNo).entrySet()) {
            out.put(e.getKey(), convert(e.getKey(), e.getValue()));
        }
        return out;
    }
}
