package org.e3j.layers.flax;

import org.e3j.layers.io.Params;

/** Flax {@code nn.Dense}: {@code y = x @ kernel + bias}, kernel of shape (in, out). Double precision. */
public final class Dense {
    public final int in;
    public final int out;
    public final double[] kernel; // [in][out]
    public final double[] bias; // [out]

    public Dense(int in, int out, double[] kernel, double[] bias) {
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.bias = bias;
    }

    public static Dense load(Params params, String path, int in, int out) {
        return new Dense(in, out, params.get(path + "/kernel", in, out), params.get(path + "/bias", out));
    }

    /** x: [rows][in] -> [rows][out]. */
    public double[] apply(double[] x, int rows) {
        double[] y = new double[rows * out];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double s = 0;
                for (int i = 0; i < in; i++) {
                    s += x[r * in + i] * kernel[i * out + o];
                }
                y[r * out + o] = s + bias[o];
            }
        }
        return y;
    }

    /** Reverse pass with respect to x: {@code gradOut [rows][out] -> gradOut @ kernel^T [rows][in]}. */
    public double[] backward(double[] gradOut, int rows) {
        double[] g = new double[rows * in];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < in; i++) {
                double s = 0;
                for (int o = 0; o < out; o++) {
                    s += gradOut[r * out + o] * kernel[i * out + o];
                }
                g[r * in + i] = s;
            }
        }
        return g;
    }
}
