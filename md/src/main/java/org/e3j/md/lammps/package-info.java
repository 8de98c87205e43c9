/**
 * e3j as the force engine of LAMMPS in the same process: the LAMMPS C library through the Java
 * FFM API ({@link org.e3j.md.lammps.Lammps}), a {@code fix external pf/callback} that computes
 * energy, forces and virial with an e3j {@link org.e3j.md.ForceField}
 * ({@link org.e3j.md.lammps.FixExternalForces}), and a script runner that registers it
 * ({@link org.e3j.md.lammps.LammpsScript}). See docs/clients.md.
 */
package org.e3j.md.lammps;
