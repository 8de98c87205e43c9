package org.e3j.tests.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.e3j.md.AtomsSystem;
import org.e3j.md.ForceField;
import org.e3j.md.ForceResult;
import org.junit.jupiter.api.Test;

/**
 * One force field reused for a second structure of the same size, pbc and (nearly) the same
 * positions but other species, as an application evaluating a data set does: the result must be the
 * one a fresh force field gives.
 */
class ForceFieldReuseTest {
    static final double[] POS = {0, 0, 0, 0.96, 0, 0, -0.24, 0.93, 0};

    static void check(Engines.Engine engine) {
        AtomsSystem water = new AtomsSystem(new int[] {8, 1, 1}, POS, null, null, null, null);
        AtomsSystem amide = new AtomsSystem(new int[] {7, 1, 1}, POS, null, null, null, null);
        ForceResult fresh = new ForceResult();
        try (ForceField ff = engine.newForceField()) {
            ff.compute(amide.copy(), ForceResult.ENERGY | ForceResult.FORCES, fresh);
        }
        ForceResult reused = new ForceResult();
        try (ForceField ff = engine.newForceField()) {
            ff.compute(water.copy(), ForceResult.ENERGY | ForceResult.FORCES, reused);
            ff.compute(amide.copy(), ForceResult.ENERGY | ForceResult.FORCES, reused);
        }
        assertEquals(fresh.energy(), reused.energy(), 0.0, engine.name() + ": energy of NH2 after H2O");
    }

    @Test
    void referenceForceField() {
        check(Engines.reference(Engines.model()));
    }

    /**
     * A refused step must not leave stale state behind: the force field sees a structure, then one
     * whose atoms moved beyond half the skin into a close contact (refused after its neighbour list
     * was rebuilt), then a structure near the refused one but valid. The last result must equal a
     * fresh force field's. Before the fix the fast engine kept the first structure's pairs: its
     * consumer had never staged the rebuilt list, and the next update saw no reason to rebuild.
     */
    static void checkRefusedStep(Engines.Engine engine) {
        // cutoff 3 Å, skin 1 Å (fast engine): the second H starts outside cutoff + skin of the O
        double[] start = {0, 0, 0, 1.5, 0, 0, 0, 4.5, 0};
        double[] contact = {0, 0, 0, 0.05, 0, 0, 0, 1.2, 0}; // H 0.05 Å from O (< 0.1): refused
        double[] after = {0, 0, 0, 0.5, 0, 0, 0, 1.2, 0}; // moved < skin/2 from `contact`: no rebuild
        ForceResult fresh = new ForceResult();
        try (ForceField ff = engine.newForceField()) {
            ff.compute(new AtomsSystem(new int[] {8, 1, 1}, after, null, null, null, null),
                    ForceResult.ENERGY | ForceResult.FORCES, fresh);
        }
        ForceResult reused = new ForceResult();
        try (ForceField ff = engine.newForceField()) {
            ff.compute(new AtomsSystem(new int[] {8, 1, 1}, start, null, null, null, null),
                    ForceResult.ENERGY | ForceResult.FORCES, reused);
            AtomsSystem bad = new AtomsSystem(new int[] {8, 1, 1}, start, null, null, null, null);
            System.arraycopy(contact, 0, bad.positions(), 0, 9); // live positions, as an integrator moves them
            org.junit.jupiter.api.Assertions.assertThrows(org.e3j.graph.StructureException.class,
                    () -> ff.compute(bad, ForceResult.ENERGY | ForceResult.FORCES, reused));
            System.arraycopy(after, 0, bad.positions(), 0, 9);
            ff.compute(bad, ForceResult.ENERGY | ForceResult.FORCES, reused);
        }
        assertEquals(fresh.energy(), reused.energy(), 0.0, engine.name() + ": energy after a refused step");
        org.junit.jupiter.api.Assertions.assertArrayEquals(fresh.forcesCopy(), reused.forcesCopy(), 0.0,
                engine.name() + ": forces after a refused step");
    }

    @Test
    void aRefusedStepLeavesNoStaleState() {
        checkRefusedStep(Engines.reference(Engines.model()));
        checkRefusedStep(Engines.fast(Engines.model()));
    }

    /**
     * Regression (found by the stress test): FastForceField staged the atomic numbers only when its
     * neighbour list was rebuilt, which happened on a change of atom count, pbc, cell or a move beyond
     * half the skin, not on a change of species, so NH2 after H2O silently got H2O's energy. Fixed:
     * NeighborSource rebuilds (and the model restages) when the atomic numbers differ.
     */
    @Test
    void fastForceField() {
        check(Engines.fast(Engines.model()));
    }
}
