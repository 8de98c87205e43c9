package org.e3j.tests.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.e3j.md.AtomsSystem;
import org.e3j.md.ForceField;
import org.e3j.md.ForceResult;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * One model shared by 8 threads, each with its own force field (workspace), evaluating a mix of
 * molecules and periodic boxes in its own random order: every energy, force and stress must be
 * bit-identical to a single-threaded evaluation of the same structure by a fresh force field. So
 * neither another thread nor the thread's own history (workspace reuse across sizes and cells) may
 * change a bit.
 *
 * <p>The default run is short (CI); the full 8 x 10 000 is {@link #full()}, tagged "long"
 * (scripts/stress, or -De3j.excludedGroups= -Dtest=ConcurrencyStressTest#full).
 */
class ConcurrencyStressTest {
    static final int THREADS = 8;

    /** Evaluations per thread in the default (CI) run; -De3j.stress.evaluations overrides. */
    static final int CI_EVALUATIONS = Integer.getInteger("e3j.stress.evaluations", 150);

    @Test
    void eightThreadsShareOneModelBitIdentically() throws Exception {
        run(CI_EVALUATIONS, 24, 12);
    }

    /**
     * The fast engine in every CI run too, whatever {@code -De3j.engine} says: one worker per force
     * field, and two workers each (8 callers x 2-thread pools, every graph split over both: the
     * partition into receiver ranges must not change a bit of the one-worker results).
     */
    @Test
    void fastEngineEightThreadsBitIdentically() throws Exception {
        Engines.Engine one = Engines.fast(Engines.model());
        run(one, one, CI_EVALUATIONS, 24, 12);
        run(Engines.fast(Engines.model(), 2), one, CI_EVALUATIONS / 3, 24, 12);
    }

    @Test
    @Tag("long")
    void full() throws Exception {
        run(Integer.getInteger("e3j.stress.evaluations.full", 10_000), 64, 20);
    }

    /** What one evaluation produced, as raw bits. */
    record Bits(long energy, long[] forces, long[] stress) {
        static Bits of(ForceResult r, int n, boolean periodic) {
            long[] f = new long[3 * n];
            for (int k = 0; k < 3 * n; k++) {
                f[k] = Double.doubleToRawLongBits(r.forces()[k]);
            }
            long[] s = new long[periodic ? 6 : 0];
            for (int k = 0; k < s.length; k++) {
                s[k] = Double.doubleToRawLongBits(r.stress()[k]);
            }
            return new Bits(Double.doubleToRawLongBits(r.energy()), f, s);
        }

        boolean same(Bits o) {
            return energy == o.energy && Arrays.equals(forces, o.forces) && Arrays.equals(stress, o.stress);
        }
    }

    static int flags(AtomsSystem s) {
        return ForceResult.ENERGY | ForceResult.FORCES | (s.isPeriodic() ? ForceResult.STRESS : 0);
    }

    static void run(int evaluationsPerThread, int structures, int maxAtoms) throws Exception {
        Engines.Engine engine = Engines.underTest();
        run(engine, engine, evaluationsPerThread, structures, maxAtoms);
    }

    /** {@code truthEngine} gives the single-threaded bits every concurrent {@code engine} result must equal. */
    static void run(Engines.Engine engine, Engines.Engine truthEngine, int evaluationsPerThread, int structures,
            int maxAtoms) throws Exception {
        List<AtomsSystem> systems = Engines.mixedStructures(structures, maxAtoms, 7);
        // single-threaded truth: a fresh force field per structure
        List<Bits> truth = new ArrayList<>();
        long t0 = System.nanoTime();
        for (AtomsSystem s : systems) {
            try (ForceField ff = truthEngine.newForceField()) {
                ForceResult r = new ForceResult();
                ff.compute(s.copy(), flags(s), r);
                assertTrue(Double.isFinite(r.energy()), "energy of a test structure is not finite");
                truth.add(Bits.of(r, s.numAtoms(), s.isPeriodic()));
            }
        }
        double singleMs = (System.nanoTime() - t0) / 1e6 / systems.size();

        AtomicLong mismatches = new AtomicLong();
        AtomicLong done = new AtomicLong();
        List<String> firstMismatches = java.util.Collections.synchronizedList(new ArrayList<>());
        CyclicBarrier start = new CyclicBarrier(THREADS);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        long t1;
        try {
            List<Future<?>> futures = new ArrayList<>();
            t1 = System.nanoTime();
            for (int t = 0; t < THREADS; t++) {
                final int thread = t;
                futures.add(pool.submit(() -> {
                    SplittableRandom rng = new SplittableRandom(1000 + thread);
                    List<AtomsSystem> mine = new ArrayList<>();
                    for (AtomsSystem s : systems) {
                        mine.add(s.copy());
                    }
                    ForceResult r = new ForceResult();
                    try (ForceField ff = engine.newForceField()) {
                        start.await();
                        for (int e = 0; e < evaluationsPerThread; e++) {
                            int k = rng.nextInt(mine.size());
                            AtomsSystem s = mine.get(k);
                            ff.compute(s, flags(s), r);
                            if (!Bits.of(r, s.numAtoms(), s.isPeriodic()).same(truth.get(k))) {
                                if (mismatches.incrementAndGet() <= 5) {
                                    firstMismatches.add("thread " + thread + " evaluation " + e + " structure " + k
                                            + " (" + s.numAtoms() + " atoms" + (s.isPeriodic() ? ", periodic" : "")
                                            + "): energy " + r.energy() + " vs "
                                            + Double.longBitsToDouble(truth.get(k).energy()));
                                }
                            }
                            done.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(30, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        double seconds = (System.nanoTime() - t1) / 1e9;
        System.out.printf(Locale.ROOT, "[stress] %s: %d threads x %d evaluations over %d structures (2..%d atoms,"
                + " every third periodic): %d evaluations in %.1f s (%.0f/s); single-thread %.2f ms/structure;"
                + " %d results differ from the single-thread bits%n", engine.name(), THREADS, evaluationsPerThread,
                systems.size(), maxAtoms, done.get(), seconds, done.get() / seconds, singleMs, mismatches.get());
        assertEquals(0, mismatches.get(), () -> "results differ from the single-thread bits: " + firstMismatches);
        assertEquals((long) THREADS * evaluationsPerThread, done.get());
    }
}
