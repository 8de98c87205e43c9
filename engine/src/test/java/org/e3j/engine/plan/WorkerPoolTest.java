package org.e3j.engine.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The pool's lifecycle (issue 15, finding 6): closing never hangs a run, misuse throws. */
class WorkerPoolTest {

    /** A task whose parts take a few ms, so that a close lands inside a run. */
    static final class Busy implements WorkerPool.Task {
        final AtomicInteger parts = new AtomicInteger();

        @Override
        public void run(int worker, int workers) {
            long end = System.nanoTime() + 2_000_000;
            while (System.nanoTime() < end) {
                Thread.onSpinWait();
            }
            parts.incrementAndGet();
        }
    }

    @Test
    void runAfterCloseThrowsWithOneAndWithSeveralThreads() {
        for (int threads : new int[] {1, 2, 3}) {
            WorkerPool pool = new WorkerPool(threads);
            Busy t = new Busy();
            pool.run(t);
            assertEquals(threads, t.parts.get());
            pool.close();
            pool.close(); // idempotent
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.run(t),
                    threads + " threads");
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
        }
    }

    /**
     * Before the fix a worker that saw {@code closed} returned without counting down, and the caller
     * waited forever (8 of 20 trials of a force field in the issue). Now every run either completes
     * (every part ran exactly once: the caller runs the parts of workers that stopped) or throws
     * because the pool was already closed; none hangs.
     */
    @Test
    void closeDuringRunNeverHangsTheCaller() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int trial = 0; trial < 40; trial++) {
                WorkerPool pool = new WorkerPool(2 + trial % 2);
                Busy t = new Busy();
                AtomicReference<Throwable> odd = new AtomicReference<>();
                CountDownLatch started = new CountDownLatch(1);
                Thread computing = new Thread(() -> {
                    started.countDown();
                    for (int i = 0; i < 1000; i++) {
                        int before = t.parts.get();
                        try {
                            pool.run(t);
                        } catch (IllegalStateException closed) {
                            return;
                        } catch (Throwable other) {
                            odd.set(other);
                            return;
                        }
                        if (t.parts.get() - before != pool.threads()) {
                            odd.set(new AssertionError("a run ran " + (t.parts.get() - before) + " parts"));
                            return;
                        }
                    }
                });
                computing.start();
                started.await();
                Thread.sleep(trial % 7);
                pool.close();
                computing.join();
                if (odd.get() != null) {
                    throw new AssertionError("trial " + trial, odd.get());
                }
            }
        });
    }

    @Test
    void twoCallersAtOnceAreRefusedNotInterleaved() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int threads : new int[] {1, 2}) {
                WorkerPool pool = new WorkerPool(threads);
                Busy t = new Busy();
                CountDownLatch inside = new CountDownLatch(1);
                CountDownLatch release = new CountDownLatch(1);
                WorkerPool.Task holding = (w, n) -> {
                    if (w == 0) {
                        inside.countDown();
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                };
                Thread first = new Thread(() -> pool.run(holding));
                first.start();
                inside.await();
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.run(t));
                assertTrue(e.getMessage().contains("two threads at once"), e.getMessage());
                release.countDown();
                first.join();
                pool.run(t); // free again
                assertEquals(threads, t.parts.get());
                pool.close();
            }
        });
    }
}
