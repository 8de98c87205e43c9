package org.e3j.md;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.e3j.graph.StructureException;
import org.junit.jupiter.api.Test;

class LennardJonesTest {

    private static double energy(ForceField ff, AtomsSystem s) {
        ForceResult r = new ForceResult();
        ff.compute(s, ForceResult.ENERGY, r);
        return r.energy();
    }

    /** Every force component against a central difference of the energy, 1e-6 relative to the largest force. */
    private static void checkForces(LennardJones lj, AtomsSystem s) {
        ForceResult r = new ForceResult();
        lj.compute(s, ForceResult.ALL, r);
        double[] f = r.forcesCopy();
        double scale = Systems.maxAbs(f, f.length);
        assertTrue(scale > 1e-3, "test needs non-trivial forces, got " + scale);
        double h = 1e-5;
        double[] x = s.positions();
        double worst = 0;
        for (int k = 0; k < x.length; k++) {
            double x0 = x[k];
            x[k] = x0 + h;
            double ep = energy(lj, s);
            x[k] = x0 - h;
            double em = energy(lj, s);
            x[k] = x0;
            double fd = -(ep - em) / (2 * h);
            worst = Math.max(worst, Math.abs(fd - f[k]));
        }
        assertTrue(worst <= 1e-6 * scale, "max |F - F_fd| = " + worst + " vs max |F| = " + scale);
    }

    @Test
    void forcesAreFiniteDifferencesOfTheEnergyInACrystal() {
        checkForces(new LennardJones(0.0104, 3.4, 8.5, 0.5), Systems.argon(2, 0.3, 1));
    }

    @Test
    void forcesAreFiniteDifferencesOfTheEnergyInATriclinicCell() {
        checkForces(new LennardJones(0.0104, 3.4, 8.5, 0.5), Systems.triclinicArgon(7));
    }

    @Test
    void forcesAreFiniteDifferencesOfTheEnergyInACluster() {
        checkForces(new LennardJones(0.0104, 3.4, 8.5, 0.0), Systems.argonCluster(2, 0.3, 3));
    }

    /** stress = (1/V) dE/dε for a symmetric strain on positions and cell, as ASE's numerical stress. */
    private static void checkStress(AtomsSystem s) {
        LennardJones lj = new LennardJones(0.0104, 3.4, 8.5, 0.5);
        ForceResult r = new ForceResult();
        lj.compute(s, ForceResult.ALL, r);
        double[] stress = r.stressCopy();
        double v = s.volume();
        double[] cell0 = s.cell();
        double[] pos0 = s.positions().clone();
        double d = 1e-6;
        int[][] voigt = {{0, 0}, {1, 1}, {2, 2}, {1, 2}, {0, 2}, {0, 1}};
        double worst = 0;
        double scale = Systems.maxAbs(stress, 6);
        for (int k = 0; k < 6; k++) {
            double[] e = new double[2];
            for (int sgn = 0; sgn < 2; sgn++) {
                double[] eps = new double[9];
                double dd = sgn == 0 ? d : -d;
                int a = voigt[k][0], b = voigt[k][1];
                eps[3 * a + b] += dd;
                if (a != b) {
                    eps[3 * b + a] += dd;
                }
                AtomsSystem t = new AtomsSystem(s.numbers(), strain(pos0, eps), null, null, strain(cell0, eps),
                        s.pbcView());
                e[sgn] = energy(new LennardJones(0.0104, 3.4, 8.5, 0.5), t);
            }
            double fd = (e[0] - e[1]) / ((voigt[k][0] == voigt[k][1] ? 2 : 4) * d * v);
            worst = Math.max(worst, Math.abs(fd - stress[k]));
        }
        assertTrue(scale > 1e-6, "test needs a non-trivial stress, got " + scale);
        assertTrue(worst <= 1e-6 * scale, "max |stress - fd| = " + worst + " vs max |stress| = " + scale);
    }

    /** rows @ (I + eps) */
    private static double[] strain(double[] rows, double[] eps) {
        double[] out = new double[rows.length];
        for (int i = 0; i < rows.length / 3; i++) {
            for (int b = 0; b < 3; b++) {
                double acc = rows[3 * i + b];
                for (int a = 0; a < 3; a++) {
                    acc += rows[3 * i + a] * eps[3 * a + b];
                }
                out[3 * i + b] = acc;
            }
        }
        return out;
    }

