package org.e3j.md.model;

import java.util.Arrays;
import org.e3j.graph.NeighborList;
import org.e3j.graph.Structure;
import org.e3j.graph.StructureException;
import org.e3j.layers.model.ModelConfig;
import org.e3j.md.AtomsSystem;

/**
 * Keeps a neighbour list (with a Verlet skin) in step with an {@link AtomsSystem}: rebuilt when the
 * atom count, pbc or cell changes or an atom moved more than half the skin, otherwise only
 * re-filtered to the cutoff. Shared by the network force fields.
 */
final class NeighborSource {
    private final NeighborList nl;
    private boolean built;
    private boolean stale;
    private int[] numbers = new int[0];
    private final boolean[] pbc = new boolean[3];
    /** Refuses an atom the model has no species for: (atom index, atomic number). */
    interface SpeciesCheck {
        void check(int atom, int z);
    }

    private final SpeciesCheck species;

    NeighborSource(ModelConfig config, double skin) {
        this(config, skin, true);
    }

    NeighborSource(ModelConfig config, double skin, boolean edges) {
        this(config.cutoff, config::embeddingIndex, skin, edges);
    }

    /**
     * {@code edges} false: a lean list of skin candidates only, no per-step list of the pairs within
     * the cutoff (the fast engine stages the candidates' integer shifts and drops the pairs beyond
     * the cutoff itself).
     */
    NeighborSource(double cutoff, SpeciesCheck species, double skin, boolean edges) {
        this.species = species;
        nl = new NeighborList(cutoff, skin);
        if (!edges) {
            nl.candidatesOnly();
        }
        this.edges = edges;
    }

    private final boolean edges;

    NeighborList update(AtomsSystem system) {
        double[] pos = system.positions();
        double[] cell = system.hasCell() ? system.cellView() : null;
        boolean[] sysPbc = system.pbcView();
        int[] z = system.numbersView();
        if (!built || nl.numAtoms() != system.numAtoms() || !Arrays.equals(pbc, sysPbc)
                || !Arrays.equals(numbers, 0, numbers.length, z, 0, z.length)) {
            // a new structure (another size, pbc or species): rebuild, and the model restages its graph
            checkSpecies(z);
            nl.build(pos, cell, sysPbc);
            System.arraycopy(sysPbc, 0, pbc, 0, 3);
            numbers = z.clone();
            built = true;
            stale = true;
        } else if (nl.update(pos, cell)) {
            stale = true;
        }
        checkContacts(system);
        return nl;
    }

    /**
     * Refuses an element the model has no embedding for before any state changes (the engines check
     * too, but a refusal half-way through staging would leave this source believing it staged).
     */
    private void checkSpecies(int[] z) {
        for (int i = 0; i < z.length; i++) {
            species.check(i, z[i]);
        }
    }

    /** How many times the list was rebuilt. */
    int rebuildCount() {
        return nl.rebuildCount();
    }

    /**
     * Whether the list was rebuilt (new skin candidates) since the consumer last called
     * {@link #markStaged()}. Cleared only by the consumer, after it staged successfully: if an update
     * throws after a rebuild (atoms too close) the consumer never staged that list, and the next
     * update, which may not rebuild, must still make it stage.
     */
    boolean stale() {
        return stale;
    }

    /** The consumer staged the current list. */
    void markStaged() {
        stale = false;
    }

    /**
     * Refuses atoms closer than {@link Structure.Checks#DEFAULT_MIN_DISTANCE}: a model evaluated there
     * returns a finite but meaningless number, and in MD it means the run has blown up.
     */
    private void checkContacts(AtomsSystem system) {
        if (!edges) {
            int k = nl.closeCandidate(Structure.Checks.DEFAULT_MIN_DISTANCE);
            if (k >= 0) {
                throw tooClose(system, nl.candidateSendersView()[k], nl.candidateReceiversView()[k],
                        nl.candidateDistance(k));
            }
            return;
        }
        double[] d = nl.distancesView();
        for (int e = 0, m = nl.numEdges(); e < m; e++) {
            if (d[e] < Structure.Checks.DEFAULT_MIN_DISTANCE) {
                throw tooClose(system, nl.sender(e), nl.receiver(e), d[e]);
            }
        }
    }

    private static StructureException tooClose(AtomsSystem system, int i, int j, double d) {
        return new StructureException(String.format("atoms %d (%s) and %d (%s) are %.4f A apart, closer than %.2f A"
                + " (coincident atoms, or a simulation that blew up)", i, system.symbol(i), j, system.symbol(j),
                d, Structure.Checks.DEFAULT_MIN_DISTANCE));
    }
}
