package org.e3j.md.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.e3j.graph.Structure;
import org.e3j.graph.io.ExtXyzException;
import org.e3j.graph.io.ExtXyzReader;
import org.e3j.graph.io.Frame;
import org.e3j.md.AtomsSystem;
import org.e3j.md.MdException;

/**
 * Where a trajectory left off: its last frame, with positions, velocities (from ASE's
 * {@code momenta}, or {@code velocities}), the cell, and the {@code step} and {@code time} (fs) info
 * keys that {@link TrajectoryWriter} writes. A run continued from it appends to the same file and
 * goes on counting steps and time.
 *
 * <p>Refused, naming the file: a trajectory that does not parse to its end (a run killed in the
 * middle of a frame by something that even {@link TrajectoryWriter} cannot guard against, such as a
 * power cut; appending after half a frame would make the rest unreadable), no frames, a last frame
 * without momenta (a continued run would start with other velocities than the original had) or
 * without step and time.
 *
 * @param frame  the last frame
 * @param step   its {@code step}
 * @param timeFs its {@code time}, fs
 * @param frames how many frames the file holds
 * @param size   the file's size when it was read, bytes ({@link TrajectoryWriter#append} checks it is unchanged)
 */
public record TrajectoryResume(Frame frame, long step, double timeFs, long frames, long size) {

    /** Reads the whole file (every frame is parsed, so a damaged one is found now) and keeps the last. */
    public static TrajectoryResume read(Path path) throws IOException {
        TrajectoryWriter.checkNotBeingWritten(path);
        long size = Files.size(path);
        Frame last = null;
        long count = 0;
        // An MD state may be compressed: no close-contact check, as when the run wrote it.
        ExtXyzReader.Options options = ExtXyzReader.Options.DEFAULT.withChecks(
                Structure.Checks.DEFAULT.withMinDistance(0));
        try (ExtXyzReader r = ExtXyzReader.open(path, options)) {
            for (Frame f = r.readFrame(); f != null; f = r.readFrame()) {
                last = f;
                count++;
            }
        } catch (ExtXyzException e) {
            throw new MdException(path + ": cannot continue this trajectory, it is damaged after " + count
                    + " complete frame" + (count == 1 ? "" : "s") + ": " + e.getMessage());
        }
        if (last == null) {
            throw new MdException(path + ": cannot continue this trajectory, it has no frames");
        }
        if (!last.arrays().containsKey("momenta") && !last.arrays().containsKey("velocities")) {
            throw new MdException(path + ": cannot continue this trajectory, its last frame has no momenta "
                    + "(or velocities), so the run would not go on with the velocities it had");
        }
        Object step = last.info().get("step");
        Object time = last.info().get("time");
        if (!(step instanceof Long s) || s < 0 || !(time instanceof Number t) || !Double.isFinite(t.doubleValue())) {
            throw new MdException(path + ": cannot continue this trajectory, its last frame has no step and time "
                    + "(info keys step=... time=..., as e3j md writes them)");
        }
        return new TrajectoryResume(last, s, t.doubleValue(), count, size);
    }

    /** The state to continue from: positions, velocities, masses, cell. */
    public AtomsSystem system() {
        return AtomsSystem.of(frame);
    }
}
