package org.e3j.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.SplittableRandom;
import org.e3j.graph.NeighborList;
import org.e3j.layers.fast.FastModel;
import org.e3j.layers.fast.FastPotential;
import org.e3j.layers.model.ReferenceModel;
import org.e3j.md.AtomsSystem;
import org.e3j.md.ForceResult;
import org.e3j.md.model.FastForceField;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 13, item 2 (no skin tax): the fast force field stages the Verlet skin candidates once per
 * neighbour-list rebuild, and every step does message work only for the pairs within the cutoff.
 * The result must be bit-identical to the model run on all the candidates (the envelope is exactly
 * zero beyond the cutoff), at 1 and 2 threads, over steps where pairs cross the cutoff.
 */
class SkinFilterTest {
    static final Path COPPER = Path.of(System.getProperty("e3j.models", "../models")).resolve("cu-emt.safetensors");

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void skinPairsCostNothingAndChangeNoBit(int threads) {
        FastModel model = FastModel.compile(ReferenceModel.load(COPPER));
        AtomsSystem cu = BundledModelMdTest.fcc(3); // 108 atoms
        int n = cu.numAtoms();
        SplittableRandom rng = new SplittableRandom(7);
        try (FastForceField ff = new FastForceField(model, threads, FastForceField.DEFAULT_SKIN).minWorkPerThread(1);
                FastPotential all = new FastPotential(model, threads)) {
            all.workspace().setMinWorkPerThread(1);
            NeighborList nl = new NeighborList(model.reference().config.cutoff, FastForceField.DEFAULT_SKIN)
                    .withoutVectors();
            nl.build(cu.positions(), cu.cellView(), cu.pbcView());
            all.setGraph(n, cu.numbersView(), cu.positions(), nl.numCandidates(), nl.candidateSendersView(),
                    nl.candidateReceiversView(), nl.candidateShiftsView(), cu.cellView());
            double[] forces = new double[3 * n];
            double[] stress = new double[6];
            int crossings = 0;
            int lastPairs = -1;
            double[] start = cu.positions().clone();
            for (int step = 0; step < 6; step++) {
                double[] p = start.clone();
                for (int i = 0; i < p.length; i++) { // < 0.25 Å from the start, below skin / 2: no rebuild
                    p[i] += 0.28 * (rng.nextDouble() - 0.5);
                }
                cu.setPositions(p);
                ForceResult r = new ForceResult(n);
                ff.compute(cu, ForceResult.ENERGY | ForceResult.FORCES | ForceResult.STRESS, r);
                double e = all.compute(cu.positions(), null, cu.cellView(), forces, stress, null);
                assertEquals(1, ff.rebuildCount(), "the candidates must stay staged");
                assertEquals(Double.doubleToLongBits(e), Double.doubleToLongBits(r.energy()), "energy, step " + step);
                assertArrayEquals(forces, r.forces(), "forces, step " + step);
                assertArrayEquals(stress, r.stress(), "stress, step " + step);
                nl.update(cu.positions(), cu.cellView());
                assertEquals(nl.numEdges(), ff.messagePairs(), "message work only for the pairs within the cutoff");
                assertTrue(ff.messagePairs() < 0.8 * nl.numCandidates(), ff.messagePairs() + " of " + nl.numCandidates());
                if (lastPairs >= 0 && lastPairs != ff.messagePairs()) {
                    crossings++;
                }
                lastPairs = ff.messagePairs();
            }
            assertTrue(crossings > 0, "the steps must move pairs across the cutoff");
        }
    }
}
