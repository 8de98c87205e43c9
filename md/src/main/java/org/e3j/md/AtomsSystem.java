package org.e3j.md;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.e3j.graph.Elements;
import org.e3j.graph.Structure;
import org.e3j.graph.StructureException;
import org.e3j.graph.io.Frame;
import org.e3j.graph.io.Property;

/**
 * The mutable state of a molecular-dynamics run: atomic numbers, positions (Å, 3N), velocities
 * (3N, ASE units sqrt(eV/amu), see {@link Units}), masses (amu), the cell (9 values row-major,
 * rows are lattice vectors, zeros when there is none) and periodic flags.
 *
 * <p>Why not {@link Structure}: a Structure is immutable and validated at construction (including
 * an O(N) close-contact search), which is right for input but would allocate and search at every
 * step. An {@code AtomsSystem} is updated in place by integrators; conversion to and from
 * {@link Structure} and extended-XYZ {@link Frame}s happens at the boundaries.
 *
 * <p>The arrays returned by {@link #positions()}, {@link #velocities()}, {@link #masses()},
 * {@link #numbersView()}, {@link #cellView()} and {@link #pbcView()} are the live state (no copy,
 * so a force field reads them without allocating). Integrators write positions and velocities;
 * nobody should write numbers, masses, cell or pbc through the views — use {@link #setCell}.
 * The atom count is fixed. Not thread-safe.
 *
 * <p>{@link #validate()} and {@link #firstNonFinite()} check the state and name the culprit atom:
 * bad input must never become a silent NaN.
 */
public final class AtomsSystem {
    private final int[] numbers;
    private final double[] positions;
    private final double[] velocities;
    private final double[] masses;
    private final double[] cell = new double[9];
    private final boolean[] pbc = new boolean[3];

    /**
     * @param numbers    atomic numbers (N)
     * @param positions  Å, 3N
     * @param velocities ASE units, 3N, or null for zero
     * @param masses     amu, N, or null for ASE's standard masses
     * @param cell       9 values row-major (rows are lattice vectors), or null for none
     * @param pbc        3 flags, or null for none
     * @throws StructureException naming the atom if anything is invalid
     */
    public AtomsSystem(int[] numbers, double[] positions, double[] velocities, double[] masses, double[] cell,
            boolean[] pbc) {
        if (numbers == null || positions == null) {
            throw new StructureException("atomic numbers and positions are required");
        }
        int n = numbers.length;
        if (n == 0) {
            throw new StructureException("empty system: no atoms");
        }
        checkLength("positions", positions.length, 3L * n, n);
        if (velocities != null) {
            checkLength("velocities", velocities.length, 3L * n, n);
        }
        if (masses != null) {
            checkLength("masses", masses.length, n, n);
        }
        if (cell != null && cell.length != 9) {
            throw new StructureException("cell must have 9 values (3x3, rows are lattice vectors), got " + cell.length);
        }
        if (pbc != null && pbc.length != 3) {
            throw new StructureException("pbc must have 3 flags, got " + pbc.length);
        }
        for (int i = 0; i < n; i++) {
            if (!Elements.isValid(numbers[i])) {
                throw new StructureException("atom " + i + " has unknown atomic number " + numbers[i]
                        + " (expected 1.." + Elements.MAX_Z + ")");
            }
        }
        this.numbers = numbers.clone();
        this.positions = positions.clone();
        this.velocities = velocities == null ? new double[3 * n] : velocities.clone();
        this.masses = masses == null ? Elements.masses(numbers) : masses.clone();
        if (cell != null) {
            System.arraycopy(cell, 0, this.cell, 0, 9);
        }
        if (pbc != null) {
            System.arraycopy(pbc, 0, this.pbc, 0, 3);
        }
        validate();
    }

    private static void checkLength(String what, int actual, long expected, int n) {
        if (actual != expected) {
            throw new StructureException(what + " has " + actual + " values, expected " + expected + " for " + n
                    + " atoms");
        }
    }

    /** Standard ASE masses, zero velocities. */
    public static AtomsSystem of(Structure s) {
        return new AtomsSystem(s.numbers(), s.positions(), null, null, s.cell(), s.pbc());
    }

