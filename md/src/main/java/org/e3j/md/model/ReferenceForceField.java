package org.e3j.md.model;

import java.nio.file.Path;
import java.util.Arrays;
import org.e3j.engine.plan.SingleCaller;
import org.e3j.graph.NeighborList;
import org.e3j.layers.model.ModelInput;
import org.e3j.layers.model.ReferenceForces;
import org.e3j.layers.model.ReferenceModel;
import org.e3j.md.AtomsSystem;
import org.e3j.md.ForceField;
import org.e3j.md.ForceResult;
import org.e3j.md.MdException;

/**
 * A {@link ForceField} backed by the double-precision reference execution of a Potential model: the
 * exact oracle, op by op (it allocates and is slow; use the fast engine for production MD).
 */
public final class ReferenceForceField implements ForceField {
    private final ReferenceModel model;
    private final NeighborSource neighbors;
    private final SingleCaller calls = new SingleCaller("ReferenceForceField");

    public ReferenceForceField(ReferenceModel model) {
        if (!model.config.isPotential()) {
            throw new MdException("a force field needs a Potential model; this file holds a "
                    + model.config.architecture + " (no energy)");
        }
        this.model = model;
        this.neighbors = new NeighborSource(model.config, 0.0);
    }

    public static ReferenceForceField load(Path path) {
        return new ReferenceForceField(ReferenceModel.load(path));
    }

    @Override
    public double cutoff() {
        return model.config.cutoff;
    }

    /**
     * {@inheritDoc} A second thread calling while a call is in progress (one force field per thread)
     * gets an {@link IllegalStateException}; a non-finite output an {@link MdException} naming it.
     */
    @Override
    public void compute(AtomsSystem system, ForceResult out) {
        out.invalidate(); // a refused call leaves no earlier result readable
        calls.enter();
        try {
            computeUnguarded(system, out);
        } finally {
            calls.exit();
        }
        FiniteOutputs.require("the reference engine", system, out);
    }

    private void computeUnguarded(AtomsSystem system, ForceResult out) {
        NeighborList nl = neighbors.update(system);
        int e = nl.numEdges();
        ModelInput in = new ModelInput(system.numbers(), system.positions().clone(),
                Arrays.copyOf(nl.sendersView(), e), Arrays.copyOf(nl.receiversView(), e),
                Arrays.copyOf(nl.shiftVectorsView(), 3 * e), new int[] {system.numAtoms()});
        boolean periodic = system.isPeriodic();
        ReferenceForces.Result r = ReferenceForces.compute(model, in, periodic ? system.cell() : null,
                periodic ? system.pbcView().clone() : null);
        publish(r, system.numAtoms(), out);
    }

    /** Copies what {@code out} asked for from a one-graph reference result (shared with {@link GraphForceField}). */
    static void publish(ReferenceForces.Result r, int n, ForceResult out) {
        out.prepare(n);
        out.setEnergy(r.energy()[0]);
        int available = ForceResult.ENERGY;
        if (out.wants(ForceResult.FORCES)) {
            System.arraycopy(r.forces(), 0, out.forces(), 0, 3 * n);
            available |= ForceResult.FORCES;
        }
        if (out.wants(ForceResult.ATOM_ENERGIES)) {
            System.arraycopy(r.atomEnergies(), 0, out.atomEnergies(), 0, n);
            available |= ForceResult.ATOM_ENERGIES;
        }
        if (out.wants(ForceResult.STRESS) && r.stressValid()[0]) {
            System.arraycopy(r.stress(), 0, out.stress(), 0, 6);
            available |= ForceResult.STRESS;
        }
        out.markAvailable(available);
    }

    @Override
    public void close() {
        calls.close();
    }

    @Override
    public String toString() {
        return "ReferenceForceField[cutoff " + cutoff() + " Å]";
    }
}
