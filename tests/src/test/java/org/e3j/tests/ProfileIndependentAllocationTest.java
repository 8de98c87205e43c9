package org.e3j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.e3j.engine.kernels.JitFlags;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernels allocate nothing whatever profile C2 compiles them from. In the JVMs the tests and
 * users run (tiered compilation), what the shared JDK methods of the Vector API have seen when C2
 * reads their profile depends on timing: CI failed one run in several, with 22 MB per 50 MD steps,
 * when a 128-bit float vector (once used for four dM sums) had passed through {@code FloatVector}'s
 * methods while they were being profiled. Without tiered compilation the interpreter profiles
 * everything that runs, so any second float species (or any other profile-dependent boxing) shows
 * every time: this test runs energy + forces under {@code -XX:-TieredCompilation} in a JVM of its own
 * and requires a window of 50 calls that allocates nothing (docs/kernels.md, "One float species").
 */
class ProfileIndependentAllocationTest {

    @TempDir
    Path dir;

    @Test
    void energyAndForcesAllocateNothingUnderAFullyProfiledJit() throws Exception {
        String[] cases = {"potential_crystal32", "potential_molecule20", "potential_batch3"};
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC", "-Xmx1g"));
        cmd.addAll(JitFlags.ALL);
        // CompileThreshold: invocations before C2 compiles without tiers (default 10 000); lower so that
        // the methods called once per call are compiled within the probe's time
        cmd.addAll(List.of("-XX:-TieredCompilation", "-XX:CompileThreshold=1000",
                "-De3j.fixtures=" + Fixtures.root().toAbsolutePath(),
                "-cp", System.getProperty("java.class.path"), AllocationProbe.class.getName()));
        cmd.addAll(List.of(cases));
        Path out = dir.resolve("probe.txt");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            assertTrue(p.waitFor(300, TimeUnit.SECONDS), "the probe did not finish");
        } finally {
            p.destroyForcibly();
        }
        String text = Files.readString(out);
        System.out.print(text);
        assertEquals(0, p.exitValue(), text);
        List<String> lines = text.lines().filter(l -> l.startsWith(AllocationProbe.RESULT)).toList();
        assertEquals(cases.length, lines.size(), text);
        for (String line : lines) {
            String[] f = line.substring(AllocationProbe.RESULT.length()).split(" ");
            assertEquals(0, Long.parseLong(f[1]), f[0] + ": bytes allocated by 50 energy + forces calls after "
                    + f[2] + " windows without tiered compilation");
        }
    }
}
