package org.e3j.engine.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.e3j.engine.irreps.Irrep;
import org.e3j.engine.irreps.Irreps;
import org.e3j.engine.irreps.IrrepsArray;
import org.e3j.engine.irreps.IrrepsException;
import org.e3j.engine.ops.TensorProduct.IrrepNormalization;
import org.e3j.engine.so3.SphericalHarmonics;
import org.e3j.engine.so3.WignerD;
import org.junit.jupiter.api.Test;

/** e3nn-jax docstring/test anchors for the ops. */
class OpsTest {

    private static Irreps ir(String s) {
        return Irreps.parse(s);
    }

    private static double[] arange(int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }

    @Test
    void tensorProductDocstring() {
        IrrepsArray x = IrrepsArray.of(ir("2x0e + 1o"), arange(5));
        IrrepsArray y = IrrepsArray.of(ir("0o + 2o"), arange(6));
        IrrepsArray z = TensorProduct.tensorProduct(x, y, null, IrrepNormalization.COMPONENT);
        assertEquals("2x0o+2x1e+1x2e+2x2o+1x3e", z.irreps().toString());
        double[] expected = {0, 0, 0, 0, 0, -1.9, 16.65, 14.83, 7.35, -12.57, 0, -0.66, 4.08, 0, 0, 0, 0, 0, 1, 2, 3,
            4, 5, 9.9, 10.97, 9.27, -1.97, 12.34, 15.59, 12.73};
        assertArrayEquals(expected, z.data(), 0.006);
        assertEquals("1x0e+3x1e+3x2e+3x3e+1x4e", new TensorProduct(ir("2x1e + 2e"), ir("2e")).irrepsOut().toString());
    }

    @Test
    void crossProductAnchor() {
        // test_tensor_product: 1o (1,0,0) x 1o (0,1,0), filter 1e -> [0, 0, 1/sqrt(2)]
        IrrepsArray z = TensorProduct.tensorProduct(IrrepsArray.of("1o", 1, 0, 0), IrrepsArray.of("1o", 0, 1, 0),
                List.of(Irrep.parse("1e")), IrrepNormalization.COMPONENT);
        assertEquals("1x1e", z.irreps().toString());
        assertArrayEquals(new double[] {0, 0, 1 / Math.sqrt(2)}, z.data(), 1e-15);
    }

    @Test
    void e3nnCReadmeExample() {
        IrrepsArray sh = SphericalHarmonics.compute(ir("1x0e+1x1o+1x2e"), new double[] {1, 2, 3}, 1, true,
                SphericalHarmonics.Normalization.COMPONENT);
        IrrepsArray f = IrrepsArray.of("1x1e", 7, 8, 9);
        IrrepsArray z = TensorProduct.tensorProduct(sh, f, null, IrrepNormalization.COMPONENT);
        assertEquals("1x0o+1x1o+2x1e+1x2e+1x2o+1x3e", z.irreps().toString());
        double[] expected = {13.36, -1.96, 3.93, -1.96, 7.00, 8.00, 9.00, 2.63, 9.50, 16.36, -2.71, 0.00, 4.69, 2.71,
            -1.36, 9.82, 7.20, -0.38, 13.75, 6.55, 10.76, 13.42, 2.58, -9.40, 5.91, 11.50, 2.93};
        assertArrayEquals(expected, z.data(), 0.006);
    }

    @Test
    void tutorialIrreps() {
        Irreps sh = Irreps.s2Irreps(3);
        assertEquals("8x0e+8x1o+8x2e+8x3o", new TensorProduct(sh, ir("8x0e")).irrepsOut().toString());
        TensorProduct tp = new TensorProduct(sh, ir("8x0e+8x1o"));
        assertEquals("16x0e+24x1o+8x1e+24x2e+8x2o+16x3o+8x3e+8x4e", tp.irrepsOut().toString());
        // sub-block order inside merged 1o: Y0 x 1o, Y1 x 0e, Y2 x 1o
        int[] starts = tp.paths().stream().filter(p -> p.irOut().equals(Irrep.parse("1o")))
                .mapToInt(TensorProduct.Path::outOffset).toArray();
        assertArrayEquals(new int[] {16, 16 + 24, 16 + 48}, starts);
    }

