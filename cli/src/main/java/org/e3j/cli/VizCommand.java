package org.e3j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import org.e3j.cli.viz.Camera;
import org.e3j.cli.viz.FeaturePlot;
import org.e3j.cli.viz.FeatureScene;
import org.e3j.cli.viz.Figures;
import org.e3j.cli.viz.PanelChart;
import org.e3j.cli.viz.SeedExample;
import org.e3j.engine.so3.WignerD;
import org.e3j.graph.Structure;
import org.e3j.graph.io.SafeOutput;
import org.e3j.layers.model.ReferenceModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code e3j viz}: a picture of a network's equivariant features on a structure and a rotated copy. */
@Command(name = "viz", mixinStandardHelpOptions = true,
        description = {"Draw a network's E(3)-equivariant per-atom features: the structure and a randomly rotated copy "
                + "side by side, features computed independently for each.",
            "Scalars (0e) are the atoms' colour and size, vectors (1o) arrows, higher l a glyph of sum_lm f_lm Y_lm.",
            "Default: the seed tutorial's 3-atom example and its randomly initialised SimpleNetwork."})
public final class VizCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, paramLabel = "FILE",
            description = "model (.safetensors); default: the seed example " + SeedExample.MODEL)
    Path model;

    @Option(names = {"-s", "--structure"}, paramLabel = "FILE",
            description = "structure (extended XYZ, first frame; a cell is ignored); default: the seed's 3-atom example "
                    + "with its fixed edges")
    Path structure;

    @Option(names = "--cutoff", paramLabel = "A",
            description = "radius-graph cutoff for --structure, A (default: the model's cutoff, else 2.5)")
    Double cutoff;

    @Option(names = "--features", paramLabel = "NAME", defaultValue = "output/node_features",
            description = "per-atom tensor to draw (default ${DEFAULT-VALUE}; e.g. layer_0/aggregated has l up to sh_lmax)")
    String features;

    @Option(names = {"-c", "--channel"}, paramLabel = "SPEC", split = ",",
            description = "channels to draw, e.g. 0e:0,0e:3,1o:0-2,2e:0 (IRREP:COPY or IRREP:FIRST-LAST); up to 2 "
                    + "scalars (colour, size); default: copy 0 of every irrep")
    List<String> channels = new ArrayList<>();

    @Option(names = "--seed", defaultValue = "1", description = "seed of the random rotation (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", defaultValue = "e3j-viz.png",
            description = "picture, .png or .svg (default ${DEFAULT-VALUE})")
    Path output;

    @Option(names = "--width", defaultValue = "1200", description = "image width, pixels (default ${DEFAULT-VALUE})")
    int width;

    @Option(names = "--height", defaultValue = "600", description = "image height, pixels (default ${DEFAULT-VALUE})")
    int height;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Figures.checkSize(width, height);
        Figures.Format.of(output);
        Path modelPath = model != null ? InputFiles.requireReadable(EngineOptions.ROLE, model)
                : SeedExample.model(Defaults.home());
        ReferenceModel m = ReferenceModel.load(modelPath);
        int[] numbers;
        double[] positions;
        FeatureScene.Edges edges;
        String name;
        if (structure == null) {
            if (cutoff != null) {
                throw new OptionException("--cutoff applies to --structure; the seed example has fixed edges");
            }
            numbers = SeedExample.NUMBERS;
            positions = SeedExample.POSITIONS;
            edges = FeatureScene.Edges.fixed(SeedExample.SENDERS, SeedExample.RECEIVERS);
            name = "seed example (H, C, O)";
        } else {
            Structure s = Structures.readFirstFrame(structure).structure();
            numbers = s.numbers();
            positions = s.positions();
            double rc = cutoff != null ? cutoff : m.config.isPotential() ? m.config.cutoff : 2.5;
            edges = FeatureScene.Edges.radius(rc);
            name = structure.getFileName() + " (" + numbers.length + " atoms)";
        }
        double[] rot = WignerD.randomRotation(new Random(seed));
        FeatureScene scene = FeatureScene.compute(m, numbers, positions, edges, features, channels, rot);
        PanelChart chart = FeaturePlot.chart(scene, width, height, Camera.standard(), name,
                "random rotation R (--seed " + seed + ")");
        FeaturePlot.write(chart, output, SafeOutput.Input.of("the model", modelPath),
                SafeOutput.Input.of("the structure", structure));
        out.printf("e3j viz: %s, %d edges (%s); model %s%n", name, scene.original.edges(), edges.describe(), modelPath);
        out.printf("%s %s; drew %s%n", features, scene.irreps, scene.channels);
        out.printf("rotated copy: arrows equal R * original arrows to %.1e (relative); wrote %s (%dx%d)%n",
                scene.arrowError(), output, width, height);
        return 0;
    }
}
