package org.e3j.engine.kernels;

/**
 * Float32 transcendental functions for the activations, written so that the vector kernels can
 * repeat them lane for lane with the same IEEE operations (same constants, same fma, same order):
 * scalar and vector results are bitwise equal, and neither depends on a platform math library.
 *
 * <p>exp is the Cephes {@code expf} scheme: round {@code x*log2(e)} to an integer n with the
 * 1.5*2^23 trick, reduce with a two-part ln 2, a degree-5 minimax polynomial for
 * {@code (exp(r) - 1 - r) / r^2}, and scale by {@code 2^n} in two exact steps (so n = 128 does not
 * overflow the exponent field). Measured accuracy (see docs/kernels.md and FloatMathTest):
 * exp, sigmoid, silu, tanh and gelu within a few ulp of the correctly rounded result.
 * Results below the normal range are flushed to 0 by exp (|error| < 1.2e-38).
 */
public final class FloatMath {
    private FloatMath() {}

    static final float EXP_HI = 88.72283f;      // exp(EXP_HI) ~ Float.MAX_VALUE
    static final float EXP_LO = -87.33654f;     // exp(EXP_LO) ~ Float.MIN_NORMAL
    static final float LOG2E = 1.44269504088896341f;
    static final float ROUND_MAGIC = 12582912f; // 1.5 * 2^23: adding it rounds to an integer
    static final int ROUND_MAGIC_BITS = Float.floatToRawIntBits(ROUND_MAGIC);
    static final float LN2_HI = 0.693359375f;   // 9 significant bits: n * LN2_HI is exact
    static final float LN2_LO = -2.12194440e-4f;
    static final float P0 = 1.9875691500e-4f;
    static final float P1 = 1.3981999507e-3f;
    static final float P2 = 8.3334519073e-3f;
    static final float P3 = 4.1665795894e-2f;
    static final float P4 = 1.6666665459e-1f;
    static final float P5 = 5.0000001201e-1f;

    /** Below this |x|, tanh uses its odd polynomial; above, 1 - 2/(exp(2|x|)+1). */
    static final float TANH_SMALL = 0.625f;
    static final float T0 = -5.70498872745e-3f;
    static final float T1 = 2.06390887954e-2f;
    static final float T2 = -5.37397155531e-2f;
    static final float T3 = 1.33314422036e-1f;
    static final float T4 = -3.33332819422e-1f;

    /** 2*sqrt(2/pi) and 2*sqrt(2/pi)*0.044715, the gelu-tanh argument doubled (for sigmoid). */
    static final float GELU_C1 = 1.5957691216057308f;
    static final float GELU_C2 = (float) (1.5957691216057308 * 0.044715);

    /** exp(x) in float32. +inf above 88.72283, 0 below -87.33654, NaN for NaN. */
    public static float exp(float x) {
        float xc = Math.min(Math.max(x, EXP_LO), EXP_HI);
        float t = Math.fma(xc, LOG2E, ROUND_MAGIC);
        float nf = t - ROUND_MAGIC;
        int n = Float.floatToRawIntBits(t) - ROUND_MAGIC_BITS;
        float r = Math.fma(nf, -LN2_HI, xc);
        r = Math.fma(nf, -LN2_LO, r);
        float p = Math.fma(r, P0, P1);
        p = Math.fma(p, r, P2);
        p = Math.fma(p, r, P3);
        p = Math.fma(p, r, P4);
        p = Math.fma(p, r, P5);
        float r2 = r * r;
        float y = Math.fma(p, r2, r) + 1f;
        int n1 = n >> 1;
        int n2 = n - n1;
        y = y * Float.intBitsToFloat((n1 + 127) << 23) * Float.intBitsToFloat((n2 + 127) << 23);
        if (x < EXP_LO) {
            return 0f;
        }
        if (x > EXP_HI) {
            return Float.POSITIVE_INFINITY;
        }
        return y;
    }

    /** sigmoid(x) = 1 / (1 + exp(-x)). */
    public static float sigmoid(float x) {
        return 1f / (1f + exp(-x));
    }

