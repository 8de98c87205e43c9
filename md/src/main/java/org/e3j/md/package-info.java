/**
 * Molecular dynamics on e3j potentials, in ASE's units (Å, eV, amu; times in fs).
 *
 * <ul>
 *   <li>{@link org.e3j.md.ForceField} (energy, forces, stress, per-atom energies into a reusable
 *       {@link org.e3j.md.ForceResult}) over a mutable {@link org.e3j.md.AtomsSystem};
 *       {@link org.e3j.md.LennardJones} is the analytic reference implementation.</li>
 *   <li>Integrators: {@link org.e3j.md.VelocityVerlet} (NVE) and {@link org.e3j.md.LangevinBaoab}
 *       (NVT), {@link org.e3j.md.Thermo} for temperatures and Maxwell–Boltzmann velocities,
 *       {@link org.e3j.md.MdRun} for the loop, observers and the blow-up guard.</li>
 *   <li>{@code org.e3j.md.io}: trajectories as extended XYZ; {@code org.e3j.md.ipi}: the i-PI
 *       socket driver (and a server for tests).</li>
 * </ul>
 *
 * Nothing allocates per step in steady state, so a JVM simulation can run millions of steps
 * without GC pauses from the potential's side.
 */
package org.e3j.md;
