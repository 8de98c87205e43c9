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

    /** {@code d silu / dx = sigmoid(x) (1 + x (1 - sigmoid(x)))}. */
    public static double siluDerivative(double x) {
        double s = 1.0 / (1.0 + Math.exp(-x));
        return s + x * s * (1.0 - s);
    }

    /**
     * Reverse pass with respect to the input at x: {@code gradOut [rows][outputs()] -> [rows][in]}.
     * Recomputes the forward internally (the reference path favours clarity over memory).
     */
    public double[] backward(double[] x, double[] gradOut, int rows) {
        int hidden = norms.length;
        double[][] pre = new double[hidden][]; // Dense outputs (LayerNorm inputs)
        double[][] normed = new double[hidden][]; // LayerNorm outputs (silu inputs)
        double[] h = x;
        for (int k = 0; k < hidden; k++) {
            pre[k] = dense[k].apply(h, rows);
            normed[k] = norms[k].apply(pre[k], rows);
            h = normed[k].clone();
            for (int i = 0; i < h.length; i++) {
                h[i] = silu(h[i]);
            }
        }
        double[] g = dense[dense.length - 1].backward(gradOut, rows);
        for (int k = hidden - 1; k >= 0; k--) {
            double[] z = normed[k];
            for (int i = 0; i < g.length; i++) {
                g[i] *= siluDerivative(z[i]);
            }
            g = norms[k].backward(pre[k], g, rows);
            g = dense[k].backward(g, rows);
        }
        return g;
    }
}
