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
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
 * the temporary file and leaves any earlier target untouched; so does a shutdown (Ctrl-C, SIGTERM)
 * in the middle. A target that is a symlink is followed, also a dangling one: the file it points
 * to is replaced (or created), the link stays. A replaced file keeps its permissions. A target that
 * exists but is not a regular file (a device such as /dev/null, a pipe, a socket) is refused.
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

    /**
     * Temporary files not yet committed or dropped. A shutdown hook deletes them, so Ctrl-C or a
     * SIGTERM in the middle of a write leaves no {@code .NAME.PID.RANDOM.tmp} behind (SIGKILL can
     * still: nothing runs then; the target is untouched in every case).
     */
    private static final Set<Path> PENDING = ConcurrentHashMap.newKeySet();

    static {
        Thread cleanup = new Thread(() -> {
            for (Path p : PENDING) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException | RuntimeException ignored) {
                    // exiting anyway: the file is a hidden temporary beside the untouched target
                }
            }
        }, "e3j-output-cleanup");
        try {
            Runtime.getRuntime().addShutdownHook(cleanup);
        } catch (IllegalStateException alreadyExiting) {
            // first use during the JVM's shutdown: nothing will be interrupted any more
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
        if (target.toString().isEmpty()) {
            throw new IOException("the output file name is empty");
        }
        if (Files.isDirectory(target)) {
            throw new IOException(target + ": is a directory, not a file to write");
        }
        if (Files.exists(target) && !Files.isRegularFile(target)) {
            // a device (/dev/null), a pipe or a socket: the rename would put a plain file in its place
            throw new IOException(target + ": is not a regular file (a device, pipe or socket); refusing to replace it, "
                    + "choose a file");
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
        Path real = Files.exists(target) ? target.toRealPath() : linkTarget(target.toAbsolutePath(), inputs);
        Path tmp = newTemporaryBeside(real, target);
        try {
            return new SafeOutput(real, tmp, FileChannel.open(tmp, StandardOpenOption.WRITE));
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            PENDING.remove(tmp);
            if (e instanceof IOException io) {
                throw new IOException(target + ": cannot write here (" + reason(io) + ")", e);
            }
            throw e;
        }
    }

    /**
     * Where a dangling symlink points, so that the link stays and the file appears where it points,
     * as for a link to an existing file; a path that is no link is returned as it is. Each hop is
     * resolved against the real folder of the link (as the OS does: a {@code ..} in a link inside a
     * symlinked folder climbs from the folder it really is, which a textual normalisation gets
     * wrong), and the result is checked again: it must not exist and must not be an input.
     */
    private static Path linkTarget(Path path, Input... inputs) throws IOException {
        if (!Files.isSymbolicLink(path)) {
            return path;
        }
        Path p = path;
        for (int hops = 0; Files.isSymbolicLink(p); hops++) {
            if (hops == 40) {
                throw new IOException(path + ": too many levels of symbolic links");
            }
            Path link = Files.readSymbolicLink(p);
            p = realFolder(path, p).resolve(link);
        }
        p = realFolder(path, p).resolve(p.getFileName()); // no ".." and no symlinked folder left
        if (Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(path + ": its link target " + p + " appeared meanwhile; run again");
        }
        checkNotAnInput(p, inputs);
        return p;
    }

    /** The real path of {@code p}'s folder, or an error naming the link {@code path} that led there. */
    private static Path realFolder(Path path, Path p) throws IOException {
        Path parent = p.getParent();
        try {
            return parent.toRealPath();
        } catch (IOException e) {
            throw new IOException(path + ": is a symbolic link to " + p + ", whose folder does not exist", e);
        }
    }

    /**
     * A new, empty temporary file beside {@code real} ({@code .NAME.PID.RANDOM.tmp}, create-new, with
     * {@code real}'s permissions when it exists): {@link #create}'s, and md's {@code TrajectoryWriter}'s,
     * which renames it onto {@code real} itself after its first frame and keeps writing. It is deleted
     * by the shutdown hook until {@link #forget} is called after the rename.
     */
    public static Path newTemporaryBeside(Path real) throws IOException {
        return newTemporaryBeside(real, real);
    }

    /** As {@link #newTemporaryBeside(Path)}; errors name {@code named} (the path the user gave). */
    private static Path newTemporaryBeside(Path real, Path named) throws IOException {
        Path dir = real.toAbsolutePath().getParent();
        String name = real.getFileName().toString();
        Set<PosixFilePermission> perms = null;
        if (Files.exists(real)) {
            try {
                perms = Files.getPosixFilePermissions(real);
            } catch (UnsupportedOperationException e) {
                perms = null;
            }
        }
        for (int attempt = 0;; attempt++) {
            Path tmp = dir.resolve("." + name + "." + ProcessHandle.current().pid() + "."
                    + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
            PENDING.add(tmp); // before it exists: a signal from here on finds it in the list
            boolean created = false;
            try {
                if (perms == null) {
                    Files.createFile(tmp);
                    created = true;
                } else {
                    // a file that is replaced keeps its permissions (a private 0600 file stays private, also
                    // while its new content is being written)
                    Files.createFile(tmp, PosixFilePermissions.asFileAttribute(perms));
                    created = true;
                    Files.setPosixFilePermissions(tmp, perms); // the umask may have cleared some at creation
                }
                return tmp;
            } catch (java.nio.file.FileAlreadyExistsException e) {
                PENDING.remove(tmp); // someone else's file: not ours to delete
                if (attempt > 100) {
                    throw new IOException(named + ": cannot create a temporary file in " + dir, e);
                }
            } catch (IOException | RuntimeException e) {
                if (created) {
                    Files.deleteIfExists(tmp); // ours (setting its permissions failed): not left behind
                }
                PENDING.remove(tmp);
                if (e instanceof IOException io) {
                    throw new IOException(named + ": cannot write here (" + reason(io) + ")", e);
                }
                throw e;
            }
        }
    }

    /** {@code tmp} (from {@link #newTemporaryBeside}) was renamed or deleted: the shutdown hook leaves it alone. */
    public static void forget(Path tmp) {
        PENDING.remove(tmp);
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
        PENDING.remove(tmp);
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
                PENDING.remove(tmp);
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
