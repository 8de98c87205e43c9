package org.e3j.layers.flax;

import org.e3j.layers.io.Params;

/**
 * Flax {@code nn.LayerNorm} with its defaults: statistics over the last axis with the fast variance
 * {@code max(0, E[x^2] - E[x]^2)}, {@code eps = 1e-6} inside the rsqrt, the scale folded into the multiplier.
 */
public final class LayerNorm {
    public static final double EPSILON = 1e-6;
    public final int features;
    public final double[] scale;
    public final double[] bias;

    public LayerNorm(int features, double[] scale, double[] bias) {
        this.features = features;
        this.scale = scale;
        this.bias = bias;
    }

    public static LayerNorm load(Params params, String path, int features) {
        return new LayerNorm(features, params.get(path + "/scale", features), params.get(path + "/bias", features));
    }

    public double[] apply(double[] x, int rows) {
        int n = features;
        double[] y = new double[rows * n];
        for (int r = 0; r < rows; r++) {
            double mean = 0;
            double meanSq = 0;
            for (int i = 0; i < n; i++) {
                double v = x[r * n + i];
                mean += v;
                meanSq += v * v;
            }
            mean /= n;
            meanSq /= n;
            double var = Math.max(0.0, meanSq - mean * mean);
            double inv = 1.0 / Math.sqrt(var + EPSILON);
            for (int i = 0; i < n; i++) {
                y[r * n + i] = (x[r * n + i] - mean) * (inv * scale[i]) + bias[i];
            }
        }
        return y;
    }
}
