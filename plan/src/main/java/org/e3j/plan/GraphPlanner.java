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

        // 3. fusion: scale_irreps(tensor_product(a, b), s) with the product used nowhere else becomes one
        // weighted product (the message of nequip-eqx: the per-edge product is never written)
        int[] consumers = new int[n];
        for (int k = 0; k < n; k++) {
            if (live[k]) {
                for (int i : nodes.get(k).inputIndex()) {
                    consumers[i]++;
                }
            }
        }
        boolean[] fusedAway = new boolean[n];
        List<String> fused = new ArrayList<>();
        int[] fusedProduct = new int[n];
        java.util.Arrays.fill(fusedProduct, -1);
        for (int k = 0; k < n; k++) {
            ModelGraph.Node node = nodes.get(k);
            if (!live[k] || !node.op().equals("scale_irreps")) {
                continue;
            }
            int t = node.inputIndex()[0];
            if (nodes.get(t).op().equals("tensor_product") && consumers[t] == 1 && t != energy && t != atomEnergies) {
                fusedAway[t] = true;
                fusedProduct[k] = t;
                fused.add(nodes.get(t).name() + " + " + node.name());
                types[t] = null; // no buffer
                needsGrad[t] = false;
            }
        }

        // 4. fusion: message blocks scatter_sum([simplify](product), receivers) with product a weighted
        // tensor product (uvu, or the fused product + scale above): the per-edge messages are never written
        Step[] blockAt = new Step[n];
        for (int k = 0; k < n; k++) {
            ModelGraph.Node node = nodes.get(k);
            if (!live[k] || !node.op().equals("scatter_sum") || node.inputIndex()[1] != inputs[4]
                    || k == energy || k == atomEnergies) {
                continue;
            }
            int m = node.inputIndex()[0];
            int simplify = -1;
            if (nodes.get(m).op().equals("simplify") && consumers[m] == 1) {
                simplify = m;
                m = nodes.get(m).inputIndex()[0];
            }
            if (consumers[m] != 1 || m == energy || m == atomEnergies) {
                continue;
            }
            ModelGraph.Node prod = nodes.get(m);
            boolean scaled = prod.op().equals("scale_irreps") && fusedProduct[m] >= 0;
            if (!scaled && !prod.op().equals("tensor_product_uvu")) {
                continue;
            }
            ModelGraph.Node tp = scaled ? nodes.get(fusedProduct[m]) : prod;
            int[] pin = scaled ? new int[] {tp.inputIndex()[0], tp.inputIndex()[1], prod.inputIndex()[1]}
                    : prod.inputIndex().clone();
            List<ValueType> pTypes = List.of(nodes.get(pin[0]).out(), nodes.get(pin[1]).out(), nodes.get(pin[2]).out());
            StepContext productContext = new StepContext(prod.name(), prod.op(), tp.compiled(), pin, m, pTypes, prod.out());
            int[] bin = {pin[0], pin[1], pin[2], inputs[4]};
            List<ValueType> bTypes = List.of(pTypes.get(0), pTypes.get(1), pTypes.get(2), nodes.get(inputs[4]).out());
            StepContext blockContext = new StepContext(node.name(), "message_block", tp.compiled(), bin, k, bTypes,
                    node.out());
            double divisor = ((org.e3j.layers.graph.MessageOps.Scatter) node.compiled()).divisor();
            Step block = org.e3j.plan.steps.EquivariantSteps.messageBlock(productContext, scaled,
                    simplify >= 0 ? org.e3j.plan.steps.EquivariantSteps.simplifyColumns(nodes.get(m).out()) : null,
                    blockContext, divisor);
            if (block == null) {
                continue;
            }
            blockAt[k] = block;
            for (int away : new int[] {simplify, m}) {
                if (away >= 0) {
                    fusedAway[away] = true;
                    types[away] = null;
                    needsGrad[away] = false;
                }
            }
            fused.remove(tp.name() + " + " + prod.name());
            fused.add((scaled ? tp.name() + " + " + prod.name() : prod.name()) + (simplify >= 0 ? " + "
                    + nodes.get(simplify).name() : "") + " + " + node.name());
        }

        // 5. steps
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
            if (ModelGraph.inputKind(node) != null || fusedAway[k]) {
                continue;
            }
            if (blockAt[k] != null) {
                steps.add(blockAt[k]);
                scratch = Math.max(scratch, blockAt[k].scratchFloats());
                continue;
            }
            if (fusedProduct[k] >= 0) {
                ModelGraph.Node tp = nodes.get(fusedProduct[k]);
                int[] in = {tp.inputIndex()[0], tp.inputIndex()[1], node.inputIndex()[1]};
                List<ValueType> inTypes = List.of(nodes.get(in[0]).out(), nodes.get(in[1]).out(), nodes.get(in[2]).out());
                Step s = org.e3j.plan.steps.EquivariantSteps.scaledProduct(new StepContext(node.name(),
                        "tensor_product+scale_irreps", tp.compiled(), in, k, inTypes, node.out()), tp.compiled());
                steps.add(s);
                scratch = Math.max(scratch, s.scratchFloats());
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
                energy, atomEnergies, rel, scratch, pruned, fused);
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
