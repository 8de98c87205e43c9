package org.e3j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.e3j.layers.graph.GraphExecutor;
import org.e3j.layers.graph.ModelGraph;
import org.e3j.layers.io.Json;
import org.e3j.layers.model.ModelInput;
import org.e3j.layers.model.ReferenceForces;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The Java reference executor of model graphs (format version 2) on every fixture of
 * {@code tests/fixtures/graph/} (made by nequip-eqx's and jax-md's own apply functions,
 * {@code python -m e3j_jax.graph.fixtures}): energy, forces and (periodic cases) stress within
 * {@code 1e-5 * max(1, |ref|)} of the package's own float32 output and, and the fixture's
 * float64 evaluation of the same model (key {@code float64}: the package's own function under
 * {@code jax.enable_x64} on the file's weights), within 1e-10 of it; worst errors printed.
 * Plus forces and stress by central finite differences of the executor's own energy.
 */
class GraphFixtureParityTest {
    static final double F32_TOL = 1e-5;
    static final double F64_TOL = 1e-10;

    static Path root() {
        return Fixtures.root().resolve("graph");
    }

    static List<Path> cases() throws IOException {
        try (Stream<Path> s = Files.list(root())) {
            return s.filter(p -> Files.isRegularFile(p.resolve("model.safetensors"))).sorted().toList();
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> expected(Path dir) throws IOException {
        return (Map<String, Object>) Json.parse(Files.readString(dir.resolve("expected.json")));
    }

    static double[] flat(Object o) {
        List<?> l = (List<?>) o;
        if (!l.isEmpty() && l.get(0) instanceof List<?>) {
            return l.stream().flatMapToDouble(r -> ((List<?>) r).stream().mapToDouble(x -> ((Number) x).doubleValue()))
                    .toArray();
        }
        return l.stream().mapToDouble(x -> ((Number) x).doubleValue()).toArray();
    }

    static int[] ints(Object o) {
        return ((List<?>) o).stream().mapToInt(x -> (int) (long) (Long) x).toArray();
    }

    @SuppressWarnings("unchecked")
    static ModelInput input(Map<String, Object> exp) {
        Map<String, Object> s = (Map<String, Object>) exp.get("structure");
        int[] z = ints(s.get("atomic_numbers"));
        return new ModelInput(z, flat(s.get("positions")), ints(s.get("senders")), ints(s.get("receivers")),
                flat(s.get("shifts")), new int[] {z.length});
    }

    @SuppressWarnings("unchecked")
    static double[] cell(Map<String, Object> exp) {
        Map<String, Object> s = (Map<String, Object>) exp.get("structure");
        Object pbc = s.get("pbc");
        boolean periodic = pbc instanceof List<?> l ? l.stream().allMatch(Boolean.TRUE::equals) : Boolean.TRUE.equals(pbc);
        return periodic ? flat(s.get("cell")) : null;
    }

    /** max over elements of |got - ref| / max(1, |ref|) (or plain |got - ref| with absolute = true). */
    static double worst(double[] got, double[] ref, boolean absolute) {
        assertEquals(ref.length, got.length);
        double w = 0;
        for (int k = 0; k < ref.length; k++) {
            w = Math.max(w, Math.abs(got[k] - ref[k]) / (absolute ? 1.0 : Math.max(1.0, Math.abs(ref[k]))));
        }
        return w;
    }

    @TestFactory
    Stream<DynamicTest> packageFloat32AndFloat64() throws IOException {
        List<Path> cases = cases();
        assertTrue(cases.size() >= 6, "graph fixtures missing under " + root().toAbsolutePath());
        return cases.stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
            Map<String, Object> exp = expected(dir);
            GraphExecutor ex = new GraphExecutor(ModelGraph.load(dir.resolve("model.safetensors")));
            ModelInput in = input(exp);
            double[] cell = cell(exp);
            ReferenceForces.Result r = ex.compute(in, cell, null);
            double we = worst(r.energy(), new double[] {((Number) exp.get("energy")).doubleValue()}, false);
            double wf = worst(r.forces(), flat(exp.get("forces")), false);
            double ws = 0;
            if (exp.containsKey("stress")) {
                assertTrue(r.stressValid()[0], "stress of a periodic case");
                ws = worst(r.stress(), flat(exp.get("stress")), false);
            }
            String line = String.format("%-32s float32: energy %.2e forces %.2e stress %.2e", dir.getFileName(), we, wf,
                    ws);
            assertTrue(exp.get("float64") instanceof Map<?, ?>, dir + ": no float64 reference (regenerate the fixtures)");
            if (exp.get("float64") instanceof Map<?, ?> f64) {
                double e64 = worst(r.energy(), new double[] {((Number) f64.get("energy")).doubleValue()}, true);
                double f64f = worst(r.forces(), flat(f64.get("forces")), true);
                double s64 = f64.containsKey("stress") ? worst(r.stress(), flat(f64.get("stress")), true) : 0;
                line += String.format(" | float64: energy %.2e forces %.2e stress %.2e", e64, f64f, s64);
                assertTrue(e64 <= F64_TOL && f64f <= F64_TOL && s64 <= F64_TOL, line);
            }
            System.out.println(line);
            assertTrue(we <= F32_TOL && wf <= F32_TOL && ws <= F32_TOL, line);
        }));
    }

    /** Forces and stress against central finite differences of the executor's own energy (one periodic case). */
    @Test
    void finiteDifferences() throws IOException {
        Path dir = root().resolve("jax_md_lmax3_layers3_periodic");
        Map<String, Object> exp = expected(dir);
        GraphExecutor ex = new GraphExecutor(ModelGraph.load(dir.resolve("model.safetensors")));
        ModelInput in = input(exp);
        double[] cell = cell(exp);
        ReferenceForces.Result r = ex.compute(in, cell, null);
        double h = 1e-5;
        double worstF = 0;
        for (int k = 0; k < in.positions().length; k++) {
            double[] p = in.positions().clone();
            p[k] += h;
            double ep = ex.energy(withPositions(in, p, in.shifts()))[0];
            p[k] -= 2 * h;
            double em = ex.energy(withPositions(in, p, in.shifts()))[0];
            double fd = -(ep - em) / (2 * h);
            worstF = Math.max(worstF, Math.abs(fd - r.forces()[k]) / Math.max(1.0, Math.abs(fd)));
        }
        // stress: strain eps_ab applied to positions, shifts and cell
        double vol = Math.abs(det(cell));
        int[][] voigt = {{0, 0}, {1, 1}, {2, 2}, {1, 2}, {0, 2}, {0, 1}};
        double worstS = 0;
        for (int v = 0; v < 6; v++) {
            double[] e = new double[2];
            for (int sgn = 0; sgn < 2; sgn++) {
                double[] eps = new double[9];
                double d = sgn == 0 ? h : -h;
                eps[3 * voigt[v][0] + voigt[v][1]] += v < 3 ? d : d / 2;
                eps[3 * voigt[v][1] + voigt[v][0]] += v < 3 ? 0 : d / 2;
                e[sgn] = ex.energy(withPositions(in, strain(in.positions(), eps), strain(in.shifts(), eps)))[0];
            }
            double fd = (e[0] - e[1]) / (2 * h) / vol;
            worstS = Math.max(worstS, Math.abs(fd - r.stress()[v]) / Math.max(1.0, Math.abs(fd)));
        }
        System.out.printf("graph finite differences (jax_md_lmax3_layers3_periodic): forces %.2e stress %.2e%n",
                worstF, worstS);
        assertTrue(worstF < 1e-7, "forces vs finite differences: " + worstF);
        assertTrue(worstS < 1e-7, "stress vs finite differences: " + worstS);
    }

    static ModelInput withPositions(ModelInput in, double[] pos, double[] shifts) {
        return new ModelInput(in.numbers(), pos, in.senders(), in.receivers(), shifts, in.nNode());
    }

    /** x @ (I + eps), row vectors. */
    static double[] strain(double[] x, double[] eps) {
        double[] o = x.clone();
        for (int r = 0; r < x.length / 3; r++) {
            for (int b = 0; b < 3; b++) {
                for (int a = 0; a < 3; a++) {
                    o[3 * r + b] += x[3 * r + a] * eps[3 * a + b];
                }
            }
        }
        return o;
    }

    static double det(double[] m) {
        return m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6]);
    }
}
