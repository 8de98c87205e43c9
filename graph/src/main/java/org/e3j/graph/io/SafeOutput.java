package org.e3j.graph.io;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * An output file that appears whole or not at all, and never replaces one of the command's inputs.
 *
 * <p>{@link #create} first refuses a target that is the same file as any input (compared with
 * {@link Files#isSameFile}, so through symlinks and hard links: {@code e3j eval t.xyz -o t.xyz}
 * would otherwise truncate its input before reading it). Then the bytes go to a temporary file
 * beside the target, {@code .NAME.PID.RANDOM.tmp}, created with create-new semantics, so two
 * processes (or two threads) never share one; {@link #commit} flushes, fsyncs and renames it onto
 * the target (atomically where the file system allows). {@link #close} without a commit deletes
 * the temporary file and leaves any earlier target untouched. A target that is a symlink is
 * followed: the file it points to is replaced, the link stays.
 *
 * <p>Not for MD trajectories, which must be readable while they grow (see md's
 * {@code TrajectoryWriter}).
 */
public final class SafeOutput implements Closeable {

    /** A file the command reads, named by its role for the error message ("the input", "the model"). */
    public record Input(String role, Path path) {
        public static Input of(String role, Path path) {
            return new Input(role, path);
        }
    }

    private final Path target;
    private final Path tmp;
    private final FileChannel channel;
    private final OutputStream stream;
    private boolean committed;
    private boolean closed;

    private SafeOutput(Path target, Path tmp, FileChannel channel) {
        this.target = target;
        this.tmp = tmp;
        this.channel = channel;
        // Encoders that close the stream they are given must not close the file before the commit.
        this.stream = new FilterOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16)) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        };
    }

    /**
     * Refuses {@code target} when it is a directory or the same file as one of {@code inputs}
     * (null inputs and inputs that do not exist are skipped).
     *
     * @throws IOException with one line naming the target, the input and its role
     */
    public static void checkNotAnInput(Path target, Input... inputs) throws IOException {
        if (Files.isDirectory(target)) {
            throw new IOException(target + ": is a directory, not a file to write");
        }
        if (!Files.exists(target)) {
            return; // a file that does not exist yet cannot be one of the inputs
        }
        for (Input in : inputs) {
            if (in == null || in.path() == null || !Files.exists(in.path())) {
                continue;
            }
            if (Files.isSameFile(target, in.path())) {
                String same = target.equals(in.path()) ? "" : " (" + in.path() + ")";
                throw new IOException(target + ": is also " + in.role() + same
                        + "; refusing to overwrite an input, choose another output file");
            }
        }
    }

    /** Checks {@code target} against the inputs, then opens a fresh temporary file beside it. */
    public static SafeOutput create(Path target, Input... inputs) throws IOException {
        checkNotAnInput(target, inputs);
        Path real = Files.exists(target) ? target.toRealPath() : target.toAbsolutePath();
        Path dir = real.getParent();
        String name = real.getFileName().toString();
        for (int attempt = 0;; attempt++) {
            Path tmp = dir.resolve("." + name + "." + ProcessHandle.current().pid() + "."
                    + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
            try {
                FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                return new SafeOutput(real, tmp, ch);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                if (attempt > 100) {
                    throw new IOException(target + ": cannot create a temporary file in " + dir, e);
                }
            } catch (IOException e) {
                throw new IOException(target + ": cannot write here (" + reason(e) + ")", e);
            }
        }
    }

    /** The stream to write the content to (buffered; closing it only flushes, {@link #commit} finishes). */
    public OutputStream stream() {
        return stream;
    }

    /** Where the content is going. */
    public Path target() {
        return target;
    }

    /** Flushes, fsyncs and renames the temporary file onto the target. */
    public void commit() throws IOException {
        if (closed || committed) {
            throw new IllegalStateException("already " + (committed ? "committed" : "closed"));
        }
        try {
            stream.flush();
            channel.force(true);
            channel.close();
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new IOException(target + ": cannot write (" + reason(e) + ")", e);
        }
        committed = true;
        syncDirectory(target.getParent());
    }

    /** Without a commit: drops the temporary file, the target is untouched. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (!committed) {
            try {
                channel.close();
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** Makes the rename durable too (Linux allows fsync on a directory; elsewhere best effort). */
    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | RuntimeException ignored) {
            // not supported on this platform: the data itself is already on disk
        }
    }

    /** A short reason for an I/O failure: "No space left on device", "permission denied", ... */
    public static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
