package org.e3j.graph;

import java.util.Arrays;
import org.e3j.engine.Capacity;

/**
 * Full (both directions) neighbour list with periodic images and a Verlet skin.
 *
 * <p>Edges are (sender i, receiver j, integer shift S) with distance vector
 * {@code r = pos[j] - pos[i] + S @ cell} and {@code |r| < cutoff}; as a set this equals ASE's
 * {@code neighbor_list("ijS", atoms, cutoff)} (self pairs with S = 0 excluded, self images with
 * S != 0 included, S = 0 along non-periodic directions). Cells of any shape work, including cells
 * thinner than the cutoff (as many images as the perpendicular heights require), and positions
 * outside the cell. A skewed cell is searched through its reduced lattice basis (shifts are still
 * reported in the cell given); the total search work is bounded (a {@link StructureException} beyond). Edges are sorted by receiver, then sender, then shift, with CSR offsets
 * {@link #receiverOffsets()}: the order is deterministic.
 *
 * <p>Skin: a rebuild searches with {@code cutoff + skin} (an O(N) cell list) and keeps those
 * candidates; {@link #update(double[])} recomputes distances for the candidates and keeps those
 * within {@code cutoff}, rebuilding only when {@link #needsRebuild(double[])} says an atom moved
 * more than skin/2 since the last rebuild (or the cell or atom count changed). The non-rebuild path
 * does not allocate. Not thread-safe: one instance per thread.
 */
public final class NeighborList {
    private final double cutoff;
    private final double skin;
    /** False for a lean list that keeps no Cartesian vectors per edge (48 bytes each; see {@link #withoutVectors}). */
    private boolean keepVectors = true;
    /** False for a list of skin candidates only (see {@link #candidatesOnly}): no filtered edge arrays. */
    private boolean keepEdges = true;

    private int n = -1;
    private final double[] cell = new double[9];
    private final boolean[] pbc = new boolean[3];
    private double[] refPositions = new double[0];
    private double[] positions = new double[0];
    private final PairSearch.Edges candidates = new PairSearch.Edges();
    private int rebuilds;

    private int count;
    private int[] senders = new int[0];
    private int[] receivers = new int[0];
    private int[] shifts = new int[0];
    private double[] shiftVectors = new double[0];
    private double[] vectors = new double[0];
    private double[] distances = new double[0];
    private int[] offsets = new int[1];

    /**
     * @param cutoff interaction cutoff in Å (pairs with distance strictly below it are kept)
     * @param skin   Verlet skin in Å (0 rebuilds whenever any atom moves)
     */
    public NeighborList(double cutoff, double skin) {
        if (!(cutoff > 0) || !Double.isFinite(cutoff)) {
            throw new IllegalArgumentException("cutoff must be positive and finite, got " + cutoff);
        }
        if (!(skin >= 0) || !Double.isFinite(skin)) {
            throw new IllegalArgumentException("skin must be >= 0 and finite, got " + skin);
        }
        this.cutoff = cutoff;
        this.skin = skin;
    }

    /**
     * Keeps no distance vectors and Cartesian shifts per edge (48 bytes per edge of capacity, a third
     * of the list's memory): for consumers that use the integer shifts, the distances and the skin
     * candidates only (the fast force field). {@link #vector}, {@link #vectors()},
     * {@link #vectorsView()} and the shift-vector accessors then throw. Call before the first build.
     */
    public NeighborList withoutVectors() {
        if (n >= 0) {
            throw new IllegalStateException("withoutVectors() must be called before the first build");
        }
        keepVectors = false;
        return this;
    }

    /**
     * Keeps only the skin candidates: no per-step list of the pairs within the cutoff (senders,
     * receivers, shifts and distances: 28 bytes per pair of capacity) and no vectors; {@link #update}
     * only checks whether to rebuild. For a consumer that stages the candidates and drops the pairs
     * beyond the cutoff itself (the fast force field); the edge accessors then throw, and
     * {@link #closeCandidate} checks contacts. Call before the first build.
     */
    public NeighborList candidatesOnly() {
        withoutVectors();
        keepEdges = false;
        return this;
    }

    private int edgeCount() {
        requireEdges();
        return count;
    }

