package org.e3j.engine.ops;

import org.e3j.engine.irreps.IrrepsArray;
import org.e3j.engine.irreps.IrrepsException;
import org.e3j.engine.irreps.MulIrrep;

/**
 * Per-irrep-copy scaling, the tutorial's {@code jax.vmap(lambda s, f: s * f)(scalars, features)}:
 * e3nn-jax turns {@code s * f} into an elementwise tensor product with {@code Nx0e}, N =
 * {@code f.irreps.num_irreps}, so scalar j multiplies all components of the j-th irrep copy of f
 * (copies counted in irreps order with multiplicity). Mathematically
 * {@code out[u, k] = s[u] * f[u, k]}; e3nn-jax additionally multiplies by
 * {@code (1/sqrt(2l+1)) * sqrt(2l+1)}, which is 1 up to an ulp and is omitted here. Irreps are
 * unchanged.
 */
public final class ElementwiseScale {

    private ElementwiseScale() {}

    /**
     * @param scalars row-major {@code [rows][numIrreps]}
     */
    public static IrrepsArray apply(double[] scalars, IrrepsArray features) {
        int n = features.irreps().numIrreps();
        int rows = features.rows();
        if (scalars.length != rows * n) {
            throw new IrrepsException("scalars of length " + scalars.length + " do not have shape [" + rows + ", "
                    + n + "] needed to scale " + features.irreps() + " " + features.shape());
        }
        int d = features.dim();
        double[] in = features.data();
        double[] out = new double[rows * d];
        for (int r = 0; r < rows; r++) {
            int col = r * d;
            int copy = r * n;
            for (MulIrrep m : features.irreps()) {
                int dim = m.ir().dim();
                for (int u = 0; u < m.mul(); u++) {
                    double s = scalars[copy++];
                    for (int k = 0; k < dim; k++) {
                        out[col + k] = s * in[col + k];
                    }
                    col += dim;
                }
            }
        }
        return new IrrepsArray(features.irreps(), rows, out);
    }

    /**
     * Reverse pass of {@link #apply(double[], IrrepsArray)}: with {@code gradOut} of the features'
     * shape, returns {@code {gradScalars [rows][numIrreps], gradFeatures [rows][dim]}} where
     * {@code gradScalars[u] = sum_k gradOut[u, k] f[u, k]} and {@code gradFeatures[u, k] = s[u] gradOut[u, k]}.
     */
    public static double[][] vjp(double[] scalars, IrrepsArray features, double[] gradOut) {
        int n = features.irreps().numIrreps();
        int rows = features.rows();
        int d = features.dim();
        if (scalars.length != rows * n || gradOut.length != rows * d) {
            throw new IrrepsException("elementwise scale vjp: scalars of length " + scalars.length + " and gradient"
                    + " of length " + gradOut.length + " do not fit " + features.irreps() + " " + features.shape());
        }
        double[] in = features.data();
        double[] gs = new double[rows * n];
        double[] gf = new double[rows * d];
        for (int r = 0; r < rows; r++) {
            int col = r * d;
            int copy = r * n;
            for (MulIrrep m : features.irreps()) {
                int dim = m.ir().dim();
                for (int u = 0; u < m.mul(); u++) {
                    double s = scalars[copy];
                    double dot = 0;
                    for (int k = 0; k < dim; k++) {
                        gf[col + k] = s * gradOut[col + k];
                        dot += gradOut[col + k] * in[col + k];
                    }
                    gs[copy++] = dot;
                    col += dim;
                }
            }
        }
        return new double[][] {gs, gf};
    }

    /** Same, with the scalars as an {@code Nx0e} IrrepsArray (the vmap form). */
    public static IrrepsArray apply(IrrepsArray scalars, IrrepsArray features) {
        if (scalars.rows() != features.rows() || scalars.dim() != features.irreps().numIrreps()) {
            throw new IrrepsException("cannot scale " + features.irreps() + " " + features.shape() + " by "
                    + scalars.irreps() + " " + scalars.shape() + ": need [" + features.rows() + ", "
                    + features.irreps().numIrreps() + "]");
        }
        return apply(scalars.data(), features);
    }
}
