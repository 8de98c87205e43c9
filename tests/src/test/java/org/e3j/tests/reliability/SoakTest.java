package org.e3j.tests.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.Locale;
import java.util.SplittableRandom;
import org.e3j.md.AtomsSystem;
import org.e3j.md.ForceField;
import org.e3j.md.ForceResult;
import org.e3j.md.LangevinBaoab;
import org.e3j.md.MdRun;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Long runs (issue #7): Langevin MD steps (32 Cu atoms, the bundled copper model), or bare force
 * calls on rattled positions (8 H/C/N/O atoms, the test model), through one force field. After warm-up the heap retained after a full GC must not grow (no leak), every
 * result must be finite, and the last result must be bit-identical to a fresh force field's on the
 * same positions (no state drifts in the workspace). Bytes allocated per step (all threads) are
 * measured, and asserted to be zero for an engine that promises it ({@link Engines.Engine#allocationFree}).
 *
 * <p>Default run: short (CI). The 10^5 MD steps and 10^6 force calls are tagged "long"
 * (scripts/stress).
 */
class SoakTest {
    /** Leak threshold: retained heap may wobble by GC timing, not grow by this much. */
    static final long MAX_RETAINED_GROWTH = 8L << 20;

    /** What other JVM threads (test runner, JMX) allocate per step, averaged: tolerated. */
    static final double BACKGROUND_BYTES_PER_STEP = 16;

    @Test
    void mdSteps() {
        soak(Mode.MD, Long.getLong("e3j.soak.steps", 200));
    }

    @Test
    void forceCalls() {
        soak(Mode.CALLS, Long.getLong("e3j.soak.calls", 200));
    }

    @Test
    @Tag("long")
    void mdStepsFull() {
        soak(Mode.MD, Long.getLong("e3j.soak.steps.full", 100_000));
    }

    @Test
    @Tag("long")
    void forceCallsFull() {
        soak(Mode.CALLS, Long.getLong("e3j.soak.calls.full", 1_000_000));
    }

    enum Mode { MD, CALLS }

    /** For force calls: 8 atoms (H, C, N, O) in a small periodic box (2.9 Å, cutoff 3 Å: periodic images matter). */
    static AtomsSystem system() {
        AtomsSystem s = Engines.mixedStructures(3, 16, 11).get(2);
        assertTrue(s.isPeriodic());
        return s;
    }

    static long retainedHeap(MemoryMXBean mem) {
        long best = Long.MAX_VALUE;
        for (int k = 0; k < 3; k++) {
            System.gc();
            best = Math.min(best, mem.getHeapMemoryUsage().getUsed());
        }
        return best;
    }

    static long allocatedBytesAllThreads() {
        com.sun.management.ThreadMXBean t = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long[] ids = t.getAllThreadIds();
        long sum = 0;
        for (long b : t.getThreadAllocatedBytes(ids)) {
            if (b > 0) {
                sum += b;
            }
        }
        return sum;
    }

    static void soak(Mode mode, long steps) {
        // MD needs a physical potential (a random-weights model let two H atoms collapse after 1845
        // steps): the bundled copper model; bare force calls use the H/C/N/O test model.
        Engines.Engine engine = mode == Mode.MD ? Engines.underTest(Engines.copperModel()) : Engines.underTest();
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        AtomsSystem system = mode == Mode.MD ? Engines.copper(2, 9) : system();
        int n = system.numAtoms();
        double[] base = system.positions().clone();
        int flags = ForceResult.ENERGY | ForceResult.FORCES | ForceResult.STRESS;
        long warmup = Math.max(50, Math.min(steps / 10, 2_000));
        long checkpoints = 5;
        long[] retained = new long[(int) checkpoints + 1];
        SplittableRandom rng = new SplittableRandom(5);
        try (ForceField ff = engine.newForceField()) {
            ForceResult r = new ForceResult(n);
            MdRun md = mode == Mode.MD ? new MdRun(system, ff, new LangevinBaoab(1.0, 300, 0.02, 3)).maxForce(500)
                    : null;
            Runnable step = mode == Mode.MD ? () -> md.run(1) : () -> {
                double[] p = system.positions();
                for (int k = 0; k < 3 * n; k++) {
                    p[k] = base[k] + 0.05 * (rng.nextDouble() - 0.5);
                }
                ff.compute(system, flags, r);
                if (!Double.isFinite(r.energy())) {
                    throw new AssertionError("non-finite energy");
                }
            };
            for (long s = 0; s < warmup; s++) {
                step.run();
            }
            retained[0] = retainedHeap(mem);
            long allocated = 0;
            long measured = 0;
            long t0 = System.nanoTime();
            long perCheckpoint = Math.max(1, (steps - warmup) / checkpoints);
            com.sun.management.ThreadMXBean tmx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long self = Thread.currentThread().threadId();
            long allocatedHere = 0;
            for (int c = 1; c <= checkpoints; c++) {
                long a0 = allocatedBytesAllThreads();
                long h0 = tmx.getThreadAllocatedBytes(self);
                for (long s = 0; s < perCheckpoint; s++) {
                    step.run();
                }
                allocatedHere += tmx.getThreadAllocatedBytes(self) - h0;
                allocated += allocatedBytesAllThreads() - a0;
                measured += perCheckpoint;
                retained[c] = retainedHeap(mem);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            ForceResult last = mode == Mode.MD ? md.result() : r;
            if (mode == Mode.MD) {
                ff.compute(system, flags, last); // the positions after the last step, same request as below
            }
            double[] forces = last.forcesCopy();
            double energy = last.energy();
            double[] stress = last.stressCopy();
            ForceResult fresh = new ForceResult(n);
            try (ForceField other = engine.newForceField()) {
                other.compute(system, flags, fresh);
            }
            long growth = retained[(int) checkpoints] - retained[0];
            double perStep = (double) allocated / measured;
            StringBuilder heap = new StringBuilder();
            for (long b : retained) {
                heap.append(heap.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.1f", b / 1048576.0));
            }
            System.out.printf(Locale.ROOT, "[soak] %s, %s: %d %s (%d warm-up) on %d atoms in %.1f s (%.0f/s);"
                    + " retained heap after GC at checkpoints (MiB): %s (growth %+.2f MiB);"
                    + " allocated %.0f bytes/%s (all threads; %.0f by the calling thread)%s%n", engine.name(), mode,
                    steps, mode == Mode.MD ? "MD steps" : "force calls", warmup, n, seconds, measured / seconds,
                    heap, growth / 1048576.0, perStep, mode == Mode.MD ? "step" : "call", (double) allocatedHere / measured,
                    mode == Mode.MD ? String.format(Locale.ROOT, "; T = %.0f K, E = %.4f eV", md.temperature(),
                            md.potentialEnergy()) : "");
            assertTrue(growth < MAX_RETAINED_GROWTH, "retained heap grew by " + growth + " bytes: " + heap);
            assertEquals(Double.doubleToRawLongBits(fresh.energy()), Double.doubleToRawLongBits(energy),
                    "energy after a long run differs from a fresh force field's");
            assertArrayEquals(fresh.forcesCopy(), forces, 0.0, "forces after a long run differ from a fresh one's");
            assertArrayEquals(fresh.stressCopy(), stress, 0.0, "stress after a long run differs from a fresh one's");
            if (engine.allocationFree()) {
                // all threads (an engine's workers count), less the JVM's own background chatter:
                // 2 B/call over 10^6 fast force calls whose calling thread allocated 0
                assertTrue(perStep < BACKGROUND_BYTES_PER_STEP, "allocation per step after warm-up: " + perStep
                        + " bytes (calling thread " + (double) allocatedHere / measured + ")");
            }
        }
    }
}
