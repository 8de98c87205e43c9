package org.e3j.plan.steps;

import org.e3j.layers.graph.ScalarOps;
import org.e3j.plan.PlanBuffers;
import org.e3j.plan.Step;
import org.e3j.plan.StepContext;

/**
 * Radial bases and cutoff envelopes: functions of one scalar (the norm) per row. Each value and
 * derivative is evaluated in double from the float input with the double op's constants (which are
 * already the package's float32 constants where the package rounds them: jax-md's prefactor, its
 * float32 smoothstep radii and f32(1e-5) threshold) and rounded once to float, so the step is within
 * an ulp of the exact function of its float input; the branch conditions compare exactly as the
 * double op does.
 */
final class RadialSteps {
    private RadialSteps() {}

    /** A function {@code f: x -> R^width} applied row by row, with its reverse pass. */
    abstract static class Radial extends Step {
        Radial(StepContext c) {
            super(c);
        }

        /** Writes f(x) into o[off .. off + outDim). */
        abstract void value(double x, float[] o, int off);

        /** {@code sum_k g[goff + k] f_k'(x)}. */
        abstract double vjp(double x, float[] g, int goff);

        @Override
        public void forward(PlanBuffers b, int lo, int hi, float[] scratch) {
            float[] x = b.value[in[0]];
            float[] o = b.value[out];
            for (int e = lo; e < hi; e++) {
                value(x[e], o, e * outDim);
            }
        }

        @Override
        public void backward(int phase, PlanBuffers b, int lo, int hi, float[] scratch) {
            float[] gx = b.grad[in[0]];
            if (gx == null) {
                return;
            }
            float[] x = b.value[in[0]];
            float[] g = b.grad[out];
            for (int e = lo; e < hi; e++) {
                gx[e] += (float) vjp(x[e], g, e * outDim);
            }
        }
    }

    /** {@code prefactor sin(f_n d / cutoff) / d}, with the op's value at (or below f32(1e-5) near) zero. */
    static final class Bessel extends Radial {
        private final double[] a;
        private final double prefactor;
        private final boolean limitAtZero;
        private final double threshold;

        Bessel(StepContext c, ScalarOps.Bessel op) {
            super(c);
            double[] f = op.frequencies();
            a = new double[f.length];
            for (int n = 0; n < f.length; n++) {
                a[n] = f[n] / op.cutoff();
            }
            prefactor = op.prefactor();
            limitAtZero = op.limitAtZero();
            threshold = limitAtZero ? 0.0 : ScalarOps.Bessel.zeroBelow();
        }

        @Override
        void value(double x, float[] o, int off) {
            if (x > threshold) {
                for (int n = 0; n < a.length; n++) {
                    o[off + n] = (float) (prefactor * Math.sin(a[n] * x) / x);
                }
            } else {
                for (int n = 0; n < a.length; n++) {
                    o[off + n] = limitAtZero ? (float) (prefactor * a[n]) : 0f;
                }
            }
        }

        @Override
        double vjp(double x, float[] g, int goff) {
            if (!(x > threshold)) {
                return 0.0;
            }
            double acc = 0;
            for (int n = 0; n < a.length; n++) {
                double ax = a[n] * x;
                acc += g[goff + n] * prefactor * (ax * Math.cos(ax) - Math.sin(ax)) / (x * x);
            }
            return acc;
        }

        @Override
        public double flops(int nodes, int edges) {
            return 20.0 * a.length * (domain == Domain.EDGE ? edges : nodes);
        }
    }

    /** NequIP's polynomial envelope of any real p ≥ 1, 0 from the cutoff on. */
    static final class Polynomial extends Radial {
        private final double cutoff;
        private final double p;
        private final double ca;
        private final double cb;
        private final double cc;

        Polynomial(StepContext c, ScalarOps.PolynomialEnvelope op) {
            super(c);
            cutoff = op.cutoff();
            p = op.p();
            ca = (p + 1) * (p + 2) / 2;
            cb = p * (p + 2);
            cc = p * (p + 1) / 2;
        }

        @Override
        void value(double d, float[] o, int off) {
            double x = d / cutoff;
            o[off] = x < 1.0 ? (float) (1.0 - ca * Math.pow(x, p) + cb * Math.pow(x, p + 1) - cc * Math.pow(x, p + 2)) : 0f;
        }

        @Override
        double vjp(double d, float[] g, int goff) {
            double x = d / cutoff;
            if (!(x < 1.0)) {
                return 0.0;
            }
            double du = (-ca * p * Math.pow(x, p - 1) + cb * (p + 1) * Math.pow(x, p) - cc * (p + 2) * Math.pow(x, p + 1))
                    / cutoff;
            return g[goff] * du;
        }
    }

    /** jax-md's smoothstep (HOOMD) envelope between r_onset and r_cutoff. */
    static final class Smoothstep extends Radial {
        private final double rc;
        private final double ro;
        private final double rc2;
        private final double threeRo2;
        private final double den;

        Smoothstep(StepContext c, ScalarOps.SmoothstepEnvelope op) {
            super(c);
            rc = op.rCutoff();
            ro = op.rOnset();
            rc2 = op.rCutoffSquared();
            threeRo2 = op.threeROnsetSquared();
            den = op.denominator();
        }

        @Override
        void value(double x, float[] o, int off) {
            double v;
            if (x < ro) {
                v = 1.0;
            } else if (x < rc) {
                double r2 = x * x;
                double a = rc2 - r2;
                v = a * a * (rc2 + 2 * r2 - threeRo2) / den;
            } else {
                v = 0.0;
            }
            o[off] = (float) v;
        }

        @Override
        double vjp(double x, float[] g, int goff) {
            if (!(x >= ro && x < rc)) {
                return 0.0;
            }
            double r2 = x * x;
            double a = rc2 - r2;
            double b = rc2 + 2 * r2 - threeRo2;
            return g[goff] * (2 * a * (-2 * x) * b + a * a * 4 * x) / den;
        }
    }
}
