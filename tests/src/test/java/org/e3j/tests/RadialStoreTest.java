package org.e3j.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.e3j.graph.NeighborList;
import org.e3j.layers.fast.FastModel;
import org.e3j.layers.fast.FastPotential;
import org.e3j.layers.model.ReferenceModel;
import org.e3j.md.AtomsSystem;
import org.junit.jupiter.api.Test;

/**
 * The fast backward keeps the radial output R per edge while it fits a fixed budget
 * (FastBackward.R_STORE_BYTES): every layer's R written by the forward (tabulated models), or one
 * layer's written by the receiver pass and copied by the sender pass, or recomputed per tile of
 * senders beyond the budget. All must give the same bits, since the rows of R are independent. The
 * same budget decides whether the sender pass's transposed M is written once per backward for all
 * edges or per sender tile and layer (the former only in single-threaded workspaces): the same
 * values in the same order, so the same bits. Budgets from 0 to 64 MB in steps of 1.5x land in every
 * regime of this system (each threshold is at least 1.5x from the next), with the radial tables and
 * with the MLP, at 1 and 2 threads (all compared with 2 threads at the default budget: the bits do
 * not depend on the thread count either).
 */
class RadialStoreTest {
    @Test
    void everyStorageRegimeGivesTheSameBits() {
        for (boolean tables : new boolean[] {true, false}) {
            double[][] reference = forces(null, tables, 2);
            for (int threads = 1; threads <= 2; threads++) {
                for (long budget = 0; budget <= 64L << 20; budget = budget == 0 ? 1 << 14 : budget * 3 / 2) {
                    double[][] other = forces(Long.toString(budget), tables, threads);
                    String what = "budget " + budget + " B, tables " + tables + ", threads " + threads;
                    assertEquals(Double.doubleToLongBits(reference[0][0]), Double.doubleToLongBits(other[0][0]), what);
                    assertArrayEquals(reference[1], other[1], what);
                    assertArrayEquals(reference[2], other[2], what);
                }
            }
        }
    }

    /** Energy, forces and stress of a rattled 108-atom Cu crystal with the given R budget (null: default). */
    private static double[][] forces(String budget, boolean tables, int threads) {
        System.setProperty(FastModel.RADIAL_TABLE_PROPERTY, Boolean.toString(tables));
        if (budget == null) {
            System.clearProperty("e3j.fast.radialStoreBytes");
        } else {
            System.setProperty("e3j.fast.radialStoreBytes", budget);
        }
        try {
            FastModel model = FastModel.compile(ReferenceModel.load(SkinFilterTest.COPPER));
            AtomsSystem cu = Crystals.fcc(3, 3.61);
            int n = cu.numAtoms();
            double[] pos = cu.positions().clone();
            java.util.SplittableRandom rng = new java.util.SplittableRandom(7);
            for (int i = 0; i < pos.length; i++) {
                pos[i] += 0.1 * (rng.nextDouble() - 0.5); // off the lattice: forces and shear are not zero
            }
            NeighborList nl = new NeighborList(model.reference().config.cutoff, 0.0);
            nl.build(pos, cu.cellView(), cu.pbcView());
            try (FastPotential p = new FastPotential(model, threads)) {
                p.setGraph(n, cu.numbersView(), pos, nl.numCandidates(), nl.candidateSendersView(),
                        nl.candidateReceiversView(), Crystals.cartesianShifts(nl, cu.cellView()));
                double[] f = new double[3 * n];
                double[] s = new double[6];
                double e = p.compute(pos, null, cu.cellView(), f, s, null);
                return new double[][] {{e}, f, s};
            }
        } finally {
            System.clearProperty("e3j.fast.radialStoreBytes");
            System.clearProperty(FastModel.RADIAL_TABLE_PROPERTY);
        }
    }
}
