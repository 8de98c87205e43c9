package org.e3j.plan;

import java.util.ArrayList;
import java.util.List;
import org.e3j.layers.graph.ModelGraph;
import org.e3j.layers.graph.ValueType;
import org.e3j.layers.io.ModelFormatException;

/**
 * Compiles a {@link ModelGraph} (format version 2, docs/model-graph.md) into a {@link GraphPlan}:
 * <ol>
 *   <li>prunes every node no output depends on (walking back from {@code energy} and
 *       {@code atom_energies});</li>
 *   <li>marks the values that need a gradient: those that depend on positions or shifts and that
 *       the energy depends on (the reverse pass touches nothing else);</li>
 *   <li>builds one float32 {@link Step} per remaining node ({@link StepFactory}).</li>
 * </ol>
 * The graph has already been validated by its loader (types, weights, topological order).
 */
public final class GraphPlanner {
    private static final String[] INPUT_KINDS = {"positions", "atomic_numbers", "species", "senders", "receivers",
            "shifts", "n_node"};

    private GraphPlanner() {}

    public static GraphPlan compile(ModelGraph graph) {
        List<ModelGraph.Node> nodes = graph.nodes();
        int n = nodes.size();
        String energyName = graph.outputs().get("energy");
        String atomName = graph.outputs().get("atom_energies");
        if (energyName == null || atomName == null) {
            throw new ModelFormatException(graph.source() + ": the fast engine runs potentials (outputs energy and"
                    + " atom_energies); this graph's outputs are " + graph.outputs().keySet());
        }
        int energy = indexOf(nodes, energyName);
        int atomEnergies = indexOf(nodes, atomName);
        ValueType atomType = nodes.get(atomEnergies).out();
        if (!atomType.isFloat() || !atomType.domain().equals("node") || atomType.dim() != 1) {
            throw new ModelFormatException("node \"" + atomName + "\": atom_energies must be a node value 1x0e, got "
                    + atomType);
        }

        // 1. liveness, back to front
        boolean[] live = new boolean[n];
        boolean[] reachesEnergy = new boolean[n];
        live[energy] = true;
        live[atomEnergies] = true;
        reachesEnergy[energy] = true;
        for (int k = n - 1; k >= 0; k--) {
            if (!live[k]) {
                continue;
            }
            for (int i : nodes.get(k).inputIndex()) {
                live[i] = true;
                reachesEnergy[i] |= reachesEnergy[k];
            }
        }

        // inputs by kind
        int[] inputs = new int[INPUT_KINDS.length];
        java.util.Arrays.fill(inputs, -1);
        for (int k = 0; k < n; k++) {
            String kind = ModelGraph.inputKind(nodes.get(k));
            if (kind != null) {
                int slot = java.util.Arrays.asList(INPUT_KINDS).indexOf(kind);
                if (slot < 0) {
                    throw new ModelFormatException("node \"" + nodes.get(k).name() + "\": input kind \"" + kind
                            + "\" is not one the fast engine supplies");
                }
                inputs[slot] = k;
            }
        }

        // 2. gradients: depends on positions/shifts and reaches the energy
        boolean[] geometric = new boolean[n];
        boolean[] needsGrad = new boolean[n];
        ValueType[] types = new ValueType[n];
        for (int k = 0; k < n; k++) {
            ModelGraph.Node node = nodes.get(k);
            String kind = ModelGraph.inputKind(node);
            geometric[k] = "positions".equals(kind) || "shifts".equals(kind);
            for (int i : node.inputIndex()) {
                geometric[k] |= geometric[i];
            }
            if (live[k]) {
                types[k] = node.out();
                needsGrad[k] = geometric[k] && reachesEnergy[k] && node.out().isFloat();
            }
        }

        // 3. steps
        List<Step> steps = new ArrayList<>();
        List<String> pruned = new ArrayList<>();
        List<Integer> relative = new ArrayList<>();
        int scratch = 0;
        for (int k = 0; k < n; k++) {
            ModelGraph.Node node = nodes.get(k);
            if (!live[k]) {
                pruned.add(node.name());
                continue;
            }
            if (ModelGraph.inputKind(node) != null) {
                continue;
            }
            int[] in = node.inputIndex();
            List<ValueType> inTypes = new ArrayList<>();
            for (int i : in) {
                inTypes.add(nodes.get(i).out());
            }
            Step s = StepFactory.create(new StepContext(node.name(), node.op(), node.compiled(), in, k, inTypes,
                    node.out()));
            steps.add(s);
            scratch = Math.max(scratch, s.scratchFloats());
            if (node.op().equals("relative_vectors")) {
                relative.add(k);
            }
        }
        // the virial as a sum over edge vectors needs positions (and shifts) to reach the energy only through them
        boolean onlyThroughEdges = true;
        for (int k = 0; k < n; k++) {
            if (!live[k] || nodes.get(k).op().equals("relative_vectors")) {
                continue;
            }
            for (int i : nodes.get(k).inputIndex()) {
                if (i == inputs[0] || i == inputs[5]) {
                    onlyThroughEdges = false;
                }
            }
        }
        List<Step> reverse = new ArrayList<>();
        for (int t = steps.size() - 1; t >= 0; t--) {
            Step s = steps.get(t);
            if (needsGrad[s.output()] && s.differentiable()) {
                reverse.add(s);
            }
        }
        int[] rel = onlyThroughEdges ? relative.stream().mapToInt(Integer::intValue).toArray() : null;
        return new GraphPlan(graph, types, needsGrad, steps.toArray(new Step[0]), reverse.toArray(new Step[0]), inputs,
                energy, atomEnergies, rel, scratch, pruned);
    }

    private static int indexOf(List<ModelGraph.Node> nodes, String name) {
        for (int k = 0; k < nodes.size(); k++) {
            if (nodes.get(k).name().equals(name)) {
                return k;
            }
        }
        throw new ModelFormatException("output node \"" + name + "\" does not exist");
    }
}
