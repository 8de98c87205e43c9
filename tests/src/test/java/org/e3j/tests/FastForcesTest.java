package org.e3j.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.e3j.layers.fast.FastModel;
import org.e3j.layers.fast.FastWorkspace;
import org.e3j.layers.io.SafeTensors;
import org.e3j.layers.model.ModelInput;
import org.e3j.layers.model.ReferenceModel;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The fast float32 reverse pass against e3nn-jax's jax.grad fixtures (output/forces,
 * output/stress) on every Potential fixture, 1/2/3 threads bit-identical, and no allocation.
 */
class FastForcesTest {
    static final double TOL = 1e-4;

    @TestFactory
    Stream<DynamicTest> potentialFixtures() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : Fixtures.cases()) {
            if (dir.getFileName().toString().startsWith("potential")) {
                tests.add(DynamicTest.dynamicTest(dir.getFileName().toString(), () -> check(dir)));
            }
        }
        assertFalse(tests.isEmpty());
        return tests.stream();
    }

    static double[] run(FastModel fm, int threads, ModelInput in, double[] cells) {
        try (FastWorkspace ws = new FastWorkspace(fm, threads, 1, 1)) {
            ws.setMinWorkPerThread(1);
            ws.enableForces();
            ws.setInput(in);
            ws.forward();
            ws.backward();
            int n = in.numNodes();
            int g = in.numGraphs();
            double[] out = new double[3 * n + 6 * g];
            ws.forces(out);
            double[] v = new double[6];
            for (int gi = 0; gi < g; gi++) {
                ws.virial(gi, v);
                double vol = Math.abs(det(cells, 9 * gi));
                for (int c = 0; c < 6; c++) {
                    out[3 * n + 6 * gi + c] = vol > 0 ? v[c] / vol : 0;
                }
            }
            return out;
        }
    }

    static double det(double[] c, int o) {
        return c[o] * (c[o + 4] * c[o + 8] - c[o + 5] * c[o + 7]) - c[o + 1] * (c[o + 3] * c[o + 8] - c[o + 5] * c[o + 6])
                + c[o + 2] * (c[o + 3] * c[o + 7] - c[o + 4] * c[o + 6]);
    }

    private static void check(Path dir) {
        ReferenceModel model = ReferenceModel.load(dir.resolve("model.safetensors"));
        SafeTensors f = SafeTensors.open(dir.resolve("fixture.safetensors"));
        ModelInput in = Fixtures.input(f);
        double[] cells = f.doubles("input/cell");
        int[] pbc = f.ints("input/pbc");
        // both radial paths: the proven table (when it can be built) and the MLP per edge
        for (boolean tabulate : new boolean[] {true, false}) {
            check(dir, f, in, cells, pbc, FastModel.compile(model, org.e3j.engine.kernels.KernelProvider.get(), tabulate));
        }
    }

    private static void check(Path dir, SafeTensors f, ModelInput in, double[] cells, int[] pbc, FastModel fm) {
        double[] got = run(fm, 1, in, cells);
        double[] forces = f.doubles("output/forces");
        double worstF = 0;
        for (int i = 0; i < forces.length; i++) {
            worstF = Math.max(worstF, Math.abs(got[i] - forces[i]) / Math.max(1.0, Math.abs(forces[i])));
        }
        double worstS = 0;
        if (f.contains("output/stress")) {
            double[] stress = f.doubles("output/stress");
            double scale = 1e-12;
            for (double s : stress) {
                scale = Math.max(scale, Math.abs(s));
            }
            for (int g = 0; g < in.numGraphs(); g++) {
                if (pbc[3 * g] == 0) {
                    continue;
                }
                for (int c = 0; c < 6; c++) {
                    int i = 6 * g + c;
                    worstS = Math.max(worstS, Math.abs(got[forces.length + i] - stress[i]) / scale);
                }
            }
        }
        System.out.printf("fast forces %-24s %s worst force |diff|/max(1,|ref|) %.2e, stress max|diff|/max|ref| %.2e%n",
                dir.getFileName(), fm.radialTabulated() ? "table" : "mlp  ", worstF, worstS);
        assertTrue(worstF <= TOL, "forces " + worstF);
        assertTrue(worstS <= 1e-3, "stress " + worstS);
        for (int t = 2; t <= 3; t++) {
            assertArrayEquals(got, run(fm, t, in, cells), t + " threads differ");
        }
    }

    @Test
    void fastPotentialApi() {
        Path dir = Fixtures.root().resolve("potential_crystal32");
        SafeTensors f = SafeTensors.open(dir.resolve("fixture.safetensors"));
        ModelInput in = Fixtures.input(f);
        try (org.e3j.layers.fast.FastPotential p = org.e3j.layers.fast.FastPotential.load(dir.resolve("model.safetensors"), 2)) {
            p.setGraph(in.numNodes(), in.numbers(), in.positions(), in.numEdges(), in.senders(), in.receivers(), in.shifts());
            double[] forces = new double[3 * in.numNodes()];
            double[] stress = new double[6];
            double[] atomE = new double[in.numNodes()];
            double e = p.compute(in.positions(), null, f.doubles("input/cell"), forces, stress, atomE);
            double eRef = f.doubles("output/energy")[0];
            assertTrue(Math.abs(e - eRef) <= 1e-5 * Math.max(1, Math.abs(eRef)), e + " vs " + eRef);
            double[] fRef = f.doubles("output/forces");
            double[] sRef = f.doubles("output/stress");
            for (int i = 0; i < fRef.length; i++) {
                assertTrue(Math.abs(forces[i] - fRef[i]) <= TOL, "force " + i);
            }
            for (int c = 0; c < 6; c++) {
                assertTrue(Math.abs(stress[c] - sRef[c]) <= 1e-6, "stress " + c + ": " + stress[c] + " vs " + sRef[c]);
            }
            // a second call with the same positions gives the same bits
            double[] forces2 = new double[forces.length];
            assertTrue(e == p.compute(in.positions(), in.shifts(), f.doubles("input/cell"), forces2, stress, null));
            assertArrayEquals(forces, forces2);
        }
    }

    /**
     * The reverse pass sums into per-edge gradients that the forward zeroes: a second backward on one
     * forward (or one before any forward) is refused instead of returning doubled forces.
     */
    @Test
    void oneBackwardPerForward() {
        Path dir = Fixtures.root().resolve("potential_crystal32");
        ReferenceModel model = ReferenceModel.load(dir.resolve("model.safetensors"));
        ModelInput in = Fixtures.input(SafeTensors.open(dir.resolve("fixture.safetensors")));
        try (FastWorkspace ws = new FastWorkspace(FastModel.compile(model), 1, 1, 1)) {
            ws.enableForces();
            ws.setInput(in);
            org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, ws::backward, "before any forward");
            ws.forward();
            ws.backward();
            double[] first = new double[3 * in.numNodes()];
            ws.forces(first);
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, ws::backward);
            assertTrue(e.getMessage().contains("one backward per forward"), e.getMessage());
            ws.forward();
            ws.backward();
            double[] again = new double[first.length];
            ws.forces(again);
            assertArrayEquals(first, again, "forward + backward again gives the same forces");
        }
    }

    @Test
    void forcesAllocateNothing() throws Exception {
        Path dir = Fixtures.root().resolve("potential_crystal32");
        ReferenceModel model = ReferenceModel.load(dir.resolve("model.safetensors"));
        ModelInput in = Fixtures.input(SafeTensors.open(dir.resolve("fixture.safetensors")));
        for (int threads = 1; threads <= 2; threads++) {
            try (FastWorkspace ws = new FastWorkspace(FastModel.compile(model), threads, 1, 1)) {
                ws.setMinWorkPerThread(1);
                ws.enableForces();
                ws.setInput(in);
                double[] v = new double[6];
                // steady state: windows of 100 steps until one allocates nothing (the JIT may need a
                // while on a loaded machine), at most 90 s
                long until = System.nanoTime() + 90_000_000_000L;
                long b;
                do {
                    List<Thread> ts = FastAllocationTest.participants();
                    long before = FastAllocationTest.allocated(ts);
                    for (int i = 0; i < 100; i++) {
                        ws.forward();
                        ws.backward();
                        ws.virial(0, v);
                    }
                    b = (FastAllocationTest.allocated(ts) - before) / 100;
                } while (b >= 16 && System.nanoTime() < until);
                System.out.printf("fast forces potential_crystal32 %d thread(s): %d bytes/step%n", threads, b);
                assertTrue(b < 16, b + " bytes per forward+backward");
            }
        }
    }
}
