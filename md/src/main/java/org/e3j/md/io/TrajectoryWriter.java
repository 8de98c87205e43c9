package org.e3j.md.io;

import java.io.Closeable;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import org.e3j.graph.io.ExtXyzWriter;
import org.e3j.graph.io.Frame;
import org.e3j.graph.io.Property;
import org.e3j.graph.io.SafeOutput;
import org.e3j.md.AtomsSystem;
import org.e3j.md.ForceResult;
import org.e3j.md.MdException;
import org.e3j.md.MdRun;

/**
 * Writes an MD trajectory as extended XYZ that ASE reads ({@code ase.io.read(path, ":")} gives
 * Atoms with a calculator holding energy, forces and stress, and momenta when written).
 *
 * <p>Per frame: positions; {@code forces} (R:3) when available; optionally {@code masses} and
 * {@code momenta} (ASE's names and units, so ASE restores velocities) and per-atom
 * {@code energies}; info {@code energy}, {@code stress} (when available, as ASE writes it),
 * {@code step}, {@code time} (fs), {@code kinetic_energy} (eV) and {@code temperature} (K). A frame
 * with a non-finite number is refused with an {@link MdException}: a trajectory never contains NaN.
 *
 * <p>Every prefix of the file is a valid trajectory. A file trajectory ({@link #open}) is written a
 * frame at a time: the frame is formatted in memory and handed to the operating system in one
 * write, so a killed run leaves whole frames; if the write fails (disk full, file-size limit) the
 * file is truncated back to the end of the previous frame and the {@link MdException} names the
 * file, the step and the reason. The file is locked for writing while open (an advisory lock that
 * every e3j honours): a second run writing the same trajectory fails at {@link #open} instead of
 * interleaving its frames with the first one's. (The lock is the operating system's record lock,
 * held per process: within one JVM, another channel on the same file that is closed drops it, so
 * a program must not open a trajectory it is writing elsewhere.)
 *
 * <p>Use it directly or as an observer: {@code run.observeWithStress(10, writer)}.
 * Writing allocates (strings, a {@link Frame}); it is I/O, done every k steps.
 */
public final class TrajectoryWriter implements MdRun.Observer, Closeable {

    /** What to write besides positions, energy, forces and stress. */
    public record Options(boolean momenta, boolean atomEnergies) {
        public static final Options DEFAULT = new Options(false, false);
    }

    /** How {@link #open(Path, Options, Mode)} treats an existing file. */
    public enum Mode {
        /** The file must not exist yet (create-new: of two runs racing for one name, one fails). */
        CREATE,
        /**
         * An existing file is replaced, but only once the new run has a frame: the frames go to a
         * temporary file beside it ({@code .NAME.PID.RANDOM.tmp}) that is renamed onto it after the
         * first one is written. A run that fails before its first frame (a bad structure, a force
         * field that cannot start) leaves the earlier trajectory as it was; other hard links to it
         * keep the earlier content; a symlink stays and the file it points to is replaced. The
         * earlier file stays locked until the rename, so a second run cannot write it meanwhile.
         */
        OVERWRITE,
        /** Frames go after the existing ones (continuing a run); the file must exist. */
        APPEND
    }

    private final Options options;
    private final ExtXyzWriter out;
    /** The frame being formatted; file trajectories only. */
    private final StringWriter text;
    private final Path path;
    /** {@link Mode#OVERWRITE} before its first frame: the temporary file being written, else null. */
    private Path pendingTemp;
    /** The real file the temporary one replaces (symlinks resolved). */
    private final Path replacedTarget;
    /** The earlier trajectory, open and locked until the rename; else null. */
    private FileChannel replaced;
    private FileLock replacedLock;
    private final FileChannel channel;
    private final FileLock lock;
    private final Mode mode;
    /** Size of the file at the end of the last complete frame. */
    private long committedSize;
    private long frames;
    private boolean closed;
    /** Info written into every frame besides the state (the run's settings, so that a resume can keep them). */
    private final Map<String, Object> runInfo = new LinkedHashMap<>();

    /** A trajectory into any writer (flushed after every frame). */
    public TrajectoryWriter(Writer writer, Options options) {
        this.options = options == null ? Options.DEFAULT : options;
        this.out = new ExtXyzWriter(writer);
        this.text = null;
        this.path = null;
        this.channel = null;
        this.lock = null;
        this.mode = null;
        this.replacedTarget = null;
    }

