package org.e3j.engine.ops;

import java.util.function.DoubleUnaryOperator;

/**
 * The scalar functions e3nn-jax's gate and the tutorial use, written in the same arithmetic order
 * as JAX so that double results match to an ulp.
 */
public enum Activation implements DoubleUnaryOperator {
    /** {@code jax.nn.gelu} with its default {@code approximate=True}: the tanh form, not erf. */
    GELU {
        @Override
        public double applyAsDouble(double x) {
            double cdf = 0.5 * (1.0 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * (x * x * x))));
            return x * cdf;
        }
    },
    /** {@code jax.nn.sigmoid} = {@code lax.logistic}: 1 / (1 + e^-x). */
    SIGMOID {
        @Override
        public double applyAsDouble(double x) {
            return 1.0 / (1.0 + Math.exp(-x));
        }
    },
    TANH {
        @Override
        public double applyAsDouble(double x) {
            return Math.tanh(x);
        }
    },
    /** {@code jax.nn.silu} = {@code flax.linen.silu}: x * sigmoid(x). */
    SILU {
        @Override
        public double applyAsDouble(double x) {
            return x * (1.0 / (1.0 + Math.exp(-x)));
        }
    },
    /** e3nn's {@code soft_odd}: (1 - e^(-x^2)) x. */
    SOFT_ODD {
        @Override
        public double applyAsDouble(double x) {
            return (1.0 - Math.exp(-(x * x))) * x;
        }
    },
    /** Identity (handy for tests). */
    IDENTITY {
        @Override
        public double applyAsDouble(double x) {
            return x;
        }
    };

    /**
     * The exact derivative {@code d phi / dx} in double (what {@code jax.grad} of the same formula
     * gives): for the gate's and the MLP's reverse pass.
     */
    public double derivative(double x) {
        return switch (this) {
            case GELU -> {
                double inner = SQRT_2_OVER_PI * (x + 0.044715 * (x * x * x));
                double t = Math.tanh(inner);
                yield 0.5 * (1.0 + t) + x * 0.5 * (1.0 - t * t) * SQRT_2_OVER_PI * (1.0 + 3 * 0.044715 * (x * x));
            }
            case SIGMOID -> {
                double s = 1.0 / (1.0 + Math.exp(-x));
                yield s * (1.0 - s);
            }
            case TANH -> {
                double t = Math.tanh(x);
                yield 1.0 - t * t;
            }
            case SILU -> {
                double s = 1.0 / (1.0 + Math.exp(-x));
                yield s + x * s * (1.0 - s);
            }
            case SOFT_ODD -> {
                double e = Math.exp(-(x * x));
                yield (1.0 - e) + 2.0 * x * x * e;
            }
            case IDENTITY -> 1.0;
        };
    }

    /** {@code np.sqrt(2 / np.pi)} in double. */
    static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
}
