package org.e3j.engine.ops;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.e3j.engine.irreps.Irrep;
import org.e3j.engine.irreps.Irreps;
import org.e3j.engine.irreps.IrrepsArray;
import org.e3j.engine.irreps.IrrepsException;
import org.e3j.engine.irreps.MulIrrep;
import org.e3j.engine.so3.ClebschGordan;

/**
 * e3nn-jax's full {@code tensor_product(x1, x2, filter_ir_out=..., irrep_normalization=...)} with
 * {@code regroup_output=True} (the default), in double precision.
 *
 * <p>Steps, as in e3nn-jax: both inputs are regrouped (stable sort by irrep, then adjacent equal
 * irreps merged); for each chunk (mul1, ir1) of x1 (outer loop), each chunk (mul2, ir2) of x2, and
 * each ir_out in ir1 x ir2 (l ascending) not rejected by the filter, one path writes
 * {@code out[u*mul2 + v, k] = alpha * sum_ij x1[u,i] x2[v,j] C(l1,l2,l_out)[i,j,k]} (u-major copy
 * index); the path chunks are then stably sorted by irrep and merged. alpha is sqrt(2 l_out + 1)
 * ("component"), sqrt((2l1+1)(2l2+1)) ("norm") or 1 ("none"). Argument order matters: swapping
 * x1 and x2 flips the sign of paths with odd l1+l2+l_out.
 *
 * <p>The constructor builds the whole bookkeeping once; {@link #paths()} is the descriptor a fast
 * engine compiles from (every offset is resolved, the sparse CG comes with the path).
 */
public final class TensorProduct {

    /** e3nn's {@code irrep_normalization}. */
    public enum IrrepNormalization {
        COMPONENT, NORM, NONE;

