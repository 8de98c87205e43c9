package org.e3j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.e3j.graph.io.ExtXyz;
import org.e3j.graph.io.Frame;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15 findings 4 and 5, with real processes: two {@code e3j md} writing one trajectory, and a
 * trajectory write that fails (the file-size limit of {@code ulimit -f}).
 */
class TrajectoryProcessTest {
    @TempDir
    Path dir;
    Path crystal;

    @BeforeEach
    void writeCrystal() throws IOException {
        crystal = dir.resolve("crystal.xyz");
        ExtXyz.write(crystal, List.of(Frame.of(OutputSafetyTest.crystalStructure())));
    }

    private List<String> java(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:-UsePerfData", "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                "org.e3j.cli.Main"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** The command under bash's {@code ulimit -f} (KiB): a write beyond it fails with EFBIG. */
    private static List<String> withFileSizeLimit(int kib, List<String> cmd) {
        String quoted = String.join(" ", cmd.stream().map(s -> "'" + s.replace("'", "'\\''") + "'").toList());
        return List.of("bash", "-c", "ulimit -f " + kib + " && exec " + quoted);
    }

    private Process start(String name, List<String> cmd) throws IOException {
        return new ProcessBuilder(cmd).directory(dir.toFile()).redirectOutput(dir.resolve(name + ".out").toFile())
                .redirectError(dir.resolve(name + ".err").toFile()).start();
    }

    private String err(String name) throws IOException {
        return Files.readString(dir.resolve(name + ".err"))
                .replace("WARNING: Using incubator modules: jdk.incubator.vector\n", "");
    }

    private static int await(Process p) throws InterruptedException {
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "did not finish");
        return p.exitValue();
    }

    private String[] md(Path out, long steps, String... more) {
        List<String> a = new ArrayList<>(List.of("md", "-m", CliProcessTest.MODEL.toString(), "-s", crystal.toString(),
                "--steps", Long.toString(steps), "--every", "1", "--timestep", "1", "--quiet", "-o", out.toString()));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    /** Steps and frames strictly follow each other: one run's frames, not two runs' interleaved. */
    private static void oneRun(List<Frame> frames) {
        for (int k = 0; k < frames.size(); k++) {
            assertEquals((long) k, frames.get(k).info().get("step"), "frame " + k);
        }
    }

    @Test
    void twoRunsStartedTogetherOnOneTrajectoryOneFailsLoudly() throws Exception {
        Path shared = dir.resolve("shared.xyz");
        Process a = start("a", java(md(shared, 40)));
        Process b = start("b", java(md(shared, 40)));
        int sa = await(a);
        int sb = await(b);
        assertEquals(1, Math.min(sa, sb) + Math.max(sa, sb), "one succeeds, one fails: " + sa + " " + sb + "\n"
                + err("a") + err("b"));
        String loser = sa == 0 ? err("b") : err("a");
        assertTrue(loser.startsWith("e3j: " + shared) && loser.strip().lines().count() == 1, loser);
        List<Frame> frames = ExtXyz.read(shared);
        assertEquals(41, frames.size());
        oneRun(frames);
    }

    @Test
    void aForcedRunCannotTakeOverATrajectoryThatIsBeingWritten() throws Exception {
        Path shared = dir.resolve("shared.xyz");
        Process first = start("first", java(md(shared, 1_000_000)));
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!(Files.exists(shared) && Files.size(shared) > 0) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(Files.size(shared) > 0, "the first run writes");
            Process second = start("second", java(md(shared, 4, "--force")));
            assertEquals(1, await(second));
            assertTrue(err("second").contains("another run is writing this trajectory"), err("second"));
            List<String> resume = new ArrayList<>(List.of("md", "-m", CliProcessTest.MODEL.toString(), "--steps", "4",
                    "--quiet", "--resume", "-o", shared.toString()));
            Process third = start("third", java(resume.toArray(String[]::new)));
            assertEquals(1, await(third));
            assertTrue(err("third").contains("another run is writing this trajectory"), err("third"));
            assertTrue(first.isAlive(), "the first run goes on");
        } finally {
            first.destroy(); // SIGTERM: the trajectory keeps whole frames
            first.waitFor(30, TimeUnit.SECONDS);
        }
        oneRun(ExtXyz.read(shared));
    }

    @Test
    void aFailedWriteLeavesWholeFramesAndSaysWhyInOneLine() throws Exception {
        Path traj = dir.resolve("big.xyz");
        // 48 KiB per file: room for a few frames of 32 atoms (about 6.5 KB each), not for 501
        Process p = start("limited", withFileSizeLimit(48, java(md(traj, 500))));
        int status = await(p);
        String err = err("limited");
        assertEquals(1, status, err);
        assertTrue(err.startsWith("e3j: " + traj + ": cannot write the trajectory frame of step "), err);
        assertTrue(err.contains("File too large"), err);
        assertTrue(err.contains("the file ends with the last complete frame"), err);
        assertEquals(1, err.strip().lines().count(), err);
        assertTrue(Files.size(traj) <= 48 * 1024);
        List<Frame> frames = ExtXyz.read(traj); // a partial frame would be a parse error
        assertTrue(frames.size() >= 2, "frames: " + frames.size());
        oneRun(frames);

        Path python = Path.of(System.getProperty("e3j.python", "../python/.venv/bin/python")).toAbsolutePath().normalize();
        Assumptions.assumeTrue(Files.isExecutable(python), "no ASE venv: ASE's reading not checked");
        Process ase = new ProcessBuilder(python.toString(), "-c",
                "import sys; from ase.io import read; print(len(read(sys.argv[1], ':')))", traj.toString())
                .redirectErrorStream(true).start();
        String out = new String(ase.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, await(ase), out);
        assertEquals(Integer.toString(frames.size()), out);
    }

    @Test
    void anEvalThatCannotWriteKeepsTheEarlierOutputAndSaysWhyInOneLine() throws Exception {
        Path many = dir.resolve("many.xyz");
        Frame f = Frame.of(OutputSafetyTest.crystalStructure());
        ExtXyz.write(many, java.util.Collections.nCopies(40, f)); // about 10 KB of results per frame
        Path out = Files.writeString(dir.resolve("out.xyz"), "an earlier result\n");
        Process p = start("eval", withFileSizeLimit(64, java("eval", many.toString(), "-o", out.toString(), "-m",
                CliProcessTest.MODEL.toString())));
        int status = await(p);
        String err = err("eval");
        assertEquals(1, status, err);
        assertTrue(err.startsWith("e3j: " + out + ": cannot write (File too large)"), err);
        assertEquals(1, err.strip().lines().count(), err);
        assertEquals("an earlier result\n", Files.readString(out));
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(), files.filter(x -> x.toString().endsWith(".tmp")).toList());
        }
    }
}
