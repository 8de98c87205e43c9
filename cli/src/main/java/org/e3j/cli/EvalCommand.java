package org.e3j.cli;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.e3j.engine.E3jException;
import org.e3j.graph.io.ExtXyzReader;
import org.e3j.graph.io.ExtXyzWriter;
import org.e3j.graph.io.Frame;
import org.e3j.graph.io.Property;
import org.e3j.graph.io.SafeOutput;
import org.e3j.md.AtomsSystem;
import org.e3j.md.ForceField;
import org.e3j.md.ForceResult;
import org.e3j.md.MdException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code e3j eval IN.xyz -o OUT.xyz}: energy, forces and stress of every frame, written back as
 * extended XYZ.
 *
 * <p>Each output frame is the input frame (its info keys and per-atom arrays kept, in order) with
 * this model's results added: info {@code energy}, {@code stress} (periodic frames), per-atom
 * {@code forces} and {@code energies}. A name the input already uses is replaced by ours. Results of
 * an earlier calculation that ours supersede are dropped: {@code free_energy}, {@code virial}, and
 * {@code stress} of a frame for which we compute none (not fully periodic), so ASE never pairs our
 * energy with someone else's stress.
 *
 * <p>The output appears whole or not at all ({@link SafeOutput}): it is refused when it is the input
 * or the model file, and a frame whose result is not finite stops the command before anything is
 * written.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Energies, forces and stress (periodic frames) of every frame of an extended-XYZ file.",
            "The input's info keys and per-atom arrays are kept; energy, forces, stress and per-atom energies",
            "(energies) are added, replacing input values of the same name (free_energy and virial are dropped)."})
public final class EvalCommand implements Callable<Integer> {
    /** Earlier results that ours supersede: kept beside our energy, ASE would report them as if ours. */
    static final String[] SUPERSEDED_INFO = {"free_energy", "virial"};

    @Mixin
    EngineOptions engine = new EngineOptions();

    @Parameters(index = "0", paramLabel = "IN", description = "input extended XYZ (one or more frames)")
    Path input;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT", required = true,
            description = "output extended XYZ: the frames with energy, forces, stress and per-atom energies "
                    + "(written to a temporary file and renamed when complete; never one of the inputs)")
    Path output;

    @Spec
    CommandSpec spec;

    /** The next frame; a malformed one is an error naming the file (the reader's message has the line). */
    private Frame nextFrame(ExtXyzReader reader) {
        try {
            return reader.readFrame();
        } catch (UncheckedIOException | E3jException e) {
            throw InputFiles.whileReading(Structures.ROLE, input, e);
        }
    }

    @Override
    public Integer call() throws IOException {
        engine.validate();
        if (output.toString().isEmpty()) {
            throw new OptionException("-o: the output file name is empty");
        }
        PrintWriter out = spec.commandLine().getOut();
        InputFiles.requireReadable(Structures.ROLE, input);
        Path model = engine.modelPath();
        int frames = 0;
        ForceResult result = new ForceResult();
        try (SafeOutput file = SafeOutput.create(output, SafeOutput.Input.of("the input", input),
                        SafeOutput.Input.of("the model", model));
                ForceField ff = engine.openForSingleEvaluations();
                ExtXyzReader reader = ExtXyzReader.open(input)) {
            ExtXyzWriter writer = new ExtXyzWriter(new OutputStreamWriter(file.stream(), StandardCharsets.UTF_8));
            Frame frame;
            while ((frame = nextFrame(reader)) != null) {
                AtomsSystem system;
                try {
                    system = AtomsSystem.of(frame);
                    ff.compute(system, ForceResult.ALL, result);
                } catch (MdException e) { // the force field refused its own result (non-finite): name the frame
                    throw new MdException(input + " frame " + frames + ": " + e.getMessage() + "; nothing written to "
                            + output, e);
                } catch (E3jException | IllegalArgumentException e) { // a species the model lacks, a cell refused
                    throw new InputFiles.InputFileException(Structures.ROLE + " " + input + " frame " + frames + ": "
                            + e.getMessage() + "; nothing written to " + output, e);
                }
                FiniteResults.require(result, system.numAtoms(), input + " frame " + frames,
                        "nothing written to " + output);
                try {
                    writer.write(withResults(frame, result));
                } catch (UncheckedIOException e) { // disk full, file-size limit: the temporary file is dropped
                    throw new IOException(output + ": cannot write (" + SafeOutput.reason(e.getCause())
                            + "); nothing written", e);
                }
                frames++;
                out.printf("frame %d: %d atoms, energy %.8f eV%n", frames - 1, system.numAtoms(), result.energy());
            }
            if (frames == 0) {
                throw new InputFiles.InputFileException(Structures.ROLE + " " + input
                        + ": no frames (empty file?); nothing written to " + output, null);
            }
            try {
                writer.flush();
            } catch (IOException e) {
                throw new IOException(output + ": cannot write (" + SafeOutput.reason(e) + "); nothing written", e);
            }
            file.commit();
        }
        out.printf("wrote %d frame%s to %s%n", frames, frames == 1 ? "" : "s", output);
        return 0;
    }

    /** The input frame with our results added (see the class comment for what is replaced or dropped). */
    static Frame withResults(Frame in, ForceResult r) {
        Map<String, Object> info = new LinkedHashMap<>(in.info());
        for (String k : SUPERSEDED_INFO) {
            info.remove(k);
        }
        info.put("energy", r.energy());
        if (r.has(ForceResult.STRESS)) {
            double[] v = r.stressCopy();
            double xx = v[0], yy = v[1], zz = v[2], yz = v[3], xz = v[4], xy = v[5];
            info.put("stress", new double[] {xx, xy, xz, xy, yy, yz, xz, yz, zz}); // as ASE writes it: 3x3
        } else {
            info.remove("stress");
        }
        Map<String, Property> arrays = new LinkedHashMap<>(in.arrays());
        arrays.put("forces", Property.real("forces", 3, r.forcesCopy()));
        arrays.put("energies", Property.real("energies", 1, r.atomEnergiesCopy()));
        return new Frame(in.structure(), info, arrays);
    }
}