        public static IrrepNormalization parse(String s) {
            return switch (s) {
                case "component" -> COMPONENT;
                case "norm" -> NORM;
                case "none" -> NONE;
                default -> throw new IrrepsException("irrep_normalization=\"" + s + "\" not supported"
                        + " (expected component, norm or none)");
            };
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One path of the product.
     *
     * @param entry1 index of the chunk in the regrouped x1
     * @param entry2 index of the chunk in the regrouped x2
     * @param mul1 multiplicity of x1's chunk (u runs over it)
     * @param ir1 irrep of x1's chunk
     * @param mul2 multiplicity of x2's chunk (v runs over it)
     * @param ir2 irrep of x2's chunk
     * @param irOut output irrep (parity p1*p2)
     * @param offset1 column of the chunk in the regrouped x1 row
     * @param offset2 column of the chunk in the regrouped x2 row
     * @param outOffset column where this path's {@code mul1*mul2 x ir_out} block starts in the output row
     * @param alpha normalisation factor multiplying the CG tensor
     * @param cg the real CG tensor C(l1, l2, l_out) (sparse)
     */
    public record Path(int entry1, int entry2, int mul1, Irrep ir1, int mul2, Irrep ir2, Irrep irOut, int offset1,
            int offset2, int outOffset, double alpha, ClebschGordan cg) {}

    private final Irreps irreps1;
    private final Irreps irreps2;
    private final Irreps regrouped1;
    private final Irreps regrouped2;
    private final int[] columns1;
    private final int[] columns2;
    private final IrrepNormalization normalization;
    private final List<Path> paths;
    private final Irreps irrepsOut;

    /**
     * @param filterIrOut the allowed output irreps, or null for all
     */
    public TensorProduct(Irreps irreps1, Irreps irreps2, Collection<Irrep> filterIrOut,
            IrrepNormalization normalization) {
        this.irreps1 = irreps1;
        this.irreps2 = irreps2;
        this.normalization = normalization;
        this.regrouped1 = irreps1.regroup();
        this.regrouped2 = irreps2.regroup();
        this.columns1 = regroupColumns(irreps1);
        this.columns2 = regroupColumns(irreps2);

        // 1. paths in creation order
        List<int[]> raw = new ArrayList<>(); // entry1, entry2, l_out, p_out
        List<MulIrrep> chunks = new ArrayList<>();
        for (int a = 0; a < regrouped1.size(); a++) {
            MulIrrep m1 = regrouped1.get(a);
            for (int b = 0; b < regrouped2.size(); b++) {
                MulIrrep m2 = regrouped2.get(b);
                for (Irrep out : m1.ir().times(m2.ir())) {
                    if (filterIrOut != null && !filterIrOut.contains(out)) {
                        continue;
                    }
                    raw.add(new int[] {a, b, out.l(), out.p()});
                    chunks.add(new MulIrrep(m1.mul() * m2.mul(), out));
                }
            }
        }
        // 2. stable sort of the path chunks, then the output layout is the sorted order
        Irreps.Sorted sorted = Irreps.of(chunks).sort();
        int[] outOffset = new int[chunks.size()];
        int col = 0;
        for (int s = 0; s < sorted.inv().length; s++) {
            int original = sorted.inv()[s];
            outOffset[original] = col;
            col += chunks.get(original).dim();
        }
        this.irrepsOut = sorted.irreps().simplify();
        List<Path> ps = new ArrayList<>();
        for (int t = 0; t < raw.size(); t++) {
            int[] r = raw.get(t);
            MulIrrep m1 = regrouped1.get(r[0]);
            MulIrrep m2 = regrouped2.get(r[1]);
            Irrep out = new Irrep(r[2], r[3]);
            double alpha = switch (normalization) {
                case COMPONENT -> Math.sqrt(out.dim());
                case NORM -> Math.sqrt(m1.ir().dim() * m2.ir().dim());
                case NONE -> 1.0;
            };
            ps.add(new Path(r[0], r[1], m1.mul(), m1.ir(), m2.mul(), m2.ir(), out, regrouped1.offset(r[0]),
                    regrouped2.offset(r[1]), outOffset[t], alpha, ClebschGordan.of(m1.l(), m2.l(), out.l())));
        }
        this.paths = List.copyOf(ps);
    }

    /** Defaults of e3nn-jax: no filter, "component" normalisation. */
    public TensorProduct(Irreps irreps1, Irreps irreps2) {
        this(irreps1, irreps2, null, IrrepNormalization.COMPONENT);
    }

    /** One-shot {@code e3nn.tensor_product(x1, x2, ...)}. */
    public static IrrepsArray tensorProduct(IrrepsArray x1, IrrepsArray x2, Collection<Irrep> filterIrOut,
            IrrepNormalization normalization) {
        return new TensorProduct(x1.irreps(), x2.irreps(), filterIrOut, normalization).apply(x1, x2);
    }

    /**
     * Column permutation of e3nn's regroup: {@code result[c]} is the column of the original layout
     * that lands at column c of the regrouped layout.
     */
    static int[] regroupColumns(Irreps irreps) {
        Irreps.Sorted s = irreps.sort();
        int[] cols = new int[irreps.dim()];
        int c = 0;
        for (int k = 0; k < s.inv().length; k++) {
            int e = s.inv()[k];
            for (int t = 0; t < irreps.get(e).dim(); t++) {
                cols[c++] = irreps.offset(e) + t;
            }
        }
        return cols;
    }

    public Irreps irreps1() {
        return irreps1;
    }

    public Irreps irreps2() {
        return irreps2;
    }

    /** x1's irreps after e3nn's regroup: the layout {@link Path#offset1()} refers to. */
    public Irreps regrouped1() {
        return regrouped1;
    }

    public Irreps regrouped2() {
        return regrouped2;
    }

    /** Regrouped column c of x1 is original column {@code regroupColumns1()[c]}. */
    public int[] regroupColumns1() {
        return columns1.clone();
    }

    public int[] regroupColumns2() {
        return columns2.clone();
    }

    public IrrepNormalization normalization() {
        return normalization;
    }

    /** Paths in e3nn's creation order (x1 chunk, x2 chunk, l_out ascending). */
    public List<Path> paths() {
        return paths;
    }

    /** Output irreps: path chunks sorted (stable) then simplified. */
    public Irreps irrepsOut() {
        return irrepsOut;
    }

    /**
     * Applies the product row by row. Rows must agree, except that a one-row input is broadcast
     * (as e3nn broadcasts leading shapes).
     */
    public IrrepsArray apply(IrrepsArray x1, IrrepsArray x2) {
        if (!x1.irreps().equals(irreps1) || !x2.irreps().equals(irreps2)) {
            throw new IrrepsException("tensor product built for " + irreps1 + " x " + irreps2 + " applied to "
                    + x1.irreps() + " x " + x2.irreps());
        }
        int rows = broadcastRows(x1, x2);
        int d1 = irreps1.dim();
        int d2 = irreps2.dim();
        int dOut = irrepsOut.dim();
        double[] out = new double[rows * dOut];
        double[] a = new double[d1];
        double[] b = new double[d2];
        double[] in1 = x1.data();
        double[] in2 = x2.data();
        for (int r = 0; r < rows; r++) {
            int r1 = x1.rows() == 1 ? 0 : r;
            int r2 = x2.rows() == 1 ? 0 : r;
            for (int c = 0; c < d1; c++) {
                a[c] = in1[r1 * d1 + columns1[c]];
            }
            for (int c = 0; c < d2; c++) {
                b[c] = in2[r2 * d2 + columns2[c]];
            }
            int base = r * dOut;
            for (Path p : paths) {
                int dim1 = p.ir1().dim();
                int dim2 = p.ir2().dim();
                int dim3 = p.irOut().dim();
                ClebschGordan cg = p.cg();
                int nnz = cg.nnz();
                for (int u = 0; u < p.mul1(); u++) {
                    int o1 = p.offset1() + u * dim1;
                    for (int v = 0; v < p.mul2(); v++) {
                        int o2 = p.offset2() + v * dim2;
                        int o3 = base + p.outOffset() + (u * p.mul2() + v) * dim3;
                        for (int t = 0; t < nnz; t++) {
                            out[o3 + cg.k(t)] += p.alpha() * cg.value(t) * a[o1 + cg.i(t)] * b[o2 + cg.j(t)];
                        }
                    }
                }
            }
        }
        return new IrrepsArray(irrepsOut, rows, out);
    }

    /**
     * Reverse pass: the gradients of {@code sum(gradOut * apply(x1, x2))} with respect to x1 and x2
     * (the product is bilinear, so these are {@code gradOut^T dTP/dx1} at x2 and vice versa), each in
     * its input's original (not regrouped) layout and with its input's row count (a broadcast
     * one-row input receives the sum over rows).
     *
     * @param gradOut row-major {@code [rows][irrepsOut().dim()]}
     * @return {@code {grad1, grad2}}
     */
    public double[][] vjp(IrrepsArray x1, IrrepsArray x2, double[] gradOut) {
        if (!x1.irreps().equals(irreps1) || !x2.irreps().equals(irreps2)) {
            throw new IrrepsException("tensor product built for " + irreps1 + " x " + irreps2 + " applied to "
                    + x1.irreps() + " x " + x2.irreps());
        }
        int rows = broadcastRows(x1, x2);
        int d1 = irreps1.dim();
        int d2 = irreps2.dim();
        int dOut = irrepsOut.dim();
        if (gradOut.length != rows * dOut) {
            throw new IrrepsException("tensor product vjp: gradient of length " + gradOut.length + " for " + rows
                    + " rows of " + irrepsOut);
        }
        double[] g1 = new double[x1.rows() * d1];
        double[] g2 = new double[x2.rows() * d2];
        double[] a = new double[d1];
        double[] b = new double[d2];
        double[] ga = new double[d1];
        double[] gb = new double[d2];
        double[] in1 = x1.data();
        double[] in2 = x2.data();
        for (int r = 0; r < rows; r++) {
            int r1 = x1.rows() == 1 ? 0 : r;
            int r2 = x2.rows() == 1 ? 0 : r;
            for (int c = 0; c < d1; c++) {
                a[c] = in1[r1 * d1 + columns1[c]];
            }
            for (int c = 0; c < d2; c++) {
                b[c] = in2[r2 * d2 + columns2[c]];
            }
            java.util.Arrays.fill(ga, 0.0);
            java.util.Arrays.fill(gb, 0.0);
            int base = r * dOut;
            for (Path p : paths) {
                int dim1 = p.ir1().dim();
                int dim2 = p.ir2().dim();
                int dim3 = p.irOut().dim();
                ClebschGordan cg = p.cg();
                int nnz = cg.nnz();
                for (int u = 0; u < p.mul1(); u++) {
                    int o1 = p.offset1() + u * dim1;
                    for (int v = 0; v < p.mul2(); v++) {
                        int o2 = p.offset2() + v * dim2;
                        int o3 = base + p.outOffset() + (u * p.mul2() + v) * dim3;
                        for (int t = 0; t < nnz; t++) {
                            double w = p.alpha() * cg.value(t) * gradOut[o3 + cg.k(t)];
                            ga[o1 + cg.i(t)] += w * b[o2 + cg.j(t)];
                            gb[o2 + cg.j(t)] += w * a[o1 + cg.i(t)];
                        }
                    }
                }
            }
            for (int c = 0; c < d1; c++) {
                g1[r1 * d1 + columns1[c]] += ga[c];
            }
            for (int c = 0; c < d2; c++) {
                g2[r2 * d2 + columns2[c]] += gb[c];
            }
        }
        return new double[][] {g1, g2};
    }

    static int broadcastRows(IrrepsArray x1, IrrepsArray x2) {
        if (x1.rows() == x2.rows()) {
            return x1.rows();
        }
        if (x1.rows() == 1) {
            return x2.rows();
        }
        if (x2.rows() == 1) {
            return x1.rows();
        }
        throw new IrrepsException("cannot broadcast shapes " + x1.shape() + " (" + x1.irreps() + ") and "
                + x2.shape() + " (" + x2.irreps() + ")");
    }

    @Override
    public String toString() {
        return "TensorProduct(" + irreps1 + " x " + irreps2 + " -> " + irrepsOut + ", " + paths.size() + " paths, "
                + normalization + ")";
    }
}