    /** A file trajectory written through {@code channel} (a {@link Mode#CREATE} or {@link Mode#APPEND} file). */
    private TrajectoryWriter(Path path, FileChannel channel, FileLock lock, Mode mode, Options options)
            throws IOException {
        this(path, channel, lock, mode, options, null, null, null, null);
    }

    /**
     * With {@code temp}: an {@link Mode#OVERWRITE} whose {@code channel} writes the temporary file,
     * renamed onto {@code real} after the first frame; until then {@code replaced} holds the earlier
     * file's {@code replacedLock}.
     */
    private TrajectoryWriter(Path path, FileChannel channel, FileLock lock, Mode mode, Options options, Path temp,
            Path real, FileChannel replaced, FileLock replacedLock) throws IOException {
        this.options = options == null ? Options.DEFAULT : options;
        this.text = new StringWriter(1 << 16);
        this.out = new ExtXyzWriter(text);
        this.path = path;
        this.channel = channel;
        this.lock = lock;
        this.mode = mode;
        this.pendingTemp = temp;
        this.replacedTarget = real;
        this.replaced = replaced;
        this.replacedLock = replacedLock;
        this.committedSize = channel.size();
    }

    /** A new trajectory file ({@link Mode#CREATE}: refuses a file that exists). */
    public static TrajectoryWriter open(Path path, Options options) throws IOException {
        return open(path, options, Mode.CREATE);
    }

    /**
     * Opens a trajectory file and locks it.
     *
     * @throws java.nio.file.FileAlreadyExistsException in {@link Mode#CREATE} when the file exists
     * @throws java.nio.file.NoSuchFileException in {@link Mode#APPEND} when it does not
     * @throws IOException naming the file when another process holds its lock
     */
    public static TrajectoryWriter open(Path path, Options options, Mode mode) throws IOException {
        return open(path, options, mode, -1);
    }

