package org.e3j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.e3j.cli.viz.EnergyPlot;
import org.e3j.cli.viz.EnergySeries;
import org.e3j.cli.viz.Figures;
import org.e3j.graph.Structure;
import org.e3j.graph.io.ExtXyzReader;
import org.e3j.graph.io.Frame;
import org.e3j.graph.io.SafeOutput;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code e3j plot TRAJ.xyz}: energies and temperature of an extended-XYZ trajectory against time. */
@Command(name = "plot", mixinStandardHelpOptions = true,
        description = {"Plot potential, kinetic and total energy and temperature against time for an extended-XYZ "
                + "trajectory that carries energies (as e3j md and ASE write them).",
            "Kinetic energy and temperature come from per-frame momenta (or kinetic_energy / temperature info keys);",
            "without them only the potential energy is drawn."})
public final class PlotCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "TRAJ", description = "trajectory, extended XYZ")
    Path trajectory;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "picture, .png or .svg (default: the trajectory's name with .png)")
    Path output;

    @Option(names = "--width", defaultValue = "1000", description = "image width, pixels (default ${DEFAULT-VALUE})")
    int width;

    @Option(names = "--height", defaultValue = "700", description = "image height, pixels (default ${DEFAULT-VALUE})")
    int height;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Path target = output != null ? output : Figures.sibling(trajectory, ".png");
        Figures.checkSize(width, height);
        Figures.Format.of(target);
        SafeOutput.checkNotAnInput(target, SafeOutput.Input.of("the trajectory", trajectory)); // before the work
        List<Frame> frames;
        // Only energies are read: no close-contact check, so a run that went wrong can still be plotted.
        try (ExtXyzReader r = ExtXyzReader.open(trajectory, ExtXyzReader.Options.DEFAULT.withChecks(
                Structure.Checks.DEFAULT.withMinDistance(0)))) {
            frames = r.readAll();
        }
        EnergySeries s = EnergySeries.fromFrames(frames, trajectory.getFileName().toString());
        if (s.note() != null) {
            spec.commandLine().getErr().println("e3j plot: note: " + s.note());
        }
        EnergyPlot.write(s, target, width, height, trajectory.getFileName() + " (" + frames.get(0).structure().size()
                + " atoms, " + s.size() + " frames)", SafeOutput.Input.of("the trajectory", trajectory));
        out.printf("e3j plot: %d frames of %s -> %s (%dx%d)%n", s.size(), trajectory, target, width, height);
        return 0;
    }
}
