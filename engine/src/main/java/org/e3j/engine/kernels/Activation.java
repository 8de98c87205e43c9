package org.e3j.engine.kernels;

/**
 * Pointwise activations the fast path applies in place, each with its derivative
 * ({@link Kernels#activationBackward}). All are computed in float32 by {@link FloatMath}
 * (scalar) or its lane-for-lane vector twin, so the scalar and vector kernels agree bitwise.
 */
public enum Activation {
    /** {@code x} (kept so a plan can name "no activation" without a null). */
    IDENTITY,
    /** {@code silu(x) = x * sigmoid(x)}, computed as {@code x / (1 + exp(-x))}. */
    SILU,
    /** {@code sigmoid(x) = 1 / (1 + exp(-x))}. */
    SIGMOID,
    /** {@code tanh(x)}. */
    TANH,
    /**
     * The tanh form of gelu (jax.nn.gelu(approximate=True), e3nn-jax's gelu):
     * {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}, computed in the algebraically
     * equal, cancellation-free form {@code x * sigmoid(2 sqrt(2/pi) (x + 0.044715 x^3))}.
     */
    GELU_TANH
}
