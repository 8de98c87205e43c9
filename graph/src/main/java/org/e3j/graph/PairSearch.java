package org.e3j.graph;

import java.util.Arrays;
import org.e3j.engine.Capacity;

/**
 * The O(N) cell-list search behind {@link NeighborList} and the minimum-distance check of
 * {@link Structure}. Package-private; single-threaded and deterministic.
 *
 * <p>Finds every (sender i, receiver j, integer shift S) with
 * {@code |pos[j] - pos[i] + S @ cell| < cutoff}, S = 0 along non-periodic directions, excluding
 * i == j with S == 0: exactly the set ASE's {@code neighbor_list("ijS")} returns. Edges come out
 * grouped by receiver (ascending) and, within a receiver, sorted by sender then shift.
 *
 * <p>The periodic lattice is reduced first ({@link Cell#setReduced}): the search bins and walks
 * images in the reduced basis, and every shift is mapped back exactly (integer change of basis) to
 * the caller's cell, so callers use S with the cell they passed (forces and stress stay right).
 * The total work is bounded ({@link #MAX_WORK}).
 */
final class PairSearch {
    private PairSearch() {}

    /**
     * Bound on the work of one search, in total (not per atom): bins visited plus candidate pairs
     * whose distance is computed, estimated before the search from the atom count, the stencil of
     * bins per atom and the mean bin occupancy. Beyond it the search is refused with a
     * {@link StructureException}, so no input can make it run for minutes. 4e9 is about 5-20 s of
     * one core; a 10^6-atom copper crystal at a 6 Å cutoff needs ~6e8. Tests lower it with
     * {@code -De3j.neighbors.maxWork}.
     */
    static final long MAX_WORK = Long.getLong("e3j.neighbors.maxWork", 4_000_000_000L);

    /**
     * Working arrays of one search, kept between searches so that a neighbour-list rebuild in an MD
     * loop allocates nothing once they have grown to the system (geometrically, never shrinking).
     */
    static final class Scratch {
        final Cell geometry = new Cell();
        final double[] zeroCell = new double[9];
        final double[] lo = new double[3];
        final double[] hi = new double[3];
        final double[] origin = new double[3];
        final double[] extent = new double[3];
        final double[] length = new double[3];
        final double[] width = new double[3];
        final int[] nb = new int[3];
        final int[] reach = new int[3];
        double[] frac = new double[0];
        double[] wrapped = new double[0];
        int[] wrap = new int[0];
        int[] binOf = new int[0];
        int[] binXyz = new int[0];
        int[] atoms = new int[0];
        int[] start = new int[0];
        int[] fill = new int[0];
        long[] keys = new long[64];

        static double[] atLeast(double[] a, int n) {
            return a.length >= n ? a : new double[Math.max(n, a.length + a.length / 2)];
        }

        static int[] atLeast(int[] a, int n) {
            return a.length >= n ? a : new int[Math.max(n, a.length + a.length / 2)];
        }
    }

    /** Growable edge storage (capacity grows geometrically), with the scratch of the search that fills it. */
    static final class Edges implements Visitor {
        final Scratch scratch = new Scratch();
        int count;
        int[] senders = new int[16];
        int[] receivers = new int[16];
        int[] shifts = new int[48];

        void clear() {
            count = 0;
        }

        @Override
        public boolean edge(int sender, int receiver, int s0, int s1, int s2, double distance) {
            add(sender, receiver, s0, s1, s2);
            return true;
        }

        void add(int s, int r, int s0, int s1, int s2) {
            if (count == senders.length) {
                if (3L * (count + 1) > Integer.MAX_VALUE - 8L) {
                    throw new StructureException("neighbour list too large: more than " + count + " pairs");
                }
                // the engine's growth policy (1.5x), not doubling: this list lives as long as the force field
                int cap = Math.max(16, Capacity.grow(count + 1, senders.length, (Integer.MAX_VALUE - 8) / 3));
                senders = Arrays.copyOf(senders, cap);
                receivers = Arrays.copyOf(receivers, cap);
                shifts = Arrays.copyOf(shifts, 3 * cap);
            }
            senders[count] = s;
            receivers[count] = r;
            shifts[3 * count] = s0;
            shifts[3 * count + 1] = s1;
            shifts[3 * count + 2] = s2;
            count++;
        }
    }

