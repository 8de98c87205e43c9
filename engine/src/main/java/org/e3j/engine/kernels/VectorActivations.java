package org.e3j.engine.kernels;

import static org.e3j.engine.kernels.VectorKernels.L;
import static org.e3j.engine.kernels.VectorKernels.S;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * In-place activation loops for {@link VectorKernels}: one small method per activation (no lambda,
 * no switch inside the loop), vector body and a masked-vector tail (a method of its own) from
 * {@link VectorMath} (narrow gates, e.g. 8 scalars under 16 lanes, ran all-scalar tails with a scalar
 * exp each); lane results equal {@link FloatMath}'s scalar ones bitwise.
 */
final class VectorActivations {
    private VectorActivations() {}

    static void silu(float[] x, int off, int n, float factor) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            VectorMath.silu(FloatVector.fromArray(S, x, off + i)).mul(factor).intoArray(x, off + i);
        }
        if (i < n) {
            siluTail(x, off, i, n, factor);
        }
    }

    static void siluBackward(float[] x, int xOff, float[] g, int gOff, int n, float factor) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector d = VectorMath.siluDerivative(FloatVector.fromArray(S, x, xOff + i)).mul(factor);
            FloatVector.fromArray(S, g, gOff + i).mul(d).intoArray(g, gOff + i);
        }
        if (i < n) {
            siluBackwardTail(x, xOff, g, gOff, i, n, factor);
        }
    }

    static void sigmoid(float[] x, int off, int n, float factor) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            VectorMath.sigmoid(FloatVector.fromArray(S, x, off + i)).mul(factor).intoArray(x, off + i);
        }
        if (i < n) {
            sigmoidTail(x, off, i, n, factor);
        }
    }

    static void sigmoidBackward(float[] x, int xOff, float[] g, int gOff, int n, float factor) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector d = VectorMath.sigmoidDerivative(FloatVector.fromArray(S, x, xOff + i)).mul(factor);
            FloatVector.fromArray(S, g, gOff + i).mul(d).intoArray(g, gOff + i);
        }
        if (i < n) {
            sigmoidBackwardTail(x, xOff, g, gOff, i, n, factor);
        }
    }

    static void tanh(float[] x, int off, int n, float factor) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            VectorMath.tanh(FloatVector.fromArray(S, x, off + i)).mul(factor).intoArray(x, off + i);
        }
        if (i < n) {
            tanhTail(x, off, i, n, factor);
        }
    }

    static void tanhBackward(float[] x, int xOff, float[] g, int gOff, int n, float factor) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector d = VectorMath.tanhDerivative(FloatVector.fromArray(S, x, xOff + i)).mul(factor);
            FloatVector.fromArray(S, g, gOff + i).mul(d).intoArray(g, gOff + i);
        }
        if (i < n) {
            tanhBackwardTail(x, xOff, g, gOff, i, n, factor);
        }
    }

    static void geluTanh(float[] x, int off, int n, float factor) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            VectorMath.geluTanh(FloatVector.fromArray(S, x, off + i)).mul(factor).intoArray(x, off + i);
        }
        if (i < n) {
            geluTanhTail(x, off, i, n, factor);
        }
    }

    static void geluTanhBackward(float[] x, int xOff, float[] g, int gOff, int n, float factor) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector d = VectorMath.geluTanhDerivative(FloatVector.fromArray(S, x, xOff + i)).mul(factor);
            FloatVector.fromArray(S, g, gOff + i).mul(d).intoArray(g, gOff + i);
        }
        if (i < n) {
            geluTanhBackwardTail(x, xOff, g, gOff, i, n, factor);
        }
    }

    // Each tail is a method of its own: the Vector API expands exp into so many C2 nodes that a second
    // copy in the same compilation passed NodeCountInliningCutoff and was left as a call, boxing its
    // vectors (2.3 KB per seed forward); with -XX:CompileCommand=dontinline on this class (JitFlags)
    // every method here is compiled by itself with one copy.

    /** The last {@code n - i < L} elements of {@link #silu} as one masked vector (lanes past n read and write nothing). */
    static void siluTail(float[] x, int off, int i, int n, float factor) {
        VectorMask<Float> mk = S.indexInRange(i, n);
        VectorMath.silu(FloatVector.fromArray(S, x, off + i, mk)).mul(factor).intoArray(x, off + i, mk);
    }

    /**
     * The last {@code n - i < L} columns of a LayerNorm + SiLU row ({@code VectorKernels.layerNormSilu})
     * as one masked vector: {@code silu(fma(x - mean, scale * rstd, bias))}, lane for lane the
     * operations of the full vectors and of the scalar twin (a radial MLP narrower than a vector, as
     * in the seed model at 512 bits, otherwise runs every column through the scalar exp).
     */
    static void layerNormSiluTail(float[] x, int xr, float mean, float rstd, float[] scale, int scaleOff,
                                  float[] bias, int biasOff, float[] out, int or, int i, int n) {
        VectorMask<Float> mk = S.indexInRange(i, n);
        FloatVector sc = FloatVector.fromArray(S, scale, scaleOff + i, mk).mul(rstd);
        FloatVector z = FloatVector.fromArray(S, x, xr + i, mk).sub(mean)
                .fma(sc, FloatVector.fromArray(S, bias, biasOff + i, mk));
        VectorMath.silu(z).intoArray(out, or + i, mk);
    }

    /** The last {@code n - i < L} elements of {@link #sigmoid} as one masked vector (lanes past n read and write nothing). */
    static void sigmoidTail(float[] x, int off, int i, int n, float factor) {
        VectorMask<Float> mk = S.indexInRange(i, n);
        VectorMath.sigmoid(FloatVector.fromArray(S, x, off + i, mk)).mul(factor).intoArray(x, off + i, mk);
    }

    /** The last {@code n - i < L} elements of {@link #tanh} as one masked vector (lanes past n read and write nothing). */
    static void tanhTail(float[] x, int off, int i, int n, float factor) {
        VectorMask<Float> mk = S.indexInRange(i, n);
        VectorMath.tanh(FloatVector.fromArray(S, x, off + i, mk)).mul(factor).intoArray(x, off + i, mk);
    }

    /** The last {@code n - i < L} elements of {@link #geluTanh} as one masked vector (lanes past n read and write nothing). */
    static void geluTanhTail(float[] x, int off, int i, int n, float factor) {
        VectorMask<Float> mk = S.indexInRange(i, n);
        VectorMath.geluTanh(FloatVector.fromArray(S, x, off + i, mk)).mul(factor).intoArray(x, off + i, mk);
    }

    /** The masked last vector of the backward with {@link VectorMath#siluDerivative}. */
    static void siluBackwardTail(float[] x, int xOff, float[] g, int gOff, int i, int n, float factor) {
        VectorMask<Float> mk = S.indexInRange(i, n);
        FloatVector d = VectorMath.siluDerivative(FloatVector.fromArray(S, x, xOff + i, mk)).mul(factor);
        FloatVector.fromArray(S, g, gOff + i, mk).mul(d).intoArray(g, gOff + i, mk);
    }

    /** The masked last vector of the backward with {@link VectorMath#sigmoidDerivative}. */
    static void sigmoidBackwardTail(float[] x, int xOff, float[] g, int gOff, int i, int n, float factor) {
        VectorMask<Float> mk = S.indexInRange(i, n);
        FloatVector d = VectorMath.sigmoidDerivative(FloatVector.fromArray(S, x, xOff + i, mk)).mul(factor);
        FloatVector.fromArray(S, g, gOff + i, mk).mul(d).intoArray(g, gOff + i, mk);
    }

    /** The masked last vector of the backward with {@link VectorMath#tanhDerivative}. */
    static void tanhBackwardTail(float[] x, int xOff, float[] g, int gOff, int i, int n, float factor) {
        VectorMask<Float> mk = S.indexInRange(i, n);
        FloatVector d = VectorMath.tanhDerivative(FloatVector.fromArray(S, x, xOff + i, mk)).mul(factor);
        FloatVector.fromArray(S, g, gOff + i, mk).mul(d).intoArray(g, gOff + i, mk);
    }

    /** The masked last vector of the backward with {@link VectorMath#geluTanhDerivative}. */
    static void geluTanhBackwardTail(float[] x, int xOff, float[] g, int gOff, int i, int n, float factor) {
        VectorMask<Float> mk = S.indexInRange(i, n);
        FloatVector d = VectorMath.geluTanhDerivative(FloatVector.fromArray(S, x, xOff + i, mk)).mul(factor);
        FloatVector.fromArray(S, g, gOff + i, mk).mul(d).intoArray(g, gOff + i, mk);
    }
}
