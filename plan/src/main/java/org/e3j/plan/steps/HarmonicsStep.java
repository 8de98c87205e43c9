package org.e3j.plan.steps;

import org.e3j.engine.so3.ClebschGordan;
import org.e3j.engine.so3.SphericalHarmonics;
import org.e3j.layers.graph.ScalarOps;
import org.e3j.plan.PlanBuffers;
import org.e3j.plan.Step;
import org.e3j.plan.StepContext;

/**
 * {@code spherical_harmonics} in float32: the same sparse recursion as the double
 * {@link SphericalHarmonics} ({@code P^(l+1)_k = sum C[i,j,k] u_i P^l_j / ||C[1,l,:]||}, u = r/|r| with
 * normalize, |r| = 0 replaced by 1 as e3nn does), with the coefficients rounded to float. The reverse
 * pass is the exact reverse mode of that recursion (so it needs only the P values, not a Jacobian
 * table), then the chain rule through {@code u = r/|r|}: {@code g_r = (g_u - (g_u . u) u) / |r|}, skipped
 * at r = 0 exactly as the double op does. Per worker scratch: P and its gradient, 2 (lmax+1)^2 floats.
 */
final class HarmonicsStep extends Step {
    private final int lmax;
    private final int dim;
    private final boolean normalize;
    /** Per l >= 2: recursion entries (i = component of u, j = index into P^(l-1), k = into P^l). */
    private final int[][] recI;
    private final int[][] recJ;
    private final int[][] recK;
    private final float[][] recC;
    /** Per output column: the component of Y^0..Y^lmax and its normalisation factor. */
    private final int[] columns;
    private final float[] colScale;

    HarmonicsStep(StepContext c, ScalarOps.Harmonics op) {
        super(c);
        SphericalHarmonics sh = op.harmonics();
        lmax = sh.lmax();
        dim = sh.dim();
        normalize = sh.normalize();
        recI = new int[lmax + 1][];
        recJ = new int[lmax + 1][];
        recK = new int[lmax + 1][];
        recC = new float[lmax + 1][];
        for (int l = 2; l <= lmax; l++) {
            ClebschGordan cg = ClebschGordan.of(1, l - 1, l);
            double n2 = 0;
            for (int t = 0; t < cg.nnz(); t++) {
                if (cg.i(t) == 1 && cg.j(t) == l - 1) {
                    n2 += cg.value(t) * cg.value(t);
                }
            }
            double inv = 1 / Math.sqrt(n2);
            int n = cg.nnz();
            recI[l] = new int[n];
            recJ[l] = new int[n];
            recK[l] = new int[n];
            recC[l] = new float[n];
            for (int t = 0; t < n; t++) {
                recI[l][t] = cg.i(t);
                recJ[l][t] = cg.j(t);
                recK[l][t] = cg.k(t);
                recC[l][t] = (float) (cg.value(t) * inv);
            }
        }
        columns = op.columns();
        colScale = new float[columns.length];
        for (int k = 0; k < columns.length; k++) {
            int l = (int) Math.sqrt(columns[k]);
            colScale[k] = (float) switch (sh.normalization()) {
                case NORM -> 1.0;
                case COMPONENT -> Math.sqrt(2.0 * l + 1);
                case INTEGRAL -> Math.sqrt((2.0 * l + 1) / (4 * Math.PI));
            };
        }
        if (columns.length != outDim) {
            throw new IllegalStateException(node + ": " + columns.length + " columns for width " + outDim);
        }
    }

    @Override
    public int scratchFloats() {
        return 2 * dim;
    }

    @Override
    public void forward(PlanBuffers b, int lo, int hi, float[] scratch) {
        float[] v = b.value[in[0]];
        float[] o = b.value[out];
        int w = outDim;
        for (int e = lo; e < hi; e++) {
            float x = v[3 * e];
            float y = v[3 * e + 1];
            float z = v[3 * e + 2];
            if (normalize) {
                float inv = inverseNorm(x, y, z);
                x *= inv;
                y *= inv;
                z *= inv;
            }
            polynomials(x, y, z, scratch);
            for (int c = 0; c < w; c++) {
                o[e * w + c] = scratch[columns[c]] * colScale[c];
            }
        }
    }

