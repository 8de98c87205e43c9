package org.e3j.tests.reliability;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.e3j.engine.E3jException;
import org.e3j.graph.Structure;
import org.e3j.graph.StructureException;
import org.e3j.md.AtomsSystem;
import org.e3j.md.ForceField;
import org.e3j.md.ForceResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Bad structures are refused at the API boundary with typed exceptions naming the culprit (issue
 * #7): when a {@link Structure} or {@link AtomsSystem} is built, and when a force field is handed
 * one that was corrupted after construction (positions are live arrays an embedding code writes to).
 */
class StructureBoundaryTest {
    static final double[] BOX = {5, 0, 0, 0, 5, 0, 0, 0, 5};
    static final boolean[] PBC = {true, true, true};

    private static void refused(String expected, Executable build) {
        StructureException e = assertThrows(StructureException.class, build);
        assertTrue(e.getMessage().contains(expected), () -> "expected \"" + expected + "\" in: " + e.getMessage());
    }

    /** Both constructors refuse it. */
    private static void bothRefuse(String expected, int[] z, double[] p, double[] cell, boolean[] pbc) {
        refused(expected, () -> new Structure(z, p, cell, pbc));
        refused(expected, () -> new AtomsSystem(z, p, null, null, cell, pbc));
    }

    @Test
    void badStructuresAreTypedErrors() {
        double[] two = {0, 0, 0, 1, 0, 0};
        bothRefuse("non-finite", new int[] {1, 1}, new double[] {0, 0, 0, Double.NaN, 0, 0}, null, null);
        bothRefuse("non-finite", new int[] {1, 1}, new double[] {0, 0, 0, 1, Double.POSITIVE_INFINITY, 0}, null, null);
        bothRefuse("unknown atomic number 0", new int[] {1, 0}, two, null, null);
        bothRefuse("unknown atomic number 119", new int[] {1, 119}, two, null, null);
        bothRefuse("unknown atomic number -6", new int[] {-6, 1}, two, null, null);
        bothRefuse("no atoms", new int[0], new double[0], null, null);
        bothRefuse("positions has 5 values", new int[] {1, 1}, new double[5], null, null);
        bothRefuse("singular", new int[] {1}, new double[3], new double[] {1, 0, 0, 2, 0, 0, 0, 0, 1}, PBC);
        bothRefuse("lattice vector is zero", new int[] {1}, new double[3], new double[9], PBC);
        bothRefuse("left-handed", new int[] {1}, new double[3], new double[] {0, 5, 0, 5, 0, 0, 0, 0, 5}, PBC);
        bothRefuse("not finite", new int[] {1}, new double[3], new double[] {5, 0, 0, 0, Double.NaN, 0, 0, 0, 5},
                PBC);
        bothRefuse("cell must have 9", new int[] {1}, new double[3], new double[6], PBC);
        bothRefuse("pbc must have 3", new int[] {1}, new double[3], BOX, new boolean[2]);
        // coincident atoms, and an atom next to its own periodic image (Structure's contact check)
        refused("closer than the minimum distance", () -> new Structure(new int[] {1, 1}, new double[6]));
        refused("own periodic image", () -> new Structure(new int[] {1}, new double[3],
                new double[] {0.05, 0, 0, 0, 5, 0, 0, 0, 5}, PBC));
        // absurd sizes: a cap with a clear limit (10 000 000 by default, configurable)
        refused("more than the limit of 4", () -> new Structure(new int[5], new double[15], null, null,
                Structure.Checks.DEFAULT.withMaxAtoms(4)));
    }

    static AtomsSystem water() {
        return new AtomsSystem(new int[] {8, 1, 1}, new double[] {0, 0, 0, 0.96, 0, 0, -0.24, 0.93, 0}, null, null,
                null, null);
    }

    /** What a force field does with input it cannot evaluate: a typed error naming the atom, never a number. */
    @Test
    void theForceFieldRefusesWhatTheModelCannotEvaluate() {
        for (Engines.Engine engine : new Engines.Engine[] {Engines.reference(Engines.model()),
                Engines.fast(Engines.model())}) {
            refusesWhatTheModelCannotEvaluate(engine);
        }
    }

    private static void refusesWhatTheModelCannotEvaluate(Engines.Engine engine) {
        try (ForceField ff = engine.newForceField()) {
            ForceResult r = new ForceResult();
            ff.compute(water(), ForceResult.ALL, r);
            assertTrue(Double.isFinite(r.energy()));
            // gold is a valid element but not a species of this H/C/N/O model
            AtomsSystem gold = new AtomsSystem(new int[] {8, 79}, new double[] {0, 0, 0, 2, 0, 0}, null, null, null,
                    null);
            StructureException e = assertThrows(StructureException.class, () -> ff.compute(gold, ForceResult.ALL, r));
            assertTrue(e.getMessage().contains("atom 1 (Au, Z = 79)"), e.getMessage());
            // positions corrupted after construction (live arrays): refused, not turned into NaN forces
            for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY}) {
                AtomsSystem s = water();
                s.positions()[4] = bad;
                StructureException e2 = assertThrows(StructureException.class, () -> ff.compute(s, ForceResult.ALL, r));
                assertTrue(e2.getMessage().contains("atom 1"), e2.getMessage());
            }
            // the same force field still works afterwards
            ff.compute(water(), ForceResult.ALL, r);
            assertTrue(Double.isFinite(r.energy()));
        }
    }

    /** Far-flung finite coordinates neither hang nor exhaust memory in the neighbour search. */
    @Test
    void absurdButFiniteCoordinatesAreHandled() {
        Engines.Engine engine = Engines.underTest();
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            try (ForceField ff = engine.newForceField()) {
                ForceResult r = new ForceResult();
                for (double far : new double[] {1e6, 1e15, 1e300, -1e300}) {
                    AtomsSystem s = water();
                    s.positions()[3] = far;
                    try {
                        ff.compute(s, ForceResult.ALL, r);
                        assertTrue(Double.isFinite(r.energy()), "far atom " + far + " gave energy " + r.energy());
                    } catch (E3jException refusedTyped) {
                        assertTrue(refusedTyped.getMessage() != null);
                    }
                }
                AtomsSystem periodic = new AtomsSystem(new int[] {8, 1}, new double[] {0, 0, 0, 1e12, 0, 0}, null,
                        null, BOX, PBC);
                try {
                    ff.compute(periodic, ForceResult.ALL, r);
                    assertTrue(Double.isFinite(r.energy()));
                } catch (StructureException e) {
                    assertTrue(e.getMessage().contains("cells away"), e.getMessage());
                }
            }
        });
    }
}
