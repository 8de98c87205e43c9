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