    @Test
    void normalizationsScale() {
        IrrepsArray x = IrrepsArray.of("1o + 2e", 0.3, -0.2, 0.5, 0.1, 0.7, -0.4, 0.2, 0.9);
        IrrepsArray y = IrrepsArray.of("1o + 2o", 0.6, 0.1, -0.3, 0.4, -0.5, 0.8, 0.2, -0.1);
        IrrepsArray none = TensorProduct.tensorProduct(x, y, null, IrrepNormalization.NONE);
        IrrepsArray comp = TensorProduct.tensorProduct(x, y, null, IrrepNormalization.COMPONENT);
        TensorProduct tp = new TensorProduct(x.irreps(), y.irreps(), null, IrrepNormalization.COMPONENT);
        for (TensorProduct.Path p : tp.paths()) {
            for (int c = 0; c < p.mul1() * p.mul2() * p.irOut().dim(); c++) {
                assertEquals(none.data()[p.outOffset() + c] * Math.sqrt(p.irOut().dim()), comp.data()[p.outOffset() + c],
                        1e-14);
            }
        }
        assertThrows(IrrepsException.class, () -> IrrepNormalization.parse("foo"));
    }

    @Test
    void linearBookkeeping() {
        // Linear("2x0e + 1o + 2e") on "0e + 1o" -> 2x0e+1x1o
        assertEquals("2x0e+1x1o", new Linear(ir("0e + 1o"), ir("2x0e + 1o + 2e")).irrepsOut().toString());
        // tensor_product docstring: param tree {'w[1,0] 2x1e,3x1e'}
        Irreps tpOut = new TensorProduct(ir("2x0e + 1o"), ir("0o + 2o")).irrepsOut();
        Linear lin = new Linear(tpOut, ir("3x1e"));
        assertEquals(List.of("w[1,0] 2x1e,3x1e"), lin.parameterSpecs().stream().map(Linear.ParamSpec::name).toList());
        // tutorial layer 0
        Linear l0 = new Linear(ir("8x0e+8x1o+8x2e+8x3o"), ir("8x0e+8x1o+8x2e+8x3o+32x0e"));
        assertEquals(List.of("w[0,0] 8x0e,8x0e", "w[0,4] 8x0e,32x0e", "w[1,1] 8x1o,8x1o", "w[2,2] 8x2e,8x2e",
                "w[3,3] 8x3o,8x3o"), l0.parameterSpecs().stream().map(Linear.ParamSpec::name).toList());
        Linear l1 = new Linear(ir("8x0e+8x0e+8x1o+8x2e+8x3o+8x0e"), ir("8x0e+8x1o+1e"));
        assertEquals("8x0e+8x1o", l1.irrepsOut().toString());
        assertEquals(List.of("w[0,0] 24x0e,8x0e", "w[1,1] 8x1o,8x1o"),
                l1.parameterSpecs().stream().map(Linear.ParamSpec::name).toList());
        assertEquals(Math.sqrt(1.0 / 24), l1.instructions().get(0).pathWeight(), 0); // sqrt(alpha), alpha = 1/fan_in
        // adjacent duplicates merge
        assertEquals(List.of("w[0,0] 8x0e,24x0e"),
                new Linear(ir("8x0e"), ir("8x0e+16x0e")).parameterSpecs().stream().map(Linear.ParamSpec::name).toList());
    }

    @Test
    void linearNumbersAndValidation() {
        // e3nn.c style check: y = W^T x / sqrt(fan_in) on a 2x1e block
        Linear lin = new Linear(ir("2x1e"), ir("2x1e"));
        Map<String, double[]> w = Map.of("w[0,0] 2x1e,2x1e", new double[] {3, 4, 5, 6});
        IrrepsArray y = lin.apply(w, IrrepsArray.of("2x1e", 1, 2, 3, 4, 5, 6));
        double s = 1 / Math.sqrt(2);
        assertArrayEquals(new double[] {(3 * 1 + 5 * 4) * s, (3 * 2 + 5 * 5) * s, (3 * 3 + 5 * 6) * s,
            (4 * 1 + 6 * 4) * s, (4 * 2 + 6 * 5) * s, (4 * 3 + 6 * 6) * s}, y.data(), 1e-14);
        Map<String, int[]> bad = new LinkedHashMap<>();
        bad.put("w[0,0] 2x1e,2x1e", new int[] {2, 3});
        bad.put("w[9,9] nope", new int[] {1});
        IrrepsException e = assertThrows(IrrepsException.class, () -> lin.validate(bad));
        assertTrue(e.getMessage().contains("(2, 3)") && e.getMessage().contains("unexpected \"w[9,9] nope\""),
                e.getMessage());
        IrrepsException m = assertThrows(IrrepsException.class, () -> lin.validate(Map.of()));
        assertTrue(m.getMessage().contains("missing \"w[0,0] 2x1e,2x1e\" (2, 2)"), m.getMessage());
    }

