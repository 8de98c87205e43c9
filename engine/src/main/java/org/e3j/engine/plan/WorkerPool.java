package org.e3j.engine.plan;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed pool of {@code threads - 1} daemon workers plus the calling thread, for the fast plan's
 * parallel steps. {@link #run(Task)} hands one pre-built {@link Task} to every participant (worker
 * index 0 is the caller) and returns when all of them have finished: a barrier per step.
 *
 * <p>The handoff allocates nothing: a volatile generation counter, an {@link AtomicInteger} of
 * outstanding workers, a short spin then {@link LockSupport#park}/{@code unpark}. Tasks are plain
 * objects the caller reuses (no lambdas are created per call). With {@code threads == 1} no thread
 * is started and {@code run} just calls the task.
 *
 * <p>Lifecycle: one caller at a time ({@link SingleCaller}: a second concurrent caller gets an
 * {@link IllegalStateException}), {@code run} after {@link #close()} throws, and closing while a
 * {@code run} is in progress never leaves it waiting (see {@link #close()}).
 *
 * <p>Determinism is the task's business: a task must compute each output row in an order that does
 * not depend on {@code (worker, workers)} (the fast plan splits receiver ranges, never reductions).
 */
public final class WorkerPool implements AutoCloseable {

    /** One parallel step; {@code worker} in {@code [0, workers)}. Must not throw in normal operation. */
    public interface Task {
        void run(int worker, int workers);
    }

    /** The most threads a pool takes (the command line's --threads has the same bound). */
    public static final int MAX_THREADS = 1024;

    /** Spins before parking: short, because the machine may have no spare core. */
    private static final int SPIN = Integer.getInteger("e3j.pool.spin", 2000);

    private final int threads;
    private final Thread[] workers;
    /**
     * Per worker id, the last generation whose part was claimed (by the worker, or by the caller
     * taking over the part of a worker that stopped because the pool was closed): each part runs
     * exactly once and is counted down exactly once, so {@link #run} cannot wait forever.
     */
    private final AtomicIntegerArray claimed;
    private final SingleCaller lifecycle = new SingleCaller("worker pool");
    private volatile int generation;
    private volatile boolean closed;
    private volatile Task task;
    private volatile Thread caller;
    private final AtomicInteger remaining = new AtomicInteger();
    private volatile Throwable failure;

    /** Refuses a thread count a pool does not take (before a caller sizes anything by it). */
    public static int requireThreads(int threads) {
        if (threads < 1 || threads > MAX_THREADS) {
            // an absurd count would start that many native threads before failing
            throw new IllegalArgumentException("threads must be between 1 and " + MAX_THREADS + ", got " + threads);
        }
        return threads;
    }

    public WorkerPool(int threads) {
        requireThreads(threads);
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        this.claimed = new AtomicIntegerArray(threads);
        for (int i = 0; i < workers.length; i++) {
            final int id = i + 1;
            Thread t = new Thread(() -> loop(id), "e3j-worker-" + id);
            t.setDaemon(true);
            workers[i] = t;
            t.start();
        }
    }

    public int threads() {
        return threads;
    }

    /**
     * Runs {@code t} on every participant and waits for all of them. Throws
     * {@link IllegalStateException} after {@link #close()} (with any number of threads) and when
     * another thread is inside {@code run} at the same time. If the pool is closed while this call
     * waits, the caller runs the parts no worker took itself, so it always returns.
     */
    public void run(Task t) {
        lifecycle.enter();
        try {
            if (threads == 1) {
                t.run(0, 1);
                return;
            }
            runParallel(t);
        } finally {
            lifecycle.exit();
        }
    }

    private void runParallel(Task t) {
        caller = Thread.currentThread();
        failure = null;
        task = t;
        remaining.set(workers.length);
        int gen = generation + 1;
        generation = gen; // publishes task (volatile write after the plain writes)
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
        Throwable mine = null;
        try {
            t.run(0, threads);
        } catch (Throwable e) {
            mine = e;
        }
        int spins = 0;
        while (remaining.get() != 0) {
            if (closed) {
                runUnclaimedParts(t, gen); // workers may have stopped without seeing this generation
                Thread.onSpinWait();
            } else if (spins < SPIN) {
                spins++;
                Thread.onSpinWait();
            } else {
                LockSupport.park(this);
            }
        }
        task = null;
        Throwable f = mine != null ? mine : failure;
        if (f != null) {
            if (f instanceof RuntimeException re) {
                throw re;
            }
            if (f instanceof Error er) {
                throw er;
            }
            throw new IllegalStateException(f);
        }
    }

    /** Claims worker {@code id}'s part of generation {@code gen}; true for exactly one claimant. */
    private boolean claim(int id, int gen) {
        int last = claimed.get(id);
        return last != gen && claimed.compareAndSet(id, last, gen);
    }

    private void runUnclaimedParts(Task t, int gen) {
        for (int id = 1; id < threads; id++) {
            if (claim(id, gen)) {
                runPart(t, id);
            }
        }
    }

    private void runPart(Task t, int id) {
        try {
            t.run(id, threads);
        } catch (Throwable e) {
            failure = e;
        }
        if (remaining.decrementAndGet() == 0) {
            Thread c = caller;
            if (c != Thread.currentThread()) {
                LockSupport.unpark(c);
            }
        }
    }

    private void loop(int id) {
        int seen = 0;
        while (true) {
            int spins = 0;
            int g;
            while ((g = generation) == seen) {
                if (closed) {
                    return; // a generation published after this is run by its caller (runUnclaimedParts)
                }
                if (spins < SPIN) {
                    spins++;
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            seen = g;
            if (claim(id, g)) {
                runPart(task, id);
            }
        }
    }

    /**
     * Stops the workers. Idempotent; may be called from any thread, also while another thread is in
     * {@link #run} (that call completes, the parts of stopped workers run on its caller; the next
     * {@code run} throws).
     */
    @Override
    public void close() {
        lifecycle.close();
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
        Thread c = caller;
        if (c != null) {
            LockSupport.unpark(c);
        }
    }

    /**
     * Splits segments {@code [0, n)} of a CSR array (offsets of length n+1) into {@code parts}
     * contiguous ranges of about equal cost {@code edges + nodes}; writes bounds[0..parts].
     */
    public static void splitBalanced(int[] offsets, int n, int parts, int[] bounds) {
        long total = (long) offsets[n] - offsets[0] + n;
        bounds[0] = 0;
        for (int w = 1; w < parts; w++) {
            long target = total * w / parts;
            int lo = bounds[w - 1];
            int hi = n;
            while (lo < hi) { // first i with cost(i) >= target
                int mid = (lo + hi) >>> 1;
                if ((long) offsets[mid] - offsets[0] + mid < target) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            bounds[w] = lo;
        }
        bounds[parts] = n;
    }

    /** Equal split of {@code [0, n)} into {@code parts} ranges. */
    public static void splitEven(int n, int parts, int[] bounds) {
        for (int w = 0; w <= parts; w++) {
            bounds[w] = (int) ((long) n * w / parts);
        }
    }
}
