package org.e3j.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.e3j.engine.kernels.JitFlags;
import org.junit.jupiter.api.Test;

/**
 * Every place that starts a JVM for the SIMD kernels, or tells a user how to, carries every
 * CompileCommand of {@link JitFlags} (docs/kernels.md, "Inlining"): one missing flag lets the JIT box
 * the Vector API in some runs and not others, which no single test run is sure to catch.
 */
class JitFlagsTest {

    /** The repository root: this module's tests run in {@code tests/}. */
    private static final Path ROOT = Path.of("..");

    @Test
    void theLauncherThePomAndTheDocsCarryEveryFlag() throws IOException {
        for (String file : List.of("e3j", "pom.xml", "README.md", "docs/kernels.md")) {
            String text = Files.readString(ROOT.resolve(file));
            for (String flag : JitFlags.ALL) {
                assertTrue(text.contains(flag), file + " lacks " + flag);
            }
        }
    }

    @Test
    void thisTestJvmWasStartedWithThem() {
        List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (String flag : JitFlags.ALL) {
            assertTrue(args.contains(flag), "the surefire JVM lacks " + flag + ": " + args);
        }
    }
}
