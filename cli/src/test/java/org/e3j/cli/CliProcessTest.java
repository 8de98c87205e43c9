package org.e3j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.e3j.graph.Structure;
import org.e3j.graph.io.ExtXyz;
import org.e3j.graph.io.Frame;
import org.e3j.layers.io.SafeTensors;
import org.e3j.md.AtomsSystem;
import org.e3j.md.ForceResult;
import org.e3j.md.ipi.IpiAddress;
import org.e3j.md.ipi.IpiServer;
import org.e3j.md.model.ReferenceForceField;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code e3j} command as a user runs it: a separate JVM process with arguments, files in and
 * out, exit status and stderr. Uses a small Potential fixture written from real e3nn-jax.
 */
class CliProcessTest {
    static final Path MODEL = Path.of("../tests/fixtures/potential_crystal32/model.safetensors").toAbsolutePath();
    static final Path FIXTURE = Path.of("../tests/fixtures/potential_crystal32/fixture.safetensors").toAbsolutePath();

    @TempDir
    static Path dir;
    static Path crystal;

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

    /** The fixture's 32-atom periodic crystal as an extended-XYZ file. */
    @BeforeAll
    static void writeCrystal() throws IOException {
        SafeTensors f = SafeTensors.open(FIXTURE);
        double[] cell = f.doubles("input/cell");
        int[] pbcInts = f.ints("input/pbc");
        boolean[] pbc = {pbcInts[0] != 0, pbcInts[1] != 0, pbcInts[2] != 0};
        Structure s = new Structure(f.ints("input/numbers"), f.doubles("input/positions"), cell, pbc);
        crystal = dir.resolve("crystal.xyz");
        ExtXyz.write(crystal, List.of(Frame.of(s)));
    }

    @Test
    void helpListsEverySubcommand() throws Exception {
        Run r = e3j("--help");
        assertEquals(0, r.status());
        for (String sub : new String[] {"md", "seed", "eval", "bench", "info", "ipi", "viz", "plot"}) {
            assertTrue(r.out().contains(sub), sub + " missing from --help:\n" + r.out());
        }
        for (String sub : new String[] {"md", "seed", "eval", "bench", "info", "ipi", "viz", "plot"}) {
            Run h = e3j(sub, "--help");
            assertEquals(0, h.status(), sub + " --help");
            assertTrue(h.out().contains("Usage: e3j " + sub), h.out());
        }
    }

