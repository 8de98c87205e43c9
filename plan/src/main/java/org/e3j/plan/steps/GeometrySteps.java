package org.e3j.plan.steps;

import org.e3j.engine.E3jException;
import org.e3j.layers.graph.MlpOp;
import org.e3j.layers.graph.ScalarOps;
import org.e3j.plan.PlanBuffers;
import org.e3j.plan.Step;
import org.e3j.plan.StepContext;

/**
 * Float32 steps of the scalar and geometry ops (docs/model-graph.md §3): species from atomic numbers,
 * one-hot, embed, relative vectors, norm, mul here; spherical harmonics in {@link HarmonicsStep},
 * radial bases and envelopes in {@link RadialSteps}, MLPs in {@link MlpStep}. Each step reads the
 * parsed attributes and weights of the node's double op (ScalarOps, MlpOp), so the two engines
 * cannot disagree about what a node means.
 */
public final class GeometrySteps {
    private GeometrySteps() {}

    /** The step for {@code c}'s op, or null if the op is not one of this family. */
    public static Step create(StepContext c) {
        return switch (c.op()) {
            case "species_from_atomic_numbers" -> new SpeciesFromZ(c, (ScalarOps.SpeciesFromZ) c.compiled());
            case "one_hot" -> new OneHot(c, (ScalarOps.OneHot) c.compiled());
            case "embed" -> new Embed(c, (ScalarOps.Embed) c.compiled());
            case "relative_vectors" -> new RelativeVectors(c, (ScalarOps.RelativeVectors) c.compiled());
            case "norm" -> new Norm(c);
            case "spherical_harmonics" -> new HarmonicsStep(c, (ScalarOps.Harmonics) c.compiled());
            case "bessel" -> new RadialSteps.Bessel(c, (ScalarOps.Bessel) c.compiled());
            case "polynomial_envelope" -> new RadialSteps.Polynomial(c, (ScalarOps.PolynomialEnvelope) c.compiled());
            case "smoothstep_envelope" -> new RadialSteps.Smoothstep(c, (ScalarOps.SmoothstepEnvelope) c.compiled());
            case "mul" -> new Mul(c, (ScalarOps.Mul) c.compiled());
            case "mlp" -> new MlpStep(c, (MlpOp) c.compiled());
            default -> null;
        };
    }

    /** Species index of each atom; an atomic number the model does not know is refused (naming atom and Z). */
    static final class SpeciesFromZ extends Step {
        private final int[] table;
        private final String known;

        SpeciesFromZ(StepContext c, ScalarOps.SpeciesFromZ op) {
            super(c);
            table = op.table();
            known = String.valueOf(op.atomicNumbers());
        }

        @Override
        public void forward(PlanBuffers b, int lo, int hi, float[] scratch) {
            int[] z = b.index[in[0]];
            int[] o = b.index[out];
            for (int a = lo; a < hi; a++) {
                int t = z[a] >= 0 && z[a] < table.length ? table[z[a]] : -1;
                if (t < 0) {
                    throw new E3jException("node \"" + node + "\": atom " + a + " has atomic number " + z[a]
                            + ", not in the model's " + known);
                }
                o[a] = t;
            }
        }

        @Override
        public boolean differentiable() {
            return false;
        }
    }

    /** Refuses an index past a table, as the double ops do (an executor-given species may be -1). */
    static E3jException indexOutOfRange(String node, int row, int index, int n) {
        return new E3jException("node \"" + node + "\": index " + index + " (row " + row + ") out of range 0.." + (n - 1));
    }

    static final class OneHot extends Step {
        OneHot(StepContext c, ScalarOps.OneHot op) {
            super(c);
            if (op.numClasses() != outDim) {
                throw new IllegalStateException(node + ": one_hot width " + outDim + " != " + op.numClasses());
            }
        }

