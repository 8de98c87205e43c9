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
 * The fast backward keeps the radial MLP output R per edge while it fits a fixed budget and
 * recomputes it per tile of senders beyond (FastBackward.R_STORE_BYTES): both ways must give the same
 * bits, since GEMM rows are independent. The same budget decides whether the sender pass's transposed
 * M is written once per backward for all edges or per sender tile and layer (a budget of 0: both per
 * tile): the same values in the same order, so the same bits.
 */
class RadialStoreTest {
    @Test
    void storedAndRecomputedRadialOutputsGiveTheSameBits() {
        double[][] stored = forces(null);
        double[][] recomputed = forces("0");
        assertEquals(Double.doubleToLongBits(stored[0][0]), Double.doubleToLongBits(recomputed[0][0]));
        assertArrayEquals(stored[1], recomputed[1]);
        assertArrayEquals(stored[2], recomputed[2]);
    }

    /** Energy, forces and stress of a rattled 108-atom Cu crystal with the given R budget (null: default). */
    private static double[][] forces(String budget) {
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
            try (FastPotential p = new FastPotential(model, 2)) {
                p.setGraph(n, cu.numbersView(), pos, nl.numCandidates(), nl.candidateSendersView(),
                        nl.candidateReceiversView(), SkinFilterTest.cartesian(nl, cu.cellView()));
                double[] f = new double[3 * n];
                double[] s = new double[6];
                double e = p.compute(pos, null, cu.cellView(), f, s, null);
                return new double[][] {{e}, f, s};
            }
        } finally {
            System.clearProperty("e3j.fast.radialStoreBytes");
        }
    }
}
