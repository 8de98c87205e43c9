package org.e3j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.e3j.layers.io.SafeTensors;
import org.e3j.layers.model.ModelInput;
import org.e3j.layers.model.ReferenceForces;
import org.e3j.layers.model.ReferenceModel;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The analytic reverse pass of the double reference ({@link ReferenceForces}):
 * <ul>
 *   <li>parity with e3nn-jax's {@code jax.grad} outputs of every Potential fixture (energy, atom
 *       energies, forces, stress) within {@code |diff| <= 1e-5 * max(1, |ref|)}, worst error printed;
 *   <li>central finite differences of the double reference itself (positions and symmetric strain)
 *       on a randomly perturbed copy of each fixture structure, within 1e-6 relative;
 *   <li>translation invariance (forces of every graph sum to zero) and rotation equivariance of
 *       energy, forces and stress;
 *   <li>the same reverse pass for the seed SimpleNetwork (gradient of a random linear functional of
 *       the node features) against finite differences.
 * </ul>
 */
class ReferenceForcesParityTest {
    static final double PARITY = 1e-5;
    static final double FD_TOL = 1e-6;
    static final double H = 1e-5;

    record Case(String name, ReferenceModel model, SafeTensors fixture, ModelInput input, double[] cells,
            boolean[] pbc) {}

    private static List<Case> cases(boolean potential) throws Exception {
        List<Case> out = new ArrayList<>();
        for (Path dir : Fixtures.cases()) {
            ReferenceModel model = ReferenceModel.load(dir.resolve("model.safetensors"));
            if (model.config.isPotential() != potential) {
                continue;
            }
            SafeTensors f = SafeTensors.open(dir.resolve("fixture.safetensors"));
            double[] cells = f.contains("input/cell") ? f.doubles("input/cell") : null;
            boolean[] pbc = null;
            if (f.contains("input/pbc")) {
                int[] p = f.ints("input/pbc");
                pbc = new boolean[p.length];
                for (int i = 0; i < p.length; i++) {
                    pbc[i] = p[i] != 0;
                }
            }
            out.add(new Case(dir.getFileName().toString(), model, f, Fixtures.input(f), cells, pbc));
        }
        return out;
    }