    @Test
    void stressIsTheStrainDerivativeOfTheEnergy() {
        checkStress(Systems.argon(2, 0.3, 5));
        checkStress(Systems.triclinicArgon(11));
    }

    @Test
    void compressedCrystalHasPositivePressure() {
        AtomsSystem s = Systems.fcc(18, 4.9, 2, 2, 2, 0, 1);
        ForceResult r = new ForceResult();
        LennardJones.argon().compute(s, ForceResult.ALL, r);
        double p = -(r.stress()[0] + r.stress()[1] + r.stress()[2]) / 3;
        assertTrue(p > 0, "pressure " + p);
        assertEquals(r.stress()[0], r.stress()[1], 1e-12);
        assertEquals(0, r.stress()[3], 1e-12);
    }

    @Test
    void periodicImagesDoNotMatter() {
        AtomsSystem s = Systems.triclinicArgon(3);
        ForceResult r0 = new ForceResult();
        new LennardJones(0.0104, 3.4, 8.5, 0.5).compute(s, ForceResult.ALL, r0);
        // move atoms by whole lattice vectors (and all atoms by an arbitrary translation)
        double[] c = s.cell();
        double[] p = s.positions().clone();
        int n = s.numAtoms();
        for (int i = 0; i < n; i++) {
            int a = (i % 3) - 1, b = 2 * ((i / 3) % 2) - 1, cc = i % 5 - 2;
            for (int d = 0; d < 3; d++) {
                p[3 * i + d] += a * c[d] + b * c[3 + d] + cc * c[6 + d] + 0.37 * (d + 1);
            }
        }
        AtomsSystem t = new AtomsSystem(s.numbers(), p, null, null, c, s.pbcView());
        ForceResult r1 = new ForceResult();
        new LennardJones(0.0104, 3.4, 8.5, 0.5).compute(t, ForceResult.ALL, r1);
        assertEquals(r0.energy(), r1.energy(), 1e-12 * Math.abs(r0.energy()));
        for (int k = 0; k < 3 * n; k++) {
            assertEquals(r0.forces()[k], r1.forces()[k], 1e-11, "force " + k);
        }
        for (int k = 0; k < 6; k++) {
            assertEquals(r0.stress()[k], r1.stress()[k], 1e-13, "stress " + k);
        }
        for (int i = 0; i < n; i++) {
            assertEquals(r0.atomEnergies()[i], r1.atomEnergies()[i], 1e-12, "atom energy " + i);
        }
    }

    @Test
    void supercellDoublesTheEnergyAndKeepsTheStress() {
        AtomsSystem small = Systems.fcc(18, 5.3, 2, 2, 2, 0.2, 9);
        int n = small.numAtoms();
        double[] p = new double[6 * n];
        int[] z = new int[2 * n];
        double[] c = small.cell();
        for (int i = 0; i < n; i++) {
            for (int d = 0; d < 3; d++) {
                p[3 * i + d] = small.positions()[3 * i + d];
                p[3 * (i + n) + d] = small.positions()[3 * i + d] + c[d];
            }
            z[i] = z[i + n] = 18;
        }
        double[] c2 = c.clone();
        for (int d = 0; d < 3; d++) {
            c2[d] *= 2;
        }
        AtomsSystem big = new AtomsSystem(z, p, null, null, c2, new boolean[] {true, true, true});
        ForceResult rs = new ForceResult();
        ForceResult rb = new ForceResult();
        LennardJones.argon().compute(small, ForceResult.ALL, rs);
        LennardJones.argon().compute(big, ForceResult.ALL, rb);
        assertEquals(2 * rs.energy(), rb.energy(), 1e-11);
        for (int k = 0; k < 6; k++) {
            assertEquals(rs.stress()[k], rb.stress()[k], 1e-13);
        }
        for (int k = 0; k < 3 * n; k++) {
            assertEquals(rs.forces()[k], rb.forces()[k], 1e-12);
            assertEquals(rs.forces()[k], rb.forces()[3 * n + k], 1e-12);
        }
    }

