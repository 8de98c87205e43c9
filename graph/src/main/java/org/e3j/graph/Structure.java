package org.e3j.graph;

import java.util.Arrays;

/**
 * An atomic structure: atomic numbers, Cartesian positions (Å), a cell whose rows are lattice
 * vectors (all zero when there is none) and periodic boundary flags.
 *
 * <p>Immutable: the constructor and accessors copy. Validated at construction (see {@link Checks}):
 * non-empty, at most {@link Checks#maxAtoms()} atoms, known atomic numbers, finite coordinates, a
 * finite cell that is non-singular and right-handed whenever any direction is periodic (a non-zero
 * lattice vector along every periodic direction), and no two atoms (or an atom and a periodic image)
 * closer than {@link Checks#minDistance()}. Failures throw {@link StructureException} naming the atom.
 */
public final class Structure {

    /**
     * What the constructor checks. {@code minDistance <= 0} disables the close-contact check;
     * {@code maxAtoms} caps the size.
     */
    public record Checks(double minDistance, int maxAtoms) {
        /** Default minimum interatomic distance, Å. */
        public static final double DEFAULT_MIN_DISTANCE = 0.1;
        /** Default cap on the number of atoms. */
        public static final int DEFAULT_MAX_ATOMS = 10_000_000;
        public static final Checks DEFAULT = new Checks(DEFAULT_MIN_DISTANCE, DEFAULT_MAX_ATOMS);

        public Checks {
            if (Double.isNaN(minDistance) || Double.isInfinite(minDistance)) {
                throw new IllegalArgumentException("minDistance must be finite, got " + minDistance);
            }
            if (maxAtoms < 1) {
                throw new IllegalArgumentException("maxAtoms must be >= 1, got " + maxAtoms);
            }
        }

        public Checks withMinDistance(double d) {
            return new Checks(d, maxAtoms);
        }

        public Checks withMaxAtoms(int n) {
            return new Checks(minDistance, n);
        }
    }

    private static final boolean[] NO_PBC = {false, false, false};

    private final int[] numbers;
    private final double[] positions;
    private final double[] cell;
    private final boolean[] pbc;

    /** An open-boundary molecule. */
    public Structure(int[] numbers, double[] positions) {
        this(numbers, positions, null, NO_PBC, Checks.DEFAULT);
    }

    /**
     * @param numbers   atomic numbers, length N
     * @param positions Cartesian positions, length 3N, row-major (x0, y0, z0, x1, ...)
     * @param cell      9 values row-major (rows are lattice vectors), or null for no cell
     * @param pbc       3 periodic flags (null means none)
     */
    public Structure(int[] numbers, double[] positions, double[] cell, boolean[] pbc) {
        this(numbers, positions, cell, pbc, Checks.DEFAULT);
    }

