package org.e3j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.Callable;
import org.e3j.layers.graph.ModelGraph;
import org.e3j.layers.io.SafeTensors;
import org.e3j.layers.model.ModelConfig;
import org.e3j.layers.model.ReferenceModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code e3j info MODEL}: what a model file holds. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show what a model file holds: architecture, irreps, species, cutoff, provenance, parameters.")
public final class InfoCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", arity = "0..1", description = "model file (.safetensors); default: the bundled copper model")
    Path model;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Path path = model != null ? InputFiles.requireReadable(EngineOptions.ROLE, model) : Defaults.bundledModel();
        SafeTensors file = SafeTensors.open(path);
        if (ModelGraph.isGraphFile(file)) {
            describeGraph(out, path, file, ModelGraph.load(file)); // validates every node and weight
            return 0;
        }
        ReferenceModel m = ReferenceModel.load(file); // validates every tensor against the architecture
        ModelConfig c = m.config;
        long params = 0;
        for (String name : file.names()) {
            params += file.info(name).elementCount();
        }
        out.printf("model         %s%n", path);
        out.printf("architecture  %s (format %s v%s)%n", c.raw.get("architecture"), c.raw.get("format"), c.raw.get("format_version"));
        out.printf("sh            lmax %d, %s normalisation (%s)%n", c.shLmax, c.shNormalization, m.shIrreps);
        out.printf("embedding     %d x %d%n", c.numEmbeddings, c.initEmbedDims);
        out.printf("radial MLP    %d layers, %d hidden, silu + LayerNorm%n", c.mlpNumLayers, c.mlpHiddenDims);
        for (int k = 0; k < m.layers.size(); k++) {
            ReferenceModel.Layer l = m.layers.get(k);
            out.printf("layer %-7d %s -> tp %s -> %s%n", k, l.input, l.tp.irrepsOut(), l.output.irrepsOut());
        }
        if (c.isPotential()) {
            out.printf("species       %s%n", Arrays.toString(c.species));
            out.printf("cutoff        %s A (Bessel x%d, envelope p=%d), avg_num_neighbors %s%n", c.cutoff, c.numBasis,
                    c.envelopeP, c.avgNumNeighbors);
            out.printf("readout       energy = sum_i scale[s_i] * Linear(1x0e)_i + shift[s_i] (eV)%n");
            // the fast engine's radial MLP: a proven table when its error bound holds (docs/radial-table.md)
            var fast = org.e3j.layers.fast.FastModel.compile(m, org.e3j.engine.kernels.KernelProvider.scalar());
            for (String line : fast.radialSummary()) {
                out.printf("fast radial   %s%n", line);
            }
        } else {
            out.printf("embedding ids atomic numbers 0..%d%n", c.numEmbeddings - 1);
        }
        out.printf("parameters    %,d in %d tensors (%,d bytes of float32)%n", params, file.names().size(), params * 4);
        Object prov = c.raw.get("provenance");
        if (prov instanceof Map<?, ?> p) {
            StringBuilder sb = new StringBuilder();
            p.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append(' ').append(v));
            out.printf("provenance    %s%n", sb);
        }
        return 0;
    }

    /** A model graph (format 2): its ops, species, cutoff and size; it has no fixed architecture to print. */
    private static void describeGraph(PrintWriter out, Path path, SafeTensors file, ModelGraph g) {
        Map<String, Object> c = file.metadataJson("e3j_config");
        java.util.Map<String, Integer> ops = new java.util.TreeMap<>();
        for (ModelGraph.Node n : g.nodes()) {
            ops.merge(n.op(), 1, Integer::sum);
        }
        long params = 0;
        for (String name : file.names()) {
            params += file.info(name).elementCount();
        }
        out.printf("model         %s%n", path);
        out.printf("architecture  model graph (format %s v%s): %d nodes%n", c.get("format"), c.get("format_version"),
                g.nodes().size());
        StringBuilder sb = new StringBuilder();
        ops.forEach((op, k) -> sb.append(sb.length() == 0 ? "" : ", ").append(op).append(" x").append(k));
        out.printf("ops           %s%n", sb);
        int[] z = g.atomicNumbers();
        out.printf("species       %s%n", z == null ? "(atomic numbers used as given)" : Arrays.toString(z));
        out.printf("cutoff        %s A (neighbour list)%s%n", g.neighborCutoff(),
                g.takesShifts() ? "" : "; takes no periodic shifts (open structures)");
        out.printf("outputs       %s%n", g.outputs());
        org.e3j.plan.GraphPlan plan = org.e3j.plan.GraphPlanner.compile(g);
        out.printf("fast plan     %d float32 steps; %d fused message block(s)%s%n", plan.steps().size(),
                plan.fused().size(), plan.pruned().isEmpty() ? "" : "; pruned (no output needs them): " + plan.pruned());
        for (String f : plan.fused()) {
            out.printf("              %s%n", f);
        }
        out.printf("parameters    %,d in %d tensors (%,d bytes of float32)%n", params, file.names().size(), params * 4);
        if (c.get("provenance") instanceof Map<?, ?> p) {
            StringBuilder pv = new StringBuilder();
            p.forEach((k, v) -> pv.append(pv.length() == 0 ? "" : ", ").append(k).append(' ').append(v));
            out.printf("provenance    %s%n", pv);
        }
    }
}
