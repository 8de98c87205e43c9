package org.e3j.plan.steps;

/**
 * The tensor-product paths of a product step (e3nn {@code tensor_product} and the uvu
 * {@code FunctionalTensorProduct}), described channel-wise: for a path {@code (l1 x l2 -> lOut)} and a
 * copy v of the second input, every channel u of the first input needs
 * {@code out[u, k] = w[u, v] sum_i M[i][k] x1[u, i]} with {@code M[i][k] = sum_j coef(i,j,k) x2[v, j]}.
 * {@link ReceiverPaths} computes them, for one row or over a receiver's edges.
 */
final class ChannelPaths {

    /**
     * One path. Copy u of the first input starts at column {@code col1[u]} of its row, copy v of the second
     * at {@code col2[v]}; output column of {@code (u, v, k)} is {@code outOff + (sumOverV ? u : u * mul2 + v) * dOut + k}.
     * With weights, {@code (u, v)} reads weight column {@code wOff + u * mul2 + v} of the weights input.
     */
    record Path(int[] col1, int[] col2, int d1, int d2, int dOut, int outOff, boolean sumOverV, boolean weighted,
            int wOff, int[] ci, int[] cj, int[] ck, float[] coef) {

        int mul1() {
            return col1.length;
        }

        int mul2() {
            return col2.length;
        }

        int outColumn(int u, int v) {
            return outOff + (sumOverV ? u : u * col2.length + v) * dOut;
        }
    }

    private final Path[] paths;

    ChannelPaths(Path[] paths) {
        this.paths = paths;
    }

    /**
     * The same paths writing into another column layout: output column c goes to {@code columnOf[c]}
     * (e.g. the inverse of {@code simplify}'s gather). Null when a path's block would not stay
     * contiguous there (then the caller does not fuse).
     */
    ChannelPaths remapOutput(int[] columnOf) {
        Path[] out = new Path[paths.length];
        for (int t = 0; t < paths.length; t++) {
            Path p = paths[t];
            int width = (p.sumOverV ? p.mul1() : p.mul1() * p.mul2()) * p.dOut;
            int start = columnOf[p.outOff];
            for (int c = 0; c < width; c++) {
                if (start < 0 || columnOf[p.outOff + c] != start + c) {
                    return null;
                }
            }
            out[t] = new Path(p.col1, p.col2, p.d1, p.d2, p.dOut, start, p.sumOverV, p.weighted, p.wOff, p.ci, p.cj,
                    p.ck, p.coef);
        }
        return new ChannelPaths(out);
    }

    Path[] paths() {
        return paths;
    }

    /** Multiply-adds per row of the forward (for flop estimates). */
    double forwardFlops() {
        double f = 0;
        for (Path p : paths) {
            f += 2.0 * p.mul2() * (p.coef.length + (double) p.mul1() * p.d1 * p.dOut);
        }
        return f;
    }
}
