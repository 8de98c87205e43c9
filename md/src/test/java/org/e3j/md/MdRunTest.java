package org.e3j.md;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.SplittableRandom;
import org.e3j.graph.io.ExtXyz;
import org.e3j.graph.io.Frame;
import org.e3j.md.io.TrajectoryWriter;
import org.junit.jupiter.api.Test;

class MdRunTest {

    /** Corrupts the output of another force field on one call (0 = the initial evaluation). */
    static final class Faulty implements ForceField {
        final ForceField inner;
        final int onCall;
        final int atom;
        final double energyJump;
        int calls;

        Faulty(ForceField inner, int onCall, int atom, double energyJump) {
            this.inner = inner;
            this.onCall = onCall;
            this.atom = atom;
            this.energyJump = energyJump;
        }

        @Override
        public double cutoff() {
            return inner.cutoff();
        }

        @Override
        public void compute(AtomsSystem system, ForceResult out) {
            inner.compute(system, out);
            if (calls++ == onCall) {
                if (energyJump != 0) {
                    out.setEnergy(out.energy() + energyJump);
                } else {
                    out.forces()[3 * atom + 1] = Double.NaN;
                }
            }
        }
    }

    private static AtomsSystem warmArgon() {
        AtomsSystem s = Systems.argon(2, 0.0, 1);
        Thermo.maxwellBoltzmann(s, 50, new SplittableRandom(1), true);
        return s;
    }

    @Test
    void observersSeeStepTimeAndEnergies() {
        AtomsSystem s = warmArgon();
        MdRun run = new MdRun(s, LennardJones.argon(), new VelocityVerlet(1.5));
        StringBuilder seen = new StringBuilder();
        run.observe(4, r -> {
            assertEquals(r.potentialEnergy() + r.kineticEnergy(), r.totalEnergy(), 1e-15);
            assertEquals(Thermo.temperature(r.system()), r.temperature(), 1e-12);
            assertEquals(r.step() * 1.5, r.timeFs(), 1e-12);
            assertTrue(Math.abs(r.drift()) < 1e-5);
            seen.append(r.step()).append(' ');
        });
        run.run(10);
        run.run(3);
        assertEquals("0 4 8 12 ", seen.toString());
        assertEquals(13, run.step());
    }

    @Test
    void stressIsRequestedOnlyOnStepsAnObserverWantsIt() {
        AtomsSystem s = warmArgon();
        MdRun run = new MdRun(s, LennardJones.argon(), new VelocityVerlet(1.0));
        int[] withStress = {0};
        run.observeWithStress(5, r -> {
            assertTrue(r.result().has(ForceResult.STRESS), "step " + r.step());
            withStress[0]++;
        });
        run.observe(1, r -> {
            if (r.step() % 5 != 0) {
                assertTrue(!r.result().has(ForceResult.STRESS), "stress computed at step " + r.step());
            }
        });
        run.run(20);
        assertEquals(5, withStress[0]);
    }

    @Test
    void nonFiniteForceStopsTheRunNamingStepAndAtomAndNoNanFrameIsWritten() {
        AtomsSystem s = warmArgon();
        StringWriter sw = new StringWriter();
        TrajectoryWriter traj = new TrajectoryWriter(sw, new TrajectoryWriter.Options(true, false));
        MdRun run = new MdRun(s, new Faulty(LennardJones.argon(), 10, 5, 0), new VelocityVerlet(1.0));
        run.observeWithStress(1, traj);
        MdException e = assertThrows(MdException.class, () -> run.run(100));
        assertEquals(10, e.step());
        assertEquals(5, e.atom());
        assertTrue(e.getMessage().contains("step 10") && e.getMessage().contains("atom 5 (Ar)"), e.getMessage());
        assertTrue(e.getMessage().contains("non-finite force"), e.getMessage());
        List<Frame> frames = ExtXyz.parse(sw.toString());
        assertEquals(10, frames.size(), "frames of steps 0..9 only");
        for (Frame f : frames) {
            for (double x : f.forces()) {
                assertTrue(Double.isFinite(x));
            }
        }
        assertEquals(9L, frames.get(9).info().get("step"));
    }

