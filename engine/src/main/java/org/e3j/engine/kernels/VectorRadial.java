package org.e3j.engine.kernels;

import static org.e3j.engine.kernels.VectorKernels.L;
import static org.e3j.engine.kernels.VectorKernels.S;

import jdk.incubator.vector.FloatVector;

/** The vector twin of {@link RadialTableKernel} (columns in lanes; same fma sequence per element). */
final class VectorRadial {
    private VectorRadial() {}

    static void eval(int m, double[] dist, int[] edges, int e0, float[] coef, int[] segBase, double segScale,
                     double cutoff, int width, float[] out, int outOff, int ldo) {
        int bound = S.loopBound(width);
        for (int i = 0; i < m; i++) {
            int e = edges == null ? e0 + i : edges[e0 + i];
            double x = RadialTableKernel.segmentCoordinate(dist[e], segScale, cutoff);
            int p = RadialTableKernel.piece(x, segBase);
            float t = RadialTableKernel.local(x, segBase, p);
            int b = p * 4 * width;
            int o = outOff + i * ldo;
            FloatVector tv = FloatVector.broadcast(S, t);
            int c = 0;
            for (; c < bound; c += L) {
                FloatVector v = FloatVector.fromArray(S, coef, b + 3 * width + c)
                        .fma(tv, FloatVector.fromArray(S, coef, b + 2 * width + c));
                v = v.fma(tv, FloatVector.fromArray(S, coef, b + width + c));
                v.fma(tv, FloatVector.fromArray(S, coef, b + c)).intoArray(out, o + c);
            }
            for (; c < width; c++) {
                out[o + c] = RadialTableKernel.value(coef, b, width, c, t);
            }
        }
    }

    /**
     * Two edges at a time: each edge's dot product is one chain of L-lane fmas (26 on case C's middle
     * layer) and a lane sum, so one edge at a time waits on their latency; two independent chains
     * side by side fill the pipeline. Each edge's sum keeps its own order, so the bits are those of
     * one edge at a time.
     */
    static void backward(int m, double[] dist, int e0, float[] coef, int[] segBase, double segScale, double cutoff,
                         int width, float[] dR, int dROff, int ldr, double[] dDist) {
        int i = live(0, m, dist, e0, cutoff);
        while (i < m) {
            int j = live(i + 1, m, dist, e0, cutoff);
            if (j < m) {
                backwardPair(i, j, dist, e0, coef, segBase, segScale, cutoff, width, dR, dROff, ldr, dDist);
                i = live(j + 1, m, dist, e0, cutoff);
            } else {
                backwardPair(i, -1, dist, e0, coef, segBase, segScale, cutoff, width, dR, dROff, ldr, dDist);
                i = m;
            }
        }
    }

    /** The first row i >= from whose edge is inside the cutoff (m if none): the others get no gradient. */
    private static int live(int from, int m, double[] dist, int e0, double cutoff) {
        int i = from;
        while (i < m) {
            double d = dist[e0 + i];
            if (!(d >= cutoff || d < 0)) { // the scalar twin's test, NaN included
                break;
            }
            i++;
        }
        return i;
    }

    /** Rows i and j (j = -1: row i alone) of {@link #backward}. */
    private static void backwardPair(int i, int j, double[] dist, int e0, float[] coef, int[] segBase, double segScale,
                                     double cutoff, int width, float[] dR, int dROff, int ldr, double[] dDist) {
        int bound = S.loopBound(width);
        boolean two = j >= 0;
        int jj = two ? j : i; // alone: the second chain repeats row i, and is not stored
        double x = RadialTableKernel.segmentCoordinate(dist[e0 + i], segScale, cutoff);
        double y = RadialTableKernel.segmentCoordinate(dist[e0 + jj], segScale, cutoff);
        int p = RadialTableKernel.piece(x, segBase);
        int q = RadialTableKernel.piece(y, segBase);
        float t = RadialTableKernel.local(x, segBase, p);
        float u = RadialTableKernel.local(y, segBase, q);
        int b = p * 4 * width;
        int bq = q * 4 * width;
        int o = dROff + i * ldr;
        int oq = dROff + jj * ldr;
        FloatVector tv = FloatVector.broadcast(S, t);
        FloatVector uv = FloatVector.broadcast(S, u);
        FloatVector acc = FloatVector.zero(S);
        FloatVector accq = acc;
        int c = 0;
        for (; c < bound; c += L) {
            FloatVector sl = FloatVector.fromArray(S, coef, b + 3 * width + c).mul(3f)
                    .fma(tv, FloatVector.fromArray(S, coef, b + 2 * width + c).mul(2f));
            sl = sl.fma(tv, FloatVector.fromArray(S, coef, b + width + c));
            acc = FloatVector.fromArray(S, dR, o + c).fma(sl, acc);
            FloatVector sq = FloatVector.fromArray(S, coef, bq + 3 * width + c).mul(3f)
                    .fma(uv, FloatVector.fromArray(S, coef, bq + 2 * width + c).mul(2f));
            sq = sq.fma(uv, FloatVector.fromArray(S, coef, bq + width + c));
            accq = FloatVector.fromArray(S, dR, oq + c).fma(sq, accq);
        }
        float s = VectorMath.sumLanes(acc);
        float sq = VectorMath.sumLanes(accq);
        for (int c1 = c; c1 < width; c1++) {
            s = Math.fma(dR[o + c1], RadialTableKernel.slope(coef, b, width, c1, t), s);
            sq = Math.fma(dR[oq + c1], RadialTableKernel.slope(coef, bq, width, c1, u), sq);
        }
        dDist[e0 + i] += s * (RadialTableKernel.density(x, segBase) * segScale);
        if (two) {
            dDist[e0 + j] += sq * (RadialTableKernel.density(y, segBase) * segScale);
        }
    }
}