    public Structure(int[] numbers, double[] positions, double[] cell, boolean[] pbc, Checks checks) {
        if (checks == null) {
            checks = Checks.DEFAULT;
        }
        if (numbers == null || positions == null) {
            throw new StructureException("atomic numbers and positions are required");
        }
        int n = numbers.length;
        if (n == 0) {
            throw new StructureException("empty structure: no atoms");
        }
        if (n > checks.maxAtoms()) {
            throw new StructureException(n + " atoms is more than the limit of " + checks.maxAtoms());
        }
        if (positions.length != 3L * n) {
            throw new StructureException("positions has " + positions.length + " values, expected 3 x " + n
                    + " atoms = " + 3L * n);
        }
        if (pbc == null) {
            pbc = NO_PBC;
        }
        if (pbc.length != 3) {
            throw new StructureException("pbc must have 3 flags, got " + pbc.length);
        }
        if (cell != null && cell.length != 9) {
            throw new StructureException("cell must have 9 values (3x3, rows are lattice vectors), got "
                    + cell.length);
        }
        this.numbers = numbers.clone();
        this.positions = positions.clone();
        this.cell = cell == null ? new double[9] : cell.clone();
        this.pbc = pbc.clone();
        for (int i = 0; i < n; i++) {
            if (!Elements.isValid(this.numbers[i])) {
                throw new StructureException("atom " + i + " has unknown atomic number " + this.numbers[i]
                        + " (expected 1.." + Elements.MAX_Z + ")");
            }
        }
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < 3; c++) {
                double x = this.positions[3 * i + c];
                if (!Double.isFinite(x)) {
                    throw new StructureException("atom " + i + " (" + Elements.symbol(this.numbers[i])
                            + ") has a non-finite coordinate " + "xyz".charAt(c) + " = " + x);
                }
            }
        }
        validateCell(this.cell, this.pbc);
        if (checks.minDistance() > 0) {
            checkMinDistance(checks.minDistance());
        }
    }

    /** Validates a cell for the given periodic flags; used by the constructor and by NeighborList. */
    static void validateCell(double[] cell, boolean[] pbc) {
        for (int k = 0; k < 9; k++) {
            if (!Double.isFinite(cell[k])) {
                throw new StructureException("cell entry [" + k / 3 + "][" + k % 3 + "] is not finite: " + cell[k]);
            }
        }
        if (!Cell.anyPbc(pbc)) {
            return;
        }
        for (int c = 0; c < 3; c++) {
            if (pbc[c] && Cell.norm(cell, c) == 0) {
                throw new StructureException("direction " + "abc".charAt(c)
                        + " is periodic but its lattice vector is zero");
            }
        }
        boolean complete = Cell.norm(cell, 0) > 0 && Cell.norm(cell, 1) > 0 && Cell.norm(cell, 2) > 0;
        double[] m = cell;
        if (!complete) {
            m = Cell.of(cell, pbc).m; // completes zero vectors along non-periodic directions
        }
        double det = Cell.det(m);
        double scale = Cell.norm(m, 0) * Cell.norm(m, 1) * Cell.norm(m, 2);
        if (!Double.isFinite(det) || !Double.isFinite(scale)) {
            throw new StructureException("cell is too large: its volume is not a finite number for lattice "
                    + Arrays.toString(cell));
        }
        if (Math.abs(det) <= 1e-10 * scale) {
            throw new StructureException("cell is singular (zero volume): determinant " + det + " for lattice "
                    + Arrays.toString(cell));
        }
        if (det < 0) {
            throw new StructureException("cell is left-handed (determinant " + det
                    + " < 0): reorder or negate a lattice vector");
        }
    }

    private static String fmt(double d) {
        return String.format(java.util.Locale.ROOT, "%.6f", d);
    }

    private void checkMinDistance(double minDistance) {
        final int[] hit = new int[5];
        final double[] dist = new double[1];
        boolean clean = PairSearch.search(positions, numbers.length, cell, pbc, minDistance, (s, r, a, b, c, d) -> {
            hit[0] = s;
            hit[1] = r;
            hit[2] = a;
            hit[3] = b;
            hit[4] = c;
            dist[0] = d;
            return false;
        });
        if (!clean) {
            int i = Math.min(hit[0], hit[1]);
            int j = Math.max(hit[0], hit[1]);
            String what = hit[0] == hit[1]
                    ? "atom " + i + " (" + Elements.symbol(numbers[i]) + ") is " + fmt(dist[0])
                            + " Å from its own periodic image (shift " + hit[2] + " " + hit[3] + " " + hit[4] + ")"
                    : "atoms " + i + " (" + Elements.symbol(numbers[i]) + ") and " + j + " ("
                            + Elements.symbol(numbers[j]) + ") are " + fmt(dist[0]) + " Å apart"
                            + (hit[2] != 0 || hit[3] != 0 || hit[4] != 0
                                    ? " (periodic image " + hit[2] + " " + hit[3] + " " + hit[4] + ")" : "");
            throw new StructureException(what + ", closer than the minimum distance " + minDistance + " Å");
        }
    }

    /** Number of atoms. */
    public int size() {
        return numbers.length;
    }

    public int number(int i) {
        return numbers[i];
    }

    /** Copy of the atomic numbers. */
    public int[] numbers() {
        return numbers.clone();
    }

    /** Copy of the positions, 3N row-major. */
    public double[] positions() {
        return positions.clone();
    }

    public double position(int i, int c) {
        return positions[3 * i + c];
    }

    /** Copy of the cell, 9 values row-major (zeros when there is none). */
    public double[] cell() {
        return cell.clone();
    }

    public double cell(int row, int col) {
        return cell[3 * row + col];
    }

    /** True if any lattice vector is non-zero. */
    public boolean hasCell() {
        for (double x : cell) {
            if (x != 0) {
                return true;
            }
        }
        return false;
    }

    /** Copy of the periodic flags. */
    public boolean[] pbc() {
        return pbc.clone();
    }

    public boolean pbc(int c) {
        return pbc[c];
    }

    public boolean isPeriodic() {
        return Cell.anyPbc(pbc);
    }

    /** |det(cell)|, 0 without a full cell. */
    public double volume() {
        return Math.abs(Cell.det(cell));
    }

    /** Element symbols. */
    public String[] symbols() {
        String[] s = new String[numbers.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = Elements.symbol(numbers[i]);
        }
        return s;
    }

    /** Masses (u), as ASE. */
    public double[] masses() {
        return Elements.masses(numbers);
    }

    /** Same atoms and cell, new positions (validated with the given checks). */
    public Structure withPositions(double[] newPositions, Checks checks) {
        return new Structure(numbers, newPositions, cell, pbc, checks);
    }

    public Structure withPositions(double[] newPositions) {
        return withPositions(newPositions, Checks.DEFAULT);
    }

    /** Same atoms, new cell; positions kept as they are (not scaled). */
    public Structure withCell(double[] newCell, boolean[] newPbc) {
        return new Structure(numbers, positions, newCell, newPbc, Checks.DEFAULT);
    }

    /**
     * Positions wrapped into the cell along periodic directions (fractional coordinates in [0, 1)),
     * as ASE's {@code wrap()}; non-periodic directions untouched.
     */
    public Structure wrapped() {
        if (!isPeriodic()) {
            return this;
        }
        Cell g = Cell.of(cell, pbc);
        double[] p = positions.clone();
        for (int i = 0; i < numbers.length; i++) {
            double x = p[3 * i], y = p[3 * i + 1], z = p[3 * i + 2];
            for (int c = 0; c < 3; c++) {
                if (!pbc[c]) {
                    continue;
                }
                double f = x * g.inv[c] + y * g.inv[3 + c] + z * g.inv[6 + c];
                double k = Math.floor(f);
                if (k != 0) {
                    for (int d = 0; d < 3; d++) {
                        p[3 * i + d] -= k * cell[3 * c + d];
                    }
                }
            }
        }
        return new Structure(numbers, p, cell, pbc, new Checks(0, Math.max(1, numbers.length)));
    }

    /** Package-private direct access (no copy) for NeighborList and Graph. */
    double[] positionsRef() {
        return positions;
    }

    double[] cellRef() {
        return cell;
    }

    boolean[] pbcRef() {
        return pbc;
    }

    int[] numbersRef() {
        return numbers;
    }

    @Override
    public String toString() {
        return "Structure[" + numbers.length + " atoms, pbc=" + Arrays.toString(pbc) + ", cell="
                + Arrays.toString(cell) + "]";
    }
}