    @Test
    void gateIrreps() {
        assertEquals("12x0e+2x1e+1x2e", new Gate(ir("15x0e + 2x1e + 1x2e")).irrepsOut().toString());
        assertEquals("12x0e+2x1o+1x2o", new Gate(ir("12x0e + 3x0o + 2x1e + 1x2e")).irrepsOut().toString());
        assertEquals("12x0e+3x0o", new Gate(ir("12x0e + 3x0o")).irrepsOut().toString());
        Gate g0 = new Gate(ir("8x0e+8x1o+8x2e+8x3o+32x0e"));
        assertEquals("8x0e+8x0e", g0.extra().toString());
        assertEquals("24x0e", g0.gates().toString());
        assertEquals("8x0e+8x0e+8x1o+8x2e+8x3o", g0.irrepsOut().toString());
        Gate g1 = new Gate(ir("16x0e+24x1o+8x1e+24x2e+8x2o+16x3o+8x3e+8x4e+112x0e"));
        assertEquals("16x0e+16x0e+24x1o+8x1e+24x2e+8x2o+16x3o+8x3e+8x4e", g1.irrepsOut().toString());
        // mixed-parity gates split the vectors
        assertEquals("1x0e+1x1e+2x1o", new Gate(ir("1x0e + 3x1e + 1x0e + 2x0o")).irrepsOut().toString());
        assertThrows(IrrepsException.class, () -> new Gate(ir("1x0e + 2x1o")));
        assertThrows(IrrepsException.class, () -> new Gate(ir("2x0o + 1x1o"), Gate.ScalarAct.raw(Activation.GELU),
                Gate.ScalarAct.raw(Activation.GELU), Gate.ScalarAct.raw(Activation.SIGMOID),
                Gate.ScalarAct.raw(Activation.GELU)));
    }

    @Test
    void gateValues() {
        Gate g = new Gate(ir("1x0e + 1x1o + 1x0e"));
        IrrepsArray out = g.apply(IrrepsArray.of("1x0e + 1x1o + 1x0e", 0.5, 1, 2, 3, -0.7));
        double cg = Activations.normalizeConstant(Activation.GELU);
        double cs = Activations.normalizeConstant(Activation.SIGMOID);
        double gate = 1 / (1 + Math.exp(0.7)) / cs;
        assertArrayEquals(new double[] {Activation.GELU.applyAsDouble(0.5) / cg, gate, 2 * gate, 3 * gate}, out.data(),
                1e-15);
        assertEquals("1x0e+1x1o", out.irreps().toString());
    }

    @Test
    void normalizeConstants() {
        // scalar_activation docstring: cos(0)/c = 1.3272501
        double c = Activations.normalizeConstant(Math::cos);
        assertEquals(1.3272501, 1 / c, 1e-7);
        // grid f64 values (conventions §7.1)
        assertEquals(0.65205909851265342, Activations.normalizeConstant(Activation.GELU), 1e-12);
        assertEquals(0.54164456541621075, Activations.normalizeConstant(Activation.SIGMOID), 1e-12);
        assertEquals(0.62792824816385007, Activations.normalizeConstant(Activation.TANH), 1e-12);
        assertEquals(0.59645868542330449, Activations.normalizeConstant(Activation.SILU), 1e-12);
        assertEquals(0.83935517371045321, Activations.normalizeConstant(Activation.SOFT_ODD), 1e-12);
        // the grid under-weights the tails: even the identity gets c = 0.99998743, outside allclose(c, 1)
        assertEquals(0.99998743, Activations.normalizeConstant(Activation.IDENTITY), 1e-8);
        assertEquals(1.0, Activations.normalizeConstant(x -> 1.0), 0);
        // normalspace(5) docstring (float32 there)
        assertArrayEquals(new double[] {-0.96742135, -0.4307273, 0, 0.43072742, 0.96742165},
                Activations.normalspace(5), 3e-7);
        assertEquals(-1, Activations.parity(Activation.TANH));
        assertEquals(-1, Activations.parity(Activation.SOFT_ODD));
        assertEquals(0, Activations.parity(Activation.GELU));
        assertEquals(1, Activations.parity(Math::cos));
    }

