package org.e3j.layers.fast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Random;
import org.e3j.engine.kernels.KernelProvider;
import org.e3j.engine.kernels.Kernels;
import org.e3j.layers.fast.FastModel.LayerPlan;
import org.e3j.layers.model.RadialBasis;
import org.e3j.layers.model.ReferenceModel;
import org.junit.jupiter.api.Test;

/**
 * The tabulated radial MLP of the bundled copper model (docs/radial-table.md): the function the
 * jets evaluate is the fast engine's MLP (an independent double implementation here), the proven
 * bounds hold for the cubic Hermite interpolant at 20 000 random distances, the float32 table
 * and its vector twin agree with it, and a model whose bound cannot be proven falls back to the MLP.
 */
class RadialTableTest {
    static final Path CU = Path.of("../models/cu-emt.safetensors");
    static final Path BENCH = Path.of("../perf/models/potential_bench.safetensors");

    /** The MLP of lp at distance d in plain double arithmetic (Dense, LayerNorm, SiLU; float weights). */
    static double[] mlp(LayerPlan lp, RadialBasis rb, double d) {
        double[] b = new double[rb.numBasis];
        rb.basis(d, b, 0);
        double env = rb.envelope(d);
        double[] x = new double[b.length];
        for (int i = 0; i < b.length; i++) {
            x[i] = b[i] * env;
        }
        for (int l = 0; l < lp.numHidden; l++) {
            int n = lp.hidden;
            double[] y = new double[n];
            for (int j = 0; j < n; j++) {
                double s = lp.denseB[l][j];
                for (int i = 0; i < x.length; i++) {
                    s += lp.denseW[l][i * n + j] * x[i];
                }
                y[j] = s;
            }
            double mean = 0;
            for (double v : y) {
                mean += v;
            }
            mean /= n;
            double var = 0;
            for (double v : y) {
                var += (v - mean) * (v - mean);
            }
            var /= n;
            double rs = 1 / Math.sqrt(var + 1e-6);
            for (int j = 0; j < n; j++) {
                double z = (y[j] - mean) * rs * lp.lnScale[l][j] + lp.lnBias[l][j];
                y[j] = z / (1 + Math.exp(-z));
            }
            x = y;
        }
        double[] out = new double[lp.rWidth];
        for (int c = 0; c < lp.rWidth; c++) {
            double s = lp.lastB[c];
            for (int i = 0; i < x.length; i++) {
                s += lp.lastW[i * lp.rWidth + c] * x[i];
            }
            out[c] = s;
        }
        return out;
    }

    @Test
    void boundsHoldOnTheBundledModel() {
        FastModel fm = FastModel.compile(ReferenceModel.load(CU), KernelProvider.scalar());
        assertTrue(fm.radialTabulated(), fm.radialTableNote);
        Random rnd = new Random(7);
        for (LayerPlan lp : fm.layers) {
            RadialTable t = lp.table;
            RadialJets jets = new RadialJets(lp, fm.radial);
            double rc = fm.radial.cutoff;
            double worstV = 0;
            double worstS = 0;
            for (int s = 0; s < 20_000; s++) {
                double d = rc * rnd.nextDouble();
                // the jets evaluate the engine's function (independent implementation above)
                double[] f = mlp(lp, fm.radial, d);
                double[][] pt = jets.outputs(d, d, 1, 0);
                double eps = 1e-7;
                double[] fp = mlp(lp, fm.radial, d + eps);
                double[] fm1 = mlp(lp, fm.radial, d - eps);
                // the cubic Hermite interpolant of the exact function, in double, on the table's grid
                double h = t.spacingAt(d);
                int sg = Math.min((int) (d * t.segScale), RadialTable.SEGMENTS - 1);
                double lo = rc * sg / RadialTable.SEGMENTS;
                int n = t.segBase[sg + 1] - t.segBase[sg];
                int i = Math.min((int) ((d - lo) / h), n - 1);
                double a = lo + (rc / RadialTable.SEGMENTS) * i / n;
                double b = i + 1 == n ? rc * (sg + 1) / RadialTable.SEGMENTS : lo + (rc / RadialTable.SEGMENTS) * (i + 1) / n;
                double[][] ka = jets.outputs(a, a, 1, 0);
                double[][] kb = jets.outputs(b, b, 1, 0);
                double u = (d - a) / h;
                for (int c = 0; c < lp.rWidth; c++) {
                    double fv = 0.5 * pt[c][0] + 0.5 * pt[c][1];
                    double fs = 0.5 * pt[c][2] + 0.5 * pt[c][3];
                    assertEquals(f[c], fv, 1e-12 * Math.max(1, Math.abs(f[c])), "R_" + c + " at " + d);
                    assertEquals((fp[c] - fm1[c]) / (2 * eps), fs, 1e-6 * Math.max(1, t.slopeScale), "R'_" + c);
                    double f0 = mid(ka[c], 0);
                    double f1 = mid(kb[c], 0);
                    double s0 = h * mid(ka[c], 1);
                    double s1 = h * mid(kb[c], 1);
                    double c2 = 3 * (f1 - f0) - 2 * s0 - s1;
                    double c3 = 2 * (f0 - f1) + s0 + s1;
                    double p = f0 + u * (s0 + u * (c2 + u * c3));
                    double dp = (s0 + u * (2 * c2 + 3 * c3 * u)) / h;
                    worstV = Math.max(worstV, Math.abs(p - fv));
                    worstS = Math.max(worstS, Math.abs(dp - fs));
                }
            }
            System.out.printf("layer table %s: worst |R - H| %.2e, |R' - H'| %.2e at 20000 random d%n", t.describe(),
                    worstV, worstS);
            // 1e-12 * scale: the double evaluation of the knots and of p itself
            assertTrue(worstV <= t.valueBound + 1e-12 * t.valueScale, worstV + " > proven " + t.valueBound);
            assertTrue(worstS <= t.slopeBound + 1e-10 * t.slopeScale, worstS + " > proven " + t.slopeBound);
            assertTrue(t.valueBound <= RadialTable.REL_TOL * t.valueScale * (1 + 1e-12));
        }
    }

