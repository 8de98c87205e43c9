package org.e3j.md;

/**
 * A potential energy surface: energy, forces, stress and per-atom energies of an
 * {@link AtomsSystem}. Implemented by {@link LennardJones} (the reference used to validate the MD
 * machinery) and by the e3nn network potential in {@code layers}.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>Units: Å, eV; forces eV/Å; stress eV/Å³ in Voigt order (xx, yy, zz, yz, xz, xy) with ASE's
 *       sign, {@code stress = (1/V) dE/dε} for a symmetric strain applied to positions and cell
 *       ({@code r -> r (I + ε)}); no stress for a non-periodic system.</li>
 *   <li>{@link #compute} reads only {@code numbers}, {@code positions}, {@code cell} and
 *       {@code pbc}; it calls {@link ForceResult#prepare(int)}, fills what
 *       {@link ForceResult#requested()} asks for (skipping, e.g., the virial when stress is not
 *       requested) and marks it available. Positions may lie outside the cell.</li>
 *   <li>Zero allocation in steady state: an implementation keeps its workspace (neighbour list,
 *       activations, gradients) between calls and grows it geometrically only when a larger system
 *       arrives, never shrinking. The same system stepped by an integrator must not allocate.</li>
 *   <li>Thread confinement: an instance is used by one thread at a time (its workspace is mutable
 *       state). Share immutable parameters (model weights) between threads and create one
 *       {@code ForceField} per thread. Results must not depend on how many instances exist.</li>
 *   <li>Errors: invalid input (non-finite coordinates, a singular cell, an unknown species) throws
 *       {@link org.e3j.graph.StructureException} naming the atom. The network force fields
 *       (fast and reference) also refuse a non-finite energy, force, stress or per-atom energy with
 *       an {@link MdException} naming it; for others the MD guard reports it with the step and the
 *       atom. Using one instance from two threads at once, or after {@link #close()}, throws
 *       {@link IllegalStateException} in the network force fields.</li>
 * </ul>
 *
 * <p>{@link #close()} releases native or pooled resources (thread pools, mapped files); the
 * default does nothing.
 */
public interface ForceField extends AutoCloseable {

    /** Interaction cutoff in Å (the largest distance at which an atom feels another). */
    double cutoff();

    /** Computes what {@code out.requested()} asks for, for the current state of {@code system}. */
    void compute(AtomsSystem system, ForceResult out);

    /** Convenience: sets the request to {@code flags}, then computes. */
    default void compute(AtomsSystem system, int flags, ForceResult out) {
        out.request(flags);
        compute(system, out);
    }

    @Override
    default void close() {}
}
