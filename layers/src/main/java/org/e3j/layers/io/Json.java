package org.e3j.layers.io;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict RFC 8259 JSON parser, small on purpose: model headers are untrusted input, so we accept
 * exactly JSON (no comments, no trailing commas, no NaN, no duplicate keys) and cap nesting depth.
 * Objects become insertion-ordered {@code Map<String,Object>}, arrays {@code List<Object>}, numbers
 * {@code Long} when integral and in range, otherwise {@code Double}; plus String, Boolean and null.
 */
public final class Json {
    private static final int MAX_DEPTH = 64;

    private final String text;
    private int pos;

    private Json(String text) {
        this.text = text;
    }

    /** Parses a whole document; anything but whitespace after the value is an error. */
    public static Object parse(String text) {
        Json p = new Json(text);
        p.skipWhitespace();
        Object value = p.readValue(0);
        p.skipWhitespace();
        if (p.pos != text.length()) {
            throw p.error("unexpected trailing content");
        }
        return value;
    }

    private ModelFormatException error(String what) {
        int from = Math.max(0, pos - 20);
        int to = Math.min(text.length(), pos + 20);
        return new ModelFormatException("invalid JSON at character " + pos + ": " + what + " (near \""
                + text.substring(from, to).replace('\n', ' ') + "\")");
    }

