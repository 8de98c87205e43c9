package org.e3j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.e3j.engine.irreps.Irreps;
import org.e3j.layers.fast.FastModel;
import org.e3j.layers.fast.FastWorkspace;
import org.e3j.layers.io.ModelFormatException;
import org.e3j.layers.io.SafeTensors;
import org.e3j.layers.model.ModelInput;
import org.e3j.layers.model.ReferenceModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code e3j seed}: the seed tutorial's own example end to end — its 3-atom graph and its
 * {@code SimpleNetwork} with the parameters {@code model.init(init_rng, graph)} gave in e3nn-jax —
 * through both e3j executions, printed next to e3nn-jax's node and global features.
 */
@Command(name = "seed", mixinStandardHelpOptions = true,
        description = {"Run the seed tutorial's example (3 atoms, SimpleNetwork) with e3j's reference and fast",
                "engines and print node and global features next to e3nn-jax's."})
public final class SeedCommand implements Callable<Integer> {
    @Option(names = "--fixture", paramLabel = "DIR",
            description = "a fixture folder with model.safetensors and fixture.safetensors (default: tests/fixtures/seed_example)")
    Path fixture;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Path dir = fixture != null ? fixture : Defaults.home().resolve("tests/fixtures/seed_example");
        if (!Files.isRegularFile(dir.resolve("fixture.safetensors"))) {
            throw new ModelFormatException(dir + ": no fixture.safetensors (regenerate with python -m e3j_jax.fixtures)");
        }
        ReferenceModel model = ReferenceModel.load(dir.resolve("model.safetensors"));
        SafeTensors f = SafeTensors.open(dir.resolve("fixture.safetensors"));
        ModelInput in = new ModelInput(f.ints("input/numbers"), f.doubles("input/positions"), f.ints("input/senders"),
                f.ints("input/receivers"), null, f.ints("input/n_node"));
        ReferenceModel.Result ref = model.forward(in);
        double[] refNodes = ref.get("output/node_features").data();
        double[] refGlobal = ref.get("output/global_features").data();
        FastModel fastModel = FastModel.compile(model);
        Irreps irreps = fastModel.outputIrreps();
        double[] fastNodes = new double[in.numNodes() * irreps.dim()];
        double[] fastGlobal = new double[in.numGraphs() * irreps.dim()];
        try (FastWorkspace ws = new FastWorkspace(fastModel, 1, in.numNodes(), in.numEdges())) {
            ws.setInput(in);
            ws.forward();
            ws.nodeFeatures(fastNodes);
            ws.globalFeatures(fastNodes, fastGlobal);
        }
        double[] jaxNodes = f.doubles("output/node_features");
        double[] jaxGlobal = f.doubles("output/global_features");
        out.printf("seed example: %d atoms (Z = %s), %d edges, SimpleNetwork %s -> node features %s%n", in.numNodes(),
                java.util.Arrays.toString(in.numbers()), in.numEdges(), model.config.outputIrrepsPerLayer, irreps);
        int dim = irreps.dim();
        double worst = 0;
        for (int i = 0; i < in.numNodes(); i++) {
            out.printf("%nnode %d (Z=%d)%n", i, in.numbers()[i]);
            worst = Math.max(worst, table(out, irreps, jaxNodes, refNodes, fastNodes, i * dim));
        }
        for (int g = 0; g < in.numGraphs(); g++) {
            out.printf("%nglobal features of graph %d (scatter_mean over its nodes)%n", g);
            worst = Math.max(worst, table(out, irreps, jaxGlobal, refGlobal, fastGlobal, g * dim));
        }
        out.printf("%nlargest |e3j - e3nn-jax| / max(1, |e3nn-jax|): %.2e (e3nn-jax ran in float32)%n", worst);
        return 0;
    }

    /** Prints one row's features as columns e3nn-jax | reference | fast; returns the worst relative difference. */
    private static double table(PrintWriter out, Irreps irreps, double[] jax, double[] ref, double[] fast, int off) {
        out.printf("  %-10s %14s %14s %14s%n", "component", "e3nn-jax", "e3j reference", "e3j fast");
        double worst = 0;
        int c = 0;
        for (var mi : irreps) {
            for (int u = 0; u < mi.mul(); u++) {
                for (int k = 0; k < mi.ir().dim(); k++, c++) {
                    String label = mi.ir() + "[" + u + "]" + (mi.ir().dim() > 1 ? "xyz".charAt(Math.min(k, 2)) + "" : "");
                    if (mi.ir().l() > 1) {
                        label = mi.ir() + "[" + u + "]m" + (k - mi.ir().l());
                    }
                    out.printf("  %-10s %14.7f %14.7f %14.7f%n", label, jax[off + c], ref[off + c], fast[off + c]);
                    double scale = Math.max(1, Math.abs(jax[off + c]));
                    worst = Math.max(worst, Math.max(Math.abs(ref[off + c] - jax[off + c]), Math.abs(fast[off + c] - jax[off + c])) / scale);
                }
            }
        }
        return worst;
    }
}
