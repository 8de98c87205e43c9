package org.e3j.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.e3j.engine.kernels.KernelProvider;
import org.e3j.engine.kernels.Kernels;
import org.e3j.layers.fast.FastModel;
import org.e3j.layers.fast.FastWorkspace;
import org.e3j.layers.io.SafeTensors;
import org.e3j.layers.model.ModelInput;
import org.e3j.layers.model.ReferenceModel;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The fast float32 engine against e3nn-jax's fixtures and the double reference, on every fixture,
 * with the vector and the scalar kernels and 1, 2, 3 threads (outputs bit-identical across thread
 * counts and across vector/scalar kernels, which share per-element operation order).
 */
class FastParityTest {
    /** |fast - ref| <= TOL * max(1, |ref|) (float32 through 3 layers). */
    static final double TOL = 2e-5;

    @TestFactory
    Stream<DynamicTest> everyFixture() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : Fixtures.cases()) {
            tests.add(DynamicTest.dynamicTest(dir.getFileName().toString(), () -> check(dir)));
        }
        assertFalse(tests.isEmpty(), "no fixtures found");
        return tests.stream();
    }

    static double[] run(FastModel fm, int threads, ModelInput in, boolean potential) {
        try (FastWorkspace ws = new FastWorkspace(fm, threads, 1, 1)) {
            ws.setMinWorkPerThread(1);
            ws.setInput(in);
            ws.forward();
            ws.forward(); // the second run must equal the first (no stale state)
            if (potential) {
                double[] out = new double[in.numNodes() + in.numGraphs()];
                ws.atomEnergies(out);
                for (int g = 0; g < in.numGraphs(); g++) {
                    out[in.numNodes() + g] = ws.energy(g);
                }
                return out;
            }
            int d = fm.outputIrreps().dim();
            double[] nf = new double[in.numNodes() * d];
            ws.nodeFeatures(nf);
            double[] gf = new double[in.numGraphs() * d];
            ws.globalFeatures(nf, gf);
            double[] out = new double[nf.length + gf.length];
            System.arraycopy(nf, 0, out, 0, nf.length);
            System.arraycopy(gf, 0, out, nf.length, gf.length);
            return out;
        }
    }

    private static void check(Path dir) {
        ReferenceModel model = ReferenceModel.load(dir.resolve("model.safetensors"));
        SafeTensors f = SafeTensors.open(dir.resolve("fixture.safetensors"));
        ModelInput in = Fixtures.input(f);
        boolean potential = model.config.isPotential();
        ReferenceModel.Result r = model.forward(in);
        double[] jax;
        double[] ref;
        if (potential) {
            jax = concat(f.doubles("output/atom_energies"), f.doubles("output/energy"));
            ref = concat(r.get("output/atom_energies").data(), r.get("output/energy").data());
        } else {
            jax = concat(f.doubles("output/node_features"), f.doubles("output/global_features"));
            ref = concat(r.get("output/node_features").data(), r.get("output/global_features").data());
        }
        Kernels vector = KernelProvider.get();
        // both radial paths: the proven table (when it can be built) and the MLP per edge
        for (boolean tabulate : new boolean[] {true, false}) {
            check(dir, model, in, potential, jax, ref, vector, tabulate);
        }
    }

    private static void check(Path dir, ReferenceModel model, ModelInput in, boolean potential, double[] jax,
                              double[] ref, Kernels vector, boolean tabulate) {
        FastModel fm = FastModel.compile(model, vector, tabulate);
        double[] got = run(fm, 1, in, potential);
        assertEquals(ref.length, got.length);
        double eJax = worst(got, jax);
        double eRef = worst(got, ref);
        System.out.printf("fast parity %-26s %-10s %s worst vs e3nn-jax %.2e, vs double reference %.2e  %s%n",
                dir.getFileName(), vector.name(), fm.radialTabulated() ? "table" : "mlp  ", eJax, eRef, fm.describe());
        assertTrue(eJax <= TOL, dir.getFileName() + ": vs e3nn-jax " + eJax);
        assertTrue(eRef <= TOL, dir.getFileName() + ": vs reference " + eRef);
        for (int t = 2; t <= 3; t++) {
            assertArrayEquals(got, run(fm, t, in, potential), dir.getFileName() + ": " + t + " threads differ");
        }
        double[] scalar = run(FastModel.compile(model, KernelProvider.scalar(), tabulate), 2, in, potential);
        if (vector.vectorLanes() == 1) {
            assertArrayEquals(got, scalar);
        } else {
            // gemm / messages / activations are bitwise; the readout dot and LayerNorm stats reduce in lanes
            double e = worst(scalar, got);
            assertTrue(e <= 1e-5, "scalar vs vector " + e);
        }
    }

    static double worst(double[] got, double[] ref) {
        double w = 0;
        for (int i = 0; i < ref.length; i++) {
            double err = Math.abs(got[i] - ref[i]) / Math.max(1.0, Math.abs(ref[i]));
            if (!(err <= w)) {
                w = err;
            }
        }
        return w;
    }

    static double[] concat(double[] a, double[] b) {
        double[] c = new double[a.length + b.length];
        System.arraycopy(a, 0, c, 0, a.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