    /** silu(x) = x / (1 + exp(-x)). */
    public static float silu(float x) {
        return x / (1f + exp(-x));
    }

    /** tanh(x): odd polynomial for |x| < 0.625, else sign(x) (1 - 2/(exp(2|x|) + 1)). */
    public static float tanh(float x) {
        float a = Math.abs(x);
        float z = x * x;
        float p = Math.fma(z, T0, T1);
        p = Math.fma(p, z, T2);
        p = Math.fma(p, z, T3);
        p = Math.fma(p, z, T4);
        float small = Math.fma(p * z, x, x);
        float e = exp(a + a);
        float big = 1f - 2f / (e + 1f);
        big = x < 0f ? -big : big;
        return a < TANH_SMALL ? small : big;
    }

    /** gelu, tanh form: x * sigmoid(x * (c1 + c2 x^2)) with c1 = 2 sqrt(2/pi), c2 = 0.044715 c1. */
    public static float geluTanh(float x) {
        float u = x * Math.fma(GELU_C2, x * x, GELU_C1);
        return x / (1f + exp(-u));
    }

    /**
     * Derivative inputs are clamped where the derivative is 0 or 1 to float precision, so that
     * huge |x| cannot form inf * 0: silu'(x) for x < -100 is taken at -100 (|value| < 3e-37),
     * gelu'(x) at +-20 (1 and -5e-36).
     */
    static final float SILU_D_LO = 100f;
    static final float GELU_D_CLAMP = 20f;

    /** exp(-x) clamped to Float.MAX_VALUE so that e * s below never forms inf * 0. */
    static float expNegClamped(float x) {
        return Math.min(exp(-x), Float.MAX_VALUE);
    }

    /** d sigmoid / dx = s (1 - s), with 1 - s = e s formed without cancellation. */
    public static float sigmoidDerivative(float x) {
        float e = expNegClamped(x);
        float s = 1f / (1f + e);
        return s * (e * s);
    }

    /** d silu / dx = s (1 + x (1 - s)). */
    public static float siluDerivative(float x) {
        x = Math.max(x, -SILU_D_LO);
        float e = expNegClamped(x);
        float s = 1f / (1f + e);
        return s * Math.fma(x, e * s, 1f);
    }

    /**
     * d tanh / dx = sech^2 x = 4e / (1 + e)^2 with e = exp(-2|x|): no cancellation where tanh is
     * close to 1 (1 - t^2 from a rounded t would lose all relative accuracy there).
     */
    public static float tanhDerivative(float x) {
        float a = Math.abs(x);
        float e = exp(-(a + a));
        float q = 1f + e;
        return 4f * e / (q * q);
    }

    /** d/dx [x sigmoid(u)] = s + x s (1 - s) u', u = x (c1 + c2 x^2), u' = c1 + 3 c2 x^2. */
    public static float geluTanhDerivative(float x) {
        x = Math.min(Math.max(x, -GELU_D_CLAMP), GELU_D_CLAMP);
        float x2 = x * x;
        float u = x * Math.fma(GELU_C2, x2, GELU_C1);
        float du = Math.fma(3f * GELU_C2, x2, GELU_C1);
        float e = expNegClamped(u);
        float s = 1f / (1f + e);
        return Math.fma(x * du, s * (e * s), s);
    }

    /** act(x) for one value (the scalar reference of {@link Kernels#activate}). */
    public static float apply(Activation act, float x) {
        return switch (act) {
            case IDENTITY -> x;
            case SILU -> silu(x);
            case SIGMOID -> sigmoid(x);
            case TANH -> tanh(x);
            case GELU_TANH -> geluTanh(x);
        };
    }

    /** act'(x) for one value (the scalar reference of {@link Kernels#activationBackward}). */
    public static float derivative(Activation act, float x) {
        return switch (act) {
            case IDENTITY -> 1f;
            case SILU -> siluDerivative(x);
            case SIGMOID -> sigmoidDerivative(x);
            case TANH -> tanhDerivative(x);
            case GELU_TANH -> geluTanhDerivative(x);
        };
    }
}
