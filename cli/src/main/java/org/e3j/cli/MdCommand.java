package org.e3j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.e3j.cli.viz.EnergyPlot;
import org.e3j.cli.viz.EnergySeries;
import org.e3j.cli.viz.Figures;
import org.e3j.md.AtomsSystem;
import org.e3j.md.ForceField;
import org.e3j.md.ForceResult;
import org.e3j.md.Integrator;
import org.e3j.md.LangevinBaoab;
import org.e3j.md.MdRun;
import org.e3j.md.Thermo;
import org.e3j.md.VelocityVerlet;
import org.e3j.md.io.TrajectoryWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code e3j md}: the main job, molecular dynamics with a model (the bundled copper one by default). */
@Command(name = "md", mixinStandardHelpOptions = true,
        description = {"Molecular dynamics with an e3j model.",
                "Default: the bundled copper model on a 256-atom fcc crystal, NVE from 300 K."})
public final class MdCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine = new EngineOptions();

    @Option(names = {"-s", "--structure"}, paramLabel = "FILE",
            description = "starting structure (extended XYZ, first frame); default: 256-atom fcc Cu")
    Path structure;

    @Option(names = "--ensemble", paramLabel = "nve|nvt", defaultValue = "nve",
            description = "nve: velocity Verlet; nvt: Langevin BAOAB (default ${DEFAULT-VALUE})")
    String ensemble;

    @Option(names = {"-n", "--steps"}, defaultValue = "1000", description = "MD steps (default ${DEFAULT-VALUE})")
    long steps;

    @Option(names = "--timestep", paramLabel = "FS", defaultValue = "2.0", description = "time step in fs (default ${DEFAULT-VALUE})")
    double timestep;

    @Option(names = {"-T", "--temperature"}, paramLabel = "K", defaultValue = "300",
            description = {"target temperature in K (default ${DEFAULT-VALUE}): the bath of NVT; in NVE the",
                    "initial velocities (2T for the built-in perfect crystal, which then settles near T)"})
    double temperature;

    @Option(names = "--friction", paramLabel = "1/FS", defaultValue = "0.01", description = "Langevin friction (NVT)")
    double friction;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", defaultValue = "e3j-md.xyz",
            description = "trajectory (extended XYZ, default ${DEFAULT-VALUE})")
    Path output;

    @Option(names = "--every", paramLabel = "K", defaultValue = "10", description = "write a frame every K steps")
    int every;

    @Option(names = "--seed", defaultValue = "42", description = "random seed (velocities, thermostat)")
    long seed;

    @Option(names = "--quiet", description = "no progress bar or live line")
    boolean quiet;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        if (steps < 0 || timestep <= 0 || !(temperature >= 0) || every < 1) {
            throw new IllegalArgumentException("--steps must be >= 0, --timestep > 0, --temperature >= 0, --every >= 1");
        }
        AtomsSystem system = structure != null ? Structures.firstFrame(structure)
                : Structures.fccCopper(4, Structures.CU_LATTICE);
        SplittableRandom rng = new SplittableRandom(seed);
        // A perfect crystal starts at its potential minimum: in NVE half of the kinetic energy flows
        // into the potential (equipartition), so the built-in crystal starts at 2T to settle near T.
        boolean perfectLattice = structure == null && ensemble.equals("nve");
        Thermo.maxwellBoltzmann(system, perfectLattice ? 2 * temperature : temperature, rng, true);
        Integrator integrator = switch (ensemble) {
            case "nve" -> new VelocityVerlet(timestep);
            case "nvt" -> new LangevinBaoab(timestep, temperature, friction, seed);
            default -> throw new IllegalArgumentException("--ensemble must be nve or nvt, got " + ensemble);
        };
        int n = system.numAtoms();
        try (ForceField ff = engine.open();
                TrajectoryWriter traj = TrajectoryWriter.open(output, TrajectoryWriter.Options.DEFAULT)) {
            ForceResult result = new ForceResult(n);
            MdRun run = new MdRun(system, ff, integrator, result);
            Progress progress = new Progress(out, steps, quiet);
            run.observeWithStress(every, traj);
            EnergySeries.Recorder energies = new EnergySeries.Recorder();
            run.observe(every, energies);
            long liveEvery = Math.max(1, Math.min(every, Math.max(1, steps / 100)));
            run.observe((int) liveEvery, progress::update);
            out.printf("e3j md: %d atoms, %s, %s, dt = %s fs, %d steps, T0 = %s K, model %s (%s engine, %d thread%s)%n",
                    n, ensemble.toUpperCase(), integrator, timestep, steps, temperature, engine.modelPath(), engine.engine,
                    engine.threads, engine.threads == 1 ? "" : "s");
            long t0 = System.nanoTime();
            run.run(steps);
            double seconds = (System.nanoTime() - t0) / 1e9;
            progress.finish(run);
            double stepsPerSecond = steps / Math.max(seconds, 1e-9);
            double nsPerDay = stepsPerSecond * timestep * 1e-6 * 86400.0;
            out.printf("done: %d steps in %.2f s: %.1f steps/s, %.3f ns/day; drift %.3e eV/atom (Etot %.6f -> %.6f eV); "
                    + "%d frames in %s%n", steps, seconds, stepsPerSecond, nsPerDay, run.drift(),
                    run.totalEnergy() - run.drift() * n, run.totalEnergy(), traj.frames(), output);
            Path plot = Figures.sibling(output, ".png");
            EnergyPlot.write(energies.series(output.getFileName().toString()), plot, 1000, 700,
                    "e3j md: " + n + " atoms, " + ensemble.toUpperCase() + ", dt = " + timestep + " fs");
            out.printf("energy and temperature plot: %s%n", plot);
        }
        return 0;
    }

    /** A progress bar plus a live line of step, time, T, Etot and drift, redrawn in place. */
    static final class Progress {
        private final PrintWriter out;
        private final long total;
        private final boolean quiet;
        /** On a terminal the line is redrawn in place; into a file or pipe, one line per tenth of the run. */
        private final boolean terminal = System.console() != null;
        private long lastPrintNanos;
        private long lastTenth = -1;

        Progress(PrintWriter out, long total, boolean quiet) {
            this.out = out;
            this.total = total;
            this.quiet = quiet;
        }

        void update(MdRun run) {
            if (quiet) {
                return;
            }
            if (!terminal) {
                long tenth = total == 0 ? 10 : 10 * run.step() / total;
                if (tenth != lastTenth) {
                    lastTenth = tenth;
                    out.println(line(run));
                }
                return;
            }
            long now = System.nanoTime();
            if (run.step() != total && now - lastPrintNanos < 200_000_000L) {
                return; // redraw at most 5 times a second
            }
            lastPrintNanos = now;
            out.print("\r" + line(run));
            out.flush();
        }

        String line(MdRun run) {
            int width = 24;
            int filled = total == 0 ? width : (int) (width * run.step() / total);
            String bar = "#".repeat(filled) + "-".repeat(width - filled);
            return String.format("[%s] step %d/%d  t %.1f fs  T %.1f K  Etot %.5f eV  drift %+.2e eV/atom", bar,
                    run.step(), total, run.timeFs(), run.temperature(), run.totalEnergy(),
                    run.drift());
        }

        void finish(MdRun run) {
            if (!quiet && terminal) {
                out.print("\r" + line(run));
                out.println();
            }
        }
    }
}
