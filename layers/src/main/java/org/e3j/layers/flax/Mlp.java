package org.e3j.layers.flax;

import org.e3j.layers.io.Params;

/**
 * The seed's {@code MLP}: {@code (num_layers - 1) x [Dense(hidden) -> LayerNorm -> silu]}, then
 * {@code Dense(output)}. Submodules are named as Flax names them: {@code Dense_k}, {@code LayerNorm_k}.
 */
public final class Mlp {
    public final Dense[] dense;
    public final LayerNorm[] norms;

    public Mlp(Dense[] dense, LayerNorm[] norms) {
        this.dense = dense;
        this.norms = norms;
    }

    public static Mlp load(Params params, String path, int in, int hidden, int out, int numLayers) {
        Dense[] dense = new Dense[numLayers];
        LayerNorm[] norms = new LayerNorm[numLayers - 1];
        int width = in;
        for (int k = 0; k < numLayers - 1; k++) {
            dense[k] = Dense.load(params, path + "/Dense_" + k, width, hidden);
            norms[k] = LayerNorm.load(params, path + "/LayerNorm_" + k, hidden);
            width = hidden;
        }
        dense[numLayers - 1] = Dense.load(params, path + "/Dense_" + (numLayers - 1), width, out);
        return new Mlp(dense, norms);
    }

    public int outputs() {
        return dense[dense.length - 1].out;
    }

    public double[] apply(double[] x, int rows) {
        double[] h = x;
        for (int k = 0; k < norms.length; k++) {
            h = norms[k].apply(dense[k].apply(h, rows), rows);
            for (int i = 0; i < h.length; i++) {
                h[i] = silu(h[i]);
            }
        }
        return dense[dense.length - 1].apply(h, rows);
    }

    /** {@code jax.nn.silu}: x * sigmoid(x). */
    public static double silu(double x) {
        return x / (1.0 + Math.exp(-x));
    }
}
