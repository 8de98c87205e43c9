package org.e3j.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StructureTest {
    static final boolean[] PBC = {true, true, true};
    static final double[] CUBE = {5, 0, 0, 0, 5, 0, 0, 0, 5};

    static String fail(Runnable r) {
        return assertThrows(StructureException.class, r::run).getMessage();
    }

    @Test
    void validStructureIsCopied() {
        int[] z = {1, 8, 1};
        double[] p = {0, 0.76, -0.48, 0, 0, 0.12, 0, -0.76, -0.48};
        Structure s = new Structure(z, p);
        z[0] = 99;
        p[0] = 42;
        assertEquals(1, s.number(0));
        assertEquals(0, s.position(0, 0));
        assertEquals(3, s.size());
        assertTrue(!s.isPeriodic() && !s.hasCell());
        assertArrayEquals(new String[] {"H", "O", "H"}, s.symbols());
        assertEquals(15.999, s.masses()[1]);
    }

    @Test
    void nonFiniteCoordinateNamesAtom() {
        String m = fail(() -> new Structure(new int[] {1, 1, 1}, new double[] {0, 0, 0, 1, 1, 1, 2, Double.NaN, 2}));
        assertTrue(m.contains("atom 2") && m.contains("y"), m);
        m = fail(() -> new Structure(new int[] {1}, new double[] {Double.POSITIVE_INFINITY, 0, 0}));
        assertTrue(m.contains("atom 0"), m);
    }

    @Test
    void emptyAndSizeChecks() {
        assertTrue(fail(() -> new Structure(new int[0], new double[0])).contains("empty"));
        assertTrue(fail(() -> new Structure(new int[] {1, 1}, new double[5])).contains("positions"));
        String m = fail(() -> new Structure(new int[] {1, 1, 1}, new double[] {0, 0, 0, 1, 0, 0, 2, 0, 0}, null, null,
                Structure.Checks.DEFAULT.withMaxAtoms(2)));
        assertTrue(m.contains("limit of 2"), m);
        assertTrue(fail(() -> new Structure(new int[] {0}, new double[3])).contains("atomic number 0"));
        assertTrue(fail(() -> new Structure(new int[] {1, 119}, new double[] {0, 0, 0, 2, 0, 0})).contains("atom 1"));
    }

    @Test
    void closeAtomsNameBothAndTheDistance() {
        String m = fail(() -> new Structure(new int[] {6, 1, 8, 1},
                new double[] {0, 0, 0, 1.1, 0, 0, 3, 0, 0, 3.05, 0, 0}));
        assertTrue(m.contains("atoms 2 (O) and 3 (H)") && m.contains("are 0.050000 Å"), m);
        // coincident
        m = fail(() -> new Structure(new int[] {1, 1}, new double[] {1, 1, 1, 1, 1, 1}));
        assertTrue(m.contains("atoms 0 (H) and 1 (H) are 0.000000"), m);
        // close only through a periodic image
        m = fail(() -> new Structure(new int[] {1, 1}, new double[] {0.02, 1, 1, 4.97, 1, 1}, CUBE, PBC));
        assertTrue(m.contains("atoms 0 (H) and 1 (H)") && m.contains("periodic image"), m);
        // fine without pbc
        new Structure(new int[] {1, 1}, new double[] {0.02, 1, 1, 4.97, 1, 1}, CUBE, new boolean[3]);
        // own image too close: cell vector of 0.05 Å
        m = fail(() -> new Structure(new int[] {1}, new double[] {0, 0, 0},
                new double[] {0.05, 0, 0, 0, 5, 0, 0, 0, 5}, PBC));
        assertTrue(m.contains("own periodic image"), m);
        // threshold is configurable, 0 disables
        new Structure(new int[] {1, 1}, new double[] {0, 0, 0, 0.05, 0, 0}, null, null,
                Structure.Checks.DEFAULT.withMinDistance(0.01));
        new Structure(new int[] {1, 1}, new double[] {0, 0, 0, 0, 0, 0}, null, null,
                Structure.Checks.DEFAULT.withMinDistance(0));
    }

    @Test
    void closeContactCheckIsFastOnLargeStructures() {
        Random r = new Random(3);
        int n = 20000;
        double[] p = new double[3 * n];
        int[] z = new int[n];
        Arrays.fill(z, 1);
        int side = 28; // 28^3 > 20000 grid sites, spacing 1.5
        for (int i = 0; i < n; i++) {
            p[3 * i] = (i % side) * 1.5 + 0.2 * r.nextDouble();
            p[3 * i + 1] = ((i / side) % side) * 1.5 + 0.2 * r.nextDouble();
            p[3 * i + 2] = (i / (side * side)) * 1.5 + 0.2 * r.nextDouble();
        }
        long t = System.nanoTime();
        new Structure(z, p);
        assertTrue(System.nanoTime() - t < 5_000_000_000L);
        p[3 * 777] = p[3 * 12345] + 0.01;
        p[3 * 777 + 1] = p[3 * 12345 + 1];
        p[3 * 777 + 2] = p[3 * 12345 + 2];
        String m = fail(() -> new Structure(z, p));
        assertTrue(m.contains("atoms 777 (H) and 12345 (H)"), m);
    }

    @Test
    void cellValidation() {
        int[] z = {1};
        double[] p = {0, 0, 0};
        String m = fail(() -> new Structure(z, p, new double[] {1, 0, 0, 2, 0, 0, 0, 0, 1}, PBC));
        assertTrue(m.contains("singular"), m);
        m = fail(() -> new Structure(z, p, new double[] {5, 0, 0, 0, 5, 0, 0, 0, -5}, PBC));
        assertTrue(m.contains("left-handed"), m);
        m = fail(() -> new Structure(z, p, new double[] {5, 0, 0, 0, 5, 0, 0, 0, 0}, PBC));
        assertTrue(m.contains("direction c is periodic but its lattice vector is zero"), m);
        m = fail(() -> new Structure(z, p, null, new boolean[] {true, false, false}));
        assertTrue(m.contains("lattice vector is zero"), m);
        m = fail(() -> new Structure(z, p, new double[] {5, 0, 0, 0, Double.NaN, 0, 0, 0, 5}, PBC));
        assertTrue(m.contains("not finite"), m);
        assertTrue(fail(() -> new Structure(z, p, new double[8], PBC)).contains("9 values"));
        // slab: zero c vector with pbc T T F is fine; left-handed ignored without pbc
        new Structure(z, p, new double[] {5, 0, 0, 0, 5, 0, 0, 0, 0}, new boolean[] {true, true, false});
        new Structure(z, p, new double[] {5, 0, 0, 0, 5, 0, 0, 0, -5}, new boolean[3]);
        assertEquals(125.0, new Structure(z, p, CUBE, PBC).volume(), 1e-12);
    }

    @Test
    void wrapped() {
        Structure s = new Structure(new int[] {1, 1}, new double[] {-0.5, 11, 2, 7, 1, -3}, CUBE,
                new boolean[] {true, true, false});
        Structure w = s.wrapped();
        assertArrayEquals(new double[] {4.5, 1, 2, 2, 1, -3}, w.positions(), 1e-12);
    }

    @Test
    void elementsTableMatchesAse() {
        Map<String, Object> o = Json.obj(Json.resource("/extxyz/elements.json"));
        var symbols = Json.list(o.get("symbols"));
        double[] masses = Json.doubles(o.get("masses"));
        assertEquals(Elements.MAX_Z + 1, symbols.size());
        for (int z = 0; z <= Elements.MAX_Z; z++) {
            assertEquals(symbols.get(z), Elements.symbol(z));
            assertEquals(masses[z], Elements.mass(z), 0.0, "mass of " + symbols.get(z));
            assertEquals(z, Elements.number((String) symbols.get(z)));
        }
        assertEquals(29, Elements.number("CU"));
        assertEquals(29, Elements.number("cu"));
        assertThrows(StructureException.class, () -> Elements.number("Qq"));
        assertThrows(StructureException.class, () -> Elements.symbol(119));
        assertThrows(StructureException.class, () -> Elements.mass(-1));
    }
}
