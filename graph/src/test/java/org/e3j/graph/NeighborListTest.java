package org.e3j.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class NeighborListTest {

    /** Random right-handed triclinic cell (lower triangular, positive diagonal), possibly thin. */
    static double[] randomCell(Random r, double lo, double hi) {
        double[] c = new double[9];
        c[0] = lo + (hi - lo) * r.nextDouble();
        c[4] = lo + (hi - lo) * r.nextDouble();
        c[8] = lo + (hi - lo) * r.nextDouble();
        c[3] = (r.nextDouble() - 0.5) * 2 * c[0];
        c[6] = (r.nextDouble() - 0.5) * 2 * c[0];
        c[7] = (r.nextDouble() - 0.5) * 2 * c[4];
        if (r.nextBoolean()) { // a general rotation-free but non-triangular skew
            c[1] = (r.nextDouble() - 0.5) * 0.5 * c[4];
        }
        return c;
    }

    /** Atoms on a jittered grid in fractional coordinates (min separation guaranteed), optionally unwrapped. */
    static double[] gridAtoms(Random r, double[] cell, int[] g, double jitter, int unwrap) {
        int n = g[0] * g[1] * g[2];
        double[] p = new double[3 * n];
        int a = 0;
        for (int i = 0; i < g[0]; i++) {
            for (int j = 0; j < g[1]; j++) {
                for (int k = 0; k < g[2]; k++) {
                    double[] f = {(i + 0.5 + jitter * (r.nextDouble() - 0.5)) / g[0],
                        (j + 0.5 + jitter * (r.nextDouble() - 0.5)) / g[1],
                        (k + 0.5 + jitter * (r.nextDouble() - 0.5)) / g[2]};
                    for (int c = 0; c < 3; c++) {
                        if (unwrap > 0) {
                            f[c] += r.nextInt(2 * unwrap + 1) - unwrap;
                        }
                    }
                    for (int c = 0; c < 3; c++) {
                        p[3 * a + c] = f[0] * cell[c] + f[1] * cell[3 + c] + f[2] * cell[6 + c];
                    }
                    a++;
                }
            }
        }
        return p;
    }

    /** O(N^2 x images) reference, independent of the cell list. */
    static TreeSet<String> bruteForce(double[] pos, double[] cell, boolean[] pbc, double cutoff) {
        int n = pos.length / 3;
        TreeSet<String> set = new TreeSet<>();
        boolean periodic = pbc[0] || pbc[1] || pbc[2];
        double[] inv = periodic ? Cell.of(cell, pbc).inv : null;
        double[] h = periodic ? Cell.of(cell, pbc).height : null;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                int[] lo = new int[3], hi = new int[3];
                for (int c = 0; c < 3; c++) {
                    if (!pbc[c]) {
                        continue;
                    }
                    double df = 0;
                    for (int k = 0; k < 3; k++) {
                        df += (pos[3 * j + k] - pos[3 * i + k]) * inv[3 * k + c];
                    }
                    lo[c] = (int) Math.floor(-df - cutoff / h[c]) - 1;
                    hi[c] = (int) Math.ceil(-df + cutoff / h[c]) + 1;
                }
                for (int a = lo[0]; a <= hi[0]; a++) {
                    for (int b = lo[1]; b <= hi[1]; b++) {
                        for (int c = lo[2]; c <= hi[2]; c++) {
                            if (i == j && a == 0 && b == 0 && c == 0) {
                                continue;
                            }
                            if (PairSearch.distance(pos, periodic ? cell : new double[9], i, j, a, b, c) < cutoff) {
                                set.add(NeighborListAseParityTest.key(i, j, a, b, c));
                            }
                        }
                    }
                }
            }
        }
        return set;
    }

    @Test
    void matchesBruteForceOnRandomCells() {
        Random r = new Random(12345);
        boolean[][] pbcs = {{true, true, true}, {true, true, false}, {false, true, false}, {false, false, false},
            {true, false, true}};
        for (int trial = 0; trial < 60; trial++) {
            boolean thin = trial % 5 == 0;
            double[] cell = thin ? randomCell(r, 1.2, 3.0) : randomCell(r, 3.0, 9.0);
            int[] g = {1 + r.nextInt(thin ? 2 : 4), 1 + r.nextInt(thin ? 2 : 4), 1 + r.nextInt(thin ? 2 : 4)};
            double[] pos = gridAtoms(r, cell, g, 0.6, trial % 3 == 0 ? 2 : 0);
            boolean[] pbc = pbcs[trial % pbcs.length];
            double cutoff = 1.5 + 4.5 * r.nextDouble();
            int[] z = new int[pos.length / 3];
            java.util.Arrays.fill(z, 6);
            Structure s = new Structure(z, pos, cell, pbc, Structure.Checks.DEFAULT.withMinDistance(0));
            NeighborList nl = NeighborList.of(s, cutoff);
            NeighborListAseParityTest.assertSameSet("trial " + trial, bruteForce(pos, cell, pbc, cutoff),
                    NeighborListAseParityTest.javaSet(nl));
            NeighborListAseParityTest.assertSortedWithOffsets(nl);
        }
    }

    @Test
    void largeBoxUsesManyBinsAndMatchesBruteForce() {
        Random r = new Random(7);
        double[] cell = {14, 0, 0, 1.5, 13, 0, -2, 1, 15};
        double[] pos = gridAtoms(r, cell, new int[] {9, 9, 10}, 0.5, 0);
        int[] z = new int[pos.length / 3];
        java.util.Arrays.fill(z, 29);
        Structure s = new Structure(z, pos, cell, new boolean[] {true, true, true});
        NeighborList nl = NeighborList.of(s, 3.1);
        NeighborListAseParityTest.assertSameSet("large", bruteForce(pos, cell, s.pbc(), 3.1),
                NeighborListAseParityTest.javaSet(nl));
        // open boundaries, same atoms
        Structure open = new Structure(z, pos);
        NeighborList nlo = NeighborList.of(open, 3.1);
        NeighborListAseParityTest.assertSameSet("large open", bruteForce(pos, null, new boolean[3], 3.1),
                NeighborListAseParityTest.javaSet(nlo));
    }

    @Test
    void wrappingAtomsGivesSamePairsWithAdjustedShifts() {
        Random r = new Random(99);
        for (int trial = 0; trial < 10; trial++) {
            double[] cell = randomCell(r, 2.5, 7.0);
            boolean[] pbc = trial % 2 == 0 ? new boolean[] {true, true, true} : new boolean[] {true, false, true};
            double[] pos = gridAtoms(r, cell, new int[] {2, 2, 2}, 0.5, 0);
            // unwrap along periodic directions only
            double[] un = pos.clone();
            for (int a = 0; a < un.length / 3; a++) {
                for (int c = 0; c < 3; c++) {
                    if (pbc[c]) {
                        int k = r.nextInt(7) - 3;
                        for (int d = 0; d < 3; d++) {
                            un[3 * a + d] += k * cell[3 * c + d];
                        }
                    }
                }
            }
            int[] z = new int[un.length / 3];
            java.util.Arrays.fill(z, 14);
            Structure su = new Structure(z, un, cell, pbc);
            Structure sw = su.wrapped();
            double cutoff = 4.0 + r.nextDouble() * 2;
            NeighborList a = NeighborList.of(su, cutoff);
            NeighborList b = NeighborList.of(sw, cutoff);
            assertEquals(a.numEdges(), b.numEdges());
            // key (i, j, rounded vector) -> must match
            Map<String, Integer> byVec = new HashMap<>();
            for (int e = 0; e < b.numEdges(); e++) {
                byVec.merge(b.sender(e) + " " + b.receiver(e) + " " + Math.round(b.vector(e, 0) * 1e6) + " "
                        + Math.round(b.vector(e, 1) * 1e6) + " " + Math.round(b.vector(e, 2) * 1e6), 1, Integer::sum);
            }
            for (int e = 0; e < a.numEdges(); e++) {
                String k = a.sender(e) + " " + a.receiver(e) + " " + Math.round(a.vector(e, 0) * 1e6) + " "
                        + Math.round(a.vector(e, 1) * 1e6) + " " + Math.round(a.vector(e, 2) * 1e6);
                assertTrue(byVec.merge(k, -1, Integer::sum) >= 0, "no wrapped counterpart for " + k);
            }
            // shifts differ exactly by the wrapping offsets: S_w = S + n_j - n_i with p_w = p - n @ cell
            double[] inv = Cell.of(cell, pbc).inv;
            int[] nOff = new int[3 * z.length];
            for (int i = 0; i < z.length; i++) {
                for (int c = 0; c < 3; c++) {
                    double f = 0;
                    for (int k = 0; k < 3; k++) {
                        f += (un[3 * i + k] - sw.position(i, k)) * inv[3 * k + c];
                    }
                    nOff[3 * i + c] = (int) Math.round(f);
                }
            }
            TreeSet<String> mapped = new TreeSet<>();
            for (int e = 0; e < a.numEdges(); e++) {
                int i = a.sender(e), j = a.receiver(e);
                mapped.add(NeighborListAseParityTest.key(i, j, a.shift(e, 0) + nOff[3 * j] - nOff[3 * i],
                        a.shift(e, 1) + nOff[3 * j + 1] - nOff[3 * i + 1], a.shift(e, 2) + nOff[3 * j + 2] - nOff[3 * i + 2]));
            }
            NeighborListAseParityTest.assertSameSet("wrapped " + trial, NeighborListAseParityTest.javaSet(b), mapped);
        }
    }

    static Structure cu108(Random r) {
        double a = 3.61;
        double[] cell = {3 * a, 0, 0, 0, 3 * a, 0, 0, 0, 3 * a};
        double[][] basis = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
        double[] pos = new double[3 * 108];
        int n = 0;
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                for (int k = 0; k < 3; k++) {
                    for (double[] b : basis) {
                        pos[3 * n] = (i + b[0]) * a + 0.05 * r.nextGaussian();
                        pos[3 * n + 1] = (j + b[1]) * a + 0.05 * r.nextGaussian();
                        pos[3 * n + 2] = (k + b[2]) * a + 0.05 * r.nextGaussian();
                        n++;
                    }
                }
            }
        }
        int[] z = new int[108];
        java.util.Arrays.fill(z, 29);
        return new Structure(z, pos, cell, new boolean[] {true, true, true});
    }

    @Test
    void skinAvoidsRebuildsAndStaysExact() {
        Random r = new Random(2024);
        Structure s = cu108(r);
        double cutoff = 4.2, skin = 0.8;
        NeighborList nl = new NeighborList(cutoff, skin);
        assertTrue(nl.needsRebuild(s.positions()));
        nl.build(s);
        assertEquals(1, nl.rebuildCount());
        double[] pos = s.positions();
        double[] ref = pos.clone();
        int rebuilds = 0;
        for (int step = 0; step < 40; step++) {
            for (int k = 0; k < pos.length; k++) {
                pos[k] += 0.02 * r.nextGaussian();
            }
            double maxDisp = 0;
            for (int i = 0; i < 108; i++) {
                double dx = pos[3 * i] - ref[3 * i], dy = pos[3 * i + 1] - ref[3 * i + 1], dz = pos[3 * i + 2] - ref[3 * i + 2];
                maxDisp = Math.max(maxDisp, Math.sqrt(dx * dx + dy * dy + dz * dz));
            }
            assertEquals(maxDisp > skin / 2, nl.needsRebuild(pos), "step " + step);
            boolean rebuilt = nl.update(pos);
            assertEquals(maxDisp > skin / 2, rebuilt);
            if (rebuilt) {
                rebuilds++;
                ref = pos.clone();
            }
            NeighborList fresh = NeighborList.of(s.withPositions(pos), cutoff);
            NeighborListAseParityTest.assertSameSet("step " + step, NeighborListAseParityTest.javaSet(fresh),
                    NeighborListAseParityTest.javaSet(nl));
            assertArrayEquals(fresh.senders(), nl.senders());
            assertArrayEquals(fresh.receiverOffsets(), nl.receiverOffsets());
            assertArrayEquals(fresh.vectors(), nl.vectors(), 0.0);
        }
        assertTrue(rebuilds > 0 && rebuilds < 20, "rebuilds " + rebuilds);
        assertEquals(1 + rebuilds, nl.rebuildCount());
    }

    /**
     * A candidates-only list (the fast force field's, issue 15 finding 9) rebuilds like a full one,
     * keeps no per-step edges, and its contact check finds the first candidate closer than a bound
     * at the current positions, with the distance a full list computes.
     */
    @Test
    void candidatesOnlyKeepsTheCandidatesAndChecksContacts() {
        Random r = new Random(11);
        Structure s = cu108(r);
        double cutoff = 4.2, skin = 0.8;
        NeighborList full = new NeighborList(cutoff, skin);
        NeighborList lean = new NeighborList(cutoff, skin).candidatesOnly();
        full.build(s);
        lean.build(s);
        double[] pos = s.positions();
        for (int step = 0; step < 10; step++) {
            for (int k = 0; k < pos.length; k++) {
                pos[k] += 0.05 * r.nextGaussian();
            }
            assertEquals(full.update(pos), lean.update(pos), "step " + step);
            assertEquals(full.numCandidates(), lean.numCandidates());
            for (int k = 0; k < full.numCandidates(); k++) {
                assertEquals(full.candidateSendersView()[k], lean.candidateSendersView()[k]);
                assertEquals(full.candidateReceiversView()[k], lean.candidateReceiversView()[k]);
            }
            double min = Double.POSITIVE_INFINITY;
            for (int e = 0; e < full.numEdges(); e++) {
                min = Math.min(min, full.distance(e));
            }
            assertEquals(-1, lean.closeCandidate(min));
            int k = lean.closeCandidate(Math.nextUp(min));
            assertTrue(k >= 0, "step " + step);
            assertEquals(min, lean.candidateDistance(k), 0.0);
        }
        assertThrows(IllegalStateException.class, lean::numEdges);
        assertThrows(IllegalStateException.class, () -> lean.sender(0));
        assertThrows(IllegalStateException.class, lean::senders);
    }

    @Test
    void rebuildTriggers() {
        Random r = new Random(5);
        Structure s = cu108(r);
        NeighborList nl = new NeighborList(4.0, 1.0);
        nl.build(s);
        double[] pos = s.positions();
        pos[7] += 0.49;
        assertFalse(nl.needsRebuild(pos));
        pos[7] += 0.02;
        assertTrue(nl.needsRebuild(pos), "moved more than skin/2");
        pos[7] -= 0.02;
        double[] cell = s.cell();
        assertFalse(nl.needsRebuild(pos, cell));
        cell[0] *= 1.001;
        assertTrue(nl.needsRebuild(pos, cell), "cell changed");
        assertTrue(nl.update(pos, cell));
        assertArrayEquals(cell, nl.cell());
        assertTrue(nl.needsRebuild(java.util.Arrays.copyOf(pos, pos.length - 3)), "atom count changed");
        double[] bad = pos.clone();
        bad[5] = Double.NaN;
        assertTrue(nl.needsRebuild(bad));
        StructureException ex = assertThrows(StructureException.class, () -> nl.update(bad));
        assertTrue(ex.getMessage().contains("atom 1"), ex.getMessage());
        NeighborList zeroSkin = new NeighborList(4.0, 0.0);
        zeroSkin.build(s);
        assertFalse(zeroSkin.needsRebuild(s.positions()));
        double[] p2 = s.positions();
        p2[0] += 1e-9;
        assertTrue(zeroSkin.needsRebuild(p2));
        assertThrows(IllegalStateException.class, () -> new NeighborList(3, 1).update(p2));
        assertThrows(IllegalArgumentException.class, () -> new NeighborList(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> new NeighborList(3, Double.NaN));
    }

    @Test
    void updateWithoutRebuildDoesNotAllocate() {
        var bean = ManagementFactory.getThreadMXBean();
        if (!(bean instanceof com.sun.management.ThreadMXBean tb) || !tb.isThreadAllocatedMemorySupported()) {
            return;
        }
        Random r = new Random(11);
        Structure s = cu108(r);
        NeighborList nl = new NeighborList(4.2, 1.0);
        nl.build(s);
        double[] pos = s.positions();
        double[] base = pos.clone();
        for (int warm = 0; warm < 2000; warm++) {
            pos[warm % pos.length] = base[warm % pos.length] + 0.001;
            nl.update(pos);
        }
        long tid = Thread.currentThread().threadId();
        long before = tb.getThreadAllocatedBytes(tid);
        boolean rebuilt = false;
        int calls = 20000;
        for (int it = 0; it < calls; it++) {
            pos[it % pos.length] = base[it % pos.length] + 0.002 * ((it & 1) == 0 ? 1 : -1);
            rebuilt |= nl.update(pos);
        }
        long allocated = tb.getThreadAllocatedBytes(tid) - before;
        assertFalse(rebuilt);
        // a few KB of one-off JIT/runtime noise is tolerated; a per-call allocation would be >= 16 B x 20000
        assertTrue(allocated < calls, "update allocated " + allocated + " bytes over " + calls + " calls");
        assertEquals(1, nl.rebuildCount());
    }

    @Test
    void rebuildReusesItsArrays() {
        // MD rebuilds the list every few dozen steps: once its arrays have grown, a rebuild (cell-list
        // search, sort, filter) must allocate nothing, or a long run allocates per step on average
        var bean = ManagementFactory.getThreadMXBean();
        if (!(bean instanceof com.sun.management.ThreadMXBean tb) || !tb.isThreadAllocatedMemorySupported()) {
            return;
        }
        Structure bulk = cu108(new Random(12));
        // a slab (c = 0, not periodic along it): the cell is completed on every rebuild
        Structure slab = new Structure(bulk.numbersRef(), bulk.positionsRef(),
                new double[] {3 * 3.61, 0, 0, 0, 3 * 3.61, 0, 0, 0, 0}, new boolean[] {true, true, false});
        for (Structure s : new Structure[] {bulk, slab}) {
            // 18 neighbours per atom, and ~80 (long runs to sort: the partitioning sort path)
            for (double cutoff : new double[] {4.2, 6.0}) {
                rebuildsAllocateNothing(tb, s, cutoff);
            }
        }
    }

    private static void rebuildsAllocateNothing(com.sun.management.ThreadMXBean tb, Structure s, double cutoff) {
        NeighborList nl = new NeighborList(cutoff, 0.0); // zero skin: every moved position rebuilds
        nl.build(s);
        double[] pos = s.positions();
        double[] base = pos.clone();
        for (int warm = 0; warm < 3000; warm++) {
            pos[warm % pos.length] = base[warm % pos.length] + 0.001 * ((warm / pos.length & 1) == 0 ? 1 : -1);
            assertTrue(nl.update(pos));
        }
        long tid = Thread.currentThread().threadId();
        long before = tb.getThreadAllocatedBytes(tid);
        int calls = 2000;
        for (int it = 0; it < calls; it++) {
            pos[it % pos.length] = base[it % pos.length] + 0.002 * ((it / pos.length & 1) == 0 ? 1 : -1);
            assertTrue(nl.update(pos));
        }
        long allocated = tb.getThreadAllocatedBytes(tid) - before;
        // before the scratch was reused a rebuild of these 108 atoms allocated 9 800 B (measured)
        assertTrue(allocated < calls, "rebuild allocated " + allocated + " bytes over " + calls + " rebuilds"
                + " (pbc " + java.util.Arrays.toString(s.pbcRef()) + ", cutoff " + cutoff + ")");
        // and the reused arrays give the same list as a fresh search
        NeighborList fresh = new NeighborList(cutoff, 0.0);
        fresh.build(pos, s.cellRef(), s.pbcRef());
        assertEquals(fresh.numEdges(), nl.numEdges());
        assertArrayEquals(fresh.senders(), nl.senders());
        assertArrayEquals(fresh.receivers(), nl.receivers());
        assertArrayEquals(fresh.shifts(), nl.shifts());
    }

    @Test
    void keySortEqualsArraysSort() {
        Random r = new Random(3);
        for (int n : new int[] {0, 1, 2, 17, 32, 33, 100, 1000}) {
            long[] a = new long[n];
            for (int i = 0; i < n; i++) {
                a[i] = r.nextInt(1 << 20) * (long) (1 << 30) + r.nextInt(1 << 30);
            }
            long[] expected = a.clone();
            java.util.Arrays.sort(expected);
            PairSearch.sortKeys(a, n);
            assertArrayEquals(expected, a, "n = " + n);
        }
    }

    @Test
    void selfImagesAndTinyCells() {
        // 1 atom in a 2 Å cubic cell, cutoff 2.5: 6 face images (2.0) + 12 edge images (2.83 > 2.5? no) ...
        Structure s = new Structure(new int[] {18}, new double[] {0.1, 0.2, 0.3}, new double[] {2, 0, 0, 0, 2, 0, 0, 0, 2},
                new boolean[] {true, true, true});
        NeighborList nl = NeighborList.of(s, 2.5);
        assertEquals(6, nl.numEdges());
        for (int e = 0; e < nl.numEdges(); e++) {
            assertEquals(0, nl.sender(e));
            assertEquals(0, nl.receiver(e));
            assertEquals(2.0, nl.distance(e), 1e-12);
        }
        NeighborList big = NeighborList.of(s, 4.01); // all images with |S| . 2 < 4.01
        int count = 0;
        for (int a = -2; a <= 2; a++) {
            for (int b = -2; b <= 2; b++) {
                for (int c = -2; c <= 2; c++) {
                    if ((a | b | c) != 0 && 4.0 * (a * a + b * b + c * c) < 4.01 * 4.01) {
                        count++;
                    }
                }
            }
        }
        assertEquals(count, big.numEdges());
        // single atom, open boundaries: no edges, offsets [0, 0]
        NeighborList lone = NeighborList.of(new Structure(new int[] {1}, new double[] {0, 0, 0}), 5);
        assertEquals(0, lone.numEdges());
        assertArrayEquals(new int[] {0, 0}, lone.receiverOffsets());
    }

    /**
     * A very flat cell (height 1e-3 Å along c): before the lattice reduction it needed ~2e9 images per
     * atom and was refused; it is a valid (dense) lattice, and its reduced basis finds every lattice
     * point within the cutoff, counted here by brute force over the original basis. A cell a million
     * times flatter still is refused (too thin for the cutoff: its reduced heights need ~1e8 images).
     */
    @Test
    void aFlatCellIsReducedAndAnAbsurdOneIsRefusedByTheWorkBound() {
        double[] cell = {5, 0, 0, 0, 5, 0, 0.3, 0.2, 1e-3};
        Structure s = new Structure(new int[] {1}, new double[] {0, 0, 0}, cell, new boolean[] {true, true, true},
                Structure.Checks.DEFAULT.withMinDistance(0));
        NeighborList nl = NeighborList.of(s, 5.0);
        int count = 0;
        for (int k = -5000; k <= 5000; k++) {
            for (int i = -3 + (int) Math.floor(-0.06 * k); i <= 3 + (int) Math.ceil(-0.06 * k); i++) {
                for (int j = -3 + (int) Math.floor(-0.04 * k); j <= 3 + (int) Math.ceil(-0.04 * k); j++) {
                    double x = 5 * i + 0.3 * k, y = 5 * j + 0.2 * k, z = 1e-3 * k;
                    if ((i | j | k) != 0 && Math.sqrt(x * x + y * y + z * z) < 5.0) {
                        count++;
                    }
                }
            }
        }
        assertEquals(count, nl.numEdges());
        for (int e = 0; e < nl.numEdges(); e++) {
            assertTrue(nl.distance(e) < 5.0);
        }
        double[] absurd = {5, 0, 0, 0, 5, 0, 0.3, 0.2, 1e-9};
        Structure t = new Structure(new int[] {1}, new double[] {0, 0, 0}, absurd, new boolean[] {true, true, true},
                Structure.Checks.DEFAULT.withMinDistance(0));
        StructureException e = assertThrows(StructureException.class, () -> NeighborList.of(t, 5.0));
        assertTrue(e.getMessage().contains("for cutoff") || e.getMessage().contains("at cutoff"), e.getMessage());
    }

    /**
     * The same rattled Cu crystal through a valid cell {@code b' = b + 10^8 a} (the same lattice):
     * every pair (i, j, S') maps to the reduced cell's (i, j, S0 + 10^8 S1, S1, S2) and the sets are
     * equal. Before the lattice reduction this cell was refused (more than 5e7 images per atom).
     */
    @Test
    void aHugelySkewedCellGivesTheReducedCellsPairsWithShiftsInItsOwnBasis() {
        double a = 7.22;
        java.util.SplittableRandom rng = new java.util.SplittableRandom(9);
        double[][] basis = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
        int n = 32;
        int[] z = new int[n];
        double[] p = new double[3 * n];
        int i = 0;
        for (int x = 0; x < 2; x++) {
            for (int y = 0; y < 2; y++) {
                for (int w = 0; w < 2; w++) {
                    for (double[] b : basis) {
                        z[i] = 29;
                        p[3 * i] = (x + b[0]) * 3.61 + 0.1 * (rng.nextDouble() - 0.5);
                        p[3 * i + 1] = (y + b[1]) * 3.61 + 0.1 * (rng.nextDouble() - 0.5);
                        p[3 * i + 2] = (w + b[2]) * 3.61 + 0.1 * (rng.nextDouble() - 0.5);
                        i++;
                    }
                }
            }
        }
        long f = 100_000_000L;
        double[] cube = {a, 0, 0, 0, a, 0, 0, 0, a};
        double[] skew = {a, 0, 0, f * a, a, 0, 0, 0, a};
        boolean[] pbc = {true, true, true};
        NeighborList ref = new NeighborList(4.0, 0.0);
        ref.build(p, cube, pbc);
        NeighborList sk = new NeighborList(4.0, 0.0);
        sk.build(p, skew, pbc);
        java.util.TreeSet<String> want = new java.util.TreeSet<>();
        for (int e = 0; e < ref.numEdges(); e++) {
            want.add(ref.sender(e) + " " + ref.receiver(e) + " " + ref.shift(e, 0) + " " + ref.shift(e, 1) + " "
                    + ref.shift(e, 2));
        }
        java.util.TreeSet<String> got = new java.util.TreeSet<>();
        for (int e = 0; e < sk.numEdges(); e++) {
            long s0 = sk.shift(e, 0) + f * sk.shift(e, 1);
            got.add(sk.sender(e) + " " + sk.receiver(e) + " " + s0 + " " + sk.shift(e, 1) + " " + sk.shift(e, 2));
        }
        assertEquals(want, got);
        assertEquals(ref.numEdges(), sk.numEdges());
    }
}
