package org.e3j.tests;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.SplittableRandom;
import org.e3j.md.AtomsSystem;
import org.e3j.md.ForceField;
import org.e3j.md.ForceResult;
import org.e3j.md.MdRun;
import org.e3j.md.Thermo;
import org.e3j.md.VelocityVerlet;
import org.e3j.md.model.FastForceField;
import org.junit.jupiter.api.Test;

/**
 * The bundled copper model (models/cu-emt.safetensors) in NVE molecular dynamics with the fast
 * engine: it conserves energy tightly enough that a 1 % force error is caught, and 10 ps at 300 K
 * keep the fcc crystal ordered.
 */
class BundledModelMdTest {
    static final Path MODEL = Path.of("../models/cu-emt.safetensors");
    /** EMT's lattice constant of Cu; the model's is within 0.04 % of it (models/cu-emt.json). */
    static final double A = 3.59;
    static final double FIRST_SHELL = A / Math.sqrt(2);

    /** Forces scaled by a factor, energy untouched: a 1 % force error. */
    record ScaledForces(ForceField inner, double factor) implements ForceField {
        @Override
        public double cutoff() {
            return inner.cutoff();
        }

        @Override
        public void compute(AtomsSystem system, ForceResult out) {
            inner.compute(system, out);
            double[] f = out.forces();
            for (int k = 0; k < 3 * system.numAtoms(); k++) {
                f[k] *= factor;
            }
        }
    }

    /** Largest |Etot(t) - Etot(0)| per atom over an NVE run from a 300 K crystal (2T start). */
    static double nveMaxDeviation(double forceFactor, int steps, double dtFs) {
        AtomsSystem s = Crystals.fcc(3, A);
        Thermo.maxwellBoltzmann(s, 600, new SplittableRandom(11), true);
        try (FastForceField fast = FastForceField.load(MODEL, 1)) {
            ForceField ff = forceFactor == 1.0 ? fast : new ScaledForces(fast, forceFactor);
            MdRun run = new MdRun(s, ff, new VelocityVerlet(dtFs));
            double[] worst = {0};
            run.observe(1, r -> worst[0] = Math.max(worst[0], Math.abs(r.drift())));
            run.run(steps);
            return worst[0];
        }
    }

    /** Between the exact run's deviation and the 1 %-error run's, with room on both sides (measured below). */
    static final double NVE_BOUND = 2e-4;

    @Test
    void nveConservesEnergyAndCatchesAOnePercentForceError() {
        double exact = nveMaxDeviation(1.0, 1000, 1.0);
        double perturbed = nveMaxDeviation(1.01, 1000, 1.0);
        System.out.printf("NVE Cu 108 atoms (bundled model, fast engine), 1 fs x 1000 steps: max |dE|/N = %.3e eV/atom exact,"
                + " %.3e with forces x1.01 (bound %.1e)%n", exact, perturbed, NVE_BOUND);
        assertTrue(exact < NVE_BOUND, "energy not conserved: " + exact);
        assertFalse(perturbed < NVE_BOUND, "the bound must catch a 1 % force error: " + perturbed);
    }

    /**
     * Zero allocation per MD step with a model whose radial MLP is wider than one vector (32 hidden:
     * the small fixtures' 8 never enter the vector loops, and once hid ~0.7 KB per edge of boxing in
     * the LayerNorm backward).
     */
    @Test
    void mdStepsAllocateNothing() {
        AtomsSystem s = Crystals.fcc(3, A);
        Thermo.maxwellBoltzmann(s, 600, new SplittableRandom(5), true);
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        try (FastForceField ff = FastForceField.load(MODEL, 1)) {
            MdRun run = new MdRun(s, ff, new VelocityVerlet(2.0));
            long best = Long.MAX_VALUE;
            long until = System.nanoTime() + 120_000_000_000L; // the JIT settles at its own pace on a loaded machine
            do {
                long before = threads.getCurrentThreadAllocatedBytes();
                run.run(20);
                best = Math.min(best, (threads.getCurrentThreadAllocatedBytes() - before) / 20);
            } while (best >= 16 && System.nanoTime() < until);
            System.out.printf("MD Cu 108 atoms, bundled model: %d bytes allocated per step in steady state%n", best);
            assertTrue(best < 16, best + " bytes per MD step");
        }
    }

    @Test
    void tenPicosecondsAt300KeepFccOrder() {
        AtomsSystem s = Crystals.fcc(3, A);
        double[] ideal = s.positions().clone();
        Thermo.maxwellBoltzmann(s, 600, new SplittableRandom(7), true); // settles near 300 K
        int n = s.numAtoms();
        double l = 3 * A;
        try (FastForceField ff = FastForceField.load(MODEL, 1)) {
            MdRun run = new MdRun(s, ff, new VelocityVerlet(2.0));
            double[] tSum = {0, 0};
            run.observe(10, r -> {
                if (r.step() >= 2500) {
                    tSum[0] += r.temperature();
                    tSum[1]++;
                }
            });
            run.run(5000); // 10 ps
            double meanT = tSum[0] / tSum[1];
            // displacement from the ideal sites, minimum image, centre of mass removed
            double[] p = s.positions();
            double[] com = new double[3];
            double[] d = new double[3 * n];
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < 3; c++) {
                    double u = p[3 * i + c] - ideal[3 * i + c];
                    u -= l * Math.rint(u / l);
                    d[3 * i + c] = u;
                    com[c] += u / n;
                }
            }
            double msd = 0;
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < 3; c++) {
                    double u = d[3 * i + c] - com[c];
                    msd += u * u / n;
                }
            }
            double rms = Math.sqrt(msd);
            // first-shell coordination: 12 neighbours within halfway to the second shell
            double rCut = 0.5 * (FIRST_SHELL + A);
            int twelve = 0;
            for (int i = 0; i < n; i++) {
                int count = 0;
                for (int j = 0; j < n; j++) {
                    if (j == i) {
                        continue;
                    }
                    double r2 = 0;
                    for (int c = 0; c < 3; c++) {
                        double u = p[3 * j + c] - p[3 * i + c];
                        u -= l * Math.rint(u / l);
                        r2 += u * u;
                    }
                    if (r2 < rCut * rCut) {
                        count++;
                    }
                }
                if (count == 12) {
                    twelve++;
                }
            }
            System.out.printf("10 ps NVE Cu 108 atoms: mean T (last 5 ps) %.1f K, RMS displacement from fcc sites %.3f A,"
                    + " %d/%d atoms with 12 first-shell neighbours, drift %.2e eV/atom%n", meanT, rms, twelve, n, run.drift());
            assertTrue(meanT > 200 && meanT < 400, "temperature " + meanT);
            assertTrue(rms < 0.3, "atoms left their fcc sites: RMS displacement " + rms + " A");
            assertTrue(twelve >= 0.9 * n, "fcc coordination lost: " + twelve + " of " + n + " atoms have 12 neighbours");
        }
    }
}
