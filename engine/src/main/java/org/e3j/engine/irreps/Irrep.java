package org.e3j.engine.irreps;

import java.util.ArrayList;
import java.util.List;

/**
 * An irreducible representation of O(3): degree {@code l >= 0} and parity {@code p = +1 (e) / -1 (o)}.
 *
 * <p>Semantics follow {@code e3nn_jax.Irrep}: the string form is {@code "<l><e|o|y>"} ({@code y}
 * means the natural parity {@code (-1)^l}), and the total order is e3nn's
 * {@code 0e < 0o < 1o < 1e < 2e < 2o < ...} (key {@code (l, -p*(-1)^l)}), i.e. within one l the
 * parity of the spherical harmonics comes first. That order matters: every regroup/sort in e3nn-jax
 * (tensor_product, Linear) uses it, and parameter names depend on it.
 */
public record Irrep(int l, int p) implements Comparable<Irrep> {

    public static final Irrep SCALAR_EVEN = new Irrep(0, 1);
    public static final Irrep SCALAR_ODD = new Irrep(0, -1);

    public Irrep {
        if (l < 0) {
            throw new IrrepsException("irrep degree l must be >= 0, got l=" + l);
        }
        if (p != 1 && p != -1) {
            throw new IrrepsException("irrep parity must be +1 or -1, got p=" + p);
        }
    }

    /** Parses {@code "1o"}, {@code "2e"}, {@code "3y"} (surrounding whitespace allowed). */
    public static Irrep parse(String s) {
        String name = s.strip();
        if (name.length() < 2) {
            throw new IrrepsException("unable to convert string \"" + s + "\" into an Irrep");
        }
        char last = name.charAt(name.length() - 1);
        String digits = name.substring(0, name.length() - 1);
        int l;
        try {
            l = parsePythonInt(digits);
        } catch (NumberFormatException e) {
            throw new IrrepsException("unable to convert string \"" + s + "\" into an Irrep", e);
        }
        if (l < 0) {
            throw new IrrepsException("unable to convert string \"" + s + "\" into an Irrep (negative l)");
        }
        int p = switch (last) {
            case 'e' -> 1;
            case 'o' -> -1;
            case 'y' -> (l % 2 == 0) ? 1 : -1;
            default -> throw new IrrepsException(
                    "unable to convert string \"" + s + "\" into an Irrep (parity must be e, o or y)");
        };
        return new Irrep(l, p);
    }

    /**
     * Python's {@code int()} on a plain decimal string: surrounding whitespace and a sign are accepted
     * (so {@code "32 x 2o"} parses like in e3nn).
     */
    static int parsePythonInt(String s) {
        String t = s.strip();
        if (t.isEmpty()) {
            throw new NumberFormatException("empty");
        }
        int start = (t.charAt(0) == '+' || t.charAt(0) == '-') ? 1 : 0;
        if (start == t.length()) {
            throw new NumberFormatException(t);
        }
        for (int i = start; i < t.length(); i++) {
            char ch = t.charAt(i);
            if (ch < '0' || ch > '9') {
                throw new NumberFormatException(t);
            }
        }
        return Integer.parseInt(t);
    }

    /** The natural (spherical-harmonic) parity {@code (-1)^l}. */
    public static Irrep natural(int l) {
        return new Irrep(l, (l % 2 == 0) ? 1 : -1);
    }

    public int dim() {
        return 2 * l + 1;
    }

    /** {@code l == 0 && p == +1}, as e3nn's {@code Irrep.is_scalar}. */
    public boolean isScalar() {
        return l == 0 && p == 1;
    }

    /** The irreps of {@code this x other}: l from |l1-l2| to l1+l2 ascending, parity p1*p2. */
    public List<Irrep> times(Irrep other) {
        List<Irrep> out = new ArrayList<>();
        int pp = p * other.p;
        for (int ll = Math.abs(l - other.l); ll <= l + other.l; ll++) {
            out.add(new Irrep(ll, pp));
        }
        return out;
    }

    /** Whether {@code l3} can appear in {@code l1 x l2} (triangle rule). */
    public static boolean triangle(int l1, int l2, int l3) {
        return Math.abs(l1 - l2) <= l3 && l3 <= l1 + l2;
    }

    private int parityKey() {
        // e3nn: key (l, -p * (-1)^l)
        return -p * ((l % 2 == 0) ? 1 : -1);
    }

    @Override
    public int compareTo(Irrep o) {
        int c = Integer.compare(l, o.l);
        return c != 0 ? c : Integer.compare(parityKey(), o.parityKey());
    }

    @Override
    public String toString() {
        return l + (p == 1 ? "e" : "o");
    }
}
