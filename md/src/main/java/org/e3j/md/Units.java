package org.e3j.md;

/**
 * Unit constants, bit for bit those of ASE 3.29 ({@code ase.units}, CODATA 2014, ASE's default).
 *
 * <p>e3j's MD state uses ASE's internal units so that files and numbers move between ASE and e3j
 * without conversion: lengths in Å, energies in eV, masses in amu (u), and therefore time in ASE's
 * unit {@code Å sqrt(amu/eV)} (about 10.18 fs). Velocities in {@link AtomsSystem} are in
 * {@code Å / ASE-time = sqrt(eV/amu)}, so {@code Ekin = ½ m v²} is in eV without a factor and
 * {@code m v} equals ASE's {@code momenta}. Timesteps and times are given to users in
 * femtoseconds and converted with {@link #FS}: {@code dt_internal = dt_fs * FS}, exactly as ASE's
 * {@code VelocityVerlet(atoms, timestep=1 * units.fs)}.
 *
 * <p>The i-PI socket protocol speaks atomic units (bohr, hartree); {@link #BOHR} and
 * {@link #HARTREE} are the factors ASE's {@code socketio} uses, so an e3j driver and an ASE server
 * agree to the last bit.
 */
public final class Units {
    private Units() {}

    /** ASE {@code units.fs}: one femtosecond in ASE time units (Å sqrt(amu/eV)). */
    public static final double FS = 0.09822694788464063;
    /** ASE {@code units.kB}: Boltzmann constant in eV/K. */
    public static final double KB = 8.617330337217213e-05;
    /** ASE {@code units.Bohr}: one bohr in Å. */
    public static final double BOHR = 0.5291772105638411;
    /** ASE {@code units.Ha}: one hartree in eV. */
    public static final double HARTREE = 27.211386024367243;
}
