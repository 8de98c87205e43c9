package org.e3j.md;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class IntegratorTest {
    /** Max |Etot(t) - Etot(0)| per atom allowed in the NVE check (argon, 108 atoms, 2 fs, 4 ps, ~40 K). */
    static final double NVE_BOUND = 5e-6;

    /** The NVE check: 2000 velocity-Verlet steps of 2 fs; returns max |drift| (eV/atom) over the run. */
    static double nveMaxDeviation(double forceScale) {
        AtomsSystem s = Systems.argon(3, 0.0, 1);
        Thermo.maxwellBoltzmann(s, 80, new SplittableRandom(42), true);
        ForceField ff = forceScale == 1.0 ? LennardJones.argon() : new ScaledForces(LennardJones.argon(), forceScale);
        MdRun run = new MdRun(s, ff, new VelocityVerlet(2.0));
        double[] worst = {0};
        run.observe(1, r -> worst[0] = Math.max(worst[0], Math.abs(r.drift())));
        run.run(2000);
        return worst[0];
    }

    @Test
    void velocityVerletConservesEnergyAndTheCheckCatchesAOnePercentForceError() {
        double exact = nveMaxDeviation(1.0);
        double perturbed = nveMaxDeviation(1.01);
        System.out.printf("NVE argon 108 atoms, 2 fs x 2000 steps: max |dE|/N = %.3e eV/atom exact, %.3e with forces x1.01"
                + " (bound %.1e)%n", exact, perturbed, NVE_BOUND);
        assertTrue(exact < NVE_BOUND, "exact LJ: max |dE|/N = " + exact);
        assertFalse(perturbed < NVE_BOUND, "the same check must fail with forces x1.01: max |dE|/N = " + perturbed);
    }

    @Test
    void velocityVerletConservesMomentum() {
        AtomsSystem s = Systems.triclinicArgon(5);
        Thermo.maxwellBoltzmann(s, 150, new SplittableRandom(3), false);
        assertEquals(0, Thermo.momentum(s, 0), 1e-12);
        MdRun run = new MdRun(s, LennardJones.argon(), new VelocityVerlet(2.0));
        run.run(500);
        for (int c = 0; c < 3; c++) {
            assertEquals(0, Thermo.momentum(s, c), 1e-10, "momentum " + c);
        }
    }

    @Test
    void velocityVerletIsTimeReversible() {
        AtomsSystem s = Systems.argon(2, 0.05, 8);
        Thermo.maxwellBoltzmann(s, 60, new SplittableRandom(5), false);
        double[] x0 = s.positions().clone();
        double[] v0 = s.velocities().clone();
        LennardJones lj = LennardJones.argon();
        VelocityVerlet vv = new VelocityVerlet(2.0);
        ForceResult r = new ForceResult();
        vv.init(s, lj, r);
        for (int k = 0; k < 300; k++) {
            vv.step(s, lj, r);
        }
        double moved = 0;
        for (int k = 0; k < x0.length; k++) {
            moved = Math.max(moved, Math.abs(s.positions()[k] - x0[k]));
        }
        assertTrue(moved > 0.1, "atoms must actually move, max displacement " + moved);
        for (int k = 0; k < x0.length; k++) {
            s.velocities()[k] = -s.velocities()[k];
        }
        for (int k = 0; k < 300; k++) {
            vv.step(s, lj, r);
        }
        for (int k = 0; k < x0.length; k++) {
            assertEquals(x0[k], s.positions()[k], 1e-8, "position " + k);
            assertEquals(-v0[k], s.velocities()[k], 1e-9, "velocity " + k);
        }
    }

    @Test
    void langevinReachesTheTargetTemperatureOnAverage() {
        AtomsSystem s = Systems.argon(3, 0.0, 1); // starts at 0 K
        double target = 60;
        LangevinBaoab baoab = new LangevinBaoab(2.0, target, 0.02, 1234);
        MdRun run = new MdRun(s, LennardJones.argon(), baoab);
        run.run(1000); // 2 ps: many friction times (50 fs)
        double[] sum = {0, 0};
        run.observe(1, r -> {
            sum[0] += r.temperature();
            sum[1]++;
        });
        run.run(5000);
        double mean = sum[0] / sum[1];
        System.out.printf("BAOAB argon 108 atoms, target %.0f K: mean T over 10 ps = %.2f K%n", target, mean);
        assertEquals(target, mean, 0.04 * target);
    }

    @Test
    void langevinIsReproducibleForASeedAndDiffersAcrossSeeds() {
        double[][] x = new double[3][];
        long[] seeds = {7, 7, 8};
        for (int k = 0; k < 3; k++) {
            AtomsSystem s = Systems.argon(2, 0.0, 1);
            new MdRun(s, LennardJones.argon(), new LangevinBaoab(2.0, 50, 0.01, seeds[k])).run(50);
            x[k] = s.positions().clone();
        }
        assertArrayEquals(x[0], x[1], 0.0);
        assertFalse(Arrays.equals(x[0], x[2]));
    }

    @Test
    void maxwellBoltzmannHasZeroMomentumAndTheRightTemperature() {
        AtomsSystem s = Systems.fcc(29, 3.6, 4, 4, 4, 0, 1); // copper, 256 atoms
        Thermo.maxwellBoltzmann(s, 300, new SplittableRandom(99), false);
        for (int c = 0; c < 3; c++) {
            assertEquals(0, Thermo.momentum(s, c), 1e-10);
        }
        // 768 dof: sd of T ~ T sqrt(2/768) = 5 %
        assertEquals(300, Thermo.temperature(s), 0.2 * 300);
        Thermo.maxwellBoltzmann(s, 300, new SplittableRandom(99), true);
        assertEquals(300, Thermo.temperature(s), 1e-9);
        assertEquals(Thermo.kineticEnergy(s), 1.5 * s.numAtoms() * Units.KB * 300, 1e-9);
    }

    @Test
    void timestepIsInFemtosecondsWithAsesConversion() {
        // a free atom moving at 0.01 Å/fs travels 1 Å in 100 fs
        AtomsSystem s = new AtomsSystem(new int[] {18}, new double[3], new double[] {0.01 / Units.FS, 0, 0}, null, null,
                null);
        MdRun run = new MdRun(s, LennardJones.argon(), new VelocityVerlet(0.5));
        run.run(200);
        assertEquals(100.0, run.timeFs(), 1e-12);
        assertEquals(1.0, s.positions()[0], 1e-12);
    }
}