    @Test
    void dimerMatchesTheFormulaAndIsSmoothAtTheCutoff() {
        LennardJones lj = new LennardJones(0.0104, 3.4, 8.5, 0.0);
        double rmin = Math.pow(2, 1.0 / 6) * 3.4;
        double shift = lj.pairEnergy(8.5 - 1e-9);
        assertEquals(0, shift, 1e-15);
        // V_sf(rmin) = -eps - V(rc) - (rmin - rc) V'(rc)
        double rc = 8.5, s6 = Math.pow(3.4 / rc, 6);
        double vc = 4 * 0.0104 * (s6 * s6 - s6), dvc = 24 * 0.0104 / rc * (s6 - 2 * s6 * s6);
        assertEquals(-0.0104 - vc - (rmin - rc) * dvc, lj.pairEnergy(rmin), 1e-15);
        AtomsSystem d = new AtomsSystem(new int[] {18, 18}, new double[] {0, 0, 0, 0.3, -0.2, rmin}, null, null, null,
                null);
        ForceResult r = new ForceResult();
        lj.compute(d, ForceResult.ALL, r);
        double dist = Math.sqrt(0.09 + 0.04 + rmin * rmin);
        assertEquals(lj.pairEnergy(dist), r.energy(), 1e-15);
        assertEquals(r.energy() / 2, r.atomEnergies()[0], 1e-16);
        assertEquals(0, r.forces()[0] + r.forces()[3], 1e-16); // Newton's third law
        assertFalse(r.has(ForceResult.STRESS), "no stress without a periodic cell");
        assertThrows(IllegalStateException.class, r::stressCopy);
        // just beyond the cutoff: nothing
        AtomsSystem far = new AtomsSystem(new int[] {18, 18}, new double[] {0, 0, 0, 0, 0, 8.5}, null, null, null, null);
        lj.compute(far, ForceResult.ALL, r);
        assertEquals(0, r.energy());
        assertEquals(0, r.forces()[2]);
    }

    @Test
    void computesOnlyWhatIsRequested() {
        AtomsSystem s = Systems.argon(2, 0.1, 2);
        ForceResult r = new ForceResult();
        LennardJones lj = LennardJones.argon();
        lj.compute(s, ForceResult.ENERGY, r);
        assertTrue(r.has(ForceResult.ENERGY));
        assertFalse(r.has(ForceResult.FORCES));
        assertFalse(r.has(ForceResult.STRESS));
        assertThrows(IllegalStateException.class, r::forcesCopy);
        double e = r.energy();
        lj.compute(s, ForceResult.ALL, r);
        assertEquals(e, r.energy(), 0);
        double sum = 0;
        for (int i = 0; i < s.numAtoms(); i++) {
            sum += r.atomEnergies()[i];
        }
        assertEquals(e, sum, 1e-12);
    }

    @Test
    void resultBuffersGrowGeometricallyAndOnlyWhenNeeded() {
        ForceResult r = new ForceResult();
        LennardJones lj = LennardJones.argon();
        lj.compute(Systems.argon(2, 0.1, 2), ForceResult.ALL, r);
        assertEquals(32, r.capacity());
        double[] buf = r.forces();
        lj.compute(Systems.argonCluster(1, 0.1, 2), ForceResult.ALL, r);
        assertTrue(buf == r.forces(), "a smaller system reuses the buffers");
        assertEquals(4, r.numAtoms());
        lj.compute(Systems.fcc(18, 5.26, 3, 3, 2, 0.1, 1), ForceResult.ALL, r); // 72 atoms
        assertEquals(72, r.capacity());
        r.ensureCapacity(73);
        assertEquals(108, r.capacity());
    }

    @Test
    void nonFiniteCoordinatesAreRejectedNamingTheAtom() {
        AtomsSystem s = Systems.argon(2, 0.1, 2);
        LennardJones lj = LennardJones.argon();
        ForceResult r = new ForceResult();
        lj.compute(s, r);
        s.positions()[3 * 7 + 1] = Double.NaN;
        StructureException e = assertThrows(StructureException.class, () -> lj.compute(s, r));
        assertTrue(e.getMessage().contains("atom 7"), e.getMessage());
    }
}
