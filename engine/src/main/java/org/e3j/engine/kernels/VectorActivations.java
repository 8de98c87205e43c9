package org.e3j.engine.kernels;

import static org.e3j.engine.kernels.VectorKernels.L;
import static org.e3j.engine.kernels.VectorKernels.S;

import jdk.incubator.vector.FloatVector;

/**
 * In-place activation loops for {@link VectorKernels}: one small method per activation (no lambda,
 * no switch inside the loop), vector body from {@link VectorMath}, scalar tail from {@link FloatMath};
 * lane results equal the scalar ones bitwise.
 */
final class VectorActivations {
    private VectorActivations() {}

    static void silu(float[] x, int off, int n, float factor) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            VectorMath.silu(FloatVector.fromArray(S, x, off + i)).mul(factor).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] = factor * FloatMath.silu(x[off + i]);
        }
    }

    static void siluBackward(float[] x, int xOff, float[] g, int gOff, int n, float factor) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector d = VectorMath.siluDerivative(FloatVector.fromArray(S, x, xOff + i)).mul(factor);
            FloatVector.fromArray(S, g, gOff + i).mul(d).intoArray(g, gOff + i);
        }
        for (; i < n; i++) {
            g[gOff + i] *= factor * FloatMath.siluDerivative(x[xOff + i]);
        }
    }

    static void sigmoid(float[] x, int off, int n, float factor) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            VectorMath.sigmoid(FloatVector.fromArray(S, x, off + i)).mul(factor).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] = factor * FloatMath.sigmoid(x[off + i]);
        }
    }

    static void sigmoidBackward(float[] x, int xOff, float[] g, int gOff, int n, float factor) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector d = VectorMath.sigmoidDerivative(FloatVector.fromArray(S, x, xOff + i)).mul(factor);
            FloatVector.fromArray(S, g, gOff + i).mul(d).intoArray(g, gOff + i);
        }
        for (; i < n; i++) {
            g[gOff + i] *= factor * FloatMath.sigmoidDerivative(x[xOff + i]);
        }
    }

    static void tanh(float[] x, int off, int n, float factor) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            VectorMath.tanh(FloatVector.fromArray(S, x, off + i)).mul(factor).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] = factor * FloatMath.tanh(x[off + i]);
        }
    }

    static void tanhBackward(float[] x, int xOff, float[] g, int gOff, int n, float factor) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector d = VectorMath.tanhDerivative(FloatVector.fromArray(S, x, xOff + i)).mul(factor);
            FloatVector.fromArray(S, g, gOff + i).mul(d).intoArray(g, gOff + i);
        }
        for (; i < n; i++) {
            g[gOff + i] *= factor * FloatMath.tanhDerivative(x[xOff + i]);
        }
    }

    static void geluTanh(float[] x, int off, int n, float factor) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            VectorMath.geluTanh(FloatVector.fromArray(S, x, off + i)).mul(factor).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] = factor * FloatMath.geluTanh(x[off + i]);
        }
    }

    static void geluTanhBackward(float[] x, int xOff, float[] g, int gOff, int n, float factor) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector d = VectorMath.geluTanhDerivative(FloatVector.fromArray(S, x, xOff + i)).mul(factor);
            FloatVector.fromArray(S, g, gOff + i).mul(d).intoArray(g, gOff + i);
        }
        for (; i < n; i++) {
            g[gOff + i] *= factor * FloatMath.geluTanhDerivative(x[xOff + i]);
        }
    }
}