    @Test
    void seedExampleMatchesE3nnJax() throws Exception {
        Run r = e3j("seed");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("node 2 (Z=8)"), r.out());
        assertTrue(r.out().contains("global features of graph 0"), r.out());
        String last = r.out().strip().lines().reduce((a, b) -> b).orElseThrow();
        double worst = Double.parseDouble(last.replaceAll(".*: ([0-9.eE+-]+) .*", "$1"));
        assertTrue(worst < 1e-5, last);
    }

    @Test
    void infoDescribesTheModel() throws Exception {
        Run r = e3j("info", MODEL.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("Potential"), r.out());
        assertTrue(r.out().contains("species       [31, 33]"), r.out());
        assertTrue(r.out().contains("parameters"), r.out());
    }

    @Test
    void evalWritesEnergiesForcesAndStressEqualToTheApi() throws Exception {
        Path out = dir.resolve("eval.xyz");
        Run r = e3j("eval", crystal.toString(), "-o", out.toString(), "--model", MODEL.toString(), "--engine", "reference");
        assertEquals(0, r.status(), r.err());
        List<Frame> frames = ExtXyz.read(out);
        assertEquals(1, frames.size());
        AtomsSystem system = AtomsSystem.of(ExtXyz.read(crystal).get(0));
        ForceResult expected = new ForceResult();
        try (ReferenceForceField ff = ReferenceForceField.load(MODEL)) {
            ff.compute(system, ForceResult.ALL, expected);
        }
        assertEquals(expected.energy(), frames.get(0).energy(), 1e-9 * Math.max(1, Math.abs(expected.energy())));
        double[] forces = frames.get(0).forces();
        double[] ef = expected.forcesCopy();
        for (int i = 0; i < ef.length; i++) {
            assertEquals(ef[i], forces[i], 1e-9);
        }
        assertArrayEquals(expected.stressCopy(), frames.get(0).stress(), 1e-12);
    }

    @Test
    void mdRunsAndWritesATrajectory() throws Exception {
        Path traj = dir.resolve("traj.xyz");
        Run r = e3j("md", "--model", MODEL.toString(), "-s", crystal.toString(), "--steps", "6", "--every", "2",
                "--timestep", "1", "-o", traj.toString(), "--engine", "reference", "--quiet");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("steps/s"), r.out());
        assertTrue(r.out().contains("ns/day"), r.out());
        List<Frame> frames = ExtXyz.read(traj);
        assertTrue(frames.size() >= 3, "frames: " + frames.size());
        for (Frame f : frames) {
            assertTrue(f.energy() != null && Double.isFinite(f.energy()));
        }
    }

    @Test
    void benchReportsLatency() throws Exception {
        Run r = e3j("bench", "--model", MODEL.toString(), "-s", crystal.toString(), "--warmup", "0.2", "--time", "0.3",
                "--engine", "reference");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("latency  min"), r.out());
    }

    @Test
    void badArgumentsAndMissingFilesAreOneClearLine() throws Exception {
        Run missing = e3j("info", dir.resolve("absent.safetensors").toString());
        assertEquals(1, missing.status());
        assertTrue(missing.err().startsWith("e3j: ") && missing.err().contains("absent.safetensors"), missing.err());
        assertEquals(1, missing.err().strip().lines().count(), missing.err());

        Run missingXyz = e3j("eval", dir.resolve("nope.xyz").toString(), "-o", "x.xyz", "--model", MODEL.toString());
        assertEquals(1, missingXyz.status());
        assertTrue(missingXyz.err().contains("nope.xyz"), missingXyz.err());

        Run badOption = e3j("md", "--no-such-option");
        assertEquals(2, badOption.status());
        assertTrue(badOption.err().contains("--no-such-option"), badOption.err());

        Run badEnsemble = e3j("md", "--model", MODEL.toString(), "-s", crystal.toString(), "--ensemble", "npt",
                "--steps", "1");
        assertEquals(2, badEnsemble.status()); // a value the option cannot take: a usage error
        assertTrue(badEnsemble.err().contains("--ensemble"), badEnsemble.err());

        Run badSteps = e3j("md", "--steps", "-3", "--model", MODEL.toString(), "-s", crystal.toString());
        assertEquals(2, badSteps.status());

        Path garbage = dir.resolve("garbage.safetensors");
        Files.write(garbage, "not a model".getBytes(StandardCharsets.UTF_8));
        Run badModel = e3j("info", garbage.toString());
        assertEquals(1, badModel.status());
        assertTrue(badModel.err().startsWith("e3j: "), badModel.err());

        Run seedModel = e3j("eval", crystal.toString(), "-o", "y.xyz", "--model",
                Path.of("../tests/fixtures/seed_example/model.safetensors").toAbsolutePath().toString());
        assertEquals(1, seedModel.status());
        assertTrue(seedModel.err().contains("Potential"), seedModel.err());
    }

    @Test
    void ipiDriverServesAnIpiServer() throws Exception {
        AtomsSystem system = AtomsSystem.of(ExtXyz.read(crystal).get(0));
        String name = "e3j-test-" + ProcessHandle.current().pid();
        try (IpiServer server = IpiServer.bind(IpiAddress.unix(name), IpiServer.Options.DEFAULT)) {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                    "org.e3j.cli.Main", "ipi", "--unix", name, "-s", crystal.toString(), "--model", MODEL.toString(),
                    "--engine", "reference"));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("ipi.txt").toFile())
                    .start();
            try {
                server.accept();
                ForceResult got = new ForceResult();
                got.request(ForceResult.ENERGY | ForceResult.FORCES | ForceResult.STRESS);
                server.calculate(system.cell(), system.positions(), system.numAtoms(), true, got);
                ForceResult expected = new ForceResult();
                try (ReferenceForceField ff = ReferenceForceField.load(MODEL)) {
                    ff.compute(system, ForceResult.ALL, expected);
                }
                assertEquals(expected.energy(), got.energy(), 1e-8);
                double[] ef = expected.forcesCopy();
                for (int i = 0; i < ef.length; i++) {
                    assertEquals(ef[i], got.forces()[i], 1e-8);
                }
                server.sendExit();
                assertTrue(p.waitFor(60, TimeUnit.SECONDS));
                assertEquals(0, p.exitValue(), Files.readString(dir.resolve("ipi.txt")));
            } finally {
                p.destroyForcibly();
            }
        }
    }
}
