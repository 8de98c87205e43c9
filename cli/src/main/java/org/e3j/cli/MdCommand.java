package org.e3j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.e3j.cli.viz.EnergyPlot;
import org.e3j.cli.viz.EnergySeries;
import org.e3j.cli.viz.Figures;
import org.e3j.graph.io.Frame;
import org.e3j.graph.io.SafeOutput;
import org.e3j.md.AtomsSystem;
import org.e3j.md.ForceField;
import org.e3j.md.ForceResult;
import org.e3j.md.Integrator;
import org.e3j.md.LangevinBaoab;
import org.e3j.md.MdException;
import org.e3j.md.MdRun;
import org.e3j.md.Thermo;
import org.e3j.md.VelocityVerlet;
import org.e3j.md.io.TrajectoryResume;
import org.e3j.md.io.TrajectoryWriter;
import picocli.CommandLine;
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
            description = "trajectory (extended XYZ, default ${DEFAULT-VALUE}); an existing one is refused unless "
                    + "--force or --resume; the plot goes beside it (same name, .png)")
    Path output;

    @Option(names = "--force", description = "overwrite an existing trajectory (and its plot)")
    boolean force;

    @Option(names = "--resume", description = "continue the run in the trajectory (-o) from its last frame: positions, "
            + "velocities (momenta), cell, step and time; appends --steps more steps to it")
    boolean resume;

    @Option(names = "--new-velocities", description = "draw Maxwell-Boltzmann velocities at --temperature even when the "
            + "structure (-s) carries momenta or velocities (default: those are the initial velocities)")
    boolean newVelocities;

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
        engine.validate();
        if (output.toString().isEmpty()) {
            throw new OptionException("-o: the trajectory file name is empty");
        }
        PrintWriter out = spec.commandLine().getOut();
        if (steps < 0 || !(timestep > 0 && Double.isFinite(timestep)) || !(temperature >= 0 && Double.isFinite(temperature))
                || every < 1) {
            throw new OptionException("--steps must be >= 0, --timestep > 0, --temperature >= 0, --every >= 1");
        }
        if (!ensemble.equals("nve") && !ensemble.equals("nvt")) {
            throw new OptionException("--ensemble must be nve or nvt, got " + ensemble);
        }
        var given = spec.commandLine().getParseResult();
        if (!(friction > 0 && Double.isFinite(friction))) {
            throw new OptionException("--friction must be a finite number > 0 (1/fs), got " + friction);
        }
        if (newVelocities && structure == null && !resume) {
            throw new OptionException("--new-velocities: the built-in crystal carries no velocities, they are drawn "
                    + "anyway; the option is for a structure (-s) that carries momenta");
        }
        if (resume && (structure != null || force || newVelocities)) {
            throw new OptionException("--resume continues from the trajectory's last frame, velocities included: "
                    + "it cannot be combined with -s, --force or --new-velocities");
        }
        Path plot = plotBeside(output);
        Path model = engine.modelPath();
        SafeOutput.Input[] inputs = {SafeOutput.Input.of("the structure (-s)", structure),
            SafeOutput.Input.of("the model", model)};
        if (Files.isDirectory(output)) {
            throw new IOException(output + ": is a directory; -o names the trajectory file");
        }
        if (Files.isSymbolicLink(output) && !Files.exists(output)) {
            throw new IOException(output + ": is a symbolic link to " + Files.readSymbolicLink(output)
                    + ", which does not exist; -o names the trajectory file itself");
        }
        if (Files.exists(output) && !Files.isRegularFile(output)) {
            throw new IOException(output + ": is not a regular file (a device, pipe or socket); -o names the trajectory file");
        }
        if (!resume && Files.exists(output)) {
            if (!force) {
                throw new IOException(output + ": exists; --force overwrites it, --resume continues its run, "
                        + "or choose another -o");
            }
            SafeOutput.checkNotAnInput(output, inputs);
        }
        if (resume && !Files.exists(output)) {
            throw new IOException(output + ": no such trajectory to --resume");
        }
        SafeOutput.checkNotAnInput(plot, inputs);
        if (!resume && !force && Files.exists(plot)) {
            throw new IOException(plot + ": exists (the energy plot -o " + output + " would write beside it); "
                    + "--force overwrites it, or choose another -o");
        }

        boolean temperatureGiven = given.hasMatchedOption("--temperature");
        TrajectoryResume from = resume ? TrajectoryResume.read(output) : null;
        // a continued run keeps the settings its trajectory records, unless an option says otherwise
        List<String> changed = from != null ? takeRecordedSettings(from.frame().info(), given) : List.of();
        if (ensemble.equals("nve") && given.hasMatchedOption("--friction")) {
            throw new OptionException("--friction is the Langevin thermostat's (--ensemble nvt); NVE has none");
        }
        if (resume && ensemble.equals("nve") && temperatureGiven) {
            throw new OptionException("--temperature: a resumed NVE run keeps the trajectory's velocities; "
                    + "the temperature is the thermostat's (--ensemble nvt)");
        }
        AtomsSystem system;
        String velocitiesFrom;
        boolean drawn = false;
        if (from != null) {
            system = from.system();
            velocitiesFrom = "continued from step " + from.step() + " of " + output + " (" + from.frames() + " frames)";
        } else {
            Frame start = structure != null ? Structures.readFirstFrame(structure) : null;
            system = start != null ? AtomsSystem.of(start) : Structures.fccCopper(4, Structures.CU_LATTICE);
            boolean carriesVelocities = start != null
                    && (start.arrays().containsKey("momenta") || start.arrays().containsKey("velocities"));
            if (carriesVelocities && !newVelocities) {
                if (ensemble.equals("nve") && temperatureGiven) {
                    throw new OptionException("--temperature: " + structure + " carries momenta (or velocities), "
                            + "which are the initial velocities; add --new-velocities to draw them at " + temperature
                            + " K instead");
                }
                velocitiesFrom = "initial velocities from the momenta of " + structure;
            } else {
                drawn = true;
                // A perfect crystal starts at its potential minimum: in NVE half of the kinetic energy flows
                // into the potential (equipartition), so the built-in crystal starts at 2T to settle near T.
                boolean perfectLattice = structure == null && ensemble.equals("nve");
                double t0 = perfectLattice ? 2 * temperature : temperature;
                Thermo.maxwellBoltzmann(system, t0, new SplittableRandom(seed), true);
                velocitiesFrom = "Maxwell-Boltzmann velocities at " + t0 + " K";
            }
        }
        if (ensemble.equals("nve") && !drawn && given.hasMatchedOption("--seed")) {
            throw new OptionException("--seed: this run draws no random numbers (NVE with "
                    + (from != null ? "the trajectory's velocities" : "the velocities of " + structure)
                    + "); the seed is for drawn velocities and the NVT thermostat");
        }
        long startStep = from != null ? from.step() : 0;
        // A continued Langevin run must not replay the noise of the segment before it.
        long noiseSeed = seed ^ (startStep * 0x9E3779B97F4A7C15L);
        Integrator integrator = switch (ensemble) {
            case "nve" -> new VelocityVerlet(timestep);
            case "nvt" -> new LangevinBaoab(timestep, temperature, friction, noiseSeed);
            default -> throw new OptionException("--ensemble must be nve or nvt, got " + ensemble);
        };
        int n = system.numAtoms();
        TrajectoryWriter.Options frames = new TrajectoryWriter.Options(true, false); // momenta: --resume needs them
        try (ForceField ff = engine.open(); TrajectoryWriter traj = openTrajectory(output, frames, from)) {
            traj.withRunInfo(recordedSettings());
            ForceResult result = new ForceResult(n);
            MdRun run = new MdRun(system, ff, integrator, result);
            if (from != null) {
                run.continueFrom(from.step(), from.timeFs());
            }
            Progress progress = new Progress(out, startStep, steps, quiet);
            // A continued run's first state is the trajectory's last frame already.
            MdRun.Observer toTrajectory = r -> {
                if (from == null || r.step() != startStep) {
                    traj.observe(r);
                }
            };
            run.observeWithStress(every, toTrajectory);
            EnergySeries.Recorder energies = new EnergySeries.Recorder();
            run.observe(every, energies);
            long liveEvery = Math.max(1, Math.min(every, Math.max(1, steps / 100)));
            run.observe((int) liveEvery, progress::update);
            String temperatureText = ensemble.equals("nvt") ? "T = " + temperature + " K (thermostat)"
                    : drawn ? "T0 = " + temperature + " K"
                    : String.format(java.util.Locale.ROOT, "T0 = %.1f K (from the velocities)", Thermo.temperature(system));
            out.printf("e3j md: %d atoms, %s, %s, dt = %s fs, %d steps, %s, model %s (%s engine, %d thread%s)%n",
                    n, ensemble.toUpperCase(), integrator, timestep, steps, temperatureText, model, engine.engine,
                    engine.threads, engine.threads == 1 ? "" : "s");
            out.printf("%s%n", velocitiesFrom);
            if (!changed.isEmpty()) {
                out.printf("settings changed from the trajectory's: %s%n", String.join(", ", changed));
            }
            long t0 = System.nanoTime();
            run.run(steps);
            if (run.step() % every != 0) {
                // the trajectory ends where the run ended (--resume continues from its last frame)
                run.observeNow(toTrajectory, true);
                run.observeNow(energies, false);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            progress.finish(run);
            double stepsPerSecond = steps / Math.max(seconds, 1e-9);
            double nsPerDay = stepsPerSecond * timestep * 1e-6 * 86400.0;
            out.printf("done: %d steps in %.2f s: %.1f steps/s, %.3f ns/day; drift %.3e eV/atom (Etot %.6f -> %.6f eV); "
                    + "%d frames %s %s%n", steps, seconds, stepsPerSecond, nsPerDay, run.drift(),
                    run.totalEnergy() - run.drift() * n, run.totalEnergy(), traj.frames(),
                    from != null ? "appended to" : "in", output);
            EnergyPlot.write(energies.series(output.getFileName().toString()), plot, 1000, 700,
                    "e3j md: " + n + " atoms, " + ensemble.toUpperCase() + ", dt = " + timestep + " fs"
                    + (from != null ? ", from step " + startStep : ""), inputs);
            out.printf("energy and temperature plot: %s%s%n", plot,
                    from != null ? " (this part; e3j plot " + output + " draws the whole run)" : "");
        }
        return 0;
    }

    /** Info keys of every frame: the run's settings, which --resume takes up (and prints where an option changes one). */
    static final String KEY_ENSEMBLE = "md_ensemble";
    static final String KEY_TIMESTEP = "md_timestep_fs";
    static final String KEY_TEMPERATURE = "md_thermostat_K";
    static final String KEY_FRICTION = "md_friction_per_fs";
    static final String KEY_SEED = "md_seed";

    private Map<String, Object> recordedSettings() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(KEY_ENSEMBLE, ensemble);
        m.put(KEY_TIMESTEP, timestep);
        if (ensemble.equals("nvt")) {
            m.put(KEY_TEMPERATURE, temperature);
            m.put(KEY_FRICTION, friction);
            m.put(KEY_SEED, seed);
        }
        return m;
    }

    /**
     * Takes the run settings a trajectory's last frame records (older trajectories have none: then the
     * options and their defaults apply, as before) for every option not given; returns the ones an
     * option changes, for the header.
     */
    private List<String> takeRecordedSettings(Map<String, Object> info, CommandLine.ParseResult given) {
        List<String> changed = new ArrayList<>();
        Object e = info.get(KEY_ENSEMBLE);
        if (e != null && !given.hasMatchedOption("--ensemble") && !e.equals("nve") && !e.equals("nvt")) {
            // (an option given says what to do; only a value the run would take must make sense)
            throw new MdException(output + ": cannot continue this trajectory, its last frame's " + KEY_ENSEMBLE + " is "
                    + e + ", not nve or nvt");
        }
        if (e != null) {
            if (!given.hasMatchedOption("--ensemble")) {
                ensemble = (String) e;
            } else if (!ensemble.equals(e)) {
                changed.add("--ensemble " + ensemble + " (the trajectory ran " + e + ")");
            }
        }
        timestep = recorded(info, KEY_TIMESTEP, "--timestep", timestep, given, changed, false);
        if ("nvt".equals(e)) {
            temperature = recorded(info, KEY_TEMPERATURE, "--temperature", temperature, given, changed, true);
            friction = recorded(info, KEY_FRICTION, "--friction", friction, given, changed, false);
            Object s = info.get(KEY_SEED);
            if (s != null && !(s instanceof Long) && !given.hasMatchedOption("--seed")) {
                throw new MdException(output + ": cannot continue this trajectory, its last frame's " + KEY_SEED + " is "
                        + s + ", not an integer");
            }
            if (s != null && !given.hasMatchedOption("--seed")) {
                seed = (Long) s;
            } else if (s instanceof Long l && seed != l) {
                changed.add("--seed " + seed + " (the trajectory's was " + s + ")");
            }
        }
        return changed;
    }

    /** One recorded number: refused unless finite and positive (or >= 0 where zero is allowed). */
    private double recorded(Map<String, Object> info, String key, String option, double value,
            CommandLine.ParseResult given, List<String> changed, boolean zeroAllowed) {
        Object v = info.get(key);
        if (v == null) {
            return value;
        }
        double d = v instanceof Number n ? n.doubleValue() : Double.NaN;
        boolean valid = Double.isFinite(d) && d >= 0 && (d > 0 || zeroAllowed);
        if (given.hasMatchedOption(option)) {
            if (value != d) {
                changed.add(option + " " + value + " (the trajectory's was " + (valid ? d : v) + ")");
            }
            return value;
        }
        if (!valid) {
            throw new MdException(output + ": cannot continue this trajectory, its last frame's " + key + " is " + v
                    + " (give " + option + " to continue with another value)");
        }
        return d;
    }

    /** The plot's name: the trajectory's with .png, which must not be the trajectory's own name. */
    static Path plotBeside(Path trajectory) {
        String name = trajectory.getFileName() == null ? "" : trajectory.getFileName().toString();
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        if (lower.endsWith(".png") || lower.endsWith(".svg")) {
            throw new OptionException("-o " + trajectory + ": the trajectory is extended XYZ, not a picture; "
                    + "name it .xyz (its energy plot is written beside it, with .png)");
        }
        return Figures.sibling(trajectory, ".png");
    }

    private TrajectoryWriter openTrajectory(Path output, TrajectoryWriter.Options options, TrajectoryResume from)
            throws IOException {
        try {
            if (from != null) {
                return TrajectoryWriter.append(output, options, from.size());
            }
            return TrajectoryWriter.open(output, options,
                    force ? TrajectoryWriter.Mode.OVERWRITE : TrajectoryWriter.Mode.CREATE);
        } catch (FileAlreadyExistsException e) {
            // created by someone else since the check above: another run started with the same -o
            throw new IOException(output + ": created by another run meanwhile; choose another -o", e);
        } catch (NoSuchFileException | AccessDeniedException e) {
            String why = InputFiles.describe(e); // "FILE: what (folder ... does not exist)"
            String prefix = e.getFile() + ": ";
            why = why.startsWith(prefix) ? why.substring(prefix.length()) : SafeOutput.reason(e);
            throw new IOException(output + ": cannot write the trajectory (" + why + ")", e);
        }
    }

    /** A progress bar plus a live line of step, time, T, Etot and drift, redrawn in place. */
    static final class Progress {
        private final PrintWriter out;
        /** The step the run starts from (not 0 when it continues a trajectory). */
        private final long first;
        private final long total;
        private final boolean quiet;
        /** On a terminal the line is redrawn in place; into a file or pipe, one line per tenth of the run. */
        private final boolean terminal = System.console() != null;
        private long lastPrintNanos;
        private long lastTenth = -1;

        Progress(PrintWriter out, long first, long total, boolean quiet) {
            this.out = out;
            this.first = first;
            this.total = total;
            this.quiet = quiet;
        }

        void update(MdRun run) {
            if (quiet) {
                return;
            }
            if (!terminal) {
                long tenth = total == 0 ? 10 : 10 * (run.step() - first) / total;
                if (tenth != lastTenth) {
                    lastTenth = tenth;
                    out.println(line(run));
                }
                return;
            }
            long now = System.nanoTime();
            if (run.step() - first != total && now - lastPrintNanos < 200_000_000L) {
                return; // redraw at most 5 times a second
            }
            lastPrintNanos = now;
            out.print("\r" + line(run));
            out.flush();
        }

        String line(MdRun run) {
            int width = 24;
            int filled = total == 0 ? width : (int) (width * (run.step() - first) / total);
            String bar = "#".repeat(filled) + "-".repeat(width - filled);
            return String.format("[%s] step %d/%d  t %.1f fs  T %.1f K  Etot %.5f eV  drift %+.2e eV/atom", bar,
                    run.step() - first, total, run.timeFs(), run.temperature(), run.totalEnergy(),
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
