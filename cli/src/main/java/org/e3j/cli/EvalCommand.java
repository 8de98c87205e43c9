package org.e3j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.e3j.graph.io.ExtXyzReader;
import org.e3j.graph.io.ExtXyzWriter;
import org.e3j.graph.io.Frame;
import org.e3j.md.AtomsSystem;
import org.e3j.md.ForceField;
import org.e3j.md.ForceResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code e3j eval IN.xyz -o OUT.xyz}: energy, forces and stress of every frame, written back as extended XYZ. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Energies, forces and stress (periodic frames) of every frame of an extended-XYZ file.")
public final class EvalCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine = new EngineOptions();

    @Parameters(index = "0", paramLabel = "IN", description = "input extended XYZ (one or more frames)")
    Path input;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT", required = true,
            description = "output extended XYZ: the frames with energy, forces, stress and per-atom energies")
    Path output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        if (!Files.isRegularFile(input)) {
            throw new IOException(input + ": no such file");
        }
        int frames = 0;
        ForceResult result = new ForceResult();
        try (ForceField ff = engine.open();
                ExtXyzReader reader = ExtXyzReader.open(input);
                ExtXyzWriter writer = ExtXyzWriter.open(output)) {
            Frame frame;
            while ((frame = reader.readFrame()) != null) {
                AtomsSystem system = AtomsSystem.of(frame);
                ff.compute(system, ForceResult.ALL, result);
                Frame f = Frame.of(frame.structure()).withEnergy(result.energy()).withForces(result.forcesCopy())
                        .withArray(org.e3j.graph.io.Property.real("energies", 1, result.atomEnergiesCopy()));
                if (result.has(ForceResult.STRESS)) {
                    f = f.withStress(result.stressCopy());
                }
                writer.write(f);
                frames++;
                out.printf("frame %d: %d atoms, energy %.8f eV%n", frames - 1, system.numAtoms(), result.energy());
            }
        }
        out.printf("wrote %d frame%s to %s%n", frames, frames == 1 ? "" : "s", output);
        return 0;
    }
}
