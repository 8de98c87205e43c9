package org.e3j.tests.reliability;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import org.e3j.layers.fast.FastModel;
import org.e3j.layers.model.ReferenceModel;
import org.e3j.md.AtomsSystem;
import org.e3j.md.ForceResult;
import org.e3j.md.model.FastForceField;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, finding 9: heap per atom of an energy + forces evaluation with the fast force field on a
 * copper crystal (bundled model, cutoff 5 Å + 1 Å skin: ~78 skin candidates per atom). Measured as
 * the heap retained after full GCs, the force field alive, minus the same before it was built (the
 * compiled model and the structure excluded). 54.9 KB/atom before the fix (32 000 atoms; the R of
 * every edge was stored for the backward, the neighbour list kept Cartesian vectors per edge and the
 * force field a copy of every Cartesian shift); 28.8 KB/atom after. The bound sits between the two.
 */
class MemoryPerAtomTest {
    static final double BOUND_BYTES_PER_ATOM = 40_000;

    static long retained() {
        for (int i = 0; i < 4; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    @Test
    void energyAndForcesOfALargeCopperCrystalStayBelowTheBoundPerAtom() {
        FastModel model = FastModel.compile(ReferenceModel.load(Engines.copperModel()));
        AtomsSystem cu = Engines.copper(10, 3); // 4 000 atoms
        ForceResult r = new ForceResult(cu.numAtoms());
        long before = retained();
        FastForceField ff = new FastForceField(model, 1, FastForceField.DEFAULT_SKIN);
        ff.compute(cu, ForceResult.ENERGY | ForceResult.FORCES, r);
        long after = retained();
        double perAtom = (double) (after - before) / cu.numAtoms();
        System.out.printf("fast force field, %d Cu atoms: %.0f bytes per atom retained (information)%n", cu.numAtoms(),
                perAtom);
        assertTrue(perAtom < BOUND_BYTES_PER_ATOM, perAtom + " bytes per atom");
        assertTrue(Double.isFinite(r.energy()));
        ff.close();
    }
}
