package org.e3j.md;

/**
 * Advances an {@link AtomsSystem} by one timestep under a {@link ForceField}.
 *
 * <p>The {@link ForceResult} carries the forces of the current positions from one step to the
 * next (one force evaluation per step): {@link #init} computes them once, each {@link #step}
 * leaves the result holding energy and forces (and whatever else was requested) of the new
 * positions. Implementations keep no per-step allocations; stochastic ones own a seeded
 * generator so runs are reproducible. Not thread-safe.
 */
public interface Integrator {

    /** The timestep in femtoseconds. */
    double timestepFs();

    /**
     * Makes {@code out} hold energy and forces of the current positions (computing them if they are
     * not available). Call before the first step, and again after changing positions or the cell
     * from outside.
     */
    default void init(AtomsSystem system, ForceField ff, ForceResult out) {
        int req = out.requested() | ForceResult.ENERGY | ForceResult.FORCES;
        ff.compute(system, req, out);
    }

    /** One step; on return {@code out} belongs to the new positions. */
    void step(AtomsSystem system, ForceField ff, ForceResult out);
}
