package org.e3j.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The provider's choice, in this JVM (which has the module) and in child JVMs started with and
 * without --add-modules jdk.incubator.vector and with each -De3j.kernels value.
 */
class KernelProviderTest {

    @Test
    void choosesOnceAndScalarIsAlwaysThere() {
        Kernels k = KernelProvider.get();
        assertNotNull(k);
        assertSame(k, KernelProvider.get());
        assertEquals("scalar", KernelProvider.scalar().name());
    }

    @Test
    void vectorLookupNeverThrows() {
        // present under surefire (the parent pom adds the module); absent is also a valid answer
        KernelProvider.vector().ifPresent(v -> assertTrue(v.name().startsWith("vector-"), v.name()));
        if (KernelProvider.vector().isPresent() && System.getProperty(KernelProvider.PROPERTY) == null) {
            assertTrue(KernelProvider.get().name().startsWith("vector-"), KernelProvider.get().name());
        }
    }

    record Run(String stdout, String stderr) {
        long count(String needle) {
            String all = stdout + stderr;
            long n = 0;
            for (int i = all.indexOf(needle); i >= 0; i = all.indexOf(needle, i + 1)) {
                n++;
            }
            return n;
        }
    }

    private static Run probe(String... jvmArgs) throws IOException, InterruptedException {
        Run run = run(jvmArgs);
        assertTrue(run.stdout.contains("check=6.0"), run.toString());
        return run;
    }

    private static Run run(String... jvmArgs) throws IOException, InterruptedException {
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        String cp;
        try {
            cp = Path.of(KernelProvider.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    + java.io.File.pathSeparator
                    + Path.of(ProviderProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IOException(e);
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBin.toString());
        cmd.add("-Xshare:auto");
        cmd.addAll(List.of(jvmArgs));
        cmd.addAll(List.of("-cp", cp, ProviderProbe.class.getName()));
        Process p = new ProcessBuilder(cmd).start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "probe JVM hung");
        Run run = new Run(new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
        assertEquals(0, p.exitValue(), "probe failed: " + run);
        return run;
    }

    /** A JVM without the module is refused (it would be ~5x slower, easy to miss), saying how to fix it. */
    @Test
    void withoutTheModuleRefusesAndSaysHowToFixIt() throws Exception {
        Run run = run();
        assertTrue(run.stdout.contains("refused: "), run.toString());
        assertTrue(run.stdout.contains("--add-modules jdk.incubator.vector"), run.toString());
        assertTrue(run.stdout.contains("-De3j.kernels=scalar"), run.toString());
        assertEquals(0, run.count("chosen="), run.toString());
    }

    /** Asked for, the scalar kernels run without the module, and without a warning. */
    @Test
    void withoutTheModuleScalarWhenAskedFor() throws Exception {
        Run run = probe("-De3j.kernels=scalar");
        assertTrue(run.stdout.contains("chosen=scalar"), run.toString());
        assertTrue(run.stdout.contains("vectorPresent=false"), run.toString());
        assertEquals(0, run.count("falling back"), run.toString());
    }

    @Test
    void propertyForcesScalarWithoutWarning() throws Exception {
        Run run = probe("--add-modules", "jdk.incubator.vector", "-De3j.kernels=scalar");
        assertTrue(run.stdout.contains("chosen=scalar"), run.toString());
        assertTrue(run.stdout.contains("vectorPresent=true"), run.toString());
        assertEquals(0, run.count("falling back"), run.toString());
    }

    @Test
    void withTheModuleChoosesVectorAndHonoursBits() throws Exception {
        Run run = probe("--add-modules", "jdk.incubator.vector");
        assertTrue(run.stdout.contains("chosen=vector-"), run.toString());
        Run narrow = probe("--add-modules", "jdk.incubator.vector", "-De3j.kernels.bits=128");
        assertTrue(narrow.stdout.contains("chosen=vector-128"), narrow.toString());
    }

    @Test
    void interpreterOnlyFallsBackUnlessForced() throws Exception {
        Run run = probe("--add-modules", "jdk.incubator.vector", "-Xint");
        assertTrue(run.stdout.contains("chosen=scalar"), run.toString());
        assertEquals(1, run.count("falling back"), run.toString());
        assertTrue(run.stderr.contains("WARNING: e3j kernels: falling back"), run.toString());
        Run forced = probe("--add-modules", "jdk.incubator.vector", "-Xint", "-De3j.kernels=vector");
        assertTrue(forced.stdout.contains("chosen=vector-"), forced.toString());
    }
}
