package org.e3j.tests.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.e3j.md.AtomsSystem;
import org.e3j.md.ForceField;
import org.e3j.md.ForceResult;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, finding 6: the lifecycle of a force field and its worker pool. Closing one while another
 * thread computes must not hang that thread; computing after close must throw; one force field used
 * by several threads at once (it is documented as one per thread) must fail loudly, never return a
 * wrong number or hang. Every test has a preemptive timeout so that a hang fails instead of stalling CI.
 */
class ForceFieldLifecycleTest {
    static final int ALL = ForceResult.ENERGY | ForceResult.FORCES | ForceResult.STRESS;

    /**
     * The trial: a FastForceField with 2 workers computing in a loop, another thread closing
     * it; before the fix the computing thread hung forever in 8 of 20 trials. Every call must either
     * return the right result or throw IllegalStateException.
     */
    @Test
    void closingDuringComputeNeverHangsTheComputingThread() {
        Engines.Engine engine = Engines.fast(Engines.copperModel(), 2);
        AtomsSystem cu = Engines.copper(2, 7);
        ForceResult expected = new ForceResult();
        try (ForceField ff = engine.newForceField()) {
            ff.compute(cu.copy(), ALL, expected);
        }
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            for (int trial = 0; trial < 20; trial++) {
                ForceField ff = engine.newForceField();
                AtomicReference<Throwable> odd = new AtomicReference<>();
                AtomicInteger done = new AtomicInteger();
                CountDownLatch started = new CountDownLatch(1);
                Thread computing = new Thread(() -> {
                    ForceResult r = new ForceResult();
                    AtomsSystem s = cu.copy();
                    for (int i = 0; i < 10_000; i++) {
                        try {
                            ff.compute(s, ALL, r);
                        } catch (IllegalStateException closed) {
                            return;
                        } catch (Throwable other) {
                            odd.set(other);
                            return;
                        } finally {
                            started.countDown();
                        }
                        if (r.energy() != expected.energy()) {
                            odd.set(new AssertionError("energy " + r.energy() + " != " + expected.energy()));
                            return;
                        }
                        done.incrementAndGet();
                    }
                });
                computing.start();
                started.await();
                Thread.sleep(trial % 5);
                ff.close();
                computing.join();
                if (odd.get() != null) {
                    throw new AssertionError("trial " + trial + " after " + done.get() + " calls", odd.get());
                }
            }
        });
    }

    /** Before the fix a 1-worker FastForceField silently computed after close (2 workers threw). */
    @Test
    void computeAfterCloseThrows() {
        List<Engines.Engine> engines = List.of(Engines.fast(Engines.copperModel(), 1),
                Engines.fast(Engines.copperModel(), 2), Engines.reference(Engines.copperModel()));
        for (Engines.Engine engine : engines) {
            ForceField ff = engine.newForceField();
            ForceResult r = new ForceResult();
            AtomsSystem cu = Engines.copper(1, 3);
            ff.compute(cu, ALL, r);
            ff.close();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> ff.compute(cu, ALL, r),
                    engine.name());
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
            assertFalse(r.has(ForceResult.ENERGY), engine.name() + ": a refused call leaves no result readable");
        }
    }

    /**
     * The misuse: one force field, 4 threads at once, each with its own structures (other sizes
     * and species, so the shared neighbour list and staged graph really differ). Before the fix 334 of
     * 800 results were silently wrong with 1 worker, and 2 workers hung. Every call must now either
     * return exactly the single-threaded result (the same bits) or throw IllegalStateException
     * "used by two threads at once".
     */
    @Test
    void oneForceFieldUsedByFourThreadsAtOnceFailsLoudly() {
        List<AtomsSystem> structures = Engines.mixedStructures(8, 12, 15);
        for (Engines.Engine engine : List.of(Engines.fast(Engines.model(), 1), Engines.fast(Engines.model(), 2),
                Engines.reference(Engines.model()))) {
            List<ForceResult> expected = new ArrayList<>();
            try (ForceField ff = engine.newForceField()) {
                for (AtomsSystem s : structures) {
                    ForceResult r = new ForceResult();
                    ff.compute(s.copy(), ALL, r);
                    expected.add(r);
                }
            }
            int calls = engine.allocationFree() ? 200 : 25;
            AtomicInteger right = new AtomicInteger();
            AtomicInteger refused = new AtomicInteger();
            assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
                try (ForceField ff = engine.newForceField()) {
                    AtomicReference<Throwable> wrong = new AtomicReference<>();
                    Thread[] threads = new Thread[4];
                    for (int t = 0; t < threads.length; t++) {
                        final int id = t;
                        threads[t] = new Thread(() -> {
                            ForceResult r = new ForceResult();
                            for (int i = 0; i < calls && wrong.get() == null; i++) {
                                int k = (id + 3 * i) % structures.size();
                                try {
                                    ff.compute(structures.get(k).copy(), ALL, r);
                                } catch (IllegalStateException e) {
                                    if (!e.getMessage().contains("two threads at once")) {
                                        wrong.set(e);
                                    }
                                    refused.incrementAndGet();
                                    continue;
                                } catch (Throwable e) {
                                    wrong.set(e);
                                    return;
                                }
                                try {
                                    ForceResult x = expected.get(k);
                                    assertEquals(x.energy(), r.energy(), 0.0, "energy of structure " + k);
                                    assertArrayEquals(x.forcesCopy(), r.forcesCopy(), 0.0, "forces of structure " + k);
                                    if (x.has(ForceResult.STRESS)) {
                                        assertArrayEquals(x.stressCopy(), r.stressCopy(), 0.0, "stress of structure " + k);
                                    }
                                    right.incrementAndGet();
                                } catch (Throwable e) {
                                    wrong.set(e);
                                }
                            }
                        });
                        threads[t].start();
                    }
                    for (Thread t : threads) {
                        t.join();
                    }
                    if (wrong.get() != null) {
                        throw new AssertionError(engine.name() + ": " + right.get() + " right, " + refused.get()
                                + " refused before a wrong one", wrong.get());
                    }
                }
            });
            assertEquals(4 * calls, right.get() + refused.get(), engine.name());
        }
    }
}
