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

    /**
     * Reverse pass with respect to x at x: {@code gradOut [rows][features] -> [rows][features]}.
     * The variance is {@code max(0, E[x^2] - E[x]^2)}; as {@code jax.grad} of {@code jnp.maximum},
     * the gradient flows through it fully when the difference is positive, half when it is exactly 0
     * and not at all when it is negative (clipped).
     */
    public double[] backward(double[] x, double[] gradOut, int rows) {
        int n = features;
        double[] g = new double[rows * n];
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
            double diff = meanSq - mean * mean;
            double var = Math.max(0.0, diff);
            double through = diff > 0 ? 1.0 : (diff == 0 ? 0.5 : 0.0);
            double inv = 1.0 / Math.sqrt(var + EPSILON);
            double sumS = 0;
            double dInv = 0;
            for (int i = 0; i < n; i++) {
                double s = gradOut[r * n + i] * scale[i];
                sumS += s;
                dInv += s * (x[r * n + i] - mean);
            }
            // inv = (var + eps)^(-1/2): d inv / d var = -inv^3 / 2; d var / d x_j = 2 (x_j - mean) / n
            double dVar = -0.5 * inv * inv * inv * dInv * through;
            for (int j = 0; j < n; j++) {
                double s = gradOut[r * n + j] * scale[j];
                g[r * n + j] = inv * (s - sumS / n) + dVar * 2.0 * (x[r * n + j] - mean) / n;
            }
        }
        return g;
    }
}
