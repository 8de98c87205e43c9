package org.e3j.engine.ops;

import static org.e3j.engine.ops.MiniJson.doubles;
import static org.e3j.engine.ops.MiniJson.ints;
import static org.e3j.engine.ops.MiniJson.list;
import static org.e3j.engine.ops.MiniJson.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.e3j.engine.irreps.Irrep;
import org.e3j.engine.irreps.Irreps;
import org.e3j.engine.irreps.IrrepsArray;
import org.e3j.engine.ops.TensorProduct.IrrepNormalization;
import org.e3j.engine.so3.ClebschGordan;
import org.e3j.engine.so3.SphericalHarmonics;
import org.e3j.engine.so3.SphericalHarmonics.Normalization;
import org.junit.jupiter.api.Test;

/**
 * Parity with the real e3nn-jax 0.21.0 (float64 via jax x64), fixtures written by
 * {@code python -m e3j_jax.op_fixtures}. Each test prints its worst error.
 */
class E3nnJaxParityTest {

    private static double worst(double[] expected, double[] actual, double scaleFloor) {
        assertEquals(expected.length, actual.length, "length");
        double w = 0;
        for (int i = 0; i < expected.length; i++) {
            w = Math.max(w, Math.abs(expected[i] - actual[i]) / Math.max(scaleFloor, Math.abs(expected[i])));
        }
        return w;
    }

    @Test
    void sphericalHarmonics() {
        Map<String, Object> f = MiniJson.resource("/ops/sh.json");
        Irreps irreps = Irreps.parse((String) f.get("irreps"));
        double[] vec = doubles(f.get("vectors"));
        int n = vec.length / 3;
        double w = 0;
        for (Object o : list(f.get("cases"))) {
            Map<String, Object> c = obj(o);
            boolean normalize = (Boolean) c.get("normalize");
            IrrepsArray y = SphericalHarmonics.compute(irreps, vec, n, normalize,
                    Normalization.parse((String) c.get("normalization")));
            // relative error with floor 1 (|Y| <= sqrt(2l+1) for unit input; raw vectors scale as |r|^l)
            double e = worst(doubles(c.get("values")), y.data(), 1.0);
            System.out.printf("SH %s normalize=%s %s: worst rel error %.3g%n", c.get("normalization"), normalize,
                    c.get("algorithm"), e);
            w = Math.max(w, e);
        }
        assertTrue(w < 1e-12, "SH parity " + w);

        double[] jv = doubles(f.get("jacobian_vectors"));
        int m = jv.length / 3;
        double wj = 0;
        for (Object o : list(f.get("jacobians"))) {
            Map<String, Object> c = obj(o);
            SphericalHarmonics sh = new SphericalHarmonics(11, Normalization.parse((String) c.get("normalization")),
                    (Boolean) c.get("normalize"));
            double[] jac = new double[m * 3 * sh.dim()];
            double[] y = new double[sh.dim()];
            for (int e = 0; e < m; e++) {
                sh.computeWithJacobian(jv[3 * e], jv[3 * e + 1], jv[3 * e + 2], y, 0, jac, e * 3 * sh.dim());
            }
            double e = worst(doubles(c.get("values")), jac, 1.0);
            System.out.printf("SH jacobian %s normalize=%s: worst rel error %.3g%n", c.get("normalization"),
                    c.get("normalize"), e);
            wj = Math.max(wj, e);
        }
        assertTrue(wj < 1e-11, "SH jacobian parity " + wj);
    }

    @Test
    void clebschGordan() {
        Map<String, Object> f = MiniJson.resource("/ops/cg.json");
        double w = 0;
        int count = 0;
        for (Object o : list(f.get("tables"))) {
            Map<String, Object> t = obj(o);
            int[] l = ints(t.get("l"));
            double[] expected = doubles(t.get("values"));
            double[] got = ClebschGordan.of(l[0], l[1], l[2]).dense();
            for (int i = 0; i < expected.length; i++) {
                w = Math.max(w, Math.abs(expected[i] - got[i]));
            }
            count++;
        }
        System.out.printf("CG: %d tables (l <= 4), worst abs error %.3g%n", count, w);
        assertTrue(count > 50);
        assertTrue(w < 1e-14, "CG parity " + w);
    }

    @Test
    void tensorProduct() {
        Map<String, Object> f = MiniJson.resource("/ops/tp.json");
        double w = 0;
        for (Object o : list(f.get("cases"))) {
            Map<String, Object> c = obj(o);
            int rows = ((Number) c.get("rows")).intValue();
            IrrepsArray x1 = new IrrepsArray(Irreps.parse((String) c.get("irreps1")), rows, doubles(c.get("x1")));
            IrrepsArray x2 = new IrrepsArray(Irreps.parse((String) c.get("irreps2")), rows, doubles(c.get("x2")));
            List<Irrep> filter = null;
            if (c.get("filter_ir_out") != null) {
                filter = new ArrayList<>(Irreps.parse((String) c.get("filter_ir_out")).irrepSet());
            }
            IrrepsArray z = TensorProduct.tensorProduct(x1, x2, filter,
                    IrrepNormalization.parse((String) c.get("irrep_normalization")));
            assertEquals(c.get("irreps_out"), z.irreps().toString());
            double e = worst(doubles(c.get("out")), z.data(), 1.0);
            System.out.printf("TP %s x %s (%s, filter %s): worst error %.3g%n", x1.irreps(), x2.irreps(),
                    c.get("irrep_normalization"), c.get("filter_ir_out"), e);
            w = Math.max(w, e);
        }
        assertTrue(w < 1e-12, "TP parity " + w);
    }

