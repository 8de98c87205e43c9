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

    static void backward(int m, double[] dist, int e0, float[] coef, int[] segBase, double segScale, double cutoff,
                         int width, float[] dR, int dROff, int ldr, double[] dDist) {
        int bound = S.loopBound(width);
        for (int i = 0; i < m; i++) {
            int e = e0 + i;
            double d = dist[e];
            if (d >= cutoff || d < 0) {
                continue;
            }
            double x = RadialTableKernel.segmentCoordinate(d, segScale, cutoff);
            int p = RadialTableKernel.piece(x, segBase);
            float t = RadialTableKernel.local(x, segBase, p);
            int b = p * 4 * width;
            int o = dROff + i * ldr;
            FloatVector tv = FloatVector.broadcast(S, t);
            FloatVector acc = FloatVector.zero(S);
            int c = 0;
            for (; c < bound; c += L) {
                FloatVector sl = FloatVector.fromArray(S, coef, b + 3 * width + c).mul(3f)
                        .fma(tv, FloatVector.fromArray(S, coef, b + 2 * width + c).mul(2f));
                sl = sl.fma(tv, FloatVector.fromArray(S, coef, b + width + c));
                acc = FloatVector.fromArray(S, dR, o + c).fma(sl, acc);
            }
            float s = VectorMath.sumLanes(acc);
            for (; c < width; c++) {
                s = Math.fma(dR[o + c], RadialTableKernel.slope(coef, b, width, c, t), s);
            }
            dDist[e] += s * (RadialTableKernel.density(x, segBase) * segScale);
        }
    }
}