    private void skipWhitespace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                pos++;
            } else {
                break;
            }
        }
    }

    private Object readValue(int depth) {
        if (depth > MAX_DEPTH) {
            throw error("nesting deeper than " + MAX_DEPTH);
        }
        if (pos >= text.length()) {
            throw error("unexpected end of input");
        }
        char c = text.charAt(pos);
        switch (c) {
            case '{':
                return readObject(depth);
            case '[':
                return readArray(depth);
            case '"':
                return readString();
            case 't':
                expectWord("true");
                return Boolean.TRUE;
            case 'f':
                expectWord("false");
                return Boolean.FALSE;
            case 'n':
                expectWord("null");
                return null;
            default:
                if (c == '-' || (c >= '0' && c <= '9')) {
                    return readNumber();
                }
                throw error("unexpected character '" + c + "'");
        }
    }

    private void expectWord(String word) {
        if (!text.startsWith(word, pos)) {
            throw error("expected " + word);
        }
        pos += word.length();
    }

    private Map<String, Object> readObject(int depth) {
        pos++; // '{'
        Map<String, Object> map = new LinkedHashMap<>();
        skipWhitespace();
        if (pos < text.length() && text.charAt(pos) == '}') {
            pos++;
            return map;
        }
        while (true) {
            skipWhitespace();
            if (pos >= text.length() || text.charAt(pos) != '"') {
                throw error("expected a string key");
            }
            String key = readString();
            skipWhitespace();
            if (pos >= text.length() || text.charAt(pos) != ':') {
                throw error("expected ':'");
            }
            pos++;
            skipWhitespace();
            Object value = readValue(depth + 1);
            if (map.containsKey(key)) {
                throw error("duplicate key \"" + key + "\"");
            }
            map.put(key, value);
            skipWhitespace();
            if (pos >= text.length()) {
                throw error("unterminated object");
            }
            char c = text.charAt(pos++);
            if (c == '}') {
                return map;
            }
            if (c != ',') {
                throw error("expected ',' or '}'");
            }
        }
    }

    private List<Object> readArray(int depth) {
        pos++; // '['
        List<Object> list = new ArrayList<>();
        skipWhitespace();
        if (pos < text.length() && text.charAt(pos) == ']') {
            pos++;
            return list;
        }
        while (true) {
            skipWhitespace();
            list.add(readValue(depth + 1));
            skipWhitespace();
            if (pos >= text.length()) {
                throw error("unterminated array");
            }
            char c = text.charAt(pos++);
            if (c == ']') {
                return list;
            }
            if (c != ',') {
                throw error("expected ',' or ']'");
            }
        }
    }

    private String readString() {
        pos++; // opening quote
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= text.length()) {
                throw error("unterminated string");
            }
            char c = text.charAt(pos++);
            if (c == '"') {
                return sb.toString();
            }
            if (c < 0x20) {
                throw error("control character in string");
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (pos >= text.length()) {
                throw error("unterminated escape");
            }
            char e = text.charAt(pos++);
            switch (e) {
                case '"' -> sb.append('"');
                case '\\' -> sb.append('\\');
                case '/' -> sb.append('/');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    if (pos + 4 > text.length()) {
                        throw error("truncated \\u escape");
                    }
                    int code = 0;
                    for (int i = 0; i < 4; i++) {
                        int d = Character.digit(text.charAt(pos++), 16);
                        if (d < 0) {
                            throw error("bad hex digit in \\u escape");
                        }
                        code = code * 16 + d;
                    }
                    sb.append((char) code);
                }
                default -> throw error("bad escape '\\" + e + "'");
            }
        }
    }

    private Object readNumber() {
        int start = pos;
        if (text.charAt(pos) == '-') {
            pos++;
        }
        if (pos >= text.length()) {
            throw error("truncated number");
        }
        if (text.charAt(pos) == '0') {
            pos++;
        } else if (isDigit(text.charAt(pos))) {
            while (pos < text.length() && isDigit(text.charAt(pos))) {
                pos++;
            }
        } else {
            throw error("bad number");
        }
        boolean integral = true;
        if (pos < text.length() && text.charAt(pos) == '.') {
            integral = false;
            pos++;
            int digits = pos;
            while (pos < text.length() && isDigit(text.charAt(pos))) {
                pos++;
            }
            if (pos == digits) {
                throw error("digits expected after '.'");
            }
        }
        if (pos < text.length() && (text.charAt(pos) == 'e' || text.charAt(pos) == 'E')) {
            integral = false;
            pos++;
            if (pos < text.length() && (text.charAt(pos) == '+' || text.charAt(pos) == '-')) {
                pos++;
            }
            int digits = pos;
            while (pos < text.length() && isDigit(text.charAt(pos))) {
                pos++;
            }
            if (pos == digits) {
                throw error("digits expected in exponent");
            }
        }
        String literal = text.substring(start, pos);
        if (integral) {
            try {
                return Long.parseLong(literal);
            } catch (NumberFormatException tooBig) {
                // falls through to double, as JSON numbers have no size limit
            }
        }
        double d = Double.parseDouble(literal);
        if (Double.isInfinite(d)) {
            throw error("number out of range: " + literal);
        }
        return d;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    // ---- typed access helpers for validated configs ------------------------------------------

    /** The object at {@code key}, or an error naming {@code where} and the key. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(Map<String, Object> map, String key, String where) {
        Object v = require(map, key, where);
        if (!(v instanceof Map)) {
            throw new ModelFormatException(where + ": \"" + key + "\" must be an object, got " + describe(v));
        }
        return (Map<String, Object>) v;
    }

    @SuppressWarnings("unchecked")
    public static List<Object> array(Map<String, Object> map, String key, String where) {
        Object v = require(map, key, where);
        if (!(v instanceof List)) {
            throw new ModelFormatException(where + ": \"" + key + "\" must be an array, got " + describe(v));
        }
        return (List<Object>) v;
    }

    public static String string(Map<String, Object> map, String key, String where) {
        Object v = require(map, key, where);
        if (!(v instanceof String s)) {
            throw new ModelFormatException(where + ": \"" + key + "\" must be a string, got " + describe(v));
        }
        return s;
    }

    public static double number(Map<String, Object> map, String key, String where) {
        Object v = require(map, key, where);
        if (!(v instanceof Number n)) {
            throw new ModelFormatException(where + ": \"" + key + "\" must be a number, got " + describe(v));
        }
        return n.doubleValue();
    }

    /** An integer within [min, max]; doubles with a fractional part are refused. */
    public static int integer(Map<String, Object> map, String key, String where, int min, int max) {
        Object v = require(map, key, where);
        if (!(v instanceof Long l) || l < min || l > max) {
            throw new ModelFormatException(where + ": \"" + key + "\" must be an integer in [" + min + ", " + max
                    + "], got " + describe(v));
        }
        return (int) (long) l;
    }

    public static boolean bool(Map<String, Object> map, String key, String where) {
        Object v = require(map, key, where);
        if (!(v instanceof Boolean b)) {
            throw new ModelFormatException(where + ": \"" + key + "\" must be true or false, got " + describe(v));
        }
        return b;
    }

    private static Object require(Map<String, Object> map, String key, String where) {
        if (!map.containsKey(key)) {
            throw new ModelFormatException(where + ": missing key \"" + key + "\"");
        }
        return map.get(key);
    }

    static String describe(Object v) {
        if (v == null) {
            return "null";
        }
        String s = v instanceof String ? "\"" + v + "\"" : String.valueOf(v);
        if (s.length() > 60) {
            s = s.substring(0, 57) + "...";
        }
        return s;
    }

    /** Unmodifiable view, for values handed out of a config. */
    public static <T> List<T> frozen(List<T> list) {
        return Collections.unmodifiableList(list);
    }
}
