package org.e3j.engine.plan;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The lifecycle of an object that is used by one thread at a time and closed once (a workspace, a
 * force field): {@link #enter()} at the start of every call that reads or writes its state,
 * {@link #exit()} in a {@code finally}. A second thread entering while a call is in progress gets an
 * {@link IllegalStateException} at once instead of silently sharing the buffers (wrong numbers) or
 * waiting on a barrier the first caller owns (a hang); a call after {@link #close()} gets one too.
 *
 * <p>Allocation-free on the normal path: one compare-and-set and one volatile write per call.
 */
public final class SingleCaller {
    private final String what;
    private final AtomicBoolean busy = new AtomicBoolean();
    private volatile boolean closed;

    /** {@code what} names the object in the messages, e.g. "FastForceField". */
    public SingleCaller(String what) {
        this.what = what;
    }

    /** Claims the object for the calling thread; throws if it is closed or another call is in progress. */
    public void enter() {
        if (closed) {
            throw new IllegalStateException(what + " is closed");
        }
        if (!busy.compareAndSet(false, true)) {
            throw new IllegalStateException(what + " used by two threads at once: it is not thread-safe,"
                    + " create one per thread (the model can be shared)");
        }
        if (closed) { // closed between the check and the claim
            busy.set(false);
            throw new IllegalStateException(what + " is closed");
        }
    }

    /** Releases the claim taken by {@link #enter()}. */
    public void exit() {
        busy.set(false);
    }

    /** Marks the object closed: every later {@link #enter()} throws. A call in progress runs on. */
    public void close() {
        closed = true;
    }

    public boolean isClosed() {
        return closed;
    }
}
