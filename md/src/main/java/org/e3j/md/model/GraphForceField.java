package org.e3j.md.model;

import java.nio.file.Path;
import java.util.Arrays;
import org.e3j.engine.plan.SingleCaller;
import org.e3j.graph.NeighborList;
import org.e3j.graph.Structure;
import org.e3j.graph.StructureException;
import org.e3j.layers.graph.GraphExecutor;
import org.e3j.layers.graph.ModelGraph;
import org.e3j.layers.model.ModelInput;
import org.e3j.layers.model.ReferenceForces;
import org.e3j.md.AtomsSystem;
import org.e3j.md.ForceField;
import org.e3j.md.ForceResult;
import org.e3j.md.MdException;

/**
 * A {@link ForceField} backed by the double-precision reference executor of a model graph (format
 * version 2, docs/model-graph.md): energy, forces and (periodic systems) stress from one reverse
 * pass. The neighbour list uses the graph's {@code neighbor_cutoff} (ASE's {@code |r| < cutoff},
 * senders = i, receivers = j, shifts = S @ cell). Slow and exact, like {@link ReferenceForceField}.
 */
public final class GraphForceField implements ForceField {
    private final GraphExecutor executor;
    private final double cutoff;
    private final int[] atomicNumbers;
    private final NeighborList nl;
    private final SingleCaller calls = new SingleCaller("GraphForceField");

    public GraphForceField(ModelGraph graph) {
        if (graph.neighborCutoff() == null) {
            throw new MdException(graph.source() + ": the model graph declares no neighbor_cutoff, so no neighbour"
                    + " list can be built for it");
        }
        this.executor = new GraphExecutor(graph);
        this.cutoff = graph.neighborCutoff();
        this.atomicNumbers = graph.atomicNumbers();
        this.nl = new NeighborList(cutoff, 0.0);
    }

    public static GraphForceField load(Path path) {
        return new GraphForceField(ModelGraph.load(path));
    }

    @Override
    public double cutoff() {
        return cutoff;
    }

    @Override
    public void compute(AtomsSystem system, ForceResult out) {
        out.invalidate(); // a refused call leaves no earlier result readable
        calls.enter();
        try {
            computeUnguarded(system, out);
        } finally {
            calls.exit();
        }
        FiniteOutputs.require("the reference engine (model graph)", system, out);
    }

    private void computeUnguarded(AtomsSystem system, ForceResult out) {
        int[] z = system.numbersView();
        for (int i = 0; i < system.numAtoms(); i++) {
            final int zi = z[i];
            if (atomicNumbers != null && Arrays.stream(atomicNumbers).noneMatch(a -> a == zi)) {
                throw new MdException("atom " + i + " (" + system.symbol(i) + ", Z = " + zi + ") is not an element of"
                        + " the model (atomic numbers " + Arrays.toString(atomicNumbers) + ")");
            }
        }
        nl.build(system.positions(), system.hasCell() ? system.cellView() : null, system.pbcView());
        double[] d = nl.distances();
        for (int e = 0; e < nl.numEdges(); e++) {
            if (d[e] < Structure.Checks.DEFAULT_MIN_DISTANCE) {
                int i = nl.sender(e);
                int j = nl.receiver(e);
                throw new StructureException(String.format("atoms %d (%s) and %d (%s) are %.4f A apart, closer than %.2f A"
                        + " (coincident atoms, or a simulation that blew up)", i, system.symbol(i), j, system.symbol(j),
                        d[e], Structure.Checks.DEFAULT_MIN_DISTANCE));
            }
        }
        ModelInput in = new ModelInput(system.numbers(), system.positions().clone(), nl.senders(), nl.receivers(),
                nl.shiftVectors(), new int[] {system.numAtoms()});
        boolean periodic = system.isPeriodic();
        ReferenceForces.Result r = executor.compute(in, periodic ? system.cell() : null,
                periodic ? system.pbcView().clone() : null);
        ReferenceForceField.publish(r, system.numAtoms(), out);
    }

    @Override
    public void close() {
        calls.close();
    }

    @Override
    public String toString() {
        return "GraphForceField[cutoff " + cutoff + " Å]";
    }
}