    static double mid(double[] jet, int k) {
        return 0.5 * jet[2 * k] + 0.5 * jet[2 * k + 1];
    }

    @Test
    void floatTableAndVectorTwinFollowTheFunction() {
        FastModel fm = FastModel.compile(ReferenceModel.load(CU), KernelProvider.scalar());
        Kernels scalar = KernelProvider.scalar();
        Kernels vector = KernelProvider.vector().orElse(scalar);
        Random rnd = new Random(3);
        int m = 500;
        double[] dist = new double[m];
        for (int e = 0; e < m; e++) {
            dist[e] = e < 3 ? new double[] {0, fm.radial.cutoff, fm.radial.cutoff * 1.2}[e] : fm.radial.cutoff * rnd.nextDouble();
        }
        for (LayerPlan lp : fm.layers) {
            RadialTable t = lp.table;
            int w = lp.rWidth;
            float[] rs = new float[m * w];
            float[] rv = new float[m * w];
            t.eval(scalar, m, dist, null, 0, rs, 0, w);
            t.eval(vector, m, dist, null, 0, rv, 0, w);
            for (int i = 0; i < rs.length; i++) {
                assertEquals(Float.floatToIntBits(rs[i]), Float.floatToIntBits(rv[i]), "vector twin, element " + i);
            }
            float[] g = new float[m * w];
            for (int i = 0; i < g.length; i++) {
                g[i] = (float) rnd.nextGaussian();
            }
            double[] dd = new double[m];
            t.backward(vector, m, dist, 0, g, 0, w, dd);
            for (int e = 0; e < m; e++) {
                double d = Math.min(dist[e], t.cutoff);
                double[] f = mlp(lp, fm.radial, d);
                double want = 0;
                double abs = 0;
                double[] fs = new double[w];
                if (dist[e] < t.cutoff) {
                    double[] fp = mlp(lp, fm.radial, d + 1e-7);
                    double[] fm1 = mlp(lp, fm.radial, d - 1e-7);
                    for (int c = 0; c < w; c++) {
                        fs[c] = (fp[c] - fm1[c]) / 2e-7;
                    }
                }
                for (int c = 0; c < w; c++) {
                    // float32: a few units in the last place of the coefficients' scale
                    assertEquals(f[c], rs[e * w + c], t.valueBound + 8 * Math.ulp((float) t.valueScale),
                            "R_" + c + " at " + dist[e]);
                    want += g[e * w + c] * fs[c];
                    abs += Math.abs(g[e * w + c]);
                }
                assertEquals(want, dd[e], (t.slopeBound + 1e-6 * t.slopeScale) * abs, "dE/dd at " + dist[e]);
            }
        }
    }

    /**
     * The vector backward takes the live edges two at a time (two fma chains side by side): each
     * edge's dE/dd must not depend on its partner, so a batch gives, bit for bit, what each edge
     * gives alone (odd counts, edges beyond the cutoff in between).
     */
    @Test
    void theBackwardOfABatchIsThatOfEachEdgeAlone() {
        FastModel fm = FastModel.compile(ReferenceModel.load(CU), KernelProvider.scalar());
        Kernels vector = KernelProvider.vector().orElse(KernelProvider.scalar());
        Random rnd = new Random(11);
        int m = 37;
        double[] dist = new double[m];
        for (int e = 0; e < m; e++) {
            dist[e] = e % 5 == 3 ? fm.radial.cutoff * 1.1 : fm.radial.cutoff * rnd.nextDouble();
        }
        for (LayerPlan lp : fm.layers) {
            RadialTable t = lp.table;
            int w = lp.rWidth;
            float[] g = new float[m * w];
            for (int i = 0; i < g.length; i++) {
                g[i] = (float) rnd.nextGaussian();
            }
            double[] batch = new double[m];
            t.backward(vector, m, dist, 0, g, 0, w, batch);
            for (int e = 0; e < m; e++) {
                double[] alone = new double[m];
                t.backward(vector, 1, dist, e, g, e * w, w, alone);
                assertEquals(Double.doubleToRawLongBits(alone[e]), Double.doubleToRawLongBits(batch[e]), "edge " + e);
            }
        }
    }

    @Test
    void anUnprovableBoundIsRefusedAndTheMlpRuns() {
        FastModel fm = FastModel.compile(ReferenceModel.load(CU), KernelProvider.scalar(), false);
        assertFalse(fm.radialTabulated());
        assertTrue(fm.radialTableNote.contains("the MLP is evaluated per edge"), fm.radialTableNote);
        // a tolerance no grid within the size limit can prove
        RadialTable.Built b = RadialTable.build(fm.layers[0], fm.radial, 1e-30, 1e-30);
        assertTrue(b.table() == null && b.refusal().contains("16384 pieces"), String.valueOf(b.refusal()));
    }

    @Test
    void theBenchModelIsProvenToo() {
        FastModel fm = FastModel.compile(ReferenceModel.load(BENCH), KernelProvider.scalar());
        assertTrue(fm.radialTabulated(), fm.radialTableNote);
    }
}