    private void requireEdges() {
        if (!keepEdges) {
            throw new IllegalStateException("this neighbour list keeps skin candidates only (candidatesOnly())");
        }
    }

    /**
     * The first skin candidate (in candidate order) closer than {@code minDistance} at the positions
     * of the last build or update, or -1: the close-contact check of a {@link #candidatesOnly} list
     * (every pair within the cutoff is a candidate). Allocation-free.
     */
    public int closeCandidate(double minDistance) {
        for (int k = 0, m = candidates.count; k < m; k++) {
            if (candidateDistance(k) < minDistance) {
                return k;
            }
        }
        return -1;
    }

    /** Distance (Å) of skin candidate k at the positions of the last build or update. */
    public double candidateDistance(int k) {
        final double[] c = cell;
        final double[] pos = positions;
        int r = candidates.receivers[k];
        int s = candidates.senders[k];
        int[] csh = candidates.shifts;
        int s0 = csh[3 * k], s1 = csh[3 * k + 1], s2 = csh[3 * k + 2];
        double x = (pos[3 * r] - pos[3 * s]) + (s0 * c[0] + s1 * c[3] + s2 * c[6]);
        double y = (pos[3 * r + 1] - pos[3 * s + 1]) + (s0 * c[1] + s1 * c[4] + s2 * c[7]);
        double z = (pos[3 * r + 2] - pos[3 * s + 2]) + (s0 * c[2] + s1 * c[5] + s2 * c[8]);
        return Math.sqrt(x * x + y * y + z * z);
    }

    private void requireVectors() {
        if (!keepVectors) {
            throw new IllegalStateException("this neighbour list keeps no vectors (withoutVectors())");
        }
    }

    /** A neighbour list of {@code s} at {@code cutoff}, without skin. */
    public static NeighborList of(Structure s, double cutoff) {
        NeighborList nl = new NeighborList(cutoff, 0.0);
        nl.build(s);
        return nl;
    }

    public double cutoff() {
        return cutoff;
    }

    public double skin() {
        return skin;
    }

    /** Full rebuild from a validated structure. */
    public void build(Structure s) {
        rebuild(s.positionsRef(), s.cellRef(), s.pbcRef());
    }

    /**
     * Full rebuild from raw arrays: positions 3N, cell 9 values row-major (null: no cell), pbc 3 flags.
     * The cell and the coordinates are validated (no close-contact check: use {@link Structure} for that).
     */
    public void build(double[] positions, double[] cell, boolean[] pbc) {
        double[] c = cell == null ? new double[9] : cell;
        if (c.length != 9) {
            throw new StructureException("cell must have 9 values, got " + c.length);
        }
        if (pbc == null || pbc.length != 3) {
            throw new StructureException("pbc must have 3 flags");
        }
        if (positions.length % 3 != 0) {
            throw new StructureException("positions length " + positions.length + " is not a multiple of 3");
        }
        Structure.validateCell(c, pbc);
        rebuild(positions, c, pbc);
    }

    private void rebuild(double[] pos, double[] newCell, boolean[] newPbc) {
        int natoms = pos.length / 3;
        checkFinite(pos, natoms);
        System.arraycopy(newCell, 0, cell, 0, 9);
        System.arraycopy(newPbc, 0, pbc, 0, 3);
        n = natoms;
        if (refPositions.length != pos.length) {
            refPositions = new double[pos.length];
            positions = new double[pos.length];
            offsets = new int[natoms + 1];
        }
        System.arraycopy(pos, 0, refPositions, 0, pos.length);
        PairSearch.collect(refPositions, n, cell, pbc, cutoff + skin, candidates);
        int cap = candidates.count;
        if (keepEdges && senders.length < cap) {
            int grown = Capacity.grow(cap, senders.length, Integer.MAX_VALUE / 3 - 8);
            senders = new int[grown];
            receivers = new int[grown];
            shifts = new int[3 * grown];
            if (keepVectors) {
                shiftVectors = new double[3 * grown];
                vectors = new double[3 * grown];
            }
            distances = new double[grown];
        }
        rebuilds++;
        filter(pos);
    }

