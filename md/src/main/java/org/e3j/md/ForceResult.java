package org.e3j.md;

import java.util.Arrays;

/**
 * Reusable output buffers of a {@link ForceField}: total energy (eV), forces (eV/Å, 3N), stress
 * (eV/Å³, Voigt xx, yy, zz, yz, xz, xy, ASE's sign {@code (1/V) dE/dstrain}) and per-atom energies
 * (eV, N).
 *
 * <p>Why a mutable holder rather than a returned record: an MD step must not allocate, so the
 * caller owns one {@code ForceResult} for the life of a run and the force field writes into it.
 * Buffers grow geometrically (x1.5) only when a larger system comes along and are never shrunk;
 * arrays may therefore be longer than {@code 3 * numAtoms()} (only the first entries are valid).
 *
 * <p>Protocol: the caller says what it needs with {@link #request(int)} (a bit set of
 * {@link #ENERGY}, {@link #FORCES}, {@link #STRESS}, {@link #ATOM_ENERGIES}); the force field calls
 * {@link #prepare(int)}, fills what is requested and {@link #markAvailable(int) marks} what it
 * produced. A force field may produce more than asked, never less — except stress, which is absent
 * for a non-periodic system (then {@code has(STRESS)} is false). Reading something that is not
 * available throws, so a stale value is never used by mistake. Not thread-safe: one per thread.
 */
public final class ForceResult {
    /** Total energy. */
    public static final int ENERGY = 1;
    /** Forces, 3N. */
    public static final int FORCES = 1 << 1;
    /** Stress, 6 Voigt values (only for periodic systems). */
    public static final int STRESS = 1 << 2;
    /** Per-atom energies, N. */
    public static final int ATOM_ENERGIES = 1 << 3;
    /** Every property. */
    public static final int ALL = ENERGY | FORCES | STRESS | ATOM_ENERGIES;

    private int requested = ENERGY | FORCES;
    private int available;
    private int numAtoms;
    private double energy;
    private double[] forces = new double[0];
    private final double[] stress = new double[6];
    private double[] atomEnergies = new double[0];

    public ForceResult() {}

    /** A result with buffers for {@code capacity} atoms already allocated. */
    public ForceResult(int capacity) {
        ensureCapacity(capacity);
    }

    /** Sets what the next {@code compute} must produce (bits of ENERGY, FORCES, STRESS, ATOM_ENERGIES). */
    public ForceResult request(int flags) {
        if ((flags & ~ALL) != 0) {
            throw new IllegalArgumentException("unknown property flags " + Integer.toBinaryString(flags));
        }
        this.requested = flags;
        return this;
    }

    /** The current request. */
    public int requested() {
        return requested;
    }

    /** True if the caller asked for {@code flag}. */
    public boolean wants(int flag) {
        return (requested & flag) != 0;
    }

    /**
     * Called by a force field at the start of {@code compute}: sizes the buffers for {@code n}
     * atoms, zeroes the requested accumulators (forces, stress, atom energies, energy) and clears
     * the availability flags. Allocates only if {@code n} exceeds the capacity.
     */
    public void prepare(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("negative atom count " + n);
        }
        ensureCapacity(n);
        numAtoms = n;
        available = 0;
        energy = 0;
        if (wants(FORCES)) {
            Arrays.fill(forces, 0, 3 * n, 0.0);
        }
        if (wants(ATOM_ENERGIES)) {
            Arrays.fill(atomEnergies, 0, n, 0.0);
        }
        Arrays.fill(stress, 0.0);
    }

    /** Grows the buffers to hold at least {@code n} atoms (geometric growth); never shrinks. */
    public void ensureCapacity(int n) {
        if (atomEnergies.length >= n) {
            return;
        }
        long grown = Math.max(n, atomEnergies.length + (long) (atomEnergies.length >> 1));
        int cap = (int) Math.min(grown, Integer.MAX_VALUE / 3 - 8);
        if (cap < n) {
            throw new IllegalArgumentException("too many atoms for one result: " + n);
        }
        forces = Arrays.copyOf(forces, 3 * cap);
        atomEnergies = Arrays.copyOf(atomEnergies, cap);
    }

    /** Number of atoms of the last {@link #prepare(int)}. */
    public int numAtoms() {
        return numAtoms;
    }

    /** Capacity in atoms. */
    public int capacity() {
        return atomEnergies.length;
    }

    /** Called by the force field for what it produced. */
    public void markAvailable(int flags) {
        available |= flags;
    }

    /** Forgets every computed value (e.g. after the positions changed behind the result's back). */
    public void invalidate() {
        available = 0;
    }

    /** True if {@code flag} was computed by the last call. */
    public boolean has(int flag) {
        return (available & flag) == flag;
    }

    /** Bit set of the available properties. */
    public int available() {
        return available;
    }

    /** Total energy, eV. */
    public double energy() {
        require(ENERGY, "energy");
        return energy;
    }

    /** Set by the force field. */
    public void setEnergy(double e) {
        this.energy = e;
    }

    /** Adds to the energy (for accumulating force fields). */
    public void addEnergy(double e) {
        this.energy += e;
    }

    /**
     * The force buffer (eV/Å, x0 y0 z0 x1 ...), live and possibly longer than 3N. Force fields
     * write into it between {@link #prepare(int)} and {@link #markAvailable(int)}; readers should
     * check {@link #has(int) has(FORCES)} first (or use {@link #force(int, int)}).
     */
    public double[] forces() {
        return forces;
    }

    /** Force component c (0..2) on atom i, eV/Å. */
    public double force(int i, int c) {
        require(FORCES, "forces");
        if (i < 0 || i >= numAtoms) {
            throw new IndexOutOfBoundsException("atom " + i + " of " + numAtoms);
        }
        return forces[3 * i + c];
    }

    /** Stress buffer, 6 Voigt values (xx, yy, zz, yz, xz, xy), eV/Å³, ASE's sign; live. */
    public double[] stress() {
        return stress;
    }

    /** Per-atom energy buffer (eV), live and possibly longer than N. */
    public double[] atomEnergies() {
        return atomEnergies;
    }

    /** Copy of the forces, exactly 3N. */
    public double[] forcesCopy() {
        require(FORCES, "forces");
        return Arrays.copyOf(forces, 3 * numAtoms);
    }

    /** Copy of the stress (6 Voigt values). */
    public double[] stressCopy() {
        require(STRESS, "stress");
        return stress.clone();
    }

    /** Copy of the per-atom energies, exactly N. */
    public double[] atomEnergiesCopy() {
        require(ATOM_ENERGIES, "per-atom energies");
        return Arrays.copyOf(atomEnergies, numAtoms);
    }

    private void require(int flag, String what) {
        if (!has(flag)) {
            throw new IllegalStateException(what + " not available: "
                    + (wants(flag) ? "not computed (stress needs a periodic cell)" : "not requested"));
        }
    }

    @Override
    public String toString() {
        return "ForceResult[" + numAtoms + " atoms, available=" + Integer.toBinaryString(available)
                + (has(ENERGY) ? ", energy=" + energy : "") + "]";
    }
}
