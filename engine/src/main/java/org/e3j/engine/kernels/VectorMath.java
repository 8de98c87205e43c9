package org.e3j.engine.kernels;

import static org.e3j.engine.kernels.FloatMath.EXP_HI;
import static org.e3j.engine.kernels.FloatMath.EXP_LO;
import static org.e3j.engine.kernels.FloatMath.GELU_C1;
import static org.e3j.engine.kernels.FloatMath.GELU_C2;
import static org.e3j.engine.kernels.FloatMath.LN2_HI;
import static org.e3j.engine.kernels.FloatMath.LN2_LO;
import static org.e3j.engine.kernels.FloatMath.LOG2E;
import static org.e3j.engine.kernels.FloatMath.P0;
import static org.e3j.engine.kernels.FloatMath.P1;
import static org.e3j.engine.kernels.FloatMath.P2;
import static org.e3j.engine.kernels.FloatMath.P3;
import static org.e3j.engine.kernels.FloatMath.P4;
import static org.e3j.engine.kernels.FloatMath.P5;
import static org.e3j.engine.kernels.FloatMath.ROUND_MAGIC;
import static org.e3j.engine.kernels.FloatMath.ROUND_MAGIC_BITS;
import static org.e3j.engine.kernels.FloatMath.T0;
import static org.e3j.engine.kernels.FloatMath.T1;
import static org.e3j.engine.kernels.FloatMath.T2;
import static org.e3j.engine.kernels.FloatMath.T3;
import static org.e3j.engine.kernels.FloatMath.T4;
import static org.e3j.engine.kernels.FloatMath.TANH_SMALL;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Lane-for-lane twins of {@link FloatMath}: the same constants and the same IEEE operations in the
 * same order, so each lane equals the scalar function bitwise. Every method is small so that C2
 * inlines it into the kernel loop (a vector crossing a non-inlined call would be boxed).
 */
final class VectorMath {
    private VectorMath() {}

    /**
     * Sum of the lanes in lane order (0, 1, ..., L-1). Unlike {@code reduceLanes(ADD)}, whose float
     * order differs between the C2 intrinsic and the Java fallback (so a method's result could change
     * when it gets compiled mid-run), this is the same in every execution mode: results stay
     * reproducible run to run and across thread counts.
     */
    static float sumLanes(FloatVector v) {
        // constant lane indices only (a variable index is not always intrinsified, and then the
        // vector is boxed); L is static final, so the unused branches fold away
        float s = v.lane(0);
        if (VectorKernels.L >= 2) {
            s += v.lane(1);
        }
        if (VectorKernels.L >= 4) {
            s += v.lane(2);
            s += v.lane(3);
        }
        if (VectorKernels.L >= 8) {
            s += v.lane(4);
            s += v.lane(5);
            s += v.lane(6);
            s += v.lane(7);
        }
        if (VectorKernels.L >= 16) {
            s += v.lane(8);
            s += v.lane(9);
            s += v.lane(10);
            s += v.lane(11);
            s += v.lane(12);
            s += v.lane(13);
            s += v.lane(14);
            s += v.lane(15);
        }
        return s;
    }

    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(EXP_LO).min(EXP_HI);
        FloatVector t = xc.fma(LOG2E, ROUND_MAGIC);
        FloatVector nf = t.sub(ROUND_MAGIC);
        IntVector n = (IntVector) t.reinterpretAsInts().sub(ROUND_MAGIC_BITS);
        FloatVector r = nf.fma(xc.broadcast(-LN2_HI), xc);
        r = nf.fma(xc.broadcast(-LN2_LO), r);
        FloatVector p = r.fma(P0, P1);
        p = p.fma(r, p.broadcast(P2));
        p = p.fma(r, p.broadcast(P3));
        p = p.fma(r, p.broadcast(P4));
        p = p.fma(r, p.broadcast(P5));
        FloatVector y = p.fma(r.mul(r), r).add(1f);
        IntVector n1 = n.lanewise(VectorOperators.ASHR, 1);
        IntVector n2 = n.sub(n1);
        y = y.mul(n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats())
                .mul(n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
        y = y.blend(y.broadcast(0f), x.lt(EXP_LO));
        return y.blend(y.broadcast(Float.POSITIVE_INFINITY), x.compare(VectorOperators.GT, EXP_HI));
    }

    /** 1 + exp(-x), the denominator of sigmoid, silu and gelu. */
    static FloatVector onePlusExpNeg(FloatVector x) {
        return exp(x.neg()).add(1f);
    }

    static FloatVector sigmoid(FloatVector x) {
        return x.broadcast(1f).div(onePlusExpNeg(x));
    }

    static FloatVector silu(FloatVector x) {
        return x.div(onePlusExpNeg(x));
    }

    static FloatVector tanh(FloatVector x) {
        FloatVector a = x.abs();
        FloatVector z = x.mul(x);
        FloatVector p = z.fma(T0, T1);
        p = p.fma(z, z.broadcast(T2));
        p = p.fma(z, z.broadcast(T3));
        p = p.fma(z, z.broadcast(T4));
        FloatVector small = p.mul(z).fma(x, x);
        FloatVector e = exp(a.add(a));
        FloatVector big = x.broadcast(1f).sub(x.broadcast(2f).div(e.add(1f)));
        big = big.blend(big.neg(), x.lt(0f));
        return big.blend(small, a.lt(TANH_SMALL));
    }

    static FloatVector geluTanh(FloatVector x) {
        FloatVector u = x.mul(x.mul(x).fma(GELU_C2, GELU_C1));
        return x.div(onePlusExpNeg(u));
    }

    static FloatVector expNegClamped(FloatVector x) {
        return exp(x.neg()).min(Float.MAX_VALUE);
    }

    static FloatVector sigmoidDerivative(FloatVector x) {
        FloatVector e = expNegClamped(x);
        FloatVector s = x.broadcast(1f).div(e.add(1f));
        return s.mul(e.mul(s));
    }

    static FloatVector siluDerivative(FloatVector xIn) {
        FloatVector x = xIn.max(-FloatMath.SILU_D_LO);
        FloatVector e = expNegClamped(x);
        FloatVector s = x.broadcast(1f).div(e.add(1f));
        return s.mul(x.fma(e.mul(s), x.broadcast(1f)));
    }

    static FloatVector tanhDerivative(FloatVector x) {
        FloatVector a = x.abs();
        FloatVector e = exp(a.add(a).neg());
        FloatVector q = e.add(1f);
        return e.mul(4f).div(q.mul(q));
    }

    static FloatVector geluTanhDerivative(FloatVector xIn) {
        FloatVector x = xIn.max(-FloatMath.GELU_D_CLAMP).min(FloatMath.GELU_D_CLAMP);
        FloatVector x2 = x.mul(x);
        FloatVector u = x.mul(x2.fma(GELU_C2, GELU_C1));
        FloatVector du = x2.fma(3f * GELU_C2, GELU_C1);
        FloatVector e = expNegClamped(u);
        FloatVector s = x.broadcast(1f).div(e.add(1f));
        return x.mul(du).fma(s.mul(e.mul(s)), s);
    }
}