    private void checkFinite(double[] pos, int natoms) {
        for (int i = 0; i < 3 * natoms; i++) {
            if (!Double.isFinite(pos[i])) {
                throw new StructureException("atom " + i / 3 + " has a non-finite coordinate "
                        + "xyz".charAt(i % 3) + " = " + pos[i]);
            }
        }
    }

    /** True if {@link #update(double[])} would rebuild: never built, atom count changed, or an atom moved > skin/2. */
    public boolean needsRebuild(double[] pos) {
        if (n < 0 || pos.length != refPositions.length) {
            return true;
        }
        double lim = 0.25 * skin * skin;
        double[] ref = refPositions;
        for (int i = 0; i < n; i++) {
            double dx = pos[3 * i] - ref[3 * i];
            double dy = pos[3 * i + 1] - ref[3 * i + 1];
            double dz = pos[3 * i + 2] - ref[3 * i + 2];
            double d2 = dx * dx + dy * dy + dz * dz;
            if (!(d2 <= lim)) { // NaN counts as moved
                return true;
            }
        }
        return false;
    }

    /** As {@link #needsRebuild(double[])}, and also true if the cell differs from the one of the last rebuild. */
    public boolean needsRebuild(double[] pos, double[] newCell) {
        return !sameCell(newCell) || needsRebuild(pos);
    }

    private boolean sameCell(double[] newCell) {
        if (newCell == null) {
            for (double x : cell) {
                if (x != 0) {
                    return false;
                }
            }
            return true;
        }
        return Arrays.equals(cell, newCell);
    }

    /**
     * New positions, same cell and pbc. Recomputes the edges within the cutoff from the skin
     * candidates, or rebuilds when needed. Returns true if it rebuilt.
     */
    public boolean update(double[] pos) {
        if (n < 0) {
            throw new IllegalStateException("neighbour list was never built: call build first");
        }
        if (needsRebuild(pos)) {
            rebuild(pos, cell, pbc);
            return true;
        }
        filter(pos);
        return false;
    }

    /** New positions and cell (same pbc); a changed cell forces a rebuild. Returns true if it rebuilt. */
    public boolean update(double[] pos, double[] newCell) {
        if (n < 0) {
            throw new IllegalStateException("neighbour list was never built: call build first");
        }
        if (!sameCell(newCell)) {
            double[] c = newCell == null ? new double[9] : newCell.clone();
            Structure.validateCell(c, pbc);
            rebuild(pos, c, pbc);
            return true;
        }
        return update(pos);
    }

    private void filter(double[] pos) {
        checkFinite(pos, n);
        System.arraycopy(pos, 0, positions, 0, pos.length);
        if (!keepEdges) {
            count = -1;
            return;
        }
        final double[] c = cell;
        final int[] cs = candidates.senders;
        final int[] cr = candidates.receivers;
        final int[] csh = candidates.shifts;
        final boolean keep = keepVectors;
        int e = 0;
        int receiver = 0;
        offsets[0] = 0;
        for (int k = 0, m = candidates.count; k < m; k++) {
            int r = cr[k];
            while (receiver < r) {
                offsets[++receiver] = e;
            }
            int s = cs[k];
            int s0 = csh[3 * k], s1 = csh[3 * k + 1], s2 = csh[3 * k + 2];
            double ox = s0 * c[0] + s1 * c[3] + s2 * c[6];
            double oy = s0 * c[1] + s1 * c[4] + s2 * c[7];
            double oz = s0 * c[2] + s1 * c[5] + s2 * c[8];
            double x = (pos[3 * r] - pos[3 * s]) + ox;
            double y = (pos[3 * r + 1] - pos[3 * s + 1]) + oy;
            double z = (pos[3 * r + 2] - pos[3 * s + 2]) + oz;
            double d = Math.sqrt(x * x + y * y + z * z);
            if (d < cutoff) {
                senders[e] = s;
                receivers[e] = r;
                shifts[3 * e] = s0;
                shifts[3 * e + 1] = s1;
                shifts[3 * e + 2] = s2;
                if (keep) {
                    shiftVectors[3 * e] = ox;
                    shiftVectors[3 * e + 1] = oy;
                    shiftVectors[3 * e + 2] = oz;
                    vectors[3 * e] = x;
                    vectors[3 * e + 1] = y;
                    vectors[3 * e + 2] = z;
                }
                distances[e] = d;
                e++;
            }
        }
        while (receiver < n) {
            offsets[++receiver] = e;
        }
        count = e;
    }