        @Override
        public void forward(PlanBuffers b, int lo, int hi, float[] scratch) {
            int[] idx = b.index[in[0]];
            float[] o = b.value[out];
            int n = outDim;
            java.util.Arrays.fill(o, lo * n, hi * n, 0f);
            for (int a = lo; a < hi; a++) {
                if (idx[a] < 0 || idx[a] >= n) {
                    throw indexOutOfRange(node, a, idx[a], n);
                }
                o[a * n + idx[a]] = 1f;
            }
        }

        /** A constant of the positions: no reverse pass. */
        @Override
        public boolean differentiable() {
            return false;
        }
    }

    static final class Embed extends Step {
        private final float[] table;
        private final int num;

        Embed(StepContext c, ScalarOps.Embed op) {
            super(c);
            num = op.numEmbeddings();
            table = toFloat(op.table());
        }

        @Override
        public void forward(PlanBuffers b, int lo, int hi, float[] scratch) {
            int[] idx = b.index[in[0]];
            float[] o = b.value[out];
            int f = outDim;
            for (int a = lo; a < hi; a++) {
                if (idx[a] < 0 || idx[a] >= num) {
                    throw indexOutOfRange(node, a, idx[a], num);
                }
                System.arraycopy(table, idx[a] * f, o, a * f, f);
            }
        }

        /** A constant of the positions: no reverse pass. */
        @Override
        public boolean differentiable() {
            return false;
        }
    }

    /**
     * {@code sign (pos[r] - pos[s] + shifts)} per edge. The reverse pass has a node phase (atom i adds its
     * edges' gradients, receiver CSR then sender CSR, in edge order: row-local and thread-count independent)
     * and, with shifts, an edge phase into the shifts' gradient.
     */
    static final class RelativeVectors extends Step {
        private static final Domain[] NODE_THEN_EDGE = {Domain.NODE, Domain.EDGE};
        private static final Domain[] NODE_ONLY = {Domain.NODE};
        private final boolean negate;
        private final boolean withShifts;

        RelativeVectors(StepContext c, ScalarOps.RelativeVectors op) {
            super(c);
            negate = op.sign() < 0;
            withShifts = op.withShifts();
        }

        @Override
        public void forward(PlanBuffers b, int lo, int hi, float[] scratch) {
            int[] snd = b.index[in[1]];
            int[] rcv = b.index[in[2]];
            float[] o = b.value[out];
            if (in[0] == b.positionsSlot && (!withShifts || in[3] == b.shiftsSlot)) {
                // the workspace's double positions and shifts: the vector is formed in double and rounded
                // once, so atoms far from the origin keep their relative precision
                double[] p = b.positions64;
                double[] sh = withShifts ? b.shifts64 : null;
                for (int e = lo; e < hi; e++) {
                    int r = 3 * rcv[e];
                    int s = 3 * snd[e];
                    for (int c = 0; c < 3; c++) {
                        double v = p[r + c] - p[s + c];
                        if (sh != null) {
                            v += sh[3 * e + c];
                        }
                        o[3 * e + c] = (float) (negate ? -v : v);
                    }
                }
                return;
            }
            float[] p = b.value[in[0]];
            float[] sh = withShifts ? b.value[in[3]] : null;
            for (int e = lo; e < hi; e++) {
                int r = 3 * rcv[e];
                int s = 3 * snd[e];
                for (int c = 0; c < 3; c++) {
                    float v = p[r + c] - p[s + c]; // e3nn-jax: (pos[r] - pos[s]) + shifts, then negated
                    if (sh != null) {
                        v += sh[3 * e + c];
                    }
                    o[3 * e + c] = negate ? -v : v;
                }
            }
        }

        @Override
        public Domain[] backwardPhases() {
            return (withShifts ? NODE_THEN_EDGE : NODE_ONLY).clone();
        }

