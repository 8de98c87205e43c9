package org.e3j.layers.graph;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.e3j.engine.irreps.Irreps;

/**
 * {@code mlp} (docs/model-graph.md §3): dense layers with optional bias; between layers an optional
 * LayerNorm then the (unnormalised) activation. The reverse pass recomputes the forward per row.
 */
public final class MlpOp extends GraphOp {
    private final int[] sizes;
    private final double[][] kernel;
    private final double[][] bias;
    private final double[][] lnScale;
    private final double[][] lnBias;
    private final boolean layerNorm;
    private final double epsilon;
    private final boolean fastVariance;
    private final ScalarOps.Act act;

    @SuppressWarnings("unchecked")
    MlpOp(Spec s) {
        super(s);
        Object sz = s.raw("sizes");
        if (!(sz instanceof List<?> list) || list.size() < 2) {
            throw s.error("sizes must be a list of at least two widths");
        }
        sizes = new int[list.size()];
        for (int k = 0; k < sizes.length; k++) {
            if (!(list.get(k) instanceof Long l) || l < 1 || l > 1_000_000) {
                throw s.error("sizes[" + k + "] = " + list.get(k) + " is not a positive integer");
            }
            sizes[k] = (int) (long) l;
        }
        boolean useBias = s.bool("use_bias");
        act = ScalarOps.Act.parse(s, "activation");
        Object ln = s.raw("layer_norm");
        layerNorm = ln != null;
        boolean useScale = false;
        boolean useLnBias = false;
        if (ln != null) {
            if (!(ln instanceof Map<?, ?> m) || !m.containsKey("epsilon")) {
                throw s.error("layer_norm must be null or an object with epsilon");
            }
            Set<String> extra = new TreeSet<>((Set<String>) m.keySet());
            extra.removeAll(Set.of("epsilon", "use_scale", "use_bias", "fast_variance"));
            if (!extra.isEmpty()) {
                throw s.error("unknown layer_norm key(s) " + extra);
            }
            if (!(m.get("epsilon") instanceof Number eps) || !(eps.doubleValue() >= 0)) {
                throw s.error("layer_norm.epsilon must be a number >= 0");
            }
            epsilon = eps.doubleValue();
            useScale = flag(s, m, "use_scale");
            useLnBias = flag(s, m, "use_bias");
            fastVariance = flag(s, m, "fast_variance");
        } else {
            epsilon = 0;
            fastVariance = false;
        }
        int n = sizes.length - 1;
        kernel = new double[n][];
        bias = new double[n][];
        lnScale = new double[n][];
        lnBias = new double[n][];
        for (int k = 0; k < n; k++) {
            kernel[k] = s.weight("dense_" + k + "/kernel", sizes[k], sizes[k + 1]);
            if (useBias) {
                bias[k] = s.weight("dense_" + k + "/bias", sizes[k + 1]);
            }
            if (layerNorm && k < n - 1) {
                if (useScale) {
                    lnScale[k] = s.weight("layer_norm_" + k + "/scale", sizes[k + 1]);
                }
                if (useLnBias) {
                    lnBias[k] = s.weight("layer_norm_" + k + "/bias", sizes[k + 1]);
                }
            }
        }
        ValueType x = s.floatInput(0);
        if (!x.irreps().isScalar() || x.dim() != sizes[0]) {
            throw s.error("input " + x.irreps() + " is not " + sizes[0] + " scalars (sizes[0])");
        }
        out = ValueType.floats(x.domain(), Irreps.parse(sizes[n] + "x0e"));
    }

    /** {@code [K, h1, ..., out]}, a copy. */
    public int[] sizes() {
        return sizes.clone();
    }

    /** Layer k's kernel, row-major [sizes[k]][sizes[k+1]] (a copy). */
    public double[] kernel(int k) {
        return kernel[k].clone();
    }

    /** Layer k's bias [sizes[k+1]], or null without use_bias. */
    public double[] bias(int k) {
        return bias[k] == null ? null : bias[k].clone();
    }

    /** Whether hidden layers have a LayerNorm before the activation. */
    public boolean layerNorm() {
        return layerNorm;
    }

    public double epsilon() {
        return epsilon;
    }

    public boolean fastVariance() {
        return fastVariance;
    }

    /** The LayerNorm scale after hidden layer k, or null (no LayerNorm or use_scale false). */
    public double[] layerNormScale(int k) {
        return lnScale[k] == null ? null : lnScale[k].clone();
    }

    /** The LayerNorm bias after hidden layer k, or null. */
    public double[] layerNormBias(int k) {
        return lnBias[k] == null ? null : lnBias[k].clone();
    }

    public ScalarOps.Act activation() {
        return act;
    }

    private static boolean flag(Spec s, Map<?, ?> m, String key) {
        Object v = m.get(key);
        if (v == null && !m.containsKey(key)) {
            return true; // e3nn/flax default
        }
        if (!(v instanceof Boolean b)) {
            throw s.error("layer_norm." + key + " must be true or false");
        }
        return b;
    }

