package org.e3j.graph.io;

import java.util.Arrays;
import java.util.Objects;

/**
 * A per-atom column group of an extended XYZ frame ({@code name:TYPE:ncols}), e.g. forces:R:3.
 * Data is row-major, length {@code N * columns}: {@code double[]} for R, {@code int[]} for I,
 * {@code boolean[]} for L, {@code String[]} for S.
 */
public record Property(String name, Type type, int columns, Object data) {

    /** The extended XYZ column types. */
    public enum Type {
        /** real (double) */
        R,
        /** integer */
        I,
        /** string */
        S,
        /** logical */
        L
    }

    public Property {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(data, "data");
        if (columns < 1) {
            throw new IllegalArgumentException("property " + name + " needs at least one column, got " + columns);
        }
        boolean ok = switch (type) {
            case R -> data instanceof double[];
            case I -> data instanceof int[];
            case S -> data instanceof String[];
            case L -> data instanceof boolean[];
        };
        if (!ok) {
            throw new IllegalArgumentException("property " + name + " of type " + type + " cannot hold "
                    + data.getClass().getSimpleName());
        }
        if (length(data) % columns != 0) {
            throw new IllegalArgumentException("property " + name + " has " + length(data)
                    + " values, not a multiple of " + columns + " columns");
        }
    }

    public static Property real(String name, int columns, double[] data) {
        return new Property(name, Type.R, columns, data.clone());
    }

    public static Property integer(String name, int columns, int[] data) {
        return new Property(name, Type.I, columns, data.clone());
    }

    public static Property string(String name, String[] data) {
        return new Property(name, Type.S, 1, data.clone());
    }

    public static Property logical(String name, int columns, boolean[] data) {
        return new Property(name, Type.L, columns, data.clone());
    }

    /** Number of rows (atoms). */
    public int rows() {
        return length(data) / columns;
    }

    public double[] doubles() {
        return ((double[]) data).clone();
    }

    public int[] ints() {
        return ((int[]) data).clone();
    }

    public String[] strings() {
        return ((String[]) data).clone();
    }

    public boolean[] booleans() {
        return ((boolean[]) data).clone();
    }

    static int length(Object data) {
        if (data instanceof double[] d) {
            return d.length;
        }
        if (data instanceof int[] d) {
            return d.length;
        }
        if (data instanceof boolean[] d) {
            return d.length;
        }
        return ((Object[]) data).length;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Property p)) {
            return false;
        }
        return name.equals(p.name) && type == p.type && columns == p.columns
                && Arrays.deepEquals(new Object[] {data}, new Object[] {p.data});
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, type, columns, Arrays.deepHashCode(new Object[] {data}));
    }

    @Override
    public String toString() {
        return name + ":" + type + ":" + columns + "[" + rows() + " rows]";
    }
}
