package org.e3j.engine.kernels;

import static org.e3j.engine.kernels.VectorKernels.L;
import static org.e3j.engine.kernels.VectorKernels.S;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The tensor-product message of one edge and one path, channels innermost, for
 * {@link VectorKernels}: see {@link Kernels#edgeMessage} and {@link Kernels#edgeMessageBackward}.
 * Channel chunks of L lanes are the outer loop so that r and the output row stay in registers.
 */
final class VectorEdge {
    private VectorEdge() {}

    static void message(int dk, int[] kPtr, int[] jIdx, float[] m, int mOff,
                        float[] r, int rOff, float[] h, int hOff, int ldh,
                        float[] out, int outOff, int ldo, int mul) {
        int u = 0;
        for (int bound = S.loopBound(mul); u < bound; u += L) {
            FloatVector rv = FloatVector.fromArray(S, r, rOff + u);
            for (int k = 0; k < dk; k++) {
                int p0 = kPtr[k];
                int p1 = kPtr[k + 1];
                if (p0 == p1) {
                    continue;
                }
                FloatVector acc = FloatVector.zero(S);
                for (int p = p0; p < p1; p++) {
                    acc = FloatVector.fromArray(S, h, hOff + jIdx[p] * ldh + u).fma(FloatVector.broadcast(S, m[mOff + p]), acc);
                }
                int o = outOff + k * ldo + u;
                acc.fma(rv, FloatVector.fromArray(S, out, o)).intoArray(out, o);
            }
        }
        for (; u < mul; u++) {
            float ru = r[rOff + u];
            for (int k = 0; k < dk; k++) {
                int p0 = kPtr[k];
                int p1 = kPtr[k + 1];
                if (p0 == p1) {
                    continue;
                }
                float acc = 0f;
                for (int p = p0; p < p1; p++) {
                    acc = Math.fma(h[hOff + jIdx[p] * ldh + u], m[mOff + p], acc);
                }
                int o = outOff + k * ldo + u;
                out[o] = Math.fma(acc, ru, out[o]);
            }
        }
    }

    /**
     * {@link #message} for every edge e0..e1 of one receiver, with each output row chunk kept in a
     * register across the edges (loaded and stored once per receiver instead of once per edge). The
     * fma chain of every output element is the same as edge by edge (edges in order), so the
     * result is bitwise equal to calling {@link #message} per edge.
     */
    static void segment(int e0, int e1, int[] senders, int dk, int[] kPtr, int[] jIdx,
                        float[] m, int mOff, int mStride, float[] r, int rOff, int rStride,
                        float[] h, int hOff, int hStride, int ldh,
                        float[] out, int outOff, int ldo, int mul) {
        int bound = S.loopBound(mul);
        if (bound < mul) {
            for (int e = e0; e < e1; e++) {
                message(dk, kPtr, jIdx, m, mOff + e * mStride, r, rOff + e * rStride,
                        h, hOff + senders[e] * hStride, ldh, out, outOff, ldo, mul);
            }
            return;
        }
        for (int k = 0; k < dk; k++) {
            int p0 = kPtr[k];
            int p1 = kPtr[k + 1];
            if (p0 == p1) {
                continue;
            }
            for (int u = 0; u < bound; u += L) {
                int o = outOff + k * ldo + u;
                FloatVector ov = FloatVector.fromArray(S, out, o);
                for (int e = e0; e < e1; e++) {
                    int hb = hOff + senders[e] * hStride + u;
                    int mb = mOff + e * mStride;
                    FloatVector acc = FloatVector.zero(S);
                    for (int p = p0; p < p1; p++) {
                        acc = FloatVector.fromArray(S, h, hb + jIdx[p] * ldh).fma(FloatVector.broadcast(S, m[mb + p]), acc);
                    }
                    ov = acc.fma(FloatVector.fromArray(S, r, rOff + e * rStride + u), ov);
                }
                ov.intoArray(out, o);
            }
        }
    }

    /** dM[p] += sum_u r[u] h[j_p][u] dOut[k_p][u]. */
    static void backwardM(int dk, int[] kPtr, int[] jIdx, float[] r, int rOff, float[] h, int hOff, int ldh,
                          float[] dOut, int dOutOff, int lddo, int mul, float[] dM, int dMOff) {
        int bound = S.loopBound(mul);
        for (int k = 0; k < dk; k++) {
            int d0 = dOutOff + k * lddo;
            for (int p = kPtr[k]; p < kPtr[k + 1]; p++) {
                int hj = hOff + jIdx[p] * ldh;
                FloatVector acc = FloatVector.zero(S);
                int u = 0;
                for (; u < bound; u += L) {
                    FloatVector rh = FloatVector.fromArray(S, r, rOff + u).mul(FloatVector.fromArray(S, h, hj + u));
                    acc = rh.fma(FloatVector.fromArray(S, dOut, d0 + u), acc);
                }
                float s = VectorMath.sumLanes(acc);
                for (; u < mul; u++) {
                    s = Math.fma(r[rOff + u] * h[hj + u], dOut[d0 + u], s);
                }
                dM[dMOff + p] += s;
            }
        }
    }

    /** dR[u] += sum_k dOut[k][u] sum_p m_p h[j_p][u];  dH[j_p][u] += m_p (r[u] dOut[k][u]). */
    static void backwardRH(int dk, int[] kPtr, int[] jIdx, float[] m, int mOff,
                           float[] r, int rOff, float[] h, int hOff, int ldh,
                           float[] dOut, int dOutOff, int lddo, int mul,
                           float[] dR, int dROff, float[] dH, int dHOff, int lddh) {
        int u = 0;
        for (int bound = S.loopBound(mul); u < bound; u += L) {
            FloatVector rv = FloatVector.fromArray(S, r, rOff + u);
            FloatVector dRacc = FloatVector.zero(S);
            for (int k = 0; k < dk; k++) {
                FloatVector d = FloatVector.fromArray(S, dOut, dOutOff + k * lddo + u);
                FloatVector rd = rv.mul(d);
                FloatVector t = FloatVector.zero(S);
                for (int p = kPtr[k]; p < kPtr[k + 1]; p++) {
                    int j = jIdx[p];
                    FloatVector mp = FloatVector.broadcast(S, m[mOff + p]);
                    t = FloatVector.fromArray(S, h, hOff + j * ldh + u).fma(mp, t);
                    if (dH != null) {
                        int idx = dHOff + j * lddh + u;
                        rd.fma(mp, FloatVector.fromArray(S, dH, idx)).intoArray(dH, idx);
                    }
                }
                dRacc = t.fma(d, dRacc);
            }
            if (dR != null) {
                FloatVector.fromArray(S, dR, dROff + u).add(dRacc).intoArray(dR, dROff + u);
            }
        }
        for (; u < mul; u++) {
            float ru = r[rOff + u];
            float dRacc = 0f;
            for (int k = 0; k < dk; k++) {
                float d = dOut[dOutOff + k * lddo + u];
                float rd = ru * d;
                float t = 0f;
                for (int p = kPtr[k]; p < kPtr[k + 1]; p++) {
                    int j = jIdx[p];
                    float mp = m[mOff + p];
                    t = Math.fma(h[hOff + j * ldh + u], mp, t);
                    if (dH != null) {
                        int idx = dHOff + j * lddh + u;
                        dH[idx] = Math.fma(rd, mp, dH[idx]);
                    }
                }
                dRacc = Math.fma(t, d, dRacc);
            }
            if (dR != null) {
                dR[dROff + u] += dRacc;
            }
        }
    }
}