    /**
     * One row forward. pre[k] = dense output of layer k (before LayerNorm), norm[k] = after LayerNorm
     * (== pre[k] without), h[k+1] = input of layer k+1.
     */
    private double[][][] rowForward(double[] x, int off) {
        int n = sizes.length - 1;
        double[][] h = new double[n + 1][];
        double[][] pre = new double[n][];
        double[][] norm = new double[n][];
        h[0] = java.util.Arrays.copyOfRange(x, off, off + sizes[0]);
        for (int k = 0; k < n; k++) {
            int a = sizes[k];
            int b = sizes[k + 1];
            double[] y = new double[b];
            for (int i = 0; i < a; i++) {
                double xi = h[k][i];
                for (int j = 0; j < b; j++) {
                    y[j] += xi * kernel[k][i * b + j];
                }
            }
            if (bias[k] != null) {
                for (int j = 0; j < b; j++) {
                    y[j] += bias[k][j];
                }
            }
            pre[k] = y;
            if (k == n - 1) {
                h[n] = y;
                norm[k] = y;
                break;
            }
            double[] z = y;
            if (layerNorm) {
                z = new double[b];
                double mean = 0;
                for (double v : y) {
                    mean += v;
                }
                mean /= b;
                double var = 0;
                if (fastVariance) {
                    double sq = 0;
                    for (double v : y) {
                        sq += v * v;
                    }
                    var = Math.max(0.0, sq / b - mean * mean);
                } else {
                    for (double v : y) {
                        var += (v - mean) * (v - mean);
                    }
                    var /= b;
                }
                double inv = 1.0 / Math.sqrt(var + epsilon);
                for (int j = 0; j < b; j++) {
                    z[j] = (y[j] - mean) * inv * (lnScale[k] == null ? 1.0 : lnScale[k][j])
                            + (lnBias[k] == null ? 0.0 : lnBias[k][j]);
                }
            }
            norm[k] = z;
            double[] hh = new double[b];
            for (int j = 0; j < b; j++) {
                hh[j] = act.apply(z[j]);
            }
            h[k + 1] = hh;
        }
        return new double[][][] {h, pre, norm};
    }

    @Override
    public Object forward(Run run, Object[] in) {
        double[] x = d(in[0]);
        int a = sizes[0];
        int rows = x.length / a;
        int w = sizes[sizes.length - 1];
        double[] o = new double[rows * w];
        for (int r = 0; r < rows; r++) {
            double[][][] f = rowForward(x, r * a);
            System.arraycopy(f[0][sizes.length - 1], 0, o, r * w, w);
        }
        return o;
    }

    @Override
    public void backward(Run run, Object[] in, Object outValue, double[] g, double[][] gIn) {
        double[] x = d(in[0]);
        int n = sizes.length - 1;
        int a0 = sizes[0];
        int rows = x.length / a0;
        int w = sizes[n];
        for (int r = 0; r < rows; r++) {
            double[][][] f = rowForward(x, r * a0);
            double[][] h = f[0];
            double[][] pre = f[1];
            double[][] norm = f[2];
            double[] gy = java.util.Arrays.copyOfRange(g, r * w, r * w + w); // grad of pre[n-1]
            for (int k = n - 1; k >= 0; k--) {
                int a = sizes[k];
                int b = sizes[k + 1];
                double[] gh = new double[a];
                for (int i = 0; i < a; i++) {
                    double acc = 0;
                    for (int j = 0; j < b; j++) {
                        acc += gy[j] * kernel[k][i * b + j];
                    }
                    gh[i] = acc;
                }
                if (k == 0) {
                    for (int i = 0; i < a; i++) {
                        gIn[0][r * a0 + i] += gh[i];
                    }
                    break;
                }
                // through activation and LayerNorm of layer k-1
                double[] gz = new double[a];
                for (int i = 0; i < a; i++) {
                    gz[i] = gh[i] * act.derivative(norm[k - 1][i]);
                }
                gy = layerNorm ? layerNormVjp(pre[k - 1], gz, k - 1) : gz;
            }
        }
    }

    private double[] layerNormVjp(double[] y, double[] gz, int k) {
        int b = y.length;
        double mean = 0;
        for (double v : y) {
            mean += v;
        }
        mean /= b;
        double var = 0;
        boolean clamped = false;
        if (fastVariance) {
            double sq = 0;
            for (double v : y) {
                sq += v * v;
            }
            double raw = sq / b - mean * mean;
            clamped = raw < 0;
            var = Math.max(0.0, raw);
        } else {
            for (double v : y) {
                var += (v - mean) * (v - mean);
            }
            var /= b;
        }
        double inv = 1.0 / Math.sqrt(var + epsilon);
        double[] gn = new double[b]; // grad of the normalised value
        double sumGn = 0;
        double sumGnC = 0; // sum gn * (y - mean)
        for (int j = 0; j < b; j++) {
            gn[j] = gz[j] * (lnScale[k] == null ? 1.0 : lnScale[k][j]);
            sumGn += gn[j];
            sumGnC += gn[j] * (y[j] - mean);
        }
        // z = (y - mean) * inv; dinv/dvar = -inv^3 / 2; var = E[y^2] - mean^2 (fast) or E[(y-mean)^2]:
        // both have dvar/dy_j = 2 (y_j - mean) / b (the mean terms cancel), 0 when clamped
        double gVar = clamped ? 0.0 : -0.5 * inv * inv * inv * sumGnC;
        double[] gy = new double[b];
        for (int j = 0; j < b; j++) {
            gy[j] = gn[j] * inv - sumGn * inv / b + gVar * 2 * (y[j] - mean) / b;
        }
        return gy;
    }
}