    /**
     * From an extended-XYZ frame. Velocities come from the {@code momenta} property (ASE's name,
     * amu Å / ASE time) divided by the masses, or from a {@code velocities} property (ASE units);
     * masses from a {@code masses} property, else ASE's standard masses.
     */
    public static AtomsSystem of(Frame f) {
        Structure s = f.structure();
        int n = s.size();
        double[] masses = realProperty(f, "masses", 1, n);
        if (masses == null) {
            masses = s.masses();
        }
        double[] velocities = null;
        double[] momenta = realProperty(f, "momenta", 3, n);
        if (momenta != null) {
            velocities = new double[3 * n];
            for (int i = 0; i < n; i++) {
                if (!(masses[i] > 0)) {
                    throw new StructureException("atom " + i + " has non-positive mass " + masses[i]);
                }
                for (int c = 0; c < 3; c++) {
                    velocities[3 * i + c] = momenta[3 * i + c] / masses[i];
                }
            }
            double[] given = realProperty(f, "velocities", 3, n);
            if (given != null) {
                checkAgree(velocities, given);
            }
        } else {
            velocities = realProperty(f, "velocities", 3, n);
        }
        return new AtomsSystem(s.numbers(), s.positions(), velocities, masses, s.cell(), s.pbc());
    }

    /** A frame with both momenta and velocities: the velocities used (from the momenta) must be the ones given. */
    private static void checkAgree(double[] fromMomenta, double[] given) {
        double scale = 0;
        for (double v : fromMomenta) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int k = 0; k < given.length; k++) {
            // 1e-4: a file without masses may have been written with another mass table (ASE's older
            // masses differ by ~1e-5) or with few digits; a real contradiction is far larger
            if (!(Math.abs(fromMomenta[k] - given[k]) <= 1e-4 * scale)) {
                throw new StructureException("atom " + k / 3 + ": the frame's velocities (" + given[k] + " along "
                        + "xyz".charAt(k % 3) + ") contradict its momenta over the masses (" + fromMomenta[k]
                        + "); give one of the two");
            }
        }
    }

    private static double[] realProperty(Frame f, String name, int columns, int n) {
        Property p = f.arrays().get(name);
        if (p == null) {
            return null;
        }
        if (p.type() != Property.Type.R || p.columns() != columns) {
            throw new StructureException("property '" + name + "' must be R:" + columns + ", got " + p.type() + ":"
                    + p.columns());
        }
        return p.doubles();
    }

    /**
     * A validated immutable snapshot (no close-contact check: an MD state may legitimately be
     * compressed, and the check costs a pair search).
     */
    public Structure toStructure() {
        return new Structure(numbers, positions, cell, pbc, new Structure.Checks(0, Math.max(1, numbers.length)));
    }

    /**
     * A frame of the current state; with {@code withMomenta} also {@code masses} and
     * {@code momenta} (ASE's property names and units, so ASE's {@code read} restores velocities).
     */
    public Frame toFrame(boolean withMomenta) {
        Frame f = Frame.of(toStructure());
        if (!withMomenta) {
            return f;
        }
        int n = numbers.length;
        double[] p = new double[3 * n];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < 3; c++) {
                p[3 * i + c] = masses[i] * velocities[3 * i + c];
            }
        }
        Map<String, Property> arrays = new LinkedHashMap<>(f.arrays());
        arrays.put("masses", Property.real("masses", 1, masses));
        arrays.put("momenta", Property.real("momenta", 3, p));
        return new Frame(f.structure(), f.info(), arrays);
    }

    /** A deep copy. */
    public AtomsSystem copy() {
        return new AtomsSystem(numbers, positions, velocities, masses, cell, pbc);
    }

    /**
     * Checks everything: finite positions and velocities, positive finite masses, a finite cell
     * that is non-singular and right-handed when periodic. Throws {@link StructureException}
     * naming the first offending atom (or cell entry).
     */
    public void validate() {
        int n = numbers.length;
        for (int i = 0; i < n; i++) {
            if (!(masses[i] > 0) || !Double.isFinite(masses[i])) {
                throw new StructureException("atom " + i + " (" + symbol(i) + ") has an invalid mass " + masses[i]
                        + " (must be positive and finite, amu)");
            }
        }
        for (int k = 0; k < 3 * n; k++) {
            if (!Double.isFinite(positions[k])) {
                throw new StructureException("atom " + k / 3 + " (" + symbol(k / 3) + ") has a non-finite position "
                        + "xyz".charAt(k % 3) + " = " + positions[k]);
            }
            if (!Double.isFinite(velocities[k])) {
                throw new StructureException("atom " + k / 3 + " (" + symbol(k / 3) + ") has a non-finite velocity "
                        + "xyz".charAt(k % 3) + " = " + velocities[k]);
            }
        }
        // the cell rules (finite, non-singular, right-handed along periodic directions) are Structure's
        if (isPeriodic() || hasCell()) {
            new Structure(new int[] {numbers[0]}, new double[3], cell, pbc, new Structure.Checks(0, 1));
        }
    }

    /**
     * Index of the first atom whose position or velocity is NaN or infinite, or -1. Does not
     * allocate: the MD guard calls it every step.
     */
    public int firstNonFinite() {
        for (int k = 0, m = positions.length; k < m; k++) {
            if (!Double.isFinite(positions[k]) || !Double.isFinite(velocities[k])) {
                return k / 3;
            }
        }
        return -1;
    }

    public int numAtoms() {
        return numbers.length;
    }

    public int number(int i) {
        return numbers[i];
    }

    public String symbol(int i) {
        return Elements.symbol(numbers[i]);
    }

    /** Live positions, Å, 3N. */
    public double[] positions() {
        return positions;
    }

    /** Live velocities, ASE units (multiply by {@link Units#FS} for Å/fs), 3N. */
    public double[] velocities() {
        return velocities;
    }

    /** Live masses, amu, N. Do not modify. */
    public double[] masses() {
        return masses;
    }

    /** Live atomic numbers. Do not modify. */
    public int[] numbersView() {
        return numbers;
    }

    /** Copy of the atomic numbers. */
    public int[] numbers() {
        return numbers.clone();
    }

    /** Live cell (9 values, rows are lattice vectors). Do not modify: use {@link #setCell}. */
    public double[] cellView() {
        return cell;
    }

    /** Copy of the cell. */
    public double[] cell() {
        return cell.clone();
    }

    /** Live periodic flags. Do not modify. */
    public boolean[] pbcView() {
        return pbc;
    }

    public boolean pbc(int c) {
        return pbc[c];
    }

    public boolean isPeriodic() {
        return pbc[0] || pbc[1] || pbc[2];
    }

    public boolean hasCell() {
        for (double x : cell) {
            if (x != 0) {
                return true;
            }
        }
        return false;
    }

    /** |det(cell)| in Å³ (0 without a full cell). */
    public double volume() {
        double[] c = cell;
        return Math.abs(c[0] * (c[4] * c[8] - c[5] * c[7]) - c[1] * (c[3] * c[8] - c[5] * c[6])
                + c[2] * (c[3] * c[7] - c[4] * c[6]));
    }

    /** Copies new positions in (3N). */
    public void setPositions(double[] p) {
        checkLength("positions", p.length, positions.length, numbers.length);
        System.arraycopy(p, 0, positions, 0, p.length);
    }

    /** Copies new velocities in (3N, ASE units). */
    public void setVelocities(double[] v) {
        checkLength("velocities", v.length, velocities.length, numbers.length);
        System.arraycopy(v, 0, velocities, 0, v.length);
    }

    /**
     * Replaces the cell (validated: finite, and non-singular and right-handed when periodic).
     * With {@code scaleAtoms} the positions keep their fractional coordinates, as ASE's
     * {@code set_cell(cell, scale_atoms=True)}.
     */
    public void setCell(double[] newCell, boolean scaleAtoms) {
        if (newCell == null || newCell.length != 9) {
            throw new StructureException("cell must have 9 values");
        }
        new Structure(new int[] {numbers[0]}, new double[3], newCell, pbc, new Structure.Checks(0, 1));
        if (scaleAtoms) {
            double[] inv = inverse(cell);
            double[] t = new double[9]; // t = inv(old) @ new, so r_new = r_old @ t
            for (int a = 0; a < 3; a++) {
                for (int b = 0; b < 3; b++) {
                    double s = 0;
                    for (int k = 0; k < 3; k++) {
                        s += inv[3 * a + k] * newCell[3 * k + b];
                    }
                    t[3 * a + b] = s;
                }
            }
            for (int i = 0; i < numbers.length; i++) {
                double x = positions[3 * i], y = positions[3 * i + 1], z = positions[3 * i + 2];
                for (int b = 0; b < 3; b++) {
                    positions[3 * i + b] = x * t[b] + y * t[3 + b] + z * t[6 + b];
                }
            }
        }
        System.arraycopy(newCell, 0, cell, 0, 9);
    }

    static double[] inverse(double[] a) {
        double d = a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6])
                + a[2] * (a[3] * a[7] - a[4] * a[6]);
        if (!(Math.abs(d) > 0) || !Double.isFinite(d)) {
            throw new StructureException("cell is singular (determinant " + d + "): cannot invert "
                    + Arrays.toString(a));
        }
        return new double[] {
            (a[4] * a[8] - a[5] * a[7]) / d, (a[2] * a[7] - a[1] * a[8]) / d, (a[1] * a[5] - a[2] * a[4]) / d,
            (a[5] * a[6] - a[3] * a[8]) / d, (a[0] * a[8] - a[2] * a[6]) / d, (a[2] * a[3] - a[0] * a[5]) / d,
            (a[3] * a[7] - a[4] * a[6]) / d, (a[1] * a[6] - a[0] * a[7]) / d, (a[0] * a[4] - a[1] * a[3]) / d,
        };
    }

    @Override
    public String toString() {
        return "AtomsSystem[" + numbers.length + " atoms, pbc=" + Arrays.toString(pbc) + ", cell="
                + Arrays.toString(cell) + "]";
    }
}
