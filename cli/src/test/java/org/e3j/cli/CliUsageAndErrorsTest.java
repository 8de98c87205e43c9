package org.e3j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.e3j.graph.io.ExtXyz;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the {@code e3j} command does when used carelessly, run as a separate JVM like a user runs it:
 * no arguments, {@code --version} on each command, files that are missing, folders, or not what they
 * claim to be, and a heap too small for the job.
 */
class CliUsageAndErrorsTest {
    static final Path MODEL = Path.of("../tests/fixtures/potential_crystal32/model.safetensors").toAbsolutePath();
    static final String[] COMMANDS = {"md", "seed", "eval", "bench", "info", "ipi", "viz", "plot"};

    @TempDir
    Path dir;

    record Run(int status, String out, String err) {}

    Run e3j(List<String> jvmArgs, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector"));
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"),
                "-De3j.home=" + Path.of("..").toAbsolutePath().normalize(), "org.e3j.cli.Main"));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "stdout", ".txt");
        Path err = Files.createTempFile(dir, "stderr", ".txt");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("e3j " + String.join(" ", args) + " did not finish");
        }
        String stderr = Files.readString(err).replace("WARNING: Using incubator modules: jdk.incubator.vector\n", "");
        String stdout = Files.readString(out);
        Files.delete(out);
        Files.delete(err);
        return new Run(p.exitValue(), stdout, stderr);
    }

    Run e3j(String... args) throws IOException, InterruptedException {
        return e3j(List.of(), args);
    }

    /** Everything in the working folder other than the test's own output captures. */
    List<String> filesLeft() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith("std")).sorted().toList();
        }
    }

    @Test
    void noArgumentsPrintsUsageAndRunsNothing() throws Exception {
        Run r = e3j();
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("Usage: e3j"), r.out());
        for (String sub : COMMANDS) {
            assertTrue(r.out().contains(sub), sub + " missing from the usage:\n" + r.out());
        }
        assertEquals(List.of(), filesLeft(), "e3j with no arguments wrote files");
    }

    @Test
    void versionOnEveryCommand() throws Exception {
        Run top = e3j("--version");
        assertEquals(0, top.status(), top.err());
        assertTrue(top.out().matches("e3j \\d+\\.\\d+\\.\\d+\\S*\\R"), top.out());
        for (String sub : COMMANDS) {
            Run r = e3j(sub, "--version");
            assertEquals(0, r.status(), sub + ": " + r.err());
            assertEquals(top.out(), r.out(), "e3j " + sub + " --version");
        }
    }

    /** One line "e3j: ROLE FILE: what is wrong", exit status 1. */
    static void assertFileError(Run r, String expected) {
        assertEquals(Main.EXIT_INPUT_ERROR, r.status(), r.err());
        assertEquals("e3j: " + expected, r.err().strip(), "stderr");
    }

    @Test
    void fileErrorsSayWhichFileAndWhatIsWrong() throws Exception {
        Path missing = dir.resolve("absent.xyz");
        Path folder = Files.createDirectory(dir.resolve("a-folder"));
        Path notXyz = dir.resolve("notes.xyz");
        Files.writeString(notXyz, "hello\nworld\n");
        Path empty = Files.createFile(dir.resolve("empty.xyz"));
        Path inMissingFolder = dir.resolve("no-such-folder").resolve("t.xyz");

        assertFileError(e3j("md", "-s", missing.toString(), "--model", MODEL.toString()),
                "structure file " + missing + ": no such file");
        assertFileError(e3j("md", "-s", folder.toString(), "--model", MODEL.toString()),
                "structure file " + folder + ": is a directory, not a file");
        assertFileError(e3j("md", "-s", empty.toString(), "--model", MODEL.toString()),
                "structure file " + empty + ": no frames (empty file?)");
        assertFileError(e3j("bench", "-s", inMissingFolder.toString(), "--model", MODEL.toString()),
                "structure file " + inMissingFolder + ": no such file (folder " + inMissingFolder.getParent()
                        + " does not exist)");
        Run garbage = e3j("md", "-s", notXyz.toString(), "--model", MODEL.toString());
        assertEquals(Main.EXIT_INPUT_ERROR, garbage.status(), garbage.err());
        assertTrue(garbage.err().startsWith("e3j: structure file " + notXyz + ": line 1"), garbage.err());
        assertEquals(1, garbage.err().strip().lines().count(), garbage.err());

        Path absentModel = dir.resolve("absent.safetensors");
        assertFileError(e3j("md", "--model", absentModel.toString()), "model file " + absentModel + ": no such file");
        assertFileError(e3j("md", "--model", folder.toString()), "model file " + folder + ": is a directory, not a file");
        assertFileError(e3j("info", folder.toString()), "model file " + folder + ": is a directory, not a file");
        Run notModel = e3j("md", "--model", notXyz.toString());
        assertEquals(Main.EXIT_INPUT_ERROR, notModel.status(), notModel.err());
        assertTrue(notModel.err().startsWith("e3j: model file " + notXyz + ": "), notModel.err());
        assertEquals(1, notModel.err().strip().lines().count(), notModel.err());

        // An output into a folder that does not exist: caught centrally, with the reason.
        Path crystal = dir.resolve("crystal.xyz");
        ExtXyz.write(crystal, List.of(Structures.fccCopper(1, Structures.CU_LATTICE).toFrame(false)));
        Path out = dir.resolve("missing-out").resolve("traj.xyz");
        Run r = e3j("md", "-s", crystal.toString(), "--steps", "1", "--quiet", "-o", out.toString());
        assertEquals(Main.EXIT_INPUT_ERROR, r.status(), r.err());
        assertTrue(r.err().strip().startsWith("e3j: " + out), r.err());
        assertTrue(r.err().contains("does not exist"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    /** The reasons a root-run test cannot provoke (permissions) are still spelled out. */
    @Test
    void fileSystemErrorsAreDescribedByKind() {
        assertEquals("f.xyz: permission denied", InputFiles.describe(new AccessDeniedException("f.xyz")));
        assertTrue(InputFiles.describe(new NoSuchFileException("f.xyz")).startsWith("f.xyz: no such file or directory"));
        assertEquals("f.xyz: is a directory", InputFiles.describe(new FileSystemException("f.xyz", null, "Is a directory")));
    }

    @Test
    void outOfMemoryIsOneLineSayingHowToRaiseTheHeap() throws Exception {
        Path big = dir.resolve("big.xyz");
        ExtXyz.write(big, List.of(Structures.fccCopper(12, Structures.CU_LATTICE).toFrame(false))); // 6912 atoms
        for (String engine : new String[] {"fast", "reference"}) {
            Run r = e3j(List.of("-Xmx40m"), "md", "-s", big.toString(), "--steps", "1", "--quiet", "-t",
                    engine.equals("fast") ? "2" : "1",
                    "--engine", engine, "-o", dir.resolve("big-out.xyz").toString());
            assertEquals(Main.EXIT_OUT_OF_MEMORY, r.status(), engine + ": " + r.err());
            assertTrue(r.err().startsWith("e3j: out of memory"), r.err());
            assertTrue(r.err().contains("E3J_JAVA_OPTS=-Xmx"), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertFalse(r.err().contains("at org."), r.err());
        }
    }
}