    /** Number of atoms of the last build. */
    public int numAtoms() {
        return Math.max(n, 0);
    }

    /** Number of edges within the cutoff. */
    public int numEdges() {
        requireEdges();
        return count;
    }

    /** Number of skin candidates kept by the last rebuild (pairs within cutoff + skin). */
    public int numCandidates() {
        return candidates.count;
    }

    /**
     * The skin candidates of the last rebuild (pairs within cutoff + skin, sorted by receiver like the
     * edges): a fixed superset of the pairs within the cutoff until the next rebuild. A model whose
     * interactions vanish smoothly at the cutoff can be staged with them once per rebuild instead of
     * once per step. Views, valid until the next rebuild; entries past {@link #numCandidates()} are junk.
     */
    public int[] candidateSendersView() {
        return candidates.senders;
    }

    /** See {@link #candidateSendersView()}. */
    public int[] candidateReceiversView() {
        return candidates.receivers;
    }

    /** Integer cell shifts of the candidates, [numCandidates][3]; see {@link #candidateSendersView()}. */
    public int[] candidateShiftsView() {
        return candidates.shifts;
    }

    /** How many times the cell-list search ran. */
    public int rebuildCount() {
        return rebuilds;
    }

    public int sender(int e) {
        return senders[check(e)];
    }

    public int receiver(int e) {
        return receivers[check(e)];
    }

    /** Integer shift component c of edge e. */
    public int shift(int e, int c) {
        return shifts[3 * check(e) + c];
    }

    /** Distance vector component c of edge e: pos[receiver] - pos[sender] + S @ cell. */
    public double vector(int e, int c) {
        requireVectors();
        return vectors[3 * check(e) + c];
    }

    public double distance(int e) {
        return distances[check(e)];
    }

    private int check(int e) {
        requireEdges();
        if (e < 0 || e >= count) {
            throw new IndexOutOfBoundsException("edge " + e + " of " + count);
        }
        return e;
    }

    /** Copies (length E). */
    public int[] senders() {
        return Arrays.copyOf(senders, edgeCount());
    }

    public int[] receivers() {
        return Arrays.copyOf(receivers, edgeCount());
    }

    /** Integer shifts, 3E. */
    public int[] shifts() {
        return Arrays.copyOf(shifts, 3 * edgeCount());
    }

    /** Cartesian shifts S @ cell, 3E. */
    public double[] shiftVectors() {
        requireVectors();
        return Arrays.copyOf(shiftVectors, 3 * edgeCount());
    }

    /** Distance vectors, 3E. */
    public double[] vectors() {
        requireVectors();
        return Arrays.copyOf(vectors, 3 * edgeCount());
    }

    public double[] distances() {
        return Arrays.copyOf(distances, edgeCount());
    }

    /** CSR offsets by receiver, length N+1: edges of receiver j are [off[j], off[j+1]). */
    public int[] receiverOffsets() {
        requireEdges();
        return Arrays.copyOf(offsets, numAtoms() + 1);
    }

    /**
     * Zero-copy views of the internal arrays, valid until the next update and only for the first
     * {@link #numEdges()} entries (3x for vectors). Do not modify.
     */
    public int[] sendersView() {
        return senders;
    }

    public int[] receiversView() {
        return receivers;
    }

    public int[] shiftsView() {
        return shifts;
    }

    public double[] shiftVectorsView() {
        requireVectors();
        return shiftVectors;
    }

    public double[] vectorsView() {
        requireVectors();
        return vectors;
    }

    public double[] distancesView() {
        return distances;
    }

    public int[] receiverOffsetsView() {
        return offsets;
    }

    /** Positions of the last update (copy). */
    public double[] positions() {
        return positions.clone();
    }

    /** The cell of the last rebuild (copy, 9 values). */
    public double[] cell() {
        return cell.clone();
    }

    public boolean[] pbc() {
        return pbc.clone();
    }
}
