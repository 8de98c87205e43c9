package org.e3j.layers.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.e3j.engine.irreps.Irreps;

/**
 * The type of one graph value (docs/model-graph.md §2): where it lives ({@code node}, {@code edge},
 * {@code graph}), whether it is an int index array or a float array, and for floats its irreps and
 * which chunks are known to be exactly zero (e3nn-jax's {@code zero_flags}).
 */
public record ValueType(String domain, boolean isFloat, Irreps irreps, boolean[] zero) {

    public static ValueType ints(String domain) {
        return new ValueType(domain, false, null, null);
    }

    public static ValueType floats(String domain, Irreps irreps) {
        return new ValueType(domain, true, irreps, new boolean[irreps.size()]);
    }

    public static ValueType floats(String domain, Irreps irreps, boolean[] zero) {
        if (zero.length != irreps.size()) {
            throw new IllegalArgumentException("zero flags " + zero.length + " for " + irreps);
        }
        return new ValueType(domain, true, irreps, zero.clone());
    }

    public int dim() {
        return irreps.dim();
    }

    public boolean anyZero() {
        for (boolean z : zero) {
            if (z) {
                return true;
            }
        }
        return false;
    }

    /** Indices of the known-zero chunks, as the graph's {@code zero_chunks} lists them. */
    public List<Integer> zeroChunks() {
        List<Integer> out = new ArrayList<>();
        if (zero != null) {
            for (int i = 0; i < zero.length; i++) {
                if (zero[i]) {
                    out.add(i);
                }
            }
        }
        return out;
    }

    public boolean sameAs(ValueType o) {
        return domain.equals(o.domain) && isFloat == o.isFloat
                && (!isFloat || (irreps.equals(o.irreps) && zeroChunks().equals(o.zeroChunks())));
    }

    @Override
    public String toString() {
        if (!isFloat) {
            return "{domain " + domain + ", int}";
        }
        return "{domain " + domain + ", float " + irreps + (anyZero() ? ", zero_chunks " + zeroChunks() : "") + "}";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ValueType v && sameAs(v);
    }

    @Override
    public int hashCode() {
        return domain.hashCode() * 31 + (isFloat ? irreps.hashCode() + Arrays.hashCode(zero) : 0);
    }
}