    /** Visitor for {@link #search}; returning false stops the search early. */
    interface Visitor {
        boolean edge(int sender, int receiver, int s0, int s1, int s2, double distance);
    }

    /**
     * Collects all pairs within {@code cutoff} into {@code out} (cleared first), sorted by receiver,
     * sender, shift.
     */
    static void collect(double[] pos, int n, double[] cell, boolean[] pbc, double cutoff, Edges out) {
        out.clear();
        search(pos, n, cell, pbc, cutoff, out, out.scratch);
        sortSegments(out);
    }

    /**
     * Enumerates pairs within cutoff, receiver by receiver (ascending); order within a receiver is
     * the bin order (callers sort). Returns false if the visitor stopped the search.
     */
    static boolean search(double[] pos, int n, double[] cell, boolean[] pbc, double cutoff, Visitor v) {
        return search(pos, n, cell, pbc, cutoff, v, new Scratch());
    }

    /** As {@link #search(double[], int, double[], boolean[], double, Visitor)}, with reused working arrays. */
    static boolean search(double[] pos, int n, double[] cell, boolean[] pbc, double cutoff, Visitor v, Scratch w) {
        if (n == 0) {
            return true;
        }
        if (!(cutoff > 0) || !Double.isFinite(cutoff)) {
            throw new StructureException("cutoff must be positive and finite, got " + cutoff);
        }
        Cell g = w.geometry;
        g.setReduced(cell, pbc); // a skewed cell is searched through its reduced basis (same lattice)
        final long[] u = g.unimodular;
        final boolean changedBasis = g.basisChanged();
        final double[] m = g.m;
        final double[] inv = g.inv;
        final boolean periodic = Cell.anyPbc(pbc);
        // the original cell for exact distances (S is 0 along directions where it may be incomplete)
        final double[] c0 = periodic ? cell : w.zeroCell;

        // fractional coordinates, wrapped along periodic directions; n_ic = floor(f)
        double[] f = w.frac = Scratch.atLeast(w.frac, 3 * n);
        int[] wrap = w.wrap = Scratch.atLeast(w.wrap, 3 * n);
        double[] lo = w.lo;
        double[] hi = w.hi;
        Arrays.fill(lo, Double.POSITIVE_INFINITY);
        Arrays.fill(hi, Double.NEGATIVE_INFINITY);
        for (int i = 0; i < n; i++) {
            double x = pos[3 * i], y = pos[3 * i + 1], z = pos[3 * i + 2];
            for (int c = 0; c < 3; c++) {
                double fc = x * inv[c] + y * inv[3 + c] + z * inv[6 + c];
                if (pbc[c]) {
                    double fl = Math.floor(fc);
                    if (Math.abs(fl) > 1e9) {
                        throw new StructureException("atom " + i + " is " + fl + " cells away from the cell along "
                                + "abc".charAt(c) + ": wrap the positions");
                    }
                    wrap[3 * i + c] = (int) fl;
                    fc -= fl;
                } else {
                    wrap[3 * i + c] = 0;
                }
                f[3 * i + c] = fc;
                lo[c] = Math.min(lo[c], fc);
                hi[c] = Math.max(hi[c], fc);
            }
        }
        // wrapped Cartesian positions p' = p - wrap @ m
        double[] pw = w.wrapped = Scratch.atLeast(w.wrapped, 3 * n);
        for (int i = 0; i < n; i++) {
            int w0 = wrap[3 * i], w1 = wrap[3 * i + 1], w2 = wrap[3 * i + 2];
            for (int k = 0; k < 3; k++) {
                pw[3 * i + k] = pos[3 * i + k] - (w0 * m[k] + w1 * m[3 + k] + w2 * m[6 + k]);
            }
        }

        // bins: extent (fractional) and physical length per direction
        double[] origin = w.origin;
        double[] extent = w.extent;
        double[] length = w.length;
        for (int c = 0; c < 3; c++) {
            if (pbc[c]) {
                origin[c] = 0;
                extent[c] = 1;
            } else {
                origin[c] = lo[c];
                extent[c] = hi[c] - lo[c];
            }
            length[c] = extent[c] * g.height[c];
        }
        long maxBins = Math.max(64L, 2L * n);
        double binSize = cutoff;
        int[] nb = w.nb;
        while (true) {
            double total = 1;
            for (int c = 0; c < 3; c++) {
                double k = Math.floor(length[c] / binSize);
                nb[c] = (int) Math.max(1, Math.min(k, 1 << 20));
                total *= nb[c];
            }
            if (total <= maxBins) {
                break;
            }
            binSize *= Math.max(1.01, Math.cbrt(total / maxBins));
        }
        double[] width = w.width;
        int[] reach = w.reach;
        long stencil = 1;
        for (int c = 0; c < 3; c++) {
            width[c] = extent[c] > 0 ? extent[c] / nb[c] : 1.0;
            double r = Math.ceil(cutoff / (g.height[c] * width[c]));
            if (!pbc[c]) {
                r = Math.min(r, nb[c] - 1);
            }
            if (r > 1e7) {
                throw new StructureException("cell is too thin along " + "abc".charAt(c) + " (height "
                        + g.height[c] + " Å) for cutoff " + cutoff + " Å");
            }
            reach[c] = (int) r;
            stencil *= 2L * reach[c] + 1;
        }
        double binCount = (double) nb[0] * nb[1] * nb[2];
        double work = (double) n * stencil * (1.0 + n / binCount);
        if (work > MAX_WORK) {
            throw new StructureException(String.format(java.util.Locale.ROOT, "neighbour search refused: about %.3g"
                    + " bin visits and pair checks for %d atoms at cutoff %s Å (bound %.3g; %d bins searched per"
                    + " atom, reduced-cell heights %.4g, %.4g, %.4g Å): the cell is too small for the cutoff",
                    work, n, cutoff, (double) MAX_WORK, stencil, g.height[0], g.height[1], g.height[2]));
        }

        // counting sort of atoms into bins
        int nbx = nb[0], nby = nb[1], nbz = nb[2];
        int nbins = nbx * nby * nbz;
        int[] binOf = w.binOf = Scratch.atLeast(w.binOf, n);
        int[] bxyz = w.binXyz = Scratch.atLeast(w.binXyz, 3 * n);
        int[] start = w.start = Scratch.atLeast(w.start, nbins + 1);
        Arrays.fill(start, 0, nbins + 1, 0);
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < 3; c++) {
                int b = (int) Math.floor((f[3 * i + c] - origin[c]) / width[c]);
                bxyz[3 * i + c] = Math.max(0, Math.min(nb[c] - 1, b));
            }
            int b = bxyz[3 * i] + nbx * (bxyz[3 * i + 1] + nby * bxyz[3 * i + 2]);
            binOf[i] = b;
            start[b + 1]++;
        }
        for (int b = 0; b < nbins; b++) {
            start[b + 1] += start[b];
        }
        int[] fill = w.fill = Scratch.atLeast(w.fill, nbins);
        System.arraycopy(start, 0, fill, 0, nbins);
        int[] atoms = w.atoms = Scratch.atLeast(w.atoms, n);
        for (int i = 0; i < n; i++) {
            atoms[fill[binOf[i]]++] = i;
        }

        final double cut2 = cutoff * cutoff * (1 + 1e-9) + 1e-300;
        for (int a = 0; a < n; a++) { // receiver
            int ax = bxyz[3 * a], ay = bxyz[3 * a + 1], az = bxyz[3 * a + 2];
            double pax = pw[3 * a], pay = pw[3 * a + 1], paz = pw[3 * a + 2];
            for (int dz = -reach[2]; dz <= reach[2]; dz++) {
                int vz = az + dz;
                int tz = 0;
                if (pbc[2]) {
                    tz = Math.floorDiv(vz, nbz);
                    vz -= tz * nbz;
                } else if (vz < 0 || vz >= nbz) {
                    continue;
                }
                for (int dy = -reach[1]; dy <= reach[1]; dy++) {
                    int vy = ay + dy;
                    int ty = 0;
                    if (pbc[1]) {
                        ty = Math.floorDiv(vy, nby);
                        vy -= ty * nby;
                    } else if (vy < 0 || vy >= nby) {
                        continue;
                    }
                    for (int dx = -reach[0]; dx <= reach[0]; dx++) {
                        int vx = ax + dx;
                        int tx = 0;
                        if (pbc[0]) {
                            tx = Math.floorDiv(vx, nbx);
                            vx -= tx * nbx;
                        } else if (vx < 0 || vx >= nbx) {
                            continue;
                        }
                        int b = vx + nbx * (vy + nby * vz);
                        // sender image sits at p'_s + t @ m; S' = -t
                        double ox = tx * m[0] + ty * m[3] + tz * m[6];
                        double oy = tx * m[1] + ty * m[4] + tz * m[7];
                        double oz = tx * m[2] + ty * m[5] + tz * m[8];
                        for (int k = start[b], end = start[b + 1]; k < end; k++) {
                            int s = atoms[k];
                            double rx = pax - pw[3 * s] - ox;
                            double ry = pay - pw[3 * s + 1] - oy;
                            double rz = paz - pw[3 * s + 2] - oz;
                            double d2 = rx * rx + ry * ry + rz * rz;
                            if (d2 >= cut2) {
                                continue;
                            }
                            // S = S' + wrap_sender - wrap_receiver (in the searched basis)
                            int s0 = -tx + wrap[3 * s] - wrap[3 * a];
                            int s1 = -ty + wrap[3 * s + 1] - wrap[3 * a + 1];
                            int s2 = -tz + wrap[3 * s + 2] - wrap[3 * a + 2];
                            if (changedBasis) { // S @ unimodular: the same translation in the caller's cell
                                long o0 = s0 * u[0] + s1 * u[3] + s2 * u[6];
                                long o1 = s0 * u[1] + s1 * u[4] + s2 * u[7];
                                long o2 = s0 * u[2] + s1 * u[5] + s2 * u[8];
                                s0 = toInt(o0);
                                s1 = toInt(o1);
                                s2 = toInt(o2);
                            }
                            if (s == a && s0 == 0 && s1 == 0 && s2 == 0) {
                                continue;
                            }
                            double d = distance(pos, c0, s, a, s0, s1, s2);
                            if (d < cutoff && !v.edge(s, a, s0, s1, s2, d)) {
                                return false;
                            }
                        }
                    }
                }
            }
        }
        return true;
    }

    private static int toInt(long shift) {
        if (shift != (int) shift) {
            throw new StructureException("periodic image shift " + shift + " does not fit an int: the cell is too skewed");
        }
        return (int) shift;
    }

    /** |pos[j] - pos[i] + S @ cell|, evaluated in ASE's order. */
    static double distance(double[] pos, double[] cell, int i, int j, int s0, int s1, int s2) {
        double x = (pos[3 * j] - pos[3 * i]) + (s0 * cell[0] + s1 * cell[3] + s2 * cell[6]);
        double y = (pos[3 * j + 1] - pos[3 * i + 1]) + (s0 * cell[1] + s1 * cell[4] + s2 * cell[7]);
        double z = (pos[3 * j + 2] - pos[3 * i + 2]) + (s0 * cell[2] + s1 * cell[5] + s2 * cell[8]);
        return Math.sqrt(x * x + y * y + z * z);
    }

    /** Sorts each receiver's run by (sender, s0, s1, s2); edges are already grouped by receiver. */
    static void sortSegments(Edges e) {
        boolean packable = true;
        for (int k = 0, m = 3 * e.count; k < m; k++) {
            int v = e.shifts[k];
            if (v < -512 || v > 511) {
                packable = false;
                break;
            }
        }
        long[] keys = e.scratch.keys;
        int from = 0;
        while (from < e.count) {
            int to = from + 1;
            while (to < e.count && e.receivers[to] == e.receivers[from]) {
                to++;
            }
            if (to - from <= 16) {
                insertionSort(e, from, to);
            } else if (packable) {
                if (keys.length < to - from) {
                    keys = e.scratch.keys = new long[Math.max(to - from, 2 * keys.length)];
                }
                packedSort(e, from, to, keys);
            } else {
                mergeSort(e, from, to);
            }
            from = to;
        }
    }

    /** (sender, s0, s1, s2) packed into one long whose order is the lexicographic order; keys are unique. */
    private static void packedSort(Edges e, int from, int to, long[] keys) {
        int len = to - from;
        int[] snd = e.senders;
        int[] sh = e.shifts;
        for (int k = 0; k < len; k++) {
            int p = from + k;
            keys[k] = ((long) snd[p] << 30) | ((long) (sh[3 * p] + 512) << 20) | ((long) (sh[3 * p + 1] + 512) << 10)
                    | (sh[3 * p + 2] + 512);
        }
        sortKeys(keys, len);
        for (int k = 0; k < len; k++) {
            int p = from + k;
            long key = keys[k];
            snd[p] = (int) (key >>> 30);
            sh[3 * p] = (int) ((key >>> 20) & 1023) - 512;
            sh[3 * p + 1] = (int) ((key >>> 10) & 1023) - 512;
            sh[3 * p + 2] = (int) (key & 1023) - 512;
        }
    }

    /**
     * Ascending in-place sort of {@code a[0, n)} that allocates nothing: insertion sort for short
     * runs, heapsort otherwise. (JDK 25's {@code Arrays.sort(long[], ...)} allocates a small int[]
     * per partition step: ~1 KB per neighbour-list rebuild of 32 Cu atoms, measured with JFR.)
     */
    static void sortKeys(long[] a, int n) {
        if (n <= 32) {
            for (int i = 1; i < n; i++) {
                long v = a[i];
                int j = i - 1;
                while (j >= 0 && a[j] > v) {
                    a[j + 1] = a[j];
                    j--;
                }
                a[j + 1] = v;
            }
            return;
        }
        for (int i = n / 2 - 1; i >= 0; i--) {
            siftDown(a, i, n);
        }
        for (int end = n - 1; end > 0; end--) {
            long top = a[0];
            a[0] = a[end];
            a[end] = top;
            siftDown(a, 0, end);
        }
    }

    private static void siftDown(long[] a, int i, int n) {
        long v = a[i];
        while (true) {
            int c = 2 * i + 1;
            if (c >= n) {
                break;
            }
            if (c + 1 < n && a[c + 1] > a[c]) {
                c++;
            }
            if (a[c] <= v) {
                break;
            }
            a[i] = a[c];
            i = c;
        }
        a[i] = v;
    }

    private static void mergeSort(Edges e, int from, int to) {
        int len = to - from;
        int[] perm = new int[len];
        for (int k = 0; k < len; k++) {
            perm[k] = from + k;
        }
        int[] snd = e.senders;
        int[] sh = e.shifts;
        IndexSort.mergeSort(perm, (p, q) -> compare(snd[p], sh[3 * p], sh[3 * p + 1],
                sh[3 * p + 2], snd[q], sh[3 * q], sh[3 * q + 1], sh[3 * q + 2]));
        int[] s2 = new int[len];
        int[] h2 = new int[3 * len];
        for (int k = 0; k < len; k++) {
            int p = perm[k];
            s2[k] = snd[p];
            h2[3 * k] = sh[3 * p];
            h2[3 * k + 1] = sh[3 * p + 1];
            h2[3 * k + 2] = sh[3 * p + 2];
        }
        System.arraycopy(s2, 0, snd, from, len);
        System.arraycopy(h2, 0, sh, 3 * from, 3 * len);
    }

    private static void insertionSort(Edges e, int from, int to) {
        int[] snd = e.senders;
        int[] sh = e.shifts;
        for (int i = from + 1; i < to; i++) {
            int s = snd[i], a = sh[3 * i], b = sh[3 * i + 1], c = sh[3 * i + 2];
            int j = i - 1;
            while (j >= from && compare(snd[j], sh[3 * j], sh[3 * j + 1], sh[3 * j + 2], s, a, b, c) > 0) {
                snd[j + 1] = snd[j];
                sh[3 * j + 3] = sh[3 * j];
                sh[3 * j + 4] = sh[3 * j + 1];
                sh[3 * j + 5] = sh[3 * j + 2];
                j--;
            }
            snd[j + 1] = s;
            sh[3 * j + 3] = a;
            sh[3 * j + 4] = b;
            sh[3 * j + 5] = c;
        }
    }

    static int compare(int s, int a, int b, int c, int t, int x, int y, int z) {
        int r = Integer.compare(s, t);
        if (r != 0) {
            return r;
        }
        r = Integer.compare(a, x);
        if (r != 0) {
            return r;
        }
        r = Integer.compare(b, y);
        return r != 0 ? r : Integer.compare(c, z);
    }
}
