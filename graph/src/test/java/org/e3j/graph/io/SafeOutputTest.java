package org.e3j.graph.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Outputs appear whole or not at all, and never replace an input (issue 15, finding 1). */
class SafeOutputTest {
    @TempDir
    Path dir;

    private static void write(SafeOutput o, String text) throws IOException {
        o.stream().write(text.getBytes(StandardCharsets.UTF_8));
    }

    private List<Path> leftovers() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
        }
    }

    @Test
    void anInputIsNeverTheOutputEvenThroughALinkAndIsLeftUntouched() throws Exception {
        Path input = Files.writeString(dir.resolve("traj.xyz"), "original");
        Path symlink = Files.createSymbolicLink(dir.resolve("link.xyz"), input.getFileName());
        Path hardlink = Files.createLink(dir.resolve("hard.xyz"), input);
        Path model = Files.writeString(dir.resolve("model.safetensors"), "weights");
        Files.createDirectory(dir.resolve("sub"));
        for (Path target : new Path[] {input, symlink, hardlink, dir.resolve("sub/../traj.xyz")}) {
            IOException e = assertThrows(IOException.class, () -> SafeOutput.create(target,
                    SafeOutput.Input.of("the input", input), SafeOutput.Input.of("the model", model)));
            assertTrue(e.getMessage().startsWith(target + ": is also the input"), e.getMessage());
        }
        IOException e = assertThrows(IOException.class, () -> SafeOutput.create(model,
                SafeOutput.Input.of("the input", input), SafeOutput.Input.of("the model", model)));
        assertTrue(e.getMessage().contains("is also the model"), e.getMessage());
        assertEquals("original", Files.readString(input));
        assertEquals("weights", Files.readString(model));
        assertEquals(List.of(), leftovers());
    }

    @Test
    void aDirectoryIsNotAFileToWrite() {
        IOException e = assertThrows(IOException.class, () -> SafeOutput.create(dir));
        assertTrue(e.getMessage().contains("is a directory"), e.getMessage());
    }

    @Test
    void withoutACommitTheOldFileStaysAndNoTemporaryIsLeft() throws Exception {
        Path target = Files.writeString(dir.resolve("out.xyz"), "old");
        try (SafeOutput o = SafeOutput.create(target)) {
            write(o, "half of the new");
            assertEquals("old", Files.readString(target));
            assertEquals(1, leftovers().size());
        }
        assertEquals("old", Files.readString(target));
        assertEquals(List.of(), leftovers());
    }

    @Test
    void aCommitReplacesTheFileAndASymlinkedTargetKeepsItsLink() throws Exception {
        Path real = Files.writeString(dir.resolve("real.png"), "old");
        Path link = Files.createSymbolicLink(dir.resolve("link.png"), real.getFileName());
        try (SafeOutput o = SafeOutput.create(link)) {
            write(o, "new");
            o.stream().close(); // encoders close the stream they are given: that must not lose the file
            o.commit();
        }
        assertTrue(Files.isSymbolicLink(link));
        assertEquals("new", Files.readString(real));
        assertEquals(List.of(), leftovers());
    }

    @Test
    void twoWritersOfOneTargetUseTheirOwnTemporaryFiles() throws Exception {
        Path target = dir.resolve("plot.png");
        try (SafeOutput a = SafeOutput.create(target); SafeOutput b = SafeOutput.create(target)) {
            assertEquals(2, leftovers().size());
            write(a, "from a");
            write(b, "from b");
            a.commit();
            assertEquals("from a", Files.readString(target));
            b.commit();
            assertEquals("from b", Files.readString(target)); // whole, never interleaved
        }
        assertEquals(List.of(), leftovers());
        assertNotEquals(0, Files.size(target));
    }

    @Test
    void extXyzWriteIsWholeOrNothing() throws Exception {
        Path target = Files.writeString(dir.resolve("frames.xyz"), "old");
        Frame good = ExtXyz.parse("1\nenergy=1.5\nH 0 0 0\n").get(0);
        Frame bad = good.withInfo("comment", "two\nlines"); // the writer refuses a line break in a value
        assertThrows(IllegalArgumentException.class, () -> ExtXyz.write(target, List.of(good, bad)));
        assertEquals("old", Files.readString(target));
        assertEquals(List.of(), leftovers());
        ExtXyz.write(target, List.of(good));
        assertEquals(1.5, ExtXyz.read(target).get(0).energy());
    }

    /** A process that opens an output, writes part of it, says so and waits to be stopped. */
    public static final class HalfWritten {
        public static void main(String[] args) throws Exception {
            SafeOutput o = SafeOutput.create(Path.of(args[0]));
            o.stream().write("half a file".getBytes(StandardCharsets.UTF_8));
            o.stream().flush();
            System.out.println("writing");
            System.out.flush();
            Thread.sleep(60_000);
        }
    }

    @Test
    void aStopSignalInTheMiddleLeavesNoTemporaryFile() throws Exception {
        Path target = Files.writeString(dir.resolve("out.xyz"), "earlier");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), HalfWritten.class.getName(), target.toString())
                .redirectErrorStream(true).start();
        try (var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            assertEquals("writing", out.readLine());
            assertEquals(1, leftovers().size(), "the temporary file exists while writing");
            p.destroy(); // SIGTERM: the JVM runs its shutdown hooks, as on Ctrl-C
            assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
        } finally {
            p.destroyForcibly();
        }
        assertEquals(List.of(), leftovers());
        assertEquals("earlier", Files.readString(target), "the target is untouched");
    }

    @Test
    void aDeviceOrPipeIsNeverReplaced() throws Exception {
        Path fifo = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        IOException e = assertThrows(IOException.class, () -> SafeOutput.create(fifo));
        assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
        assertTrue(Files.exists(fifo) && !Files.isRegularFile(fifo));
    }

    /** Writes {@code text} to {@code target} through a committed SafeOutput. */
    private static void replace(Path target, String text, SafeOutput.Input... inputs) throws IOException {
        try (SafeOutput o = SafeOutput.create(target, inputs)) {
            write(o, text);
            o.commit();
        }
    }

    @Test
    void aDanglingLinkIsFollowedAsTheSystemDoesAndNeverOntoAnInput() throws Exception {
        // dir/d -> dir/deep/sub; dir/deep/sub/out.xyz -> ../in.xyz: the OS climbs from deep/sub (the
        // folder d really is) to deep/in.xyz; a textual normalisation of d/../in.xyz gave dir/in.xyz,
        // here an input, which was then replaced
        Path sub = Files.createDirectories(dir.resolve("deep/sub"));
        Path d = Files.createSymbolicLink(dir.resolve("d"), sub);
        Files.createSymbolicLink(sub.resolve("out.xyz"), Path.of("../in.xyz"));
        Path input = Files.writeString(dir.resolve("in.xyz"), "the input");
        replace(d.resolve("out.xyz"), "new", SafeOutput.Input.of("the input", input));
        assertEquals("the input", Files.readString(input));
        assertEquals("new", Files.readString(dir.resolve("deep/in.xyz")));
        assertTrue(Files.isSymbolicLink(sub.resolve("out.xyz")), "the link stays");
    }

    /** A private file stays private; a mode the umask would clear at creation (0666) is kept too. */
    @Test
    void aReplacedFileKeepsItsPermissions() throws Exception {
        for (String mode : new String[] {"rw-------", "rw-rw-rw-"}) {
            Path file = Files.writeString(dir.resolve(mode + ".txt"), "old");
            var perms = java.nio.file.attribute.PosixFilePermissions.fromString(mode);
            Files.setPosixFilePermissions(file, perms);
            replace(file, "new");
            assertEquals("new", Files.readString(file));
            assertEquals(perms, Files.getPosixFilePermissions(file), mode);
            assertEquals(List.of(), leftovers());
        }
    }
}