        @Override
        public void backward(int phase, PlanBuffers b, int lo, int hi, float[] scratch) {
            float[] g = b.grad[out];
            if (phase == 0) {
                float[] gp = b.grad[in[0]];
                if (gp == null) {
                    return;
                }
                for (int i = lo; i < hi; i++) {
                    float ax = 0f;
                    float ay = 0f;
                    float az = 0f;
                    for (int k = b.receiverStart[i]; k < b.receiverStart[i + 1]; k++) {
                        int e = 3 * b.byReceiver[k];
                        ax += g[e];
                        ay += g[e + 1];
                        az += g[e + 2];
                    }
                    for (int k = b.senderStart[i]; k < b.senderStart[i + 1]; k++) {
                        int e = 3 * b.bySender[k];
                        ax -= g[e];
                        ay -= g[e + 1];
                        az -= g[e + 2];
                    }
                    if (negate) {
                        ax = -ax;
                        ay = -ay;
                        az = -az;
                    }
                    gp[3 * i] += ax;
                    gp[3 * i + 1] += ay;
                    gp[3 * i + 2] += az;
                }
            } else {
                float[] gs = b.grad[in[3]];
                if (gs == null) {
                    return;
                }
                for (int t = 3 * lo; t < 3 * hi; t++) {
                    gs[t] += negate ? -g[t] : g[t];
                }
            }
        }
    }

    /** |r| per row; exactly 0 with zero derivative at r = 0. */
    static final class Norm extends Step {
        Norm(StepContext c) {
            super(c);
        }

        @Override
        public void forward(PlanBuffers b, int lo, int hi, float[] scratch) {
            float[] v = b.value[in[0]];
            float[] o = b.value[out];
            for (int e = lo; e < hi; e++) {
                double x = v[3 * e];
                double y = v[3 * e + 1];
                double z = v[3 * e + 2];
                o[e] = (float) Math.sqrt(x * x + y * y + z * z);
            }
        }

        @Override
        public void backward(int phase, PlanBuffers b, int lo, int hi, float[] scratch) {
            float[] gv = b.grad[in[0]];
            if (gv == null) {
                return;
            }
            float[] v = b.value[in[0]];
            float[] n = b.value[out];
            float[] g = b.grad[out];
            for (int e = lo; e < hi; e++) {
                if (n[e] > 0f) {
                    float s = g[e] / n[e];
                    gv[3 * e] += s * v[3 * e];
                    gv[3 * e + 1] += s * v[3 * e + 1];
                    gv[3 * e + 2] += s * v[3 * e + 2];
                }
            }
        }
    }

    /** Elementwise product of two scalar values; a width-1 operand broadcasts. */
    static final class Mul extends Step {
        private final int wa;
        private final int wb;

        Mul(StepContext c, ScalarOps.Mul op) {
            super(c);
            wa = op.widthA();
            wb = op.widthB();
        }

        @Override
        public void forward(PlanBuffers b, int lo, int hi, float[] scratch) {
            float[] x = b.value[in[0]];
            float[] y = b.value[in[1]];
            float[] o = b.value[out];
            int w = outDim;
            for (int r = lo; r < hi; r++) {
                for (int k = 0; k < w; k++) {
                    o[r * w + k] = x[r * wa + (wa == 1 ? 0 : k)] * y[r * wb + (wb == 1 ? 0 : k)];
                }
            }
        }

        @Override
        public void backward(int phase, PlanBuffers b, int lo, int hi, float[] scratch) {
            float[] x = b.value[in[0]];
            float[] y = b.value[in[1]];
            float[] gx = b.grad[in[0]];
            float[] gy = b.grad[in[1]];
            float[] g = b.grad[out];
            int w = outDim;
            for (int r = lo; r < hi; r++) {
                for (int k = 0; k < w; k++) {
                    int ia = r * wa + (wa == 1 ? 0 : k);
                    int ib = r * wb + (wb == 1 ? 0 : k);
                    float gg = g[r * w + k];
                    if (gx != null) {
                        gx[ia] += gg * y[ib];
                    }
                    if (gy != null) {
                        gy[ib] += gg * x[ia];
                    }
                }
            }
        }

        @Override
        public double flops(int nodes, int edges) {
            return (double) outDim * (domain == Domain.EDGE ? edges : nodes);
        }
    }

    static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int k = 0; k < d.length; k++) {
            f[k] = (float) d[k];
        }
        return f;
    }
}