    @Test
    void linear() {
        Map<String, Object> f = MiniJson.resource("/ops/linear.json");
        double w = 0;
        for (Object o : list(f.get("cases"))) {
            Map<String, Object> c = obj(o);
            int rows = ((Number) c.get("rows")).intValue();
            Irreps in = Irreps.parse((String) c.get("irreps_in"));
            Linear lin = new Linear(in, Irreps.parse((String) c.get("irreps_out")), 0.0, 1.0, (Boolean) c.get("biases"),
                    false);
            Map<String, double[]> weights = new LinkedHashMap<>();
            List<String> names = new ArrayList<>();
            for (Map.Entry<String, Object> e : obj(c.get("weights")).entrySet()) {
                weights.put(e.getKey(), doubles(obj(e.getValue()).get("values")));
                names.add(e.getKey());
                assertEquals(java.util.Arrays.toString(ints(obj(e.getValue()).get("shape"))),
                        java.util.Arrays.toString(lin.parameterSpecs().stream().filter(s -> s.name().equals(e.getKey()))
                                .findFirst().orElseThrow(() -> new AssertionError("unknown param " + e.getKey())).shape()));
            }
            // names and Flax insertion order
            assertEquals(names, lin.parameterSpecs().stream().map(Linear.ParamSpec::name).toList());
            IrrepsArray y = lin.apply(weights, new IrrepsArray(in, rows, doubles(c.get("x"))));
            assertEquals(c.get("irreps_result"), y.irreps().toString());
            double e = worst(doubles(c.get("out")), y.data(), 1.0);
            System.out.printf("Linear %s -> %s: params %s, worst error %.3g%n", in, y.irreps(), names, e);
            w = Math.max(w, e);
        }
        assertTrue(w < 1e-12, "Linear parity " + w);
    }

    @Test
    void gateScatterConcatenate() {
        Map<String, Object> f = MiniJson.resource("/ops/gate.json");
        double w = 0;
        for (Object o : list(f.get("cases"))) {
            Map<String, Object> c = obj(o);
            int rows = ((Number) c.get("rows")).intValue();
            Irreps in = Irreps.parse((String) c.get("irreps"));
            IrrepsArray y = new Gate(in).apply(new IrrepsArray(in, rows, doubles(c.get("x"))));
            assertEquals(c.get("irreps_out"), y.irreps().toString());
            double e = worst(doubles(c.get("out")), y.data(), 1.0);
            System.out.printf("gate %s -> %s: worst error %.3g%n", in, y.irreps(), e);
            w = Math.max(w, e);
        }
        assertTrue(w < 1e-12, "gate parity " + w);

        Map<String, Object> s = obj(f.get("scatter"));
        Irreps ir = Irreps.parse((String) s.get("irreps"));
        double[] data = doubles(s.get("data"));
        IrrepsArray d = new IrrepsArray(ir, data.length / ir.dim(), data);
        int[] dst = ints(s.get("dst"));
        int size = ((Number) s.get("output_size")).intValue();
        int[] nel = ints(s.get("nel"));
        double ws = 0;
        ws = Math.max(ws, worst(doubles(s.get("sum_dst")), Scatter.sum(d, dst, size).data(), 1.0));
        ws = Math.max(ws, worst(doubles(s.get("mean_dst")), Scatter.mean(d, dst, size).data(), 1.0));
        ws = Math.max(ws, worst(doubles(s.get("sum_nel")), Scatter.sumNel(d, nel).data(), 1.0));
        ws = Math.max(ws, worst(doubles(s.get("mean_nel")), Scatter.meanNel(d, nel).data(), 1.0));
        System.out.printf("scatter: worst error %.3g%n", ws);
        assertTrue(ws < 1e-14, "scatter parity " + ws);

        Map<String, Object> cc = obj(f.get("concatenate"));
        IrrepsArray a = new IrrepsArray(Irreps.parse("0e + 1e"), 2, doubles(cc.get("a")));
        IrrepsArray b = new IrrepsArray(Irreps.parse("0e"), 2, doubles(cc.get("b")));
        IrrepsArray z = IrrepsArray.concatenate(a, b, a);
        assertEquals(cc.get("irreps_out"), z.irreps().toString());
        assertEquals(0.0, worst(doubles(cc.get("out")), z.data(), 1.0));
    }

    @Test
    void normalizationConstants() {
        Map<String, Object> f = MiniJson.resource("/ops/constants.json");
        Map<String, Activation> acts = Map.of("gelu", Activation.GELU, "sigmoid", Activation.SIGMOID, "tanh",
                Activation.TANH, "silu", Activation.SILU, "soft_odd", Activation.SOFT_ODD);
        double w64 = 0;
        double w32 = 0;
        for (Map.Entry<String, Activation> e : acts.entrySet()) {
            double mine = Activations.normalizeConstant(e.getValue());
            double c64 = ((Number) obj(obj(f.get("float64")).get(e.getKey())).get("c")).doubleValue();
            double c32 = ((Number) obj(obj(f.get("float32")).get(e.getKey())).get("c")).doubleValue();
            w64 = Math.max(w64, Math.abs(mine - c64) / c64);
            w32 = Math.max(w32, Math.abs(mine - c32) / c32);
        }
        System.out.printf("normalize constants: worst rel error vs float64 grid %.3g, vs float32 grid %.3g%n", w64, w32);
        assertTrue(w64 < 1e-12, "constants vs float64 " + w64);
        // the float32 constants are what a float32 model uses: the Gate must be given them, not ours
        assertTrue(w32 < 1e-5, "constants vs float32 " + w32);
    }
}
