package org.e3j.plan.steps;

import org.e3j.engine.irreps.MulIrrep;
import org.e3j.layers.graph.Rearrange;
import org.e3j.layers.graph.ValueType;
import org.e3j.plan.PlanBuffers;
import org.e3j.plan.Step;
import org.e3j.plan.StepContext;

/** {@code simplify} (a column gather) and {@code scale_irreps} (each irrep copy times its scalar) in float32. */
final class RearrangeSteps {
    private RearrangeSteps() {}

    /** {@code simplify}: zero chunks dropped, adjacent equal irreps merged; numbers do not move within a chunk. */
    static final class Simplify extends Step {
        private final int[] columns;

        Simplify(StepContext c) {
            super(c);
            columns = Rearrange.of(c.inTypes().get(0), "simplify").columns().clone();
        }

        @Override
        public void forward(PlanBuffers b, int lo, int hi, float[] s) {
            float[] x = b.value[in[0]];
            float[] o = b.value[out];
            for (int r = lo; r < hi; r++) {
                for (int k = 0; k < outDim; k++) {
                    o[r * outDim + k] = x[r * inDim[0] + columns[k]];
                }
            }
        }

        @Override
        public void backward(int phase, PlanBuffers b, int lo, int hi, float[] s) {
            float[] gx = b.grad[in[0]];
            if (gx == null) {
                return;
            }
            float[] g = b.grad[out];
            for (int r = lo; r < hi; r++) {
                for (int k = 0; k < outDim; k++) {
                    gx[r * inDim[0] + columns[k]] += g[r * outDim + k];
                }
            }
        }
    }

    /** {@code scale_irreps}: irrep copy k of x (2l+1 numbers) times scalar k of s. */
    static final class ScaleIrreps extends Step {
        /** Per irrep copy: its first column and width. */
        private final int[] copyCol;
        private final int[] copyDim;

        ScaleIrreps(StepContext c) {
            super(c);
            ValueType x = c.inTypes().get(0);
            int n = x.irreps().numIrreps();
            copyCol = new int[n];
            copyDim = new int[n];
            int k = 0;
            int col = 0;
            for (MulIrrep m : x.irreps()) {
                for (int u = 0; u < m.mul(); u++, k++) {
                    copyCol[k] = col;
                    copyDim[k] = m.ir().dim();
                    col += m.ir().dim();
                }
            }
        }

        @Override
        public void forward(PlanBuffers b, int lo, int hi, float[] s) {
            float[] x = b.value[in[0]];
            float[] sc = b.value[in[1]];
            float[] o = b.value[out];
            int n = copyCol.length;
            for (int r = lo; r < hi; r++) {
                for (int k = 0; k < n; k++) {
                    float f = sc[r * n + k];
                    int c0 = r * outDim + copyCol[k];
                    for (int t = 0; t < copyDim[k]; t++) {
                        o[c0 + t] = x[c0 + t] * f;
                    }
                }
            }
        }

        @Override
        public void backward(int phase, PlanBuffers b, int lo, int hi, float[] s) {
            float[] x = b.value[in[0]];
            float[] sc = b.value[in[1]];
            float[] g = b.grad[out];
            float[] gx = b.grad[in[0]];
            float[] gs = b.grad[in[1]];
            int n = copyCol.length;
            for (int r = lo; r < hi; r++) {
                for (int k = 0; k < n; k++) {
                    float f = sc[r * n + k];
                    int c0 = r * outDim + copyCol[k];
                    float dot = 0f;
                    for (int t = 0; t < copyDim[k]; t++) {
                        float gg = g[c0 + t];
                        if (gx != null) {
                            gx[c0 + t] += gg * f;
                        }
                        dot = Math.fma(gg, x[c0 + t], dot);
                    }
                    if (gs != null) {
                        gs[r * n + k] += dot;
                    }
                }
            }
        }
    }
}
