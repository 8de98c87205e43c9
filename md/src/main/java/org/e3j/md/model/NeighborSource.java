package org.e3j.md.model;

import java.util.Arrays;
import org.e3j.graph.NeighborList;
import org.e3j.graph.Structure;
import org.e3j.graph.StructureException;
import org.e3j.md.AtomsSystem;

/**
 * Keeps a neighbour list (with a Verlet skin) in step with an {@link AtomsSystem}: rebuilt when the
 * atom count, pbc or cell changes or an atom moved more than half the skin, otherwise only
 * re-filtered to the cutoff. Shared by the network force fields.
 */
final class NeighborSource {
    private final NeighborList nl;
    private boolean built;
    private boolean rebuilt;
    private int[] numbers = new int[0];
    private final boolean[] pbc = new boolean[3];

    NeighborSource(double cutoff, double skin) {
        nl = new NeighborList(cutoff, skin);
    }

    NeighborList update(AtomsSystem system) {
        double[] pos = system.positions();
        double[] cell = system.hasCell() ? system.cellView() : null;
        boolean[] sysPbc = system.pbcView();
        int[] z = system.numbersView();
        if (!built || nl.numAtoms() != system.numAtoms() || !Arrays.equals(pbc, sysPbc)
                || !Arrays.equals(numbers, 0, numbers.length, z, 0, z.length)) {
            // a new structure (another size, pbc or species): rebuild, and the model restages its graph
            nl.build(pos, cell, sysPbc);
            System.arraycopy(sysPbc, 0, pbc, 0, 3);
            numbers = z.clone();
            built = true;
            rebuilt = true;
        } else {
            rebuilt = nl.update(pos, cell);
        }
        checkContacts(system);
        return nl;
    }

    /** How many times the list was rebuilt. */
    int rebuildCount() {
        return nl.rebuildCount();
    }

    /** Whether the last {@link #update} rebuilt the list (new skin candidates). */
    boolean rebuilt() {
        return rebuilt;
    }

    /**
     * Refuses atoms closer than {@link Structure.Checks#DEFAULT_MIN_DISTANCE}: a model evaluated there
     * returns a finite but meaningless number, and in MD it means the run has blown up.
     */
    private void checkContacts(AtomsSystem system) {
        double[] d = nl.distancesView();
        for (int e = 0, m = nl.numEdges(); e < m; e++) {
            if (d[e] < Structure.Checks.DEFAULT_MIN_DISTANCE) {
                int i = nl.sender(e);
                int j = nl.receiver(e);
                throw new StructureException(String.format("atoms %d (%s) and %d (%s) are %.4f A apart, closer than %.2f A"
                        + " (coincident atoms, or a simulation that blew up)", i, system.symbol(i), j, system.symbol(j),
                        d[e], Structure.Checks.DEFAULT_MIN_DISTANCE));
            }
        }
    }
}
