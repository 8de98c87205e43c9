package org.e3j.engine.kernels;

/**
 * Lookup of a tabulated radial function (piecewise cubic in each of {@code width} columns on a
 * uniform grid of [0, cutoff]) and the transpose of its derivative, for rows of edges. The table is
 * {@code coef[piece][4][width]} with {@code R = c0 + t (c1 + t (c2 + t c3))}, {@code t = x - piece},
 * {@code x = clamp(d, 0, cutoff) * invH}, piece = min(floor(x), pieces - 1).
 *
 * <p>Both implementations (scalar, and {@link VectorRadial} when {@code kernels.vectorLanes() > 1})
 * follow the same per-element fma sequence for R, so they agree bitwise; the gradient's column sum
 * is a reduction (vector order differs from scalar within float rounding). Rows are independent:
 * the result of an edge does not depend on the other rows of the call.
 */
public final class RadialTableKernel {
    private RadialTableKernel() {}

    /** The piece of d: see the class comment. */
    public static int piece(double d, double cutoff, double invH, int pieces) {
        double x = Math.min(Math.max(d, 0.0), cutoff) * invH;
        return Math.min((int) x, pieces - 1);
    }

    /** The local coordinate t of d in its piece. */
    public static float local(double d, double cutoff, double invH, int piece) {
        return (float) (Math.min(Math.max(d, 0.0), cutoff) * invH - piece);
    }

    /**
     * out[outOff + i*ldo + c] = R_c(dist[e]) for rows i in [0, m), e = edges == null ? e0 + i : edges[e0 + i].
     */
    public static void eval(Kernels k, int m, double[] dist, int[] edges, int e0, float[] coef, int pieces,
                            double invH, double cutoff, int width, float[] out, int outOff, int ldo) {
        if (k.vectorLanes() > 1) {
            VectorRadial.eval(m, dist, edges, e0, coef, pieces, invH, cutoff, width, out, outOff, ldo);
            return;
        }
        for (int i = 0; i < m; i++) {
            int e = edges == null ? e0 + i : edges[e0 + i];
            int p = piece(dist[e], cutoff, invH, pieces);
            float t = local(dist[e], cutoff, invH, p);
            int b = p * 4 * width;
            int o = outOff + i * ldo;
            for (int c = 0; c < width; c++) {
                out[o + c] = value(coef, b, width, c, t);
            }
        }
    }

    static float value(float[] coef, int b, int width, int c, float t) {
        float v = Math.fma(coef[b + 3 * width + c], t, coef[b + 2 * width + c]);
        v = Math.fma(v, t, coef[b + width + c]);
        return Math.fma(v, t, coef[b + c]);
    }

    /**
     * dDist[e0 + i] += sum_c dR[dROff + i*ldr + c] * dR_c/dd (dist[e0 + i]) for rows i in [0, m): the
     * radial function's share of the gradient with respect to each edge's length.
     */
    public static void backward(Kernels k, int m, double[] dist, int e0, float[] coef, int pieces, double invH,
                                double cutoff, int width, float[] dR, int dROff, int ldr, double[] dDist) {
        if (k.vectorLanes() > 1) {
            VectorRadial.backward(m, dist, e0, coef, pieces, invH, cutoff, width, dR, dROff, ldr, dDist);
            return;
        }
        for (int i = 0; i < m; i++) {
            int e = e0 + i;
            double d = dist[e];
            if (d >= cutoff || d < 0) {
                continue; // clamped: R is constant there
            }
            int p = piece(d, cutoff, invH, pieces);
            float t = local(d, cutoff, invH, p);
            int b = p * 4 * width;
            int o = dROff + i * ldr;
            float s = 0f;
            for (int c = 0; c < width; c++) {
                s = Math.fma(dR[o + c], slope(coef, b, width, c, t), s);
            }
            dDist[e] += s * invH;
        }
    }

    /** dR/dt = c1 + t (2 c2 + 3 c3 t). */
    static float slope(float[] coef, int b, int width, int c, float t) {
        float v = Math.fma(3f * coef[b + 3 * width + c], t, 2f * coef[b + 2 * width + c]);
        return Math.fma(v, t, coef[b + width + c]);
    }
}