    private static Stream<DynamicTest> each(boolean potential, java.util.function.Consumer<Case> check)
            throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : cases(potential)) {
            tests.add(DynamicTest.dynamicTest(c.name(), () -> check.accept(c)));
        }
        assertFalse(tests.isEmpty(), "no " + (potential ? "Potential" : "SimpleNetwork") + " fixtures found");
        return tests.stream();
    }

    // ------------------------------------------------------------------ parity with jax.grad

    @TestFactory
    Stream<DynamicTest> forcesStressAndEnergiesMatchJaxGrad() throws Exception {
        return each(true, ReferenceForcesParityTest::parity);
    }

    private static void parity(Case c) {
        ReferenceForces.Result r = ReferenceForces.compute(c.model(), c.input(), c.cells(), c.pbc());
        SafeTensors f = c.fixture();
        double[] worst = {0};
        String[] where = {""};
        int compared = 0;
        compared += compare(c, "output/energy", r.energy(), worst, where);
        compared += compare(c, "output/atom_energies", r.atomEnergies(), worst, where);
        compared += compare(c, "output/forces", r.forces(), worst, where);
        String stressNote = "";
        if (f.contains("output/stress")) {
            compared += compare(c, "output/stress", r.stress(), worst, where);
            // the stress is ~1e-3 eV/A^3, so the absolute bound above says little: also relative to its scale
            double[] ref = f.doubles("output/stress");
            double scale = 0;
            double diff = 0;
            for (int i = 0; i < ref.length; i++) {
                scale = Math.max(scale, Math.abs(ref[i]));
                diff = Math.max(diff, Math.abs(r.stress()[i] - ref[i]));
            }
            double rel = diff / scale;
            stressNote = String.format("; stress max|diff|/max|ref| = %.2e", rel);
            assertTrue(rel <= 1e-4, c.name() + ": stress differs by " + rel + " of its scale " + scale);
        }
        for (int g = 0; g < c.input().numGraphs(); g++) {
            boolean periodic = c.pbc()[3 * g] && c.pbc()[3 * g + 1] && c.pbc()[3 * g + 2];
            assertEquals(periodic, r.stressValid()[g], c.name() + ": stressValid of graph " + g);
        }
        System.out.printf("forces parity %-24s %d tensors  worst |diff|/max(1,|ref|) = %.2e at %s%s%n", c.name(),
                compared, worst[0], where[0], stressNote);
        assertTrue(compared >= 3);
        assertTrue(worst[0] <= PARITY, c.name() + ": worst error " + worst[0] + " at " + where[0]);
    }

    private static int compare(Case c, String name, double[] got, double[] worst, String[] where) {
        double[] ref = c.fixture().doubles(name);
        assertEquals(ref.length, got.length, c.name() + " " + name + ": size");
        for (int i = 0; i < ref.length; i++) {
            double err = Math.abs(got[i] - ref[i]) / Math.max(1.0, Math.abs(ref[i]));
            if (!(err <= worst[0])) {
                worst[0] = err;
                where[0] = name + "[" + i + "] (" + got[i] + " vs " + ref[i] + ")";
            }
        }
        return 1;
    }

    // ------------------------------------------------------------------ finite differences

    private static ModelInput withPositions(ModelInput in, double[] pos) {
        return new ModelInput(in.numbers(), pos, in.senders(), in.receivers(), in.shifts(), in.nNode());
    }

    private static ModelInput perturbed(ModelInput in, long seed) {
        Random rnd = new Random(seed);
        double[] pos = in.positions().clone();
        for (int i = 0; i < pos.length; i++) {
            pos[i] += 0.03 * rnd.nextGaussian();
        }
        return withPositions(in, pos);
    }

    private static double totalEnergy(ReferenceModel model, ModelInput in) {
        double s = 0;
        for (double v : model.forward(in).get("output/energy").data()) {
            s += v;
        }
        return s;
    }

    private static int graphOfNode(ModelInput in, int node) {
        int acc = 0;
        for (int g = 0; g < in.numGraphs(); g++) {
            acc += in.nNode()[g];
            if (node < acc) {
                return g;
            }
        }
        throw new IllegalArgumentException();
    }

    @TestFactory
    Stream<DynamicTest> forcesAndStressMatchFiniteDifferences() throws Exception {
        return each(true, ReferenceForcesParityTest::finiteDifferences);
    }

    private static void finiteDifferences(Case c) {
        ModelInput in = perturbed(c.input(), 7);
        ReferenceForces.Result r = ReferenceForces.compute(c.model(), in, c.cells(), c.pbc());
        int n = in.numNodes();
        // positions: every coordinate of small cases, 24 random ones otherwise (two CPU cores)
        Random pick = new Random(3);
        int count = Math.min(3 * n, 24);
        double worstF = 0;
        for (int t = 0; t < count; t++) {
            int i = 3 * n <= 24 ? t : pick.nextInt(3 * n);
            double[] pp = in.positions().clone();
            double[] pm = in.positions().clone();
            pp[i] += H;
            pm[i] -= H;
            double fd = -(totalEnergy(c.model(), withPositions(in, pp)) - totalEnergy(c.model(), withPositions(in, pm)))
                    / (2 * H);
            double err = Math.abs(fd - r.forces()[i]) / Math.max(1, Math.abs(fd));
            worstF = Math.max(worstF, err);
            final int k = i;
            assertTrue(err <= FD_TOL, () -> c.name() + ": force component " + k + " analytic " + r.forces()[k]
                    + " vs fd " + fd);
        }
        // symmetric strain of each graph: pos @ (I + eps), shift @ (I + eps); dE_g/d eps_ab = -virial_ab
        double worstS = 0;
        for (int g = 0; g < in.numGraphs(); g++) {
            for (int a = 0; a < 3; a++) {
                for (int b = a; b < 3; b++) {
                    double fd = (graphEnergy(c, in, g, a, b, H) - graphEnergy(c, in, g, a, b, -H)) / (2 * H);
                    double an = -r.virial()[9 * g + 3 * a + b];
                    double err = Math.abs(fd - an) / Math.max(1, Math.abs(fd));
                    worstS = Math.max(worstS, err);
                    final int ga = g;
                    final int aa = a;
                    final int bb = b;
                    assertTrue(err <= FD_TOL, () -> c.name() + ": graph " + ga + " dE/deps_" + aa + bb + " analytic "
                            + an + " vs fd " + fd);
                    assertEquals(r.virial()[9 * g + 3 * a + b], r.virial()[9 * g + 3 * b + a], 0.0);
                }
            }
        }
        System.out.printf("forces fd     %-24s %d force components, %d strain components: worst rel. error %.1e"
                + " (forces) %.1e (dE/deps)%n", c.name(), count, 6 * in.numGraphs(), worstF, worstS);
    }

    /** Energy of graph g with eps = h (E_ab + E_ba) / 2 applied to that graph's positions and shifts. */
    private static double graphEnergy(Case c, ModelInput in, int g, int a, int b, double h) {
        double[][] eps = new double[3][3];
        eps[a][b] += h / 2;
        eps[b][a] += h / 2;
        double[] pos = in.positions().clone();
        for (int i = 0; i < in.numNodes(); i++) {
            if (graphOfNode(in, i) == g) {
                strain(pos, 3 * i, in.positions(), eps);
            }
        }
        double[] shifts = in.shifts() == null ? new double[3 * in.numEdges()] : in.shifts().clone();
        for (int e = 0; e < in.numEdges(); e++) {
            if (graphOfNode(in, in.receivers()[e]) == g && in.shifts() != null) {
                strain(shifts, 3 * e, in.shifts(), eps);
            }
        }
        ModelInput s = new ModelInput(in.numbers(), pos, in.senders(), in.receivers(), shifts, in.nNode());
        return c.model().forward(s).get("output/energy").data()[g];
    }

    /** {@code out[o..o+3] = v (I + eps)} for the row vector v = src[o..o+3]. */
    private static void strain(double[] out, int o, double[] src, double[][] eps) {
        for (int j = 0; j < 3; j++) {
            double s = src[o + j];
            for (int i = 0; i < 3; i++) {
                s += src[o + i] * eps[i][j];
            }
            out[o + j] = s;
        }
    }

    // ------------------------------------------------------------------ symmetries

    @TestFactory
    Stream<DynamicTest> forcesAreTranslationInvariantAndRotationEquivariant() throws Exception {
        return each(true, ReferenceForcesParityTest::symmetries);
    }

    private static void symmetries(Case c) {
        ModelInput in = perturbed(c.input(), 11);
        ReferenceForces.Result r = ReferenceForces.compute(c.model(), in, c.cells(), c.pbc());
        int n = in.numNodes();
        double fmax = 1;
        for (double v : r.forces()) {
            fmax = Math.max(fmax, Math.abs(v));
        }
        // sum of forces per graph
        double worstSum = 0;
        double[] sum = new double[3 * in.numGraphs()];
        for (int i = 0; i < n; i++) {
            int g = graphOfNode(in, i);
            for (int k = 0; k < 3; k++) {
                sum[3 * g + k] += r.forces()[3 * i + k];
            }
        }
        for (double v : sum) {
            worstSum = Math.max(worstSum, Math.abs(v) / fmax);
        }
        assertTrue(worstSum <= 1e-12, c.name() + ": forces sum to " + worstSum + " x max|F|");
        // a translation changes nothing
        double[] moved = in.positions().clone();
        for (int i = 0; i < n; i++) {
            moved[3 * i] += 1.7;
            moved[3 * i + 1] -= 0.4;
            moved[3 * i + 2] += 2.9;
        }
        ReferenceForces.Result rt = ReferenceForces.compute(c.model(), withPositions(in, moved), c.cells(), c.pbc());
        double worstT = maxDiff(r.forces(), rt.forces()) / fmax;
        assertTrue(worstT <= 1e-10, c.name() + ": translation changed forces by " + worstT);
        // rotation: positions, shifts and cell as row vectors times R^T
        double[][] rot = randomRotation(new Random(5));
        double[] cells = c.cells() == null ? null : rotateRows(c.cells(), rot);
        ModelInput rotated = new ModelInput(in.numbers(), rotateRows(in.positions(), rot), in.senders(),
                in.receivers(), in.shifts() == null ? null : rotateRows(in.shifts(), rot), in.nNode());
        ReferenceForces.Result rr = ReferenceForces.compute(c.model(), rotated, cells, c.pbc());
        double worstE = 0;
        for (int g = 0; g < r.energy().length; g++) {
            worstE = Math.max(worstE, Math.abs(r.energy()[g] - rr.energy()[g]) / Math.max(1, Math.abs(r.energy()[g])));
        }
        double worstR = maxDiff(rotateRows(r.forces(), rot), rr.forces()) / fmax;
        double smax = 1e-3;
        for (double v : r.virial()) {
            smax = Math.max(smax, Math.abs(v));
        }
        double worstV = 0;
        for (int g = 0; g < in.numGraphs(); g++) {
            double[] w = new double[9];
            System.arraycopy(r.virial(), 9 * g, w, 0, 9);
            double[] expect = conjugate(w, rot);
            for (int k = 0; k < 9; k++) {
                worstV = Math.max(worstV, Math.abs(expect[k] - rr.virial()[9 * g + k]) / smax);
            }
        }
        System.out.printf("forces sym    %-24s sum F / max|F| %.1e, translation %.1e, rotation: E %.1e, F %.1e,"
                + " virial %.1e%n", c.name(), worstSum, worstT, worstE, worstR, worstV);
        assertTrue(worstE <= 1e-10, c.name() + ": rotation changed the energy by " + worstE);
        assertTrue(worstR <= 1e-10, c.name() + ": rotated forces differ by " + worstR);
        assertTrue(worstV <= 1e-10, c.name() + ": rotated virial differs by " + worstV);
    }

    private static double maxDiff(double[] a, double[] b) {
        assertEquals(a.length, b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    private static double[][] randomRotation(Random rnd) {
        double q0 = rnd.nextGaussian();
        double q1 = rnd.nextGaussian();
        double q2 = rnd.nextGaussian();
        double q3 = rnd.nextGaussian();
        double s = Math.sqrt(q0 * q0 + q1 * q1 + q2 * q2 + q3 * q3);
        q0 /= s;
        q1 /= s;
        q2 /= s;
        q3 /= s;
        return new double[][] {
            {1 - 2 * (q2 * q2 + q3 * q3), 2 * (q1 * q2 - q0 * q3), 2 * (q1 * q3 + q0 * q2)},
            {2 * (q1 * q2 + q0 * q3), 1 - 2 * (q1 * q1 + q3 * q3), 2 * (q2 * q3 - q0 * q1)},
            {2 * (q1 * q3 - q0 * q2), 2 * (q2 * q3 + q0 * q1), 1 - 2 * (q1 * q1 + q2 * q2)}};
    }

    /** Every 3-vector row v of a row-major array becomes R v. */
    private static double[] rotateRows(double[] a, double[][] r) {
        double[] out = new double[a.length];
        for (int o = 0; o < a.length; o += 3) {
            for (int i = 0; i < 3; i++) {
                out[o + i] = r[i][0] * a[o] + r[i][1] * a[o + 1] + r[i][2] * a[o + 2];
            }
        }
        return out;
    }

    /** R W R^T for a row-major 3x3 W. */
    private static double[] conjugate(double[] w, double[][] r) {
        double[] out = new double[9];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                double s = 0;
                for (int k = 0; k < 3; k++) {
                    for (int l = 0; l < 3; l++) {
                        s += r[i][k] * w[3 * k + l] * r[j][l];
                    }
                }
                out[3 * i + j] = s;
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ the seed

    @TestFactory
    Stream<DynamicTest> seedNodeFeatureGradientMatchesFiniteDifferences() throws Exception {
        return each(false, ReferenceForcesParityTest::seedGradient);
    }

    private static void seedGradient(Case c) {
        ModelInput in = perturbed(c.input(), 13);
        ReferenceModel.Result fwd = c.model().forward(in);
        int size = fwd.get("output/node_features").data().length;
        Random rnd = new Random(17);
        double[] w = new double[size];
        for (int i = 0; i < size; i++) {
            w[i] = rnd.nextGaussian();
        }
        double[] grad = ReferenceForces.positionGradient(in,
                ReferenceForces.edgeVectorGradient(c.model(), in, fwd, w));
        int n = in.numNodes();
        Random pick = new Random(4);
        int count = Math.min(3 * n, 18);
        double worst = 0;
        for (int t = 0; t < count; t++) {
            int i = 3 * n <= 18 ? t : pick.nextInt(3 * n);
            double[] pp = in.positions().clone();
            double[] pm = in.positions().clone();
            pp[i] += H;
            pm[i] -= H;
            double fd = (dotFeatures(c.model(), withPositions(in, pp), w) - dotFeatures(c.model(), withPositions(in, pm), w))
                    / (2 * H);
            double err = Math.abs(fd - grad[i]) / Math.max(1, Math.abs(fd));
            worst = Math.max(worst, err);
            final int k = i;
            assertTrue(err <= FD_TOL, () -> c.name() + ": d<w, h>/dpos component " + k + " analytic " + grad[k]
                    + " vs fd " + fd);
        }
        System.out.printf("seed grad fd  %-24s %d components: worst rel. error %.1e%n", c.name(), count, worst);
    }

    private static double dotFeatures(ReferenceModel model, ModelInput in, double[] w) {
        double[] h = model.forward(in).get("output/node_features").data();
        double s = 0;
        for (int i = 0; i < h.length; i++) {
            s += w[i] * h[i];
        }
        return s;
    }
}
