package org.e3j.md.io;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.e3j.graph.io.ExtXyzWriter;
import org.e3j.graph.io.Frame;
import org.e3j.graph.io.Property;
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
 * {@code step}, {@code time} (fs), {@code kinetic_energy} (eV) and {@code temperature} (K). Every frame is flushed, so a crashed or killed run leaves a
 * readable file up to its last step. A frame with a non-finite number is refused with an
 * {@link MdException}: a trajectory never contains NaN.
 *
 * <p>Use it directly or as an observer: {@code run.observeWithStress(10, writer)}.
 * Writing allocates (strings, a {@link Frame}); it is I/O, done every k steps.
 */
public final class TrajectoryWriter implements MdRun.Observer, Closeable {

    /** What to write besides positions, energy, forces and stress. */
    public record Options(boolean momenta, boolean atomEnergies) {
        public static final Options DEFAULT = new Options(false, false);
    }

    private final ExtXyzWriter out;
    private final Options options;
    private long frames;

    public TrajectoryWriter(Writer writer, Options options) {
        this.out = new ExtXyzWriter(writer);
        this.options = options == null ? Options.DEFAULT : options;
    }

    public static TrajectoryWriter open(Path path, Options options) throws IOException {
        return new TrajectoryWriter(java.nio.file.Files.newBufferedWriter(path, java.nio.charset.StandardCharsets.UTF_8),
                options);
    }

    /** Frames written so far. */
    public long frames() {
        return frames;
    }

    @Override
    public void observe(MdRun run) {
        write(run.system(), run.result(), run.step(), run.timeFs());
    }

    /** Writes one frame and flushes. */
    public void write(AtomsSystem system, ForceResult result, long step, double timeFs) {
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
        out.write(new Frame(f.structure(), info, arrays));
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot flush trajectory at step " + step, e);
        }
        frames++;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
