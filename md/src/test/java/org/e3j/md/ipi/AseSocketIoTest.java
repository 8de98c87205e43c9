package org.e3j.md.ipi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * ASE's real {@code SocketIOCalculator} (the i-PI server side, ASE 3.29) launches
 * {@link LjDriverMain} as a subprocess and runs VelocityVerlet; {@code ipi_ase_check.py} compares
 * every step with a numpy shifted-force LJ. Skipped when the ASE venv is absent.
 */
class AseSocketIoTest {

    @Test
    void aseSocketIoCalculatorDrivesTheJavaDriver() throws Exception {
        Path python = Path.of(System.getProperty("e3j.python", "../python/.venv/bin/python")).toAbsolutePath().normalize();
        Path script = Path.of("src/test/python/ipi_ase_check.py").toAbsolutePath();
        Assumptions.assumeTrue(Files.isExecutable(python) && Files.exists(script), "no ASE venv");
        Set<String> cp = new LinkedHashSet<>();
        for (Class<?> c : new Class<?>[] {LjDriverMain.class, IpiDriver.class, org.e3j.graph.Structure.class,
            org.e3j.engine.E3jException.class}) {
            cp.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(python.toString(), script.toString(), "--lj-reference", "--steps",
                "5", "--timeout", "30", "--", java, "-cp", String.join(File.pathSeparator, cp),
                LjDriverMain.class.getName(), "unix:{unixsocket}", "{structure}"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "timed out: " + out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("OK: 6 evaluations through ASE's SocketIOCalculator"), out);
        assertTrue(out.contains("e3j LJ driver: PEER_CLOSED after 6 evaluations"), out);
    }
}
