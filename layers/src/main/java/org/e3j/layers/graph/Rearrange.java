package org.e3j.layers.graph;

import java.util.ArrayList;
import java.util.List;
import org.e3j.engine.irreps.Irreps;
import org.e3j.engine.irreps.MulIrrep;

/**
 * A column selection that turns a value into a rearranged one: drop its known-zero chunks, then
 * {@code regroup} (stable sort by irrep + merge), {@code simplify} (merge adjacent equal irreps) or
 * {@code none}. Merging does not move numbers, so the whole rearrangement is a gather of columns:
 * rearranged column c is column {@code columns[c]} of the input (do not modify the array).
 */
public record Rearrange(Irreps irreps, int[] columns) {

    /** The rearrangement {@code how} ({@code regroup}, {@code simplify}, {@code none}) of a value of type {@code in}. */
    public static Rearrange of(ValueType in, String how) {
        List<MulIrrep> kept = new ArrayList<>();
        List<Integer> chunkIndex = new ArrayList<>();
        for (int c = 0; c < in.irreps().size(); c++) {
            if (!in.zero()[c] && in.irreps().get(c).mul() > 0) {
                kept.add(in.irreps().get(c));
                chunkIndex.add(c);
            }
        }
        List<Integer> order = new ArrayList<>();
        Irreps keptIrreps = Irreps.of(kept);
        if (how.equals("regroup")) {
            Irreps.Sorted sorted = keptIrreps.sort();
            for (int s = 0; s < sorted.inv().length; s++) {
                order.add(sorted.inv()[s]);
            }
        } else {
            for (int k = 0; k < kept.size(); k++) {
                order.add(k);
            }
        }
        List<MulIrrep> ordered = new ArrayList<>();
        List<Integer> cols = new ArrayList<>();
        for (int k : order) {
            MulIrrep m = kept.get(k);
            ordered.add(m);
            int off = in.irreps().offset(chunkIndex.get(k));
            for (int t = 0; t < m.dim(); t++) {
                cols.add(off + t);
            }
        }
        Irreps result = Irreps.of(ordered);
        if (!how.equals("none")) {
            result = result.simplify();
        }
        return new Rearrange(result, cols.stream().mapToInt(Integer::intValue).toArray());
    }

    /** Whether the rearrangement is the identity on the columns of a value of width {@code dim}. */
    boolean identity(int dim) {
        if (columns.length != dim) {
            return false;
        }
        for (int c = 0; c < dim; c++) {
            if (columns[c] != c) {
                return false;
            }
        }
        return true;
    }

    double[] gather(double[] x, int dimIn) {
        int rows = x.length / dimIn;
        int w = columns.length;
        double[] o = new double[rows * w];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < w; c++) {
                o[r * w + c] = x[r * dimIn + columns[c]];
            }
        }
        return o;
    }

    void scatterAdd(double[] g, double[] into, int dimIn) {
        int w = columns.length;
        int rows = w == 0 ? into.length / Math.max(1, dimIn) : g.length / w;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < w; c++) {
                into[r * dimIn + columns[c]] += g[r * w + c];
            }
        }
    }
}
