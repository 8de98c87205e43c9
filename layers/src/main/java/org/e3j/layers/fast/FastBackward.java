package org.e3j.layers.fast;

/** Placeholder for the analytic backward (forces, stress) of the fast plan. */
final class FastBackward {
    void allocate() {}

    void allocateTile() {}

    void run(int w, int workers) {}
}
