package org.e3j.plan;

import java.util.List;
import org.e3j.layers.graph.ModelGraph;
import org.e3j.layers.graph.ValueType;

/**
 * A model graph compiled by {@link GraphPlanner}: the float32 steps in forward order (dead nodes
 * pruned), which values need a gradient, and where the inputs and outputs live. Immutable and shared
 * by any number of {@link PlanWorkspace}s.
 */
public final class GraphPlan {
    final ModelGraph graph;
    /** One slot per graph node (slot k = node k); types[k] null when node k was pruned. */
    final ValueType[] types;
    final boolean[] needsGrad;
    final Step[] steps;
    /** Steps whose output carries a gradient, in reverse order. */
    final Step[] reverse;
    final int positions;
    final int atomicNumbers;
    final int species;
    final int senders;
    final int receivers;
    final int shifts;
    final int nNode;
    final int energy;
    final int atomEnergies;
    /** Slots of the relative_vectors nodes (the virial is summed over their edges), or null (then over atoms). */
    final int[] relativeVectors;
    final int scratchFloats;
    final List<String> pruned;
    final List<String> fused;

    GraphPlan(ModelGraph graph, ValueType[] types, boolean[] needsGrad, Step[] steps, Step[] reverse, int[] inputs,
            int energy, int atomEnergies, int[] relativeVectors, int scratchFloats, List<String> pruned,
            List<String> fused) {
        this.graph = graph;
        this.types = types;
        this.needsGrad = needsGrad;
        this.steps = steps;
        this.reverse = reverse;
        this.positions = inputs[0];
        this.atomicNumbers = inputs[1];
        this.species = inputs[2];
        this.senders = inputs[3];
        this.receivers = inputs[4];
        this.shifts = inputs[5];
        this.nNode = inputs[6];
        this.energy = energy;
        this.atomEnergies = atomEnergies;
        this.relativeVectors = relativeVectors;
        this.scratchFloats = scratchFloats;
        this.pruned = List.copyOf(pruned);
        this.fused = List.copyOf(fused);
    }

    /** The node groups run as one fused step ("product + scale"). */
    public List<String> fused() {
        return fused;
    }

    public ModelGraph graph() {
        return graph;
    }

    /** The steps in forward order. */
    public List<Step> steps() {
        return List.of(steps);
    }

    /** Names of the nodes dropped because no output depends on them. */
    public List<String> pruned() {
        return pruned;
    }

    /** Floating-point operations of one forward (an estimate from the steps that report one). */
    public double flops(int nodes, int edges) {
        double f = 0;
        for (Step s : steps) {
            f += s.flops(nodes, edges);
        }
        return f;
    }
}
