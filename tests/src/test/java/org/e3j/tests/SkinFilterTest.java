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
import org.junit.jupiter.api.Test;
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

    @Test
    void oneAndTwoThreadsGiveTheSameBits() {
        assertArrayEquals(run(1), run(2));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void skinPairsCostNothingAndChangeNoBit(int threads) {
        run(threads);
    }

    /**
     * The live buffers are sized for the pairs within the cutoff at staging (+25 %); a compression
     * that brings a whole shell inside the cutoff (42 -> 54 pairs per atom) must grow them and still
     * give the bits of the model on all candidates.
     */
    @Test
    void moreInCutoffPairsThanAtStagingGrowTheLiveBuffers() {
        FastModel model = FastModel.compile(ReferenceModel.load(COPPER));
        AtomsSystem cu = Crystals.fcc(3, 3.61);
        int n = cu.numAtoms();
        NeighborList nl = new NeighborList(model.reference().config.cutoff, 1.0);
        nl.build(cu.positions(), cu.cellView(), cu.pbcView());
        try (FastPotential filtered = new FastPotential(model, 1).cutoffFilter(true);
                FastPotential all = new FastPotential(model, 1)) {
            for (FastPotential p : new FastPotential[] {filtered, all}) {
                p.setGraph(n, cu.numbersView(), cu.positions(), nl.numCandidates(), nl.candidateSendersView(),
                        nl.candidateReceiversView(), Crystals.cartesianShifts(nl, cu.cellView()));
            }
            double[] f1 = new double[3 * n];
            double[] f2 = new double[3 * n];
            filtered.compute(cu.positions(), null, null, f1, null, null);
            int before = filtered.workspace().numEdges();
            assertEquals(42 * n, before);
            double scale = 0.97;
            double[] p = cu.positions().clone();
            for (int i = 0; i < p.length; i++) {
                p[i] *= scale;
            }
            double[] cell = cu.cellView().clone();
            for (int i = 0; i < 9; i++) {
                cell[i] *= scale;
            }
            double[] shifts = Crystals.cartesianShifts(nl, cell);
            double e1 = filtered.compute(p, shifts, null, f1, null, null);
            double e2 = all.compute(p, shifts, null, f2, null, null);
            assertEquals(54 * n, filtered.workspace().numEdges());
            assertEquals(Double.doubleToLongBits(e2), Double.doubleToLongBits(e1));
            assertArrayEquals(f2, f1);
        }
    }

    /** Six steps checked against the model on all candidates; returns every step's energy, forces and stress. */
    static double[] run(int threads) {
        FastModel model = FastModel.compile(ReferenceModel.load(COPPER));
        AtomsSystem cu = Crystals.fcc(3, BundledModelMdTest.A); // 108 atoms
        int n = cu.numAtoms();
        SplittableRandom rng = new SplittableRandom(7);
        double[] all6 = new double[6 * (1 + 3 * n + 6)];
        int at = 0;
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
                all6[at++] = r.energy();
                System.arraycopy(r.forces(), 0, all6, at, 3 * n);
                at += 3 * n;
                System.arraycopy(r.stress(), 0, all6, at, 6);
                at += 6;
            }
            assertTrue(crossings > 0, "the steps must move pairs across the cutoff");
        }
        return all6;
    }
}
