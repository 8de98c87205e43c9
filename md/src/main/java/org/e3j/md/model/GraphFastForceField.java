package org.e3j.md.model;

import java.nio.file.Path;
import java.util.Arrays;
import org.e3j.engine.plan.SingleCaller;
import org.e3j.graph.NeighborList;
import org.e3j.layers.graph.ModelGraph;
import org.e3j.md.AtomsSystem;
import org.e3j.md.ForceField;
import org.e3j.md.ForceResult;
import org.e3j.md.MdException;
import org.e3j.plan.GraphPlan;
import org.e3j.plan.GraphPlanner;
import org.e3j.plan.PlanWorkspace;

/**
 * A {@link ForceField} running a model graph (format version 2, docs/model-graph.md) on the fast
 * float32 plan the {@link GraphPlanner} compiles. The neighbour list keeps a Verlet skin (rebuilt only
 * when an atom moved more than half of it) and is filtered to the cutoff every step, so the model
 * works on the exact graph ({@code |r| < neighbor_cutoff}) and pairs in the skin cost nothing.
 * Energy, forces and (fully periodic cells) stress from one forward and one reverse pass; a step
 * allocates nothing once the buffers have grown to the system.
 */
public final class GraphFastForceField implements ForceField {
    private final GraphPlan plan;
    private final PlanWorkspace ws;
    private final NeighborSource neighbors;
    private final double cutoff;
    private final double skin;
    private final double[] virial = new double[9];
    /** Whether the graph takes periodic shifts (asked once: the graph's answer walks its node list). */
    private final boolean takesShifts;
    private final SingleCaller calls = new SingleCaller("GraphFastForceField");

    public GraphFastForceField(ModelGraph graph, int threads, double skin) {
        if (graph.neighborCutoff() == null) {
            throw new MdException(graph.source() + ": the model graph declares no neighbor_cutoff, so no neighbour"
                    + " list can be built for it");
        }
        this.plan = GraphPlanner.compile(graph);
        this.takesShifts = graph.takesShifts();
        this.cutoff = graph.neighborCutoff();
        this.skin = skin;
        int[] elements = graph.atomicNumbers();
        this.neighbors = new NeighborSource(cutoff, (atom, z) -> {
            if (elements != null && Arrays.stream(elements).noneMatch(a -> a == z)) {
                throw new MdException("atom " + atom + " (Z = " + z + ") is not an element of the model (atomic"
                        + " numbers " + Arrays.toString(elements) + ")");
            }
        }, skin, true);
        this.ws = new PlanWorkspace(plan, threads);
    }

    public static GraphFastForceField load(Path path, int threads, double skin) {
        return new GraphFastForceField(ModelGraph.load(path), threads, skin);
    }

    public GraphPlan plan() {
        return plan;
    }

    /** Times the neighbour list was rebuilt. */
    public int rebuildCount() {
        return neighbors.rebuildCount();
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
        FiniteOutputs.require("the fast engine (model graph)", system, out);
    }

    private void computeUnguarded(AtomsSystem system, ForceResult out) {
        NeighborList nl = neighbors.update(system);
        neighbors.markStaged();
        int n = system.numAtoms();
        boolean periodic = system.isPeriodic();
        boolean wantStress = FastForceField.fullyPeriodic(system) && out.wants(ForceResult.STRESS);
        boolean gradients = out.wants(ForceResult.FORCES) || wantStress;
        ws.evaluate(n, nl.numEdges(), system.positions(), system.numbersView(), nl.sendersView(), nl.receiversView(),
                periodic ? nl.shiftVectorsView() : null, null, gradients);
        out.prepare(n);
        out.setEnergy(ws.energy(0));
        int available = ForceResult.ENERGY;
        if (out.wants(ForceResult.FORCES)) {
            ws.forces(out.forces());
            available |= ForceResult.FORCES;
        }
        if (out.wants(ForceResult.ATOM_ENERGIES)) {
            double[] ae = out.atomEnergies();
            for (int i = 0; i < n; i++) {
                ae[i] = ws.atomEnergy(i);
            }
            available |= ForceResult.ATOM_ENERGIES;
        }
        if (wantStress && takesShifts) {
            ws.virial(0, virial, 0);
            double[] c = system.cellView();
            double volume = Math.abs(c[0] * (c[4] * c[8] - c[5] * c[7]) - c[1] * (c[3] * c[8] - c[5] * c[6])
                    + c[2] * (c[3] * c[7] - c[4] * c[6]));
            if (volume > 0) {
                double[] s = out.stress();
                s[0] = -virial[0] / volume;
                s[1] = -virial[4] / volume;
                s[2] = -virial[8] / volume;
                s[3] = -virial[5] / volume;
                s[4] = -virial[2] / volume;
                s[5] = -virial[1] / volume;
                available |= ForceResult.STRESS;
            }
        }
        out.markAvailable(available);
    }

    @Override
    public void close() {
        calls.close();
        ws.close();
    }

    @Override
    public String toString() {
        return "GraphFastForceField[cutoff " + cutoff + " Å, skin " + skin + " Å, " + plan.steps().size() + " steps]";
    }
}
