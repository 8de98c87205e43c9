package org.e3j.plan.steps;

import org.e3j.engine.irreps.Irreps;
import org.e3j.engine.irreps.MulIrrep;
import org.e3j.engine.kernels.Activation;
import org.e3j.engine.kernels.FloatMath;
import org.e3j.engine.ops.Gate;
import org.e3j.plan.PlanBuffers;
import org.e3j.plan.Step;
import org.e3j.plan.StepContext;

/**
 * e3nn {@code gate} in float32 with the recorded float32 normalisation constants ({@code c_f32}):
 * output = [extra scalars through even/odd_act / c] + [gate_k(s) / c x k-th non-scalar copy]
 * (bookkeeping of the engine's {@link Gate}: the last {@code num_irreps(non-scalars)} scalars gate).
 * Activations are {@link FloatMath}'s float32 functions; e3nn-jax's {@code phi(x) / c} is computed as
 * exactly that division.
 */
final class GateStep extends Step {
    /** soft_odd, which the kernels' activation set does not hold. */
    private static final int SOFT_ODD = -1;

    /** Per scalar copy (input order): its column, activation (ordinal or SOFT_ODD) and constant. */
    private final int[] scalarCol;
    private final int[] scalarAct;
    private final float[] scalarC;
    /** Per gated copy: its first column and width. */
    private final int[] vectorCol;
    private final int[] vectorDim;
    private final int nExtra;

    GateStep(StepContext c, Gate gate) {
        super(c);
        Irreps irreps = gate.irrepsIn();
        int ns = gate.scalars().dim();
        int nv = gate.vectors().numIrreps();
        scalarCol = new int[ns];
        scalarAct = new int[ns];
        scalarC = new float[ns];
        vectorCol = new int[nv];
        vectorDim = new int[nv];
        boolean noVectors = gate.vectors().dim() == 0;
        nExtra = noVectors ? ns : ns - nv;
        int si = 0;
        int vi = 0;
        for (int e = 0; e < irreps.size(); e++) {
            MulIrrep m = irreps.get(e);
            int off = irreps.offset(e);
            for (int u = 0; u < m.mul(); u++) {
                if (m.ir().l() == 0) {
                    boolean even = m.ir().p() == 1;
                    Gate.ScalarAct a = si < nExtra ? (even ? gate.evenAct() : gate.oddAct())
                            : (even ? gate.evenGateAct() : gate.oddGateAct());
                    scalarCol[si] = off + u;
                    scalarAct[si] = kind(a);
                    scalarC[si++] = (float) a.constant();
                } else {
                    vectorCol[vi] = off + u * m.ir().dim();
                    vectorDim[vi++] = m.ir().dim();
                }
            }
        }
    }

    private static int kind(Gate.ScalarAct a) {
        return switch (a.fn()) {
            case SILU -> Activation.SILU.ordinal();
            case SIGMOID -> Activation.SIGMOID.ordinal();
            case TANH -> Activation.TANH.ordinal();
            case GELU -> Activation.GELU_TANH.ordinal();
            case IDENTITY -> Activation.IDENTITY.ordinal();
            case SOFT_ODD -> SOFT_ODD;
        };
    }

    private static final Activation[] ACTS = Activation.values();

    static float apply(int kind, float x) {
        if (kind == SOFT_ODD) {
            return (1f - FloatMath.exp(-(x * x))) * x;
        }
        return FloatMath.apply(ACTS[kind], x);
    }

    static float derivative(int kind, float x) {
        if (kind == SOFT_ODD) {
            float e = FloatMath.exp(-(x * x));
            return 1f - e + 2f * x * x * e;
        }
        return FloatMath.derivative(ACTS[kind], x);
    }

    @Override
    public void forward(PlanBuffers b, int lo, int hi, float[] s) {
        float[] x = b.value[in[0]];
        float[] o = b.value[out];
        int dIn = inDim[0];
        for (int r = lo; r < hi; r++) {
            int xr = r * dIn;
            int or = r * outDim;
            for (int j = 0; j < nExtra; j++) {
                o[or + j] = apply(scalarAct[j], x[xr + scalarCol[j]]) / scalarC[j];
            }
            int col = or + nExtra;
            for (int v = 0; v < vectorCol.length; v++) {
                int sj = nExtra + v;
                float gv = apply(scalarAct[sj], x[xr + scalarCol[sj]]) / scalarC[sj];
                int vc = xr + vectorCol[v];
                for (int k = 0; k < vectorDim[v]; k++) {
                    o[col + k] = gv * x[vc + k];
                }
                col += vectorDim[v];
            }
        }
    }

    @Override
    public void backward(int phase, PlanBuffers b, int lo, int hi, float[] s) {
        float[] gx = b.grad[in[0]];
        if (gx == null) {
            return;
        }
        float[] x = b.value[in[0]];
        float[] g = b.grad[out];
        int dIn = inDim[0];
        for (int r = lo; r < hi; r++) {
            int xr = r * dIn;
            int gr = r * outDim;
            for (int j = 0; j < nExtra; j++) {
                int c = xr + scalarCol[j];
                gx[c] += g[gr + j] / scalarC[j] * derivative(scalarAct[j], x[c]);
            }
            int col = gr + nExtra;
            for (int v = 0; v < vectorCol.length; v++) {
                int sj = nExtra + v;
                int sc = xr + scalarCol[sj];
                float gv = apply(scalarAct[sj], x[sc]) / scalarC[sj];
                int vc = xr + vectorCol[v];
                float dot = 0f;
                for (int k = 0; k < vectorDim[v]; k++) {
                    float go = g[col + k];
                    gx[vc + k] += go * gv;
                    dot = Math.fma(go, x[vc + k], dot);
                }
                gx[sc] += dot / scalarC[sj] * derivative(scalarAct[sj], x[sc]);
                col += vectorDim[v];
            }
        }
    }

    @Override
    public double flops(int nodes, int edges) {
        return 2.0 * outDim * (domain == Domain.EDGE ? edges : nodes);
    }
}
