package org.e3j.engine.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.e3j.engine.irreps.Irreps;
import org.e3j.engine.irreps.IrrepsArray;
import org.e3j.engine.ops.TensorProduct.IrrepNormalization;
import org.junit.jupiter.api.Test;

/**
 * The ops' reverse passes ({@code vjp}) against central finite differences in double: for a random
 * upstream gradient g, {@code d/dx_i <g, f(x)>} by (f(x + h e_i) - f(x - h e_i)) / 2h.
 */
class VjpTest {
    static final double H = 1e-5;
    static final double TOL = 1e-8;

    private static double[] random(Random rnd, int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = rnd.nextGaussian();
        }
        return a;
    }

    private static double dot(double[] a, double[] b) {
        assertEquals(a.length, b.length);
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** Asserts that {@code analytic = g^T J_f(x)} by central differences; returns the worst relative error. */
    static double checkFd(String what, Function<double[], double[]> f, double[] x, double[] g, double[] analytic) {
        assertEquals(x.length, analytic.length, what + ": gradient size");
        double scale = 1;
        for (double v : analytic) {
            scale = Math.max(scale, Math.abs(v));
        }
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            double[] xp = x.clone();
            double[] xm = x.clone();
            xp[i] += H;
            xm[i] -= H;
            double fd = (dot(g, f.apply(xp)) - dot(g, f.apply(xm))) / (2 * H);
            double err = Math.abs(fd - analytic[i]) / scale;
            worst = Math.max(worst, err);
            final int k = i;
            assertTrue(err <= TOL, () -> what + ": component " + k + " analytic " + analytic[k] + " vs fd " + fd);
        }
        System.out.printf("vjp %-44s %4d inputs  worst rel. error %.1e%n", what, x.length, worst);
        return worst;
    }

    @Test
    void tensorProductBothArguments() {
        Random rnd = new Random(11);
        String[][] cases = {{"1x0e+1x1o+1x2e", "3x0e+2x1o+1x2e+1x1e+2x0e"}, {"2x1o+1x0e", "1x1e+1x0o"},
            {"1x0e+1x1o+1x2e+1x3o", "2x0e+1x1o"}};
        for (IrrepNormalization norm : IrrepNormalization.values()) {
            for (String[] c : cases) {
                Irreps i1 = Irreps.parse(c[0]);
                Irreps i2 = Irreps.parse(c[1]);
                TensorProduct tp = new TensorProduct(i1, i2, null, norm);
                int rows = 3;
                double[] x1 = random(rnd, rows * i1.dim());
                double[] x2 = random(rnd, rows * i2.dim());
                double[] g = random(rnd, rows * tp.irrepsOut().dim());
                double[][] an = tp.vjp(new IrrepsArray(i1, rows, x1), new IrrepsArray(i2, rows, x2), g);
                checkFd("tp d/dx1 " + c[0] + " x " + c[1] + " " + norm,
                        x -> tp.apply(new IrrepsArray(i1, rows, x), new IrrepsArray(i2, rows, x2)).data(), x1, g, an[0]);
                checkFd("tp d/dx2 " + c[0] + " x " + c[1] + " " + norm,
                        x -> tp.apply(new IrrepsArray(i1, rows, x1), new IrrepsArray(i2, rows, x)).data(), x2, g, an[1]);
            }
        }
    }

    @Test
    void tensorProductBroadcastRowSumsGradient() {
        Random rnd = new Random(12);
        Irreps i1 = Irreps.parse("1x0e+1x1o");
        Irreps i2 = Irreps.parse("2x0e+1x1e");
        TensorProduct tp = new TensorProduct(i1, i2);
        double[] x1 = random(rnd, i1.dim());
        double[] x2 = random(rnd, 4 * i2.dim());
        double[] g = random(rnd, 4 * tp.irrepsOut().dim());
        double[][] an = tp.vjp(new IrrepsArray(i1, 1, x1), new IrrepsArray(i2, 4, x2), g);
        checkFd("tp broadcast d/dx1", x -> tp.apply(new IrrepsArray(i1, 1, x), new IrrepsArray(i2, 4, x2)).data(), x1,
                g, an[0]);
        checkFd("tp broadcast d/dx2", x -> tp.apply(new IrrepsArray(i1, 1, x1), new IrrepsArray(i2, 4, x)).data(), x2,
                g, an[1]);
    }

    @Test
    void elementwiseScaleBothArguments() {
        Random rnd = new Random(13);
        Irreps ir = Irreps.parse("2x0e+1x1o+3x2e+1x0o");
        int rows = 3;
        int n = ir.numIrreps();
        double[] s = random(rnd, rows * n);
        double[] f = random(rnd, rows * ir.dim());
        double[] g = random(rnd, rows * ir.dim());
        double[][] an = ElementwiseScale.vjp(s, new IrrepsArray(ir, rows, f), g);
        checkFd("scale d/dscalars", x -> ElementwiseScale.apply(x, new IrrepsArray(ir, rows, f)).data(), s, g, an[0]);
        checkFd("scale d/dfeatures", x -> ElementwiseScale.apply(s, new IrrepsArray(ir, rows, x)).data(), f, g, an[1]);
    }

    @Test
    void linearInput() {
        Random rnd = new Random(14);
        String[][] cases = {{"2x0e+1x1o+3x0e+2x2e", "4x0e+2x1o+1x2e+1x3o"}, {"3x0e+2x1o", "1x0e"},
            {"1x1o+2x0e", "2x1o+5x0e+1x0e"}};
        for (double pn : new double[] {0, 1}) {
            for (String[] c : cases) {
                Linear lin = new Linear(Irreps.parse(c[0]), Irreps.parse(c[1]), pn, 1.0, false, false);
                Map<String, double[]> w = new LinkedHashMap<>();
                for (Linear.ParamSpec spec : lin.parameterSpecs()) {
                    w.put(spec.name(), random(rnd, spec.size()));
                }
                int rows = 3;
                Irreps in = lin.irrepsIn();
                double[] x0 = random(rnd, rows * in.dim());
                double[] g = random(rnd, rows * lin.irrepsOut().dim());
                double[] an = lin.vjp(w, g, rows);
                checkFd("linear " + c[0] + " -> " + c[1] + " P=" + pn,
                        x -> lin.apply(w, new IrrepsArray(in, rows, x)).data(), x0, g, an);
            }
        }
    }

    @Test
    void activationDerivatives() {
        Random rnd = new Random(15);
        for (Activation a : Activation.values()) {
            double worst = 0;
            for (int t = 0; t < 200; t++) {
                double x = rnd.nextGaussian() * 3;
                double fd = (a.applyAsDouble(x + H) - a.applyAsDouble(x - H)) / (2 * H);
                double err = Math.abs(fd - a.derivative(x)) / Math.max(1, Math.abs(fd));
                worst = Math.max(worst, err);
            }
            System.out.printf("vjp activation %-10s worst rel. error %.1e%n", a, worst);
            assertTrue(worst <= TOL, a + ": " + worst);
        }
        assertEquals(0.5, Activation.GELU.derivative(0), 1e-15);
        assertEquals(0.25, Activation.SIGMOID.derivative(0), 1e-15);
        assertEquals(0.0, Activation.SOFT_ODD.derivative(0), 1e-15);
    }

    @Test
    void gateInput() {
        Random rnd = new Random(16);
        Gate.ScalarAct[] defaults = {Gate.ScalarAct.normalized(Activation.GELU),
            Gate.ScalarAct.normalized(Activation.SOFT_ODD), Gate.ScalarAct.normalized(Activation.SIGMOID),
            Gate.ScalarAct.normalized(Activation.TANH)};
        Gate.ScalarAct[] others = {new Gate.ScalarAct(Activation.SILU, 0.6), new Gate.ScalarAct(Activation.TANH, 0.7),
            new Gate.ScalarAct(Activation.SIGMOID, 1.3), new Gate.ScalarAct(Activation.SOFT_ODD, 0.9)};
        String[] irreps = {"3x0e+1x0o+2x1o+1x2e", "2x0o+3x0e+1x1e", "2x0e+2x0o", "1x1o+2x0e+1x2e+2x0o+1x0e",
            "4x0e+2x1e+1x0e"};
        for (Gate.ScalarAct[] acts : new Gate.ScalarAct[][] {defaults, others}) {
            for (String s : irreps) {
                Irreps ir = Irreps.parse(s);
                Gate gate = new Gate(ir, acts[0], acts[1], acts[2], acts[3]);
                int rows = 3;
                double[] x0 = random(rnd, rows * ir.dim());
                double[] g = random(rnd, rows * gate.irrepsOut().dim());
                double[] an = gate.vjp(new IrrepsArray(ir, rows, x0), g);
                checkFd("gate " + s + " (" + acts[0].fn() + ")", x -> gate.apply(new IrrepsArray(ir, rows, x)).data(),
                        x0, g, an);
            }
        }
    }

    @Test
    void scatterData() {
        Random rnd = new Random(17);
        int[] dst = {2, 0, 2, 2, 4, 0, 1};
        int width = 3;
        int out = 6; // row 3 and 5 empty
        double[] d0 = random(rnd, dst.length * width);
        double[] g = random(rnd, out * width);
        checkFd("scatter sum", x -> Scatter.sum(x, width, dst, out), d0, g, Scatter.sumVjp(g, width, dst, out));
        checkFd("scatter mean", x -> Scatter.mean(x, width, dst, out), d0, g, Scatter.meanVjp(g, width, dst, out));
        int[] nel = {2, 0, 4, 1};
        double[] gn = random(rnd, nel.length * width);
        checkFd("scatter sum nel", x -> Scatter.sumNel(x, width, nel), d0, gn,
                Scatter.sumNelVjp(gn, width, nel, dst.length));
        checkFd("scatter mean nel", x -> Scatter.meanNel(x, width, nel), d0, gn,
                Scatter.meanNelVjp(gn, width, nel, dst.length));
    }
}