    @Test
    void erfinvAccuracy() {
        for (double x : new double[] {1e-12, 1e-5, 0.1, 0.5, 0.84, 0.86, 0.9, 0.999, 0.999999, 1 - 1e-12}) {
            // erf(erfinv(x)) by a high-accuracy series/continued fraction is not available; check
            // symmetric identity and a few reference values from mpmath instead.
            assertEquals(-Activations.erfinv(x), Activations.erfinv(-x), 0);
        }
        assertEquals(0.4769362762044699, Activations.erfinv(0.5), 1e-15);
        assertEquals(1.1630871536766743, Activations.erfinv(0.9), 2e-15);
        assertEquals(2.326753765513525, Activations.erfinv(0.999), 4e-15);
        assertEquals(8.862269254527580e-13, Activations.erfinv(1e-12), 1e-27);
    }

    @Test
    void scatter() {
        // test_scatter_mean: nel=[1,0,3] on [10,1,2,3] -> [10, 0, 2]
        IrrepsArray d = new IrrepsArray(ir("0e"), 4, new double[] {10, 1, 2, 3});
        assertArrayEquals(new double[] {10, 0, 2}, Scatter.meanNel(d, new int[] {1, 0, 3}).data(), 0);
        assertArrayEquals(new double[] {10, 0, 6}, Scatter.sumNel(d, new int[] {1, 0, 3}).data(), 0);
        assertArrayEquals(new double[] {5.5, 0, 2.5}, Scatter.mean(d, new int[] {0, 0, 2, 2}, 3).data(), 0);
        assertArrayEquals(new double[] {11, 0, 5}, Scatter.sum(d, new int[] {0, 0, 2, 2}, 3).data(), 0);
        assertThrows(IrrepsException.class, () -> Scatter.sum(d, new int[] {0, 0, 3, 2}, 3));
        assertThrows(IrrepsException.class, () -> Scatter.sum(d, new int[] {0, 0, 2}, 3));
    }

    @Test
    void elementwiseScale() {
        IrrepsArray f = IrrepsArray.of("2x0e + 1x1o", 1, 2, 3, 4, 5);
        IrrepsArray out = ElementwiseScale.apply(new double[] {10, 100, -1}, f);
        assertArrayEquals(new double[] {10, 200, -3, -4, -5}, out.data(), 0);
        IrrepsException e = assertThrows(IrrepsException.class, () -> ElementwiseScale.apply(new double[2], f));
        assertTrue(e.getMessage().contains("[1, 3]"), e.getMessage());
    }

    @Test
    void mismatchedShapes() {
        IrrepsException e = assertThrows(IrrepsException.class, () -> TensorProduct.tensorProduct(
                IrrepsArray.zeros(ir("0e"), 2), IrrepsArray.zeros(ir("1o"), 3), null, IrrepNormalization.COMPONENT));
        assertTrue(e.getMessage().contains("[2, 1]") && e.getMessage().contains("[3, 3]"), e.getMessage());
        // a one-row operand broadcasts
        assertEquals(3, TensorProduct.tensorProduct(IrrepsArray.zeros(ir("0e"), 1), IrrepsArray.zeros(ir("1o"), 3),
                null, IrrepNormalization.COMPONENT).rows());
    }

    // ------------------------------------------------------------------ equivariance