    /** 1/|r|, with |r| = 0 replaced by 1 (e3nn-jax). */
    private static float inverseNorm(float x, float y, float z) {
        float r2 = x * x + y * y + z * z;
        return r2 == 0f ? 1f : 1f / (float) Math.sqrt(r2);
    }

    /** P^0..P^lmax of (x, y, z) into p[0..dim). */
    private void polynomials(float x, float y, float z, float[] p) {
        p[0] = 1f;
        if (lmax == 0) {
            return;
        }
        p[1] = x;
        p[2] = y;
        p[3] = z;
        for (int l = 2; l <= lmax; l++) {
            int prev = (l - 1) * (l - 1);
            int cur = l * l;
            java.util.Arrays.fill(p, cur, cur + 2 * l + 1, 0f);
            int[] ri = recI[l];
            int[] rj = recJ[l];
            int[] rk = recK[l];
            float[] rc = recC[l];
            for (int t = 0; t < rc.length; t++) {
                float u = ri[t] == 0 ? x : (ri[t] == 1 ? y : z);
                p[cur + rk[t]] += rc[t] * u * p[prev + rj[t]];
            }
        }
    }

    @Override
    public void backward(int phase, PlanBuffers b, int lo, int hi, float[] scratch) {
        float[] gv = b.grad[in[0]];
        if (gv == null || lmax == 0) {
            return;
        }
        float[] v = b.value[in[0]];
        float[] g = b.grad[out];
        int w = outDim;
        float[] p = scratch;
        int gp = dim; // gradient of P at scratch[dim..2 dim)
        for (int e = lo; e < hi; e++) {
            float x = v[3 * e];
            float y = v[3 * e + 1];
            float z = v[3 * e + 2];
            float inv = 1f;
            if (normalize) {
                inv = inverseNorm(x, y, z);
                x *= inv;
                y *= inv;
                z *= inv;
            }
            polynomials(x, y, z, p);
            java.util.Arrays.fill(scratch, gp, gp + dim, 0f);
            for (int c = 0; c < w; c++) {
                scratch[gp + columns[c]] += g[e * w + c] * colScale[c];
            }
            float gx = 0f;
            float gy = 0f;
            float gz = 0f;
            for (int l = lmax; l >= 2; l--) {
                int prev = (l - 1) * (l - 1);
                int cur = l * l;
                int[] ri = recI[l];
                int[] rj = recJ[l];
                int[] rk = recK[l];
                float[] rc = recC[l];
                for (int t = 0; t < rc.length; t++) {
                    float gk = scratch[gp + cur + rk[t]];
                    if (gk == 0f) {
                        continue;
                    }
                    float cg = rc[t] * gk;
                    int i = ri[t];
                    float u = i == 0 ? x : (i == 1 ? y : z);
                    float pu = cg * p[prev + rj[t]];
                    if (i == 0) {
                        gx += pu;
                    } else if (i == 1) {
                        gy += pu;
                    } else {
                        gz += pu;
                    }
                    scratch[gp + prev + rj[t]] += cg * u;
                }
            }
            gx += scratch[gp + 1];
            gy += scratch[gp + 2];
            gz += scratch[gp + 3];
            boolean zero = x == 0f && y == 0f && z == 0f;
            if (normalize && !zero) {
                float dot = gx * x + gy * y + gz * z;
                gx = (gx - dot * x) * inv;
                gy = (gy - dot * y) * inv;
                gz = (gz - dot * z) * inv;
            }
            gv[3 * e] += gx;
            gv[3 * e + 1] += gy;
            gv[3 * e + 2] += gz;
        }
    }
}