    /** As {@link #open(Path, Options, Mode)}; with {@code expectedSize >= 0}, refuses a file of another size. */
    private static TrajectoryWriter open(Path path, Options options, Mode mode, long expectedSize) throws IOException {
        if (mode == Mode.OVERWRITE && Files.exists(path)) {
            return replacing(path, options);
        }
        Object key = mode == Mode.APPEND ? fileKey(path) : null;
        FileChannel ch = switch (mode) {
            // OVERWRITE of a file that does not exist: a new file, as CREATE (also removed if it gets no frame)
            case CREATE, OVERWRITE -> FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            case APPEND -> FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        };
        try {
            FileLock lock = lockOrRefuse(ch, path);
            if (mode == Mode.APPEND) {
                requireStillNamed(path, key);
            }
            if (expectedSize >= 0 && ch.size() != expectedSize) {
                throw new IOException(path + ": changed while it was being read (" + expectedSize + " bytes, now "
                        + ch.size() + "): another run writing it?");
            }
            if (mode == Mode.APPEND) {
                endWithNewline(ch);
            }
            ch.position(ch.size());
            return new TrajectoryWriter(path, ch, lock, mode == Mode.OVERWRITE ? Mode.CREATE : mode, options);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** The file's identity (device and inode on Unix), or null where the file system has none. */
    private static Object fileKey(Path path) throws IOException {
        return Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
    }

    /**
     * The lock is on a file, not on its name: another run may have renamed a new trajectory onto the
     * name between our open and our lock (an OVERWRITE that just wrote its first frame). Then the
     * file we locked is no longer the trajectory, and writing it would lose the frames.
     */
    private static void requireStillNamed(Path path, Object key) throws IOException {
        if (key != null && !key.equals(fileKey(path))) {
            throw new IOException(path + ": replaced by another run while this one was opening it; "
                    + "choose another output file");
        }
    }

    private static FileLock lockOrRefuse(FileChannel ch, Path path) throws IOException {
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // this JVM already writes it
        }
        if (lock == null) {
            throw new IOException(path + ": another run is writing this trajectory (it is locked); "
                    + "choose another output file");
        }
        return lock;
    }

    /** {@link Mode#OVERWRITE} of an existing file: lock it, write a temporary file beside it (renamed after frame 0). */
    private static TrajectoryWriter replacing(Path path, Options options) throws IOException {
        Path real = path.toRealPath();
        if (!Files.isRegularFile(real)) {
            throw new IOException(path + ": is not a regular file (a device, pipe or socket); choose a file");
        }
        Object key = fileKey(real);
        FileChannel old = FileChannel.open(real, StandardOpenOption.WRITE); // opened to lock it: nothing is written
        Path temp = null;
        FileChannel ch = null;
        try {
            FileLock oldLock = lockOrRefuse(old, path);
            requireStillNamed(real, key);
            temp = SafeOutput.newTemporaryBeside(real);
            ch = FileChannel.open(temp, StandardOpenOption.WRITE);
            FileLock lock = lockOrRefuse(ch, temp);
            return new TrajectoryWriter(path, ch, lock, Mode.OVERWRITE, options, temp, real, old, oldLock);
        } catch (IOException | RuntimeException e) {
            try {
                if (ch != null) {
                    ch.close();
                }
                if (temp != null) {
                    Files.deleteIfExists(temp);
                    SafeOutput.forget(temp);
                }
            } finally {
                old.close();
            }
            throw e;
        }
    }

    /**
     * Continues a trajectory that was {@code expectedSize} bytes long when it was read
     * ({@link TrajectoryResume#size()}): refused, once locked, if it has changed since.
     */
    public static TrajectoryWriter append(Path path, Options options, long expectedSize) throws IOException {
        if (expectedSize < 0) {
            throw new IllegalArgumentException("negative file size " + expectedSize);
        }
        return open(path, options, Mode.APPEND, expectedSize);
    }

    /**
     * Fails, naming the file, when a writer holds its lock now (so that a reader about to continue a
     * trajectory does not mistake another run's frame in progress for damage).
     */
    public static void checkNotBeingWritten(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new IOException(path + ": another run is writing this trajectory (it is locked)");
            }
            lock.release();
        }
    }

    /** A file whose last line lacks its line break would glue the next frame onto it. */
    private static void endWithNewline(FileChannel ch) throws IOException {
        long size = ch.size();
        if (size == 0) {
            return;
        }
        ByteBuffer last = ByteBuffer.allocate(1);
        ch.read(last, size - 1);
        if (last.get(0) != '\n') {
            ch.write(ByteBuffer.wrap(new byte[] {'\n'}), size);
        }
    }

    /**
     * Info keys written into every frame from now on, after the writer's own (e3j md writes its
     * ensemble, time step and thermostat there, which {@code --resume} takes up). Values are
     * strings, longs or finite doubles.
     */
    public TrajectoryWriter withRunInfo(Map<String, ?> info) {
        for (Map.Entry<String, ?> e : info.entrySet()) {
            Object v = e.getValue();
            if (!(v instanceof String || v instanceof Long || (v instanceof Double d && Double.isFinite(d)))) {
                throw new IllegalArgumentException("run info " + e.getKey() + " = " + v
                        + ": a string, a long or a finite double");
            }
            runInfo.put(e.getKey(), v);
        }
        return this;
    }

    /** Frames written so far (by this writer). */
    public long frames() {
        return frames;
    }

    /** Size of a file trajectory at the end of its last complete frame, bytes. */
    public long size() {
        return committedSize;
    }

    /** The file, or null for a trajectory into a {@link Writer}. */
    public Path path() {
        return path;
    }

    @Override
    public void observe(MdRun run) {
        write(run.system(), run.result(), run.step(), run.timeFs());
    }

    /** Writes one frame: all of it, or (file trajectories) none of it. */
    public void write(AtomsSystem system, ForceResult result, long step, double timeFs) {
        Frame frame = frame(system, result, step, timeFs);
        if (channel == null) {
            out.write(frame);
            try {
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot flush trajectory at step " + step, e);
            }
            frames++;
            return;
        }
        if (closed) {
            throw new IllegalStateException(path + ": trajectory writer is closed");
        }
        text.getBuffer().setLength(0);
        out.write(frame);
        ByteBuffer bytes = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
        try {
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        } catch (IOException e) {
            String cut = truncateToLastFrame();
            throw new MdException(path + ": cannot write the trajectory frame of step " + step + " ("
                    + SafeOutput.reason(e) + "); " + cut, step, -1, e);
        }
        committedSize += bytes.capacity(); // the write started at the end of the previous frame
        frames++;
        if (pendingTemp != null) {
            replaceEarlierTrajectory(step);
        }
    }

    /** The first frame of an OVERWRITE is written: the temporary file takes the trajectory's name. */
    private void replaceEarlierTrajectory(long step) {
        try {
            channel.force(true); // the name must not point to a file whose frame is not on disk yet
            // atomic or not at all: a copying move would leave this writer's channel on the deleted
            // temporary file, and every later frame would go nowhere
            Files.move(pendingTemp, replacedTarget, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new MdException(path + ": cannot replace the earlier trajectory with the new one ("
                    + SafeOutput.reason(e) + "); the earlier one is untouched", step, -1, e);
        }
        SafeOutput.forget(pendingTemp);
        pendingTemp = null;
        try {
            releaseReplaced();
        } catch (IOException ignored) {
            // the earlier file is gone from the folder; its lock and handle go with the process at the latest
        }
    }

    private void releaseReplaced() throws IOException {
        if (replaced == null) {
            return;
        }
        try {
            if (replacedLock.isValid()) {
                replacedLock.release();
            }
        } finally {
            replaced.close();
            replaced = null;
        }
    }

    /** Undoes a partly written frame; says what the file holds now. */
    private String truncateToLastFrame() {
        try {
            channel.truncate(committedSize);
            channel.position(committedSize);
            return committedSize == 0 ? "no frame could be written"
                    : "the file ends with the last complete frame (" + committedSize + " bytes)";
        } catch (IOException e) {
            return "and it could not be cut back to the last complete frame at " + committedSize + " bytes ("
                    + SafeOutput.reason(e) + "): truncate it to that size before reading it";
        }
    }

    private Frame frame(AtomsSystem system, ForceResult result, long step, double timeFs) {
        int bad = system.firstNonFinite();
        if (bad >= 0) {
            throw new MdException("refusing to write a trajectory frame at step " + step + ": atom " + bad + " ("
                    + system.symbol(bad) + ") has a non-finite position or velocity", step, bad);
        }
        Frame f = system.toFrame(options.momenta());
        Map<String, Object> info = new LinkedHashMap<>();
        Map<String, Property> arrays = new LinkedHashMap<>(f.arrays());
        int n = system.numAtoms();
        if (result != null && result.has(ForceResult.ENERGY)) {
            double e = result.energy();
            if (!Double.isFinite(e)) {
                throw new MdException("refusing to write a trajectory frame at step " + step + ": energy is " + e,
                        step, -1);
            }
            info.put("energy", e);
        }
        if (result != null && result.has(ForceResult.STRESS)) {
            double[] s = result.stressCopy();
            for (int k = 0; k < 6; k++) {
                if (!Double.isFinite(s[k])) {
                    throw new MdException("refusing to write a trajectory frame at step " + step
                            + ": stress component " + k + " is " + s[k], step, -1);
                }
            }
            info.put("stress", new double[] {s[0], s[5], s[4], s[5], s[1], s[3], s[4], s[3], s[2]});
        }
        info.put("step", step);
        info.put("time", timeFs);
        // Kinetic energy and temperature of this frame, so a trajectory can be plotted on its own.
        info.put("kinetic_energy", org.e3j.md.Thermo.kineticEnergy(system));
        info.put("temperature", org.e3j.md.Thermo.temperature(system));
        info.putAll(runInfo);
        if (result != null && result.has(ForceResult.FORCES) && result.numAtoms() == n) {
            double[] forces = result.forcesCopy();
            for (int k = 0; k < forces.length; k++) {
                if (!Double.isFinite(forces[k])) {
                    throw new MdException("refusing to write a trajectory frame at step " + step + ": atom " + k / 3
                            + " (" + system.symbol(k / 3) + ") has a non-finite force", step, k / 3);
                }
            }
            arrays.put("forces", Property.real("forces", 3, forces));
        }
        if (options.atomEnergies() && result != null && result.has(ForceResult.ATOM_ENERGIES)) {
            arrays.put("energies", Property.real("energies", 1, result.atomEnergiesCopy()));
        }
        return new Frame(f.structure(), info, arrays);
    }

    /**
     * Releases the lock and closes the file. A new file ({@link Mode#CREATE}) that never received a
     * frame is removed, so a run that fails before its first frame leaves nothing behind; an
     * {@link Mode#OVERWRITE} that never received one removes its temporary file and leaves the
     * earlier trajectory as it was.
     */
    @Override
    public void close() throws IOException {
        if (channel == null) {
            out.close();
            return;
        }
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (pendingTemp != null) {
                Files.deleteIfExists(pendingTemp); // never renamed: the earlier trajectory is untouched
                SafeOutput.forget(pendingTemp);
                pendingTemp = null;
            } else if (mode == Mode.CREATE && frames == 0 && channel.size() == 0) {
                Files.deleteIfExists(path); // still holding the lock: nobody else writes it
            }
        } finally {
            try {
                if (lock.isValid()) {
                    lock.release();
                }
            } finally {
                try {
                    channel.close();
                } finally {
                    releaseReplaced();
                }
            }
        }
    }
}