    private static double[] randn(Random rng, int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = rng.nextGaussian();
        }
        return a;
    }

    private static IrrepsArray act(IrrepsArray x, double[] rot, int k) {
        double[] out = new double[x.data().length];
        WignerD.apply(x.irreps(), rot, k, x.data(), out, x.rows());
        return new IrrepsArray(x.irreps(), x.rows(), out);
    }

    private static double maxDiff(IrrepsArray a, IrrepsArray b) {
        assertEquals(a.irreps(), b.irreps());
        double m = 0;
        for (int i = 0; i < a.data().length; i++) {
            m = Math.max(m, Math.abs(a.data()[i] - b.data()[i]));
        }
        return m;
    }

    @Test
    void equivarianceOfEveryOp() {
        Random rng = new Random(42);
        double worst = 0;
        int rows = 3;
        for (int trial = 0; trial < 3; trial++) {
            double[] rot = WignerD.randomRotation(rng);
            for (int k = 0; k <= 1; k++) {
                // tensor product, three normalisations and a filter
                Irreps i1 = ir("2x0e + 1o + 1x2e + 0o + 3o");
                Irreps i2 = ir("1o + 2x1e + 0e + 2o + 4e");
                IrrepsArray x1 = new IrrepsArray(i1, rows, randn(rng, rows * i1.dim()));
                IrrepsArray x2 = new IrrepsArray(i2, rows, randn(rng, rows * i2.dim()));
                for (IrrepNormalization n : IrrepNormalization.values()) {
                    for (List<Irrep> filter : java.util.Arrays.asList(null, List.of(Irrep.parse("1o"),
                            Irrep.parse("3e")))) {
                        TensorProduct tp = new TensorProduct(i1, i2, filter, n);
                        worst = Math.max(worst, maxDiff(tp.apply(act(x1, rot, k), act(x2, rot, k)),
                                act(tp.apply(x1, x2), rot, k)));
                    }
                }
                // linear with repeated input irreps
                Irreps li = ir("3x0e + 2x1o + 1x0e + 2x2e + 1x1o");
                Linear lin = new Linear(li, ir("4x1o + 2x0e + 3x2e + 1x3o + 5x0e"));
                Map<String, double[]> w = new HashMap<>();
                for (Linear.ParamSpec s : lin.parameterSpecs()) {
                    w.put(s.name(), randn(rng, s.size()));
                }
                IrrepsArray xl = new IrrepsArray(li, rows, randn(rng, rows * li.dim()));
                worst = Math.max(worst, maxDiff(lin.apply(w, act(xl, rot, k)), act(lin.apply(w, xl), rot, k)));
                // gate (with odd gates and odd extra scalars)
                Irreps gi = ir("4x0e + 2x0o + 2x1o + 1x2e + 1x0o + 2x0e");
                Gate g = new Gate(gi);
                IrrepsArray xg = new IrrepsArray(gi, rows, randn(rng, rows * gi.dim()));
                worst = Math.max(worst, maxDiff(g.apply(act(xg, rot, k)), act(g.apply(xg), rot, k)));
                // elementwise scale (invariant scalars), scatter
                IrrepsArray xs = new IrrepsArray(i2, rows, randn(rng, rows * i2.dim()));
                double[] s = randn(rng, rows * i2.numIrreps());
                worst = Math.max(worst, maxDiff(ElementwiseScale.apply(s, act(xs, rot, k)),
                        act(ElementwiseScale.apply(s, xs), rot, k)));
                int[] dst = {1, 0, 1};
                worst = Math.max(worst, maxDiff(Scatter.mean(act(xs, rot, k), dst, 3),
                        act(Scatter.mean(xs, dst, 3), rot, k)));
                // spherical harmonics -> TP chain, as in the tutorial
                double[] v = randn(rng, 3 * rows);
                double[] rv = new double[v.length];
                for (int e = 0; e < rows; e++) {
                    for (int a = 0; a < 3; a++) {
                        double t = 0;
                        for (int b = 0; b < 3; b++) {
                            t += rot[3 * a + b] * v[3 * e + b];
                        }
                        rv[3 * e + a] = (k == 1 ? -1 : 1) * t;
                    }
                }
                Irreps shIr = Irreps.s2Irreps(3);
                IrrepsArray y = SphericalHarmonics.compute(shIr, v, rows, true, SphericalHarmonics.Normalization.NORM);
                IrrepsArray ry = SphericalHarmonics.compute(shIr, rv, rows, true, SphericalHarmonics.Normalization.NORM);
                worst = Math.max(worst, maxDiff(ry, act(y, rot, k)));
            }
        }
        System.out.println("ops equivariance (rotation x inversion), worst error: " + worst);
        assertTrue(worst <= 1e-10, "equivariance error " + worst);
    }
}
