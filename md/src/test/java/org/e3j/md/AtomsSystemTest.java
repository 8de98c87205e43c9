package org.e3j.md;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.e3j.graph.Structure;
import org.e3j.graph.StructureException;
import org.e3j.graph.io.ExtXyz;
import org.e3j.graph.io.Frame;
import org.junit.jupiter.api.Test;

class AtomsSystemTest {

    private static void assertNames(String expected, Runnable r) {
        StructureException e = assertThrows(StructureException.class, r::run);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void invalidInputIsRejectedNamingTheCulprit() {
        int[] z = {18, 18};
        double[] p = {0, 0, 0, 3, 0, 0};
        assertNames("atom 1 (Ar) has a non-finite position y", () -> new AtomsSystem(z,
                new double[] {0, 0, 0, 3, Double.NaN, 0}, null, null, null, null));
        assertNames("atom 0 (Ar) has a non-finite velocity z", () -> new AtomsSystem(z, p,
                new double[] {0, 0, Double.POSITIVE_INFINITY, 0, 0, 0}, null, null, null));
        assertNames("atom 1 (Ar) has an invalid mass -1", () -> new AtomsSystem(z, p, null, new double[] {1, -1}, null,
                null));
        assertNames("atom 1 has unknown atomic number 0", () -> new AtomsSystem(new int[] {18, 0}, p, null, null, null,
                null));
        assertNames("positions has 5 values", () -> new AtomsSystem(z, new double[5], null, null, null, null));
        assertNames("empty", () -> new AtomsSystem(new int[0], new double[0], null, null, null, null));
        assertNames("lattice vector is zero", () -> new AtomsSystem(z, p, null, null, new double[9],
                new boolean[] {true, false, false}));
        assertNames("left-handed", () -> new AtomsSystem(z, p, null, null, new double[] {-5, 0, 0, 0, 5, 0, 0, 0, 5},
                new boolean[] {true, true, true}));
        AtomsSystem ok = new AtomsSystem(z, p, null, null, null, null);
        ok.velocities()[4] = Double.NaN;
        assertEquals(1, ok.firstNonFinite());
        assertNames("atom 1 (Ar) has a non-finite velocity y", ok::validate);
    }

    @Test
    void roundTripsThroughStructureAndExtendedXyz() {
        AtomsSystem s = Systems.triclinicArgon(4);
        Thermo.maxwellBoltzmann(s, 100, new SplittableRandom(2), false);
        Structure st = s.toStructure();
        assertArrayEquals(s.positions(), st.positions(), 0);
        assertArrayEquals(s.cell(), st.cell(), 0);
        AtomsSystem back = AtomsSystem.of(st);
        assertArrayEquals(new double[3 * s.numAtoms()], back.velocities(), 0);
        assertArrayEquals(s.masses(), back.masses(), 0);

        String text = ExtXyz.toString(java.util.List.of(s.toFrame(true)));
        assertTrue(text.contains("momenta:R:3"), text.lines().skip(1).findFirst().orElse(""));
        Frame f = ExtXyz.parse(text).get(0);
        AtomsSystem read = AtomsSystem.of(f);
        assertArrayEquals(s.positions(), read.positions(), 0);
        assertArrayEquals(s.velocities(), read.velocities(), 1e-15);
        assertArrayEquals(s.cell(), read.cell(), 0);
        AtomsSystem copy = s.copy();
        copy.positions()[0] += 1;
        assertTrue(copy.positions()[0] != s.positions()[0], "copy is deep");
    }

    @Test
    void aFrameWithMomentaAndVelocitiesMustAgree() {
        String head = "2\nProperties=species:S:1:pos:R:3:momenta:R:3:velocities:R:3\n";
        // Ar (39.948 amu): momentum 39.948 is velocity 1
        AtomsSystem agree = AtomsSystem.of(ExtXyz.parse(head + "Ar 0 0 0 39.948 0 0 1 0 0\nAr 3 0 0 0 0 0 0 0 0\n")
                .get(0));
        assertEquals(1.0, agree.velocities()[0], 1e-15);
        assertNames("atom 0: the frame's velocities (2.0 along x) contradict its momenta",
                () -> AtomsSystem.of(ExtXyz.parse(head + "Ar 0 0 0 39.948 0 0 2 0 0\nAr 3 0 0 0 0 0 0 0 0\n").get(0)));
    }

    @Test
    void setCellCanKeepFractionalCoordinates() {
        AtomsSystem s = Systems.triclinicArgon(4);
        double[] c = s.cell();
        double[] x0 = s.positions().clone();
        double[] c2 = c.clone();
        for (int k = 0; k < 9; k++) {
            c2[k] *= 1.1;
        }
        s.setCell(c2, true);
        for (int k = 0; k < x0.length; k++) {
            assertEquals(1.1 * x0[k], s.positions()[k], 1e-12);
        }
        assertEquals(1.331 * new AtomsSystem(s.numbers(), x0, null, null, c, s.pbcView()).volume(), s.volume(), 1e-9);
        s.setCell(c, false);
        assertArrayEquals(c, s.cell(), 0);
        assertThrows(StructureException.class, () -> s.setCell(new double[9], false));
    }
}
