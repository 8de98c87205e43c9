package org.e3j.engine.kernels;

/**
 * Lookup of a tabulated radial function (piecewise cubic in each of {@code width} columns) and the
 * transpose of its derivative, for rows of edges. [0, cutoff] is cut into {@code S} equal segments
 * ({@code segScale = S / cutoff}); segment s is uniform with pieces {@code segBase[s] .. segBase[s+1]-1}.
 * The table is {@code coef[piece][4][width]} with {@code R = c0 + t (c1 + t (c2 + t c3))}, t the
 * coordinate within the piece in [0, 1]; d is clamped to [0, cutoff].
 *
 * <p>Both implementations (scalar, and {@link VectorRadial} when {@code kernels.vectorLanes() > 1})
 * follow the same per-element fma sequence for R, so they agree bitwise; the gradient's column sum
 * is a reduction (vector order differs from scalar within float rounding). Rows are independent:
 * the result of an edge does not depend on the other rows of the call.
 */
public final class RadialTableKernel {
    private RadialTableKernel() {}

    /** Segment coordinate of d, clamped: {@code clamp(d, 0, cutoff) * segScale}. */
    static double segmentCoordinate(double d, double segScale, double cutoff) {
        return Math.min(Math.max(d, 0.0), cutoff) * segScale;
    }

    /** The piece holding segment coordinate x. */
    static int piece(double x, int[] segBase) {
        int segments = segBase.length - 1;
        int s = Math.min((int) x, segments - 1);
        int n = segBase[s + 1] - segBase[s];
        return segBase[s] + Math.min((int) ((x - s) * n), n - 1);
    }

    /** Pieces per unit of segment coordinate at x (d t / d x). */
    static int density(double x, int[] segBase) {
        int s = Math.min((int) x, segBase.length - 2);
        return segBase[s + 1] - segBase[s];
    }

    /** The coordinate t in [0, 1] of x within its piece. */
    static float local(double x, int[] segBase, int piece) {
        int s = Math.min((int) x, segBase.length - 2);
        int n = segBase[s + 1] - segBase[s];
        return (float) ((x - s) * n - (piece - segBase[s]));
    }

    /**
     * out[outOff + i*ldo + c] = R_c(dist[e]) for rows i in [0, m), e = edges == null ? e0 + i : edges[e0 + i].
     */
    public static void eval(Kernels k, int m, double[] dist, int[] edges, int e0, float[] coef, int[] segBase,
                            double segScale, double cutoff, int width, float[] out, int outOff, int ldo) {
        if (k.vectorLanes() > 1) {
            VectorRadial.eval(m, dist, edges, e0, coef, segBase, segScale, cutoff, width, out, outOff, ldo);
            return;
        }
        for (int i = 0; i < m; i++) {
            int e = edges == null ? e0 + i : edges[e0 + i];
            double x = segmentCoordinate(dist[e], segScale, cutoff);
            int p = piece(x, segBase);
            float t = local(x, segBase, p);
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
     * radial function's share of the gradient with respect to each edge's length (0 at d &gt;= cutoff,
     * where the function is clamped).
     */
    public static void backward(Kernels k, int m, double[] dist, int e0, float[] coef, int[] segBase, double segScale,
                                double cutoff, int width, float[] dR, int dROff, int ldr, double[] dDist) {
        if (k.vectorLanes() > 1) {
            VectorRadial.backward(m, dist, e0, coef, segBase, segScale, cutoff, width, dR, dROff, ldr, dDist);
            return;
        }
        for (int i = 0; i < m; i++) {
            int e = e0 + i;
            double d = dist[e];
            if (d >= cutoff || d < 0) {
                continue;
            }
            double x = segmentCoordinate(d, segScale, cutoff);
            int p = piece(x, segBase);
            float t = local(x, segBase, p);
            int b = p * 4 * width;
            int o = dROff + i * ldr;
            float s = 0f;
            for (int c = 0; c < width; c++) {
                s = Math.fma(dR[o + c], slope(coef, b, width, c, t), s);
            }
            dDist[e] += s * (density(x, segBase) * segScale);
        }
    }

    /** dR/dt = c1 + t (2 c2 + 3 c3 t). */
    static float slope(float[] coef, int b, int width, int c, float t) {
        float v = Math.fma(3f * coef[b + 3 * width + c], t, 2f * coef[b + 2 * width + c]);
        return Math.fma(v, t, coef[b + width + c]);
    }
}
