package org.e3j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.e3j.graph.Structure;
import org.e3j.graph.io.ExtXyz;
import org.e3j.graph.io.Frame;
import org.e3j.layers.io.Json;
import org.e3j.md.AtomsSystem;
import org.e3j.md.ForceResult;
import org.e3j.md.model.GraphForceField;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model graph (format version 2, a jax-md NequIP exported by {@code e3j_jax.graph}) through the
 * {@code e3j} command as a user runs it: {@code eval --engine reference} writes what the API computes
 * and what the package computes (float32 tolerance); {@code md --engine reference}
 * runs; the default fast engine (the graph planner) writes the package's numbers too, and runs MD.
 */
class GraphModelCliTest {
    static final Path CASE = Path.of("../tests/fixtures/graph/jax_md_lmax2_layers2_periodic").toAbsolutePath();
    static final Path MODEL = CASE.resolve("model.safetensors");

    @TempDir
    static Path dir;
    static Path xyz;
    static Map<String, Object> expected;

    record Run(int status, String out, String err) {}

    static Run e3j(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                "-De3j.home=" + Path.of("..").toAbsolutePath().normalize(), "org.e3j.cli.Main"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile())
                .redirectOutput(dir.resolve("stdout.txt").toFile()).redirectError(dir.resolve("stderr.txt").toFile())
                .start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "e3j " + String.join(" ", args) + " did not finish");
        String err = Files.readString(dir.resolve("stderr.txt")).replace("WARNING: Using incubator modules: jdk.incubator.vector\n", "");
        return new Run(p.exitValue(), Files.readString(dir.resolve("stdout.txt")), err);
    }

    static double[] flat(Object o) {
        return ((List<?>) o).stream().flatMapToDouble(r -> r instanceof List<?> l
                ? l.stream().mapToDouble(x -> ((Number) x).doubleValue())
                : java.util.stream.DoubleStream.of(((Number) r).doubleValue())).toArray();
    }

    @SuppressWarnings("unchecked")
    @BeforeAll
    static void writeStructure() throws IOException {
        expected = (Map<String, Object>) Json.parse(Files.readString(CASE.resolve("expected.json")));
        Map<String, Object> s = (Map<String, Object>) expected.get("structure");
        int[] z = ((List<?>) s.get("atomic_numbers")).stream().mapToInt(x -> (int) (long) (Long) x).toArray();
        Structure st = new Structure(z, flat(s.get("positions")), flat(s.get("cell")), new boolean[] {true, true, true});
        xyz = dir.resolve("structure.xyz");
        ExtXyz.write(xyz, List.of(Frame.of(st)));
    }

    @Test
    void evalOnTheReferenceEngineEqualsTheApiAndThePackage() throws Exception {
        Path out = dir.resolve("eval.xyz");
        Run r = e3j("eval", xyz.toString(), "-o", out.toString(), "--model", MODEL.toString(), "--engine", "reference");
        assertEquals(0, r.status(), r.err());
        Frame f = ExtXyz.read(out).get(0);
        // the same numbers as the API (GraphForceField on the same structure) ...
        ForceResult api = new ForceResult();
        try (GraphForceField ff = GraphForceField.load(MODEL)) {
            ff.compute(AtomsSystem.of(ExtXyz.read(xyz).get(0)), ForceResult.ALL, api);
        }
        assertEquals(api.energy(), f.energy(), 1e-9 * Math.max(1, Math.abs(api.energy())));
        assertArrayEquals(api.forcesCopy(), f.forces(), 1e-9);
        assertArrayEquals(api.stressCopy(), f.stress(), 1e-12);
        // ... and the package's own float32 output within the fixture tolerance (e3j builds its own
        // neighbour list with double shifts S @ cell; the fixture's edges carry float32-rounded ones)
        double worst = rel(f.energy(), ((Number) expected.get("energy")).doubleValue());
        double[] forces = flat(expected.get("forces"));
        double[] stress = flat(expected.get("stress"));
        for (int k = 0; k < forces.length; k++) {
            worst = Math.max(worst, rel(f.forces()[k], forces[k]));
        }
        for (int k = 0; k < 6; k++) {
            worst = Math.max(worst, rel(f.stress()[k], stress[k]));
        }
        System.out.printf("e3j eval --engine reference on a jax-md graph: worst error vs the package (float32) %.2e%n",
                worst);
        assertTrue(worst <= 1e-5, "worst " + worst);
    }

    static double rel(double got, double ref) {
        return Math.abs(got - ref) / Math.max(1.0, Math.abs(ref));
    }

    @Test
    void mdRunsOnTheReferenceEngine() throws Exception {
        Path traj = dir.resolve("traj.xyz");
        Run r = e3j("md", "--model", MODEL.toString(), "-s", xyz.toString(), "--steps", "4", "--every", "2",
                "--timestep", "1", "-o", traj.toString(), "--engine", "reference", "--quiet");
        assertEquals(0, r.status(), r.err());
        assertEquals(3, ExtXyz.read(traj).size());
    }

    @Test
    void theFastEngineRunsTheGraphWithThePackagesNumbers() throws Exception {
        Path out = dir.resolve("fast.xyz");
        Run r = e3j("eval", xyz.toString(), "-o", out.toString(), "--model", MODEL.toString());
        assertEquals(0, r.status(), r.err());
        Frame f = ExtXyz.read(out).get(0);
        double worst = rel(f.energy(), ((Number) expected.get("energy")).doubleValue());
        double[] forces = flat(expected.get("forces"));
        double[] stress = flat(expected.get("stress"));
        for (int k = 0; k < forces.length; k++) {
            worst = Math.max(worst, rel(f.forces()[k], forces[k]));
        }
        for (int k = 0; k < 6; k++) {
            worst = Math.max(worst, rel(f.stress()[k], stress[k]));
        }
        System.out.printf("e3j eval (fast engine) on a jax-md graph: worst error vs the package (float32) %.2e%n", worst);
        assertTrue(worst <= 1e-5, "worst " + worst);
        Path traj = dir.resolve("fast-traj.xyz");
        Run md = e3j("md", "--model", MODEL.toString(), "-s", xyz.toString(), "--steps", "4", "--every", "2",
                "--timestep", "1", "-o", traj.toString(), "--quiet");
        assertEquals(0, md.status(), md.err());
        assertEquals(3, ExtXyz.read(traj).size());
    }

    @Test
    void infoDescribesTheGraphInsteadOfRefusingIt() throws Exception {
        Run r = e3j("info", MODEL.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("model graph (format e3j-model v2)"), r.out());
        assertTrue(r.out().contains("tensor_product_uvu x2"), r.out());
        assertTrue(r.out().contains("species       [29, 13]"), r.out());
        assertTrue(r.out().contains("fast plan"), r.out());
        assertTrue(r.out().contains("2 fused message block(s)"), r.out());
        assertTrue(r.out().contains("layer_0_tp + layer_0_tp_simplified + layer_0_aggregated"), r.out());
    }
}