    @Test
    void absurdEnergyJumpStopsTheRun() {
        AtomsSystem s = warmArgon();
        MdRun run = new MdRun(s, new Faulty(LennardJones.argon(), 7, 0, 1000.0), new VelocityVerlet(1.0));
        MdException e = assertThrows(MdException.class, () -> run.run(100));
        assertEquals(7, e.step());
        assertTrue(e.atom() >= 0 && e.atom() < s.numAtoms());
        assertTrue(e.getMessage().contains("jumped"), e.getMessage());
    }

    @Test
    void hugeForceStopsTheRun() {
        // two atoms 1 Å apart: LJ force ~ 1e3 eV/Å, above a bound of 100
        AtomsSystem s = new AtomsSystem(new int[] {18, 18, 18}, new double[] {0, 0, 0, 1.0, 0, 0, 0, 5, 0}, null, null,
                null, null);
        MdRun run = new MdRun(s, LennardJones.argon(), new VelocityVerlet(1.0)).maxForce(100);
        MdException e = assertThrows(MdException.class, () -> run.run(1));
        assertEquals(0, e.step());
        assertTrue(e.atom() == 0 || e.atom() == 1, e.getMessage());
    }

    @Test
    void nonFinitePositionsStopTheRunNamingTheAtom() {
        AtomsSystem s = warmArgon();
        MdRun run = new MdRun(s, LennardJones.argon(), new VelocityVerlet(1.0));
        run.observe(1, r -> {
            if (r.step() == 4) {
                r.system().velocities()[3 * 3 + 2] = Double.POSITIVE_INFINITY;
            }
        });
        MdException e = assertThrows(MdException.class, () -> run.run(10));
        assertEquals(5, e.step());
        assertEquals(3, e.atom());
        assertTrue(e.getMessage().contains("atom 3"), e.getMessage());
    }

    /**
     * Zero allocation in steady state: bytes allocated by this thread per MD step, measured with
     * ThreadMXBean after warm-up. Steps on which the neighbour list rebuilt are counted apart (the
     * graph module's cell search allocates there).
     */
    @Test
    void stepsDoNotAllocate() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        org.junit.jupiter.api.Assumptions.assumeTrue(mx.isThreadAllocatedMemorySupported());
        mx.setThreadAllocatedMemoryEnabled(true);
        for (int variant = 0; variant < 2; variant++) {
            AtomsSystem s = Systems.argon(3, 0.0, 1);
            Thermo.maxwellBoltzmann(s, 80, new SplittableRandom(42), true);
            LennardJones lj = LennardJones.argon();
            Integrator integrator = variant == 0 ? new VelocityVerlet(2.0) : new LangevinBaoab(2.0, 80, 0.01, 3);
            MdRun run = new MdRun(s, lj, integrator);
            double[] sink = {0};
            run.observe(10, r -> sink[0] += r.temperature() + r.drift());
            run.observeWithStress(25, r -> sink[0] += r.result().stress()[0]);
            run.run(3000); // warm-up: JIT and buffers
            long clean = 0, cleanSteps = 0, rebuildBytes = 0, rebuildSteps = 0;
            long tid = Thread.currentThread().threadId();
            for (int k = 0; k < 3000; k++) {
                int before = lj.neighborList().rebuildCount();
                long a0 = mx.getThreadAllocatedBytes(tid);
                run.run(1);
                long a1 = mx.getThreadAllocatedBytes(tid);
                if (lj.neighborList().rebuildCount() == before) {
                    clean += a1 - a0;
                    cleanSteps++;
                } else {
                    rebuildBytes += a1 - a0;
                    rebuildSteps++;
                }
            }
            double perStep = (double) clean / cleanSteps;
            System.out.printf("%s, 108 atoms: %.2f B/step over %d steps without rebuild; %d rebuilds at %.0f B each"
                    + " (%.1f B/step amortised)%n", integrator, perStep, cleanSteps, rebuildSteps,
                    rebuildSteps == 0 ? 0.0 : (double) rebuildBytes / rebuildSteps, (double) (clean + rebuildBytes) / 3000);
            assertTrue(perStep < 16, "allocated " + perStep + " bytes per step");
            assertTrue(cleanSteps > 2000);
            assertTrue(Double.isFinite(sink[0]));
        }
    }
}
